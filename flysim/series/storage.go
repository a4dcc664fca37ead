package series

import (
	"math"

	"github.com/flydash/dashboard/flysim/fleet"
)

// Disks, filesystems and Fly Volumes. A machine's root filesystem is its
// image on vda, read only, under a writable ephemeral layer on vdb, as a
// capture of a real org shows (vda never writes; Fly's docs name only vdb
// and vdc); a mounted volume is vdc, mounted where the machine's config
// says. Volumes fill as their apps write: the used share
// grows from Volume.UsedAtStart (at UsedAt, or the volume's creation) by
// FillPerHour.

const (
	rootfsBytes  = 8 << 30
	blockSize    = 4096
	ext4Overhead = 0.016 // inode tables and journal
	// rootReserved is mkfs.ext4's default 5% for root on the rootfs; the
	// volumes flysim makes keep none.
	rootReserved = 0.05
	freshUsed    = 0.015 // an empty ext4 volume's metadata
	// writeAmplification: a database writes its WAL, then pages, then
	// vacuums, for every byte a volume keeps.
	writeAmplification = 4
)

// volumeModel is one of an app's volumes.
type volumeModel struct {
	app  *appModel
	v    *fleet.Volume
	host string // the host of the machine it is attached to, else its zone
	life span
}

func (am *appModel) volumeModels() []*volumeModel {
	var out []*volumeModel
	for _, v := range am.app.Volumes {
		vm := &volumeModel{app: am, v: v, host: v.Zone, life: span{msOf(v.CreatedAt), endMs(v.DestroyedAt)}}
		vm.life.from = max(vm.life.from, am.life.from)
		vm.life.to = min(vm.life.to, am.life.to)
		for _, mm := range am.machines {
			if mm.m.ID == v.AttachedMachine {
				vm.host = mm.m.Host
			}
		}
		if vm.life.from < vm.life.to {
			out = append(out, vm)
		}
	}
	return out
}

func (v *volumeModel) sizeBytes() float64 { return float64(v.v.SizeGB) * (1 << 30) }

// used is the share of the volume the app's files take at k.
func (v *volumeModel) used(k int64) float64 {
	ref := v.v.UsedAt
	if ref.IsZero() {
		ref = v.v.CreatedAt
	}
	hours := float64(k*gridMs-msOf(ref)) / 3600e3
	return min(1, max(freshUsed, v.v.UsedAtStart+v.v.FillPerHour*hours))
}

// writeBytes is the rate the app writes to the volume, bytes/s.
func (v *volumeModel) writeBytes() float64 {
	return 20e3 + v.v.FillPerHour*v.sizeBytes()/3600*writeAmplification
}

// volume finds the model of the volume a mount names.
func (am *appModel) volume(id string) *volumeModel {
	for _, v := range am.volumes {
		if v.v.ID == id {
			return v
		}
	}
	return nil
}

// filesystem is one statvfs reading's shape: its size and used share.
type filesystem struct {
	mount    string
	bytes    float64
	reserved float64
	used     func(k int64) float64
}

func (fs filesystem) blocks() float64 { return math.Floor(fs.bytes * (1 - ext4Overhead) / blockSize) }

func (fs filesystem) free(k int64) float64 {
	b := fs.blocks()
	return b - math.Round(b*fs.used(k))
}

// filesystems are the machine's mounts: / and each volume.
func (mm *machineModel) filesystems() []filesystem {
	rootUsed := between(mm.key, 13, 0.12, 0.35)
	out := []filesystem{{mount: "/", bytes: rootfsBytes, reserved: rootReserved, used: func(int64) float64 { return rootUsed }}}
	for _, m := range mm.m.Mounts {
		fs := filesystem{mount: m.Path, bytes: float64(m.SizeGB) * (1 << 30), used: func(int64) float64 { return freshUsed }}
		if v := mm.app.volume(m.Volume); v != nil {
			fs.bytes, fs.used = v.sizeBytes(), v.used
		}
		out = append(out, fs)
	}
	return out
}

// devices are the machine's block devices with their I/O rates (ops/s
// and bytes/s): vda, the image, is read (binaries and libraries the page
// cache dropped); vdb, the writable layer, sees logs and temp files; vdc,
// a volume, what the app writes to it, and reads of about twice as many
// pages.
type device struct {
	name                string
	readOps, writeOps   float64
	readBytes, writeBts float64
}

