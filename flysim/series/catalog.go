package series

import "github.com/prometheus/prometheus/model/labels"

// Metric names, as Fly exposes them (https://fly.io/docs/monitoring/metrics/).
// The constants are the ones other packages and tests name; every family
// the generator knows is a row of the families table below.
const (
	InstanceCPU             = "fly_instance_cpu"
	InstanceCPUBaseline     = "fly_instance_cpu_baseline"
	InstanceCPUBalance      = "fly_instance_cpu_balance"
	InstanceCPUThrottle     = "fly_instance_cpu_throttle"
	InstanceMemTotal        = "fly_instance_memory_mem_total"
	InstanceMemAvailable    = "fly_instance_memory_mem_available"
	InstanceMemPressureSome = "fly_instance_memory_pressure_some"
	InstanceMemPressureFull = "fly_instance_memory_pressure_full"
	InstanceLoadAverage     = "fly_instance_load_average"
	InstanceNetRecvBytes    = "fly_instance_net_recv_bytes"
	InstanceNetSentBytes    = "fly_instance_net_sent_bytes"
	InstanceUp              = "fly_instance_up"
	InstanceExitCode        = "fly_instance_exit_code"
	InstanceExitOOM         = "fly_instance_exit_oom"
	InstanceExitVMCode      = "fly_instance_exit_vm_code"
	EdgeResponses           = "fly_edge_http_responses_count"
	EdgeResponseTime        = "fly_edge_http_response_time_seconds"
	AppResponses            = "fly_app_http_responses_count"
	AppResponseTime         = "fly_app_http_response_time_seconds"
	AppConcurrency          = "fly_app_concurrency"
	AppSoftLimit            = "fly_app_soft_limit_reached_count"
	AppHardLimit            = "fly_app_hard_limit_reached_count"
	VolumeSize              = "fly_volume_size_bytes"
	VolumeUsedPct           = "fly_volume_used_pct"
)

// scope says which fleet object a family has one series group per.
type scope int

const (
	scopeMachineRunning scope = iota // instance metrics: only while the machine runs
	scopeMachineLife                 // up, exit_*: from creation to destruction
	scopeInstanceHTTP                // fly_app_*: per instance of an HTTP app
	scopeEdgeHTTP                    // fly_edge_*: per region of an HTTP app
	scopeVolume                      // fly_volume_*: per volume, no instance
)

// family is one metric name: its scope and the generator of its series on
// one owner (a machine, an edge region or a volume, by scope). A generator
// calls the emitter once per series, with the labels beyond the owner's and
// an evaluator; nothing is sampled until the engine reads the series.
type family struct {
	name    string
	scope   scope
	machine func(mm *machineModel, e *emitter)
	region  func(r *regionModel, e *emitter)
	volume  func(v *volumeModel, e *emitter)
}

// families lists every metric the generator knows, in a stable order: the
// themed tables of instance.go, memory.go, storage.go and proxy.go.
var families = func() []family {
	var all []family
	for _, part := range [][]family{instanceFamilies, memoryFamilies(), storageFamilies(), proxyFamilies(), edgeFamilies()} {
		all = append(all, part...)
	}
	seen := map[string]bool{}
	for _, f := range all {
		if seen[f.name] {
			panic("series: family " + f.name + " listed twice")
		}
		seen[f.name] = true
	}
	return all
}()

// MetricNames lists the metric names the generator can produce.
func MetricNames() []string {
	names := make([]string, len(families))
	for i, f := range families {
		names[i] = f.name
	}
	return names
}

// familiesMatching returns the families whose name the name matchers accept.
func familiesMatching(ms []*labels.Matcher) []family {
	var out []family
	for _, f := range families {
		if matchAll(ms, f.name) {
			out = append(out, f)
		}
	}
	return out
}

// Generators for the common shapes of a row, so the tables stay tables.

// machineGauge is a family with one gauge series per machine.
func machineGauge(name string, sc scope, g func(mm *machineModel) gaugeFunc) family {
	return family{name: name, scope: sc, machine: func(mm *machineModel, e *emitter) {
		e.add(false, func() evaluator { return g(mm) })
	}}
}

// machineCounter is a family with one counter series per machine, which
// starts over when the machine boots.
func machineCounter(name string, c func(mm *machineModel) evaluator) family {
	return family{name: name, scope: scopeMachineRunning, machine: func(mm *machineModel, e *emitter) {
		e.add(true, func() evaluator { return c(mm) })
	}}
}

// histogramFamilies are the _bucket, _sum and _count rows of a histogram
// whose series come from streams: gen calls e.histogram per label set.
func histogramFamilies(base string, sc scope, machine func(mm *machineModel, e *emitter), region func(r *regionModel, e *emitter)) []family {
	out := make([]family, 0, 3)
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		out = append(out, family{name: base + suffix, scope: sc, machine: machine, region: region})
	}
	return out
}

// zero is a counter or gauge that stays 0: the error and drop counters of
// a healthy interface, swap on a machine without swap.
func zero() evaluator { return gaugeFunc(func(int64) float64 { return 0 }) }

// seriesDesc is one series, ready to be sampled.
type seriesDesc struct {
	lset  labels.Labels
	spans []span
	// resets makes counters start over at each span (a machine's reboot);
	// otherwise they count from the first span's start.
	resets bool
	eval   func() evaluator
}
