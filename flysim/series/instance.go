package series

import (
	"math"
	"slices"
	"strconv"
)

// instanceFamilies are the fly_instance_* families but memory, disks and
// filesystems: CPU and its quota, load, network, file descriptors, and the
// machine's life (up, exits).
var instanceFamilies = append([]family{
	{name: InstanceCPU, scope: scopeMachineRunning, machine: func(mm *machineModel, e *emitter) {
		for cpu := range mm.cpus() {
			id := strconv.Itoa(cpu)
			for _, mode := range cpuModes {
				if e.b.enough() {
					return
				}
				e.add(true, func() evaluator { return mm.cpuEval(cpu, mode) }, "cpu_id", id, "mode", mode)
			}
		}
	}},
	machineGauge(InstanceCPUBaseline, scopeMachineRunning, func(mm *machineModel) gaugeFunc {
		b := mm.baseline()
		return func(int64) float64 { return b }
	}),
	// The balance starts over at each boot, so it reads its boot (resets).
	machineCounter(InstanceCPUBalance, (*machineModel).balanceEval),
	machineCounter(InstanceCPUThrottle, (*machineModel).throttleEval),
	{name: InstanceLoadAverage, scope: scopeMachineRunning, machine: func(mm *machineModel, e *emitter) {
		for _, minutes := range []string{"1", "5", "15"} {
			e.add(false, func() evaluator { return mm.loadAverage(minutes) }, "minutes", minutes)
		}
	}},
	machineGauge("fly_instance_filefd_allocated", scopeMachineRunning, (*machineModel).filesOpen),
	machineGauge("fly_instance_filefd_maximum", scopeMachineRunning, func(mm *machineModel) gaugeFunc {
		// The kernel's default file-max: about 10% of memory in KiB.
		v := math.Floor(mm.memTotal / 1024 / 10)
		return func(int64) float64 { return v }
	}),
	machineGauge(InstanceUp, scopeMachineLife, func(mm *machineModel) gaugeFunc { return mm.up }),
	machineGauge(InstanceExitCode, scopeMachineLife, func(mm *machineModel) gaugeFunc {
		return mm.lastExit(func(e exitEvent) float64 { return float64(e.code) })
	}),
	machineGauge(InstanceExitOOM, scopeMachineLife, func(mm *machineModel) gaugeFunc {
		return mm.lastExit(func(e exitEvent) float64 {
			if e.oom {
				return 1
			}
			return 0
		})
	}),
	// The VM's exit code is the init's, which passes on the main
	// process' code; an OOM kill takes the process, not the VM.
	machineGauge(InstanceExitVMCode, scopeMachineLife, func(mm *machineModel) gaugeFunc {
		return mm.lastExit(func(e exitEvent) float64 {
			if e.oom {
				return 0
			}
			return float64(e.code)
		})
	}),
}, netFamilies()...)

// netCounters are /proc/net/dev's columns: eth0 carries the machine's
// traffic, in bytes and packets of typical sizes; the error columns of a
// healthy virtio interface stay 0, and dummy0 and teql0 (the kernel's
// idle interfaces, which Fly reports too) carry nothing.
var netCounters = []struct {
	name        string
	bytesOf     string  // the bytes counter it follows; "" for zero
	bytesPerOne float64 // bytes per packet
}{
	{InstanceNetRecvBytes, InstanceNetRecvBytes, 1},
	{"fly_instance_net_recv_packets", InstanceNetRecvBytes, 700},
	{"fly_instance_net_recv_errs", "", 0},
	{"fly_instance_net_recv_drop", "", 0},
	{"fly_instance_net_recv_fifo", "", 0},
	{"fly_instance_net_recv_frame", "", 0},
	{"fly_instance_net_recv_compressed", "", 0},
	{"fly_instance_net_recv_multicast", "", 0},
	{InstanceNetSentBytes, InstanceNetSentBytes, 1},
	{"fly_instance_net_sent_packets", InstanceNetSentBytes, 1200},
	{"fly_instance_net_sent_errs", "", 0},
	{"fly_instance_net_sent_drop", "", 0},
	{"fly_instance_net_sent_fifo", "", 0},
	{"fly_instance_net_sent_colls", "", 0},
	{"fly_instance_net_sent_carrier", "", 0},
	{"fly_instance_net_sent_compressed", "", 0},
}

func netFamilies() []family {
	out := make([]family, 0, len(netCounters))
	for _, c := range netCounters {
		out = append(out, family{name: c.name, scope: scopeMachineRunning, machine: func(mm *machineModel, e *emitter) {
			e.add(true, func() evaluator {
				if c.bytesOf == "" {
					return zero()
				}
				return &counterEval{c: cursor{f: scaled(mm.netFlow(c.bytesOf), 1/c.bytesPerOne, hashKey(c.name))}}
			}, "device", "eth0")
			e.add(true, zero, "device", "dummy0")
			e.add(true, zero, "device", "teql0")
		}})
	}
	return out
}

// scaled is f's rate times factor, with noise of its own.
func scaled(f *flow, factor float64, key uint64) *flow {
	if factor == 1 {
		return f
	}
	return newFlow(f.base*factor, f.c0, f.waves, f.steps, f.key^key, f.noise)
}

