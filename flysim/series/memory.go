package series

import "math"

// meminfo is one /proc/meminfo reading, in bytes. The fields add up as the
// kernel's do: MemTotal = MemFree + Buffers + Cached + Slab + AnonPages +
// other kernel memory; MemAvailable = MemFree + Buffers + Cached + the
// reclaimable slab; Active + Inactive = AnonPages + Buffers + Cached. Fly
// Machines have no swap unless asked (swap_size_mb), so swap reads 0.
type meminfo struct {
	total, free, available, buffers, cached, active, inactive float64
	dirty, slab, shmem                                        float64
}

// vmallocTotal is x86-64's vmalloc space, 32 TiB, as every kernel reports.
const vmallocTotal = 34359738367 * 1024

func pages(b float64) float64 { return math.Floor(b/4096) * 4096 }

// meminfo derives every field from mem_total and the used memory at k
// (memUsed, which the memory chart reads as total - available).
func (mm *machineModel) meminfo(k int64) meminfo {
	total := mm.memTotal
	used := mm.memUsed(k)
	avail := total - used
	m := meminfo{total: total, available: avail}
	m.buffers = pages(min(0.005*total, 0.05*avail))
	slabReclaimable := pages(min(0.01*total, 0.1*avail))
	slabUnreclaimable := pages(0.01 * total)
	m.slab = slabReclaimable + slabUnreclaimable
	cacheShare := between(mm.key, 12, 0.15, 0.3)
	m.cached = pages(min(cacheShare*total, 0.6*avail))
	m.free = avail - m.buffers - m.cached - slabReclaimable
	kernel := pages(0.01 * total) // page tables, stacks
	anon := total - m.free - m.buffers - m.cached - m.slab - kernel
	file := m.buffers + m.cached
	m.active = pages(0.85*anon + 0.4*file)
	m.inactive = anon + file - m.active
	m.shmem = pages(min(0.002*total, m.cached))
	m.dirty = pages(m.cached * 0.002 * (1 + gaugeNoise(mm.key^0xd1, k)))
	return m
}

// memFields are the fly_instance_memory_* families, one field each.
var memFields = []struct {
	name string
	get  func(m *meminfo) float64
}{
	{InstanceMemTotal, func(m *meminfo) float64 { return m.total }},
	{"fly_instance_memory_mem_free", func(m *meminfo) float64 { return m.free }},
	{InstanceMemAvailable, func(m *meminfo) float64 { return m.available }},
	{"fly_instance_memory_buffers", func(m *meminfo) float64 { return m.buffers }},
	{"fly_instance_memory_cached", func(m *meminfo) float64 { return m.cached }},
	{"fly_instance_memory_swap_cached", func(*meminfo) float64 { return 0 }},
	{"fly_instance_memory_active", func(m *meminfo) float64 { return m.active }},
	{"fly_instance_memory_inactive", func(m *meminfo) float64 { return m.inactive }},
	{"fly_instance_memory_swap_total", func(*meminfo) float64 { return 0 }},
	{"fly_instance_memory_swap_free", func(*meminfo) float64 { return 0 }},
	{"fly_instance_memory_dirty", func(m *meminfo) float64 { return m.dirty }},
	{"fly_instance_memory_writeback", func(*meminfo) float64 { return 0 }},
	{"fly_instance_memory_slab", func(m *meminfo) float64 { return m.slab }},
	{"fly_instance_memory_shmem", func(m *meminfo) float64 { return m.shmem }},
	{"fly_instance_memory_vmalloc_total", func(*meminfo) float64 { return vmallocTotal }},
	{"fly_instance_memory_vmalloc_used", func(m *meminfo) float64 { return pages(0.004*m.total) + 8<<20 }},
	// VmallocChunk reads 0 since Linux 5.3.
	{"fly_instance_memory_vmalloc_chunk", func(*meminfo) float64 { return 0 }},
}

func memoryFamilies() []family {
	out := make([]family, 0, len(memFields))
	for _, f := range memFields {
		out = append(out, machineGauge(f.name, scopeMachineRunning, func(mm *machineModel) gaugeFunc {
			switch f.name {
			case InstanceMemTotal:
				// The charts read these two on every page: no meminfo.
				return func(int64) float64 { return mm.memTotal }
			case InstanceMemAvailable:
				return func(k int64) float64 { return mm.memTotal - mm.memUsed(k) }
			}
			return func(k int64) float64 {
				m := mm.meminfo(k)
				return f.get(&m)
			}
		}))
	}
	return append(out, pressureFamily(InstanceMemPressureSome, 1), pressureFamily(InstanceMemPressureFull, psiFullShare))
}

// Memory pressure (PSI, /proc/pressure/memory): the share of time some
// task, or every task (full), stalled waiting for memory. It is 0 until
// used memory nears the limit; then reclaim eats the page cache and the
// stalls grow fast, as before image-resizer's OOM kill.
const (
	psiOnset     = 0.85 // of mem_total used
	psiSomeAtTop = 0.7  // stalled share at 100% used
	psiFullShare = 0.35 // of the some share, when every task waits
)

// psiDurations are pressure_duration's values: averages over 10 s, 60 s and
// 300 s in percent, and the total stall time in microseconds since boot.
var psiDurations = []struct {
	name  string
	steps int64 // grid steps averaged; 0 for total
}{{"avg10", 1}, {"avg60", 4}, {"avg300", 20}, {"total", 0}}

// stall is the share of time some task stalled on memory at k.
func (mm *machineModel) stall(k int64) float64 {
	x := (mm.memUsed(k)/mm.memTotal - psiOnset) / (1 - psiOnset)
	if x <= 0 {
		return 0
	}
	return min(1, psiSomeAtTop*x*x)
}

// underPressure reports whether the machine can stall at all: only a leak
// takes memory past the onset.
func (mm *machineModel) underPressure() bool {
	return len(mm.oomExits) > 0 || mm.memBase+0.04 >= psiOnset
}

func pressureFamily(name string, share float64) family {
	return family{name: name, scope: scopeMachineRunning, machine: func(mm *machineModel, e *emitter) {
		for _, d := range psiDurations {
			e.add(d.steps == 0, func() evaluator {
				if !mm.underPressure() {
					return zero()
				}
				if d.steps == 0 {
					return &stallTotal{mm: mm, share: share}
				}
				return gaugeFunc(func(k int64) float64 {
					sum := 0.0
					for j := k - d.steps + 1; j <= k; j++ {
						sum += mm.stall(j)
					}
					return math.Round(100*100*share*sum/float64(d.steps)) / 100
				})
			}, "pressure_duration", d.name)
		}
	}}
}

// stallTotal is pressure_duration="total": microseconds stalled since the
// boot, summed step by step. Iterators read forward, so it keeps its place.
type stallTotal struct {
	mm     *machineModel
	share  float64
	kb, at int64
	sum    float64
	ready  bool
}

func (e *stallTotal) value(k, kb, _ int64) float64 {
	if !e.ready || kb != e.kb || k < e.at {
		e.kb, e.at, e.sum, e.ready = kb, kb, 0, true
	}
	for ; e.at < k; e.at++ {
		e.sum += e.share * e.mm.stall(e.at) * gridSec * 1e6
	}
	return math.Floor(e.sum)
}