func (mm *machineModel) devices() []device {
	am := mm.app
	req := am.rate * mm.trafficShare()
	if !am.app.HTTP {
		req = 0
	}
	image := device{name: "vda", readOps: 0.2 + 0.01*req}
	image.readBytes = image.readOps * 32768
	layer := device{name: "vdb", readOps: 0.1 + 0.01*req, writeOps: 1.5 + 0.05*req}
	layer.readBytes, layer.writeBts = layer.readOps*16384, layer.writeOps*8192
	out := []device{image, layer}
	if len(mm.m.Mounts) == 0 {
		return out
	}
	// One volume per machine, as Fly allows.
	w := 20e3
	if v := am.volume(mm.m.Mounts[0].Volume); v != nil {
		w = v.writeBytes()
	}
	vdc := device{name: "vdc", writeBts: w, writeOps: w / 16384}
	vdc.readOps, vdc.readBytes = 2*vdc.writeOps, 2*w
	return append(out, vdc)
}

// diskCounters are /proc/diskstats' fields 1-11 as rates of a device's
// I/O: times in ms (0.3 ms a read, 0.6 ms a write on NVMe), sectors of
// 512 bytes.
var diskCounters = []struct {
	name string
	rate func(d device) float64
}{
	{"fly_instance_disk_reads_completed", func(d device) float64 { return d.readOps }},
	{"fly_instance_disk_reads_merged", func(d device) float64 { return 0.1 * d.readOps }},
	{"fly_instance_disk_sectors_read", func(d device) float64 { return d.readBytes / 512 }},
	{"fly_instance_disk_time_reading", func(d device) float64 { return 0.3 * d.readOps }},
	{"fly_instance_disk_writes_completed", func(d device) float64 { return d.writeOps }},
	{"fly_instance_disk_writes_merged", func(d device) float64 { return 0.3 * d.writeOps }},
	{"fly_instance_disk_sectors_written", func(d device) float64 { return d.writeBts / 512 }},
	{"fly_instance_disk_time_writing", func(d device) float64 { return 0.6 * d.writeOps }},
	{"fly_instance_disk_time_io", func(d device) float64 { return 0.4 * (d.readOps + d.writeOps) }},
	{"fly_instance_disk_time_io_weighted", func(d device) float64 { return 0.5 * (0.3*d.readOps + 0.6*d.writeOps) * 1.3 }},
}

// fsFields are the statvfs families, per mount.
var fsFields = []struct {
	name string
	get  func(fs filesystem, k int64) float64
}{
	{"fly_instance_filesystem_blocks", func(fs filesystem, _ int64) float64 { return fs.blocks() }},
	{"fly_instance_filesystem_block_size", func(filesystem, int64) float64 { return blockSize }},
	{"fly_instance_filesystem_blocks_free", filesystem.free},
	{"fly_instance_filesystem_blocks_avail", func(fs filesystem, k int64) float64 {
		return max(0, fs.free(k)-math.Round(fs.blocks()*fs.reserved))
	}},
}

func storageFamilies() []family {
	var out []family
	for _, c := range diskCounters {
		out = append(out, family{name: c.name, scope: scopeMachineRunning, machine: func(mm *machineModel, e *emitter) {
			for _, d := range mm.devices() {
				e.add(true, func() evaluator {
					key := hashKey(mm.m.ID, c.name, d.name)
					f := newFlow(c.rate(d), 1, dailyWaves(key, 0.5*mm.app.daily), nil, key, counterNoise)
					return &counterEval{c: cursor{f: f}}
				}, "device", d.name)
			}
		}})
	}
	out = append(out, family{name: "fly_instance_disk_io_in_progress", scope: scopeMachineRunning, machine: func(mm *machineModel, e *emitter) {
		for _, d := range mm.devices() {
			key := hashKey(mm.m.ID, "inflight", d.name)
			busy := 0.0004 * (d.readOps + d.writeOps) // Little's law: ops/s x 0.4 ms
			e.add(false, func() evaluator {
				return gaugeFunc(func(k int64) float64 { return math.Floor(busy + unit(key, uint64(k))) })
			}, "device", d.name)
		}
	}})
	for _, f := range fsFields {
		out = append(out, family{name: f.name, scope: scopeMachineRunning, machine: func(mm *machineModel, e *emitter) {
			for _, fs := range mm.filesystems() {
				e.add(false, func() evaluator { return gaugeFunc(func(k int64) float64 { return f.get(fs, k) }) }, "mount", fs.mount)
			}
		}})
	}
	return append(out,
		family{name: VolumeSize, scope: scopeVolume, volume: func(v *volumeModel, e *emitter) {
			size := v.sizeBytes()
			e.add(false, func() evaluator { return gaugeFunc(func(int64) float64 { return size }) })
		}},
		// The thin LV's Data%: the files plus a little LVM metadata.
		family{name: VolumeUsedPct, scope: scopeVolume, volume: func(v *volumeModel, e *emitter) {
			e.add(false, func() evaluator {
				return gaugeFunc(func(k int64) float64 { return math.Round(100*min(1, v.used(k)+0.005)*100) / 100 })
			})
		}},
	)
}