// CPU modes, as /proc/stat names them. guest and guest_nice (time running
// a nested VM) stay zero in a Fly Machine, but Fly sends them.
var cpuModes = []string{"guest", "guest_nice", "idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"}

func (mm *machineModel) cpuEval(cpu int, mode string) evaluator {
	if mode == "guest" || mode == "guest_nice" {
		return zero()
	}
	busy := mm.busy(cpu)
	user := newFlow(busy.base*100*0.7, 1, busy.waves, busy.steps, busy.key^1, busy.noise)
	system := newFlow(busy.base*100*0.3, 1, busy.waves, busy.steps, busy.key^2, busy.noise)
	return &cpuEval{user: cursor{f: user}, system: cursor{f: system}, mode: mode, deficit: mm.deficit(cpu)}
}

func (mm *machineModel) loadAverage(minutes string) evaluator {
	// Longer averages smooth more. A throttled machine's tasks wait in the
	// run queue, so load follows the demand, not the CPU granted.
	jitter := map[string]float64{"1": 0.25, "5": 0.1, "15": 0.04}[minutes]
	flows := make([]*flow, mm.cpus())
	for i := range flows {
		flows[i] = mm.busy(i)
	}
	key := hashKey(mm.m.ID, "load", minutes)
	return gaugeFunc(func(k int64) float64 {
		load := 0.0
		for _, f := range flows {
			load += f.rateAt(k)
		}
		v := load * 1.3 * (1 + jitter*gaugeNoise(key, k))
		return math.Round(v*100) / 100
	})
}

// netFlow is the machine's eth0 bytes, received or sent: a background plus
// a share per request its proxy sends it.
func (mm *machineModel) netFlow(name string) *flow {
	am := mm.app
	reqRate := am.rate * mm.trafficShare()
	background, perRequest := 1500.0, float64(requestBytes)
	if name == InstanceNetSentBytes {
		background, perRequest = 900, responseBytes
	}
	if !am.app.HTTP {
		background *= 40
		perRequest = 0
	}
	key := hashKey(mm.m.ID, name)
	// The background share stays flat; the request share follows traffic.
	base := background + perRequest*reqRate
	waves := dailyWaves(key, am.daily*perRequest*reqRate/base)
	return newFlow(base, 1, waves, nil, key, counterNoise)
}

// filesOpen is filefd_allocated: the runtime's own files plus sockets that
// follow the traffic.
func (mm *machineModel) filesOpen() gaugeFunc {
	base := 400 + math.Floor(between(mm.key, 11, 0, 600))
	f := mm.busy(0)
	return func(k int64) float64 {
		return base + math.Round(800*f.rateAt(k)*(1+0.1*gaugeNoise(mm.key^0xfd, k)))
	}
}

func (mm *machineModel) runningAt(ms int64) (span, bool) {
	for _, s := range mm.running {
		if ms >= s.from && ms < s.to {
			return s, true
		}
	}
	return span{}, false
}

func (mm *machineModel) up(k int64) float64 {
	if _, ok := mm.runningAt(k * gridMs); ok {
		return 1
	}
	return 0
}

// exitWindow is how long the exit gauges report an exit, as flyd reports
// one: from the exit until shortly after it.
const exitWindow = 30_000

// lastExit reads field of the exit reported at k, 0 when none is.
func (mm *machineModel) lastExit(field func(exitEvent) float64) gaugeFunc {
	exits := slices.DeleteFunc(slices.Clone(mm.exits), func(e exitEvent) bool { return e.restarts })
	return func(k int64) float64 {
		t := k * gridMs
		for i := len(exits) - 1; i >= 0; i-- {
			if e := exits[i]; t >= e.at && t < e.at+exitWindow {
				return field(e)
			}
		}
		return 0
	}
}

// An OOM story's leak fills memory over leakDuration before the kill; after
// the restart it leaks again, more slowly (the fix was half right).
const (
	leakDuration      = 6 * 3600 * 1000
	leakAgainDuration = 12 * 3600 * 1000
)

// memUsed is mem_total - mem_available. A machine that is OOM-killed leaks
// up to its limit over the hours before the kill, and leaks again from its
// restart on.
func (mm *machineModel) memUsed(k int64) float64 {
	t := k * gridMs
	f := mm.memBase + 0.03*math.Cos(dayOmega*(float64(t/1000)-peakSecondOfDay)) + 0.005*gaugeNoise(mm.key, k)
	if len(mm.oomExits) > 0 {
		if s, ok := mm.runningAt(t); ok {
			full := 0.985
			for _, e := range mm.oomExits {
				if s.to == e {
					from := max(s.from, e-leakDuration)
					if t >= from {
						f = max(f, mm.memBase+(full-mm.memBase)*float64(t-from)/float64(e-from))
					}
				}
			}
			if slices.ContainsFunc(mm.oomExits, func(e int64) bool { return e < s.from }) {
				climb := mm.memBase + (full-mm.memBase)*float64(t-s.from)/leakAgainDuration
				f = max(f, min(climb, 0.92))
			}
		}
	}
	return math.Floor(f*mm.memTotal/4096) * 4096
}
