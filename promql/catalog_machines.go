package promql

import (
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// The app page's second group, "Machines": what makes an app slow or down
// on Fly rather than anywhere (CPU quota, the proxy's concurrency limits,
// volumes) and where its outbound data goes. NOTES.md ("Machines group")
// says why each query reads what it reads.

// Fly's metric families for the Machines group, as fly-metrics.md lists them.
const (
	cpuBaseline     = "fly_instance_cpu_baseline" // gauge, CPUs
	cpuBalance      = "fly_instance_cpu_balance"  // gauge, centiseconds
	cpuThrottle     = "fly_instance_cpu_throttle" // counter, centiseconds
	appConcurrency  = "fly_app_concurrency"
	softLimitCount  = "fly_app_soft_limit_reached_count"
	hardLimitCount  = "fly_app_hard_limit_reached_count"
	volumeUsedPct   = "fly_volume_used_pct"
	edgeDataOut     = "fly_edge_data_out"
	instanceExit    = "fly_instance_exit_code"
	projectionRange = 6 * time.Hour  // how far back a volume's trend looks
	projectionAhead = 24 * time.Hour // how far ahead it is projected
)

// Series kinds the Machines group's queries label their series with.
const (
	KindUsed       = "used"
	KindBaseline   = "baseline"
	KindThrottled  = "throttled"
	KindSoftHits   = "soft limit reached"
	KindHardHits   = "hard limit reached"
	KindProjection = "in 24 h"
)

var machinesCatalog = []Query{
	{
		Slug: "cpu-quota", Title: "CPU throttled per machine", Unit: units.Percent,
		Desc: "Share of time each machine's vCPUs were held to their baseline quota after the burst balance ran out; machines never throttled in the range are left out.",
	},
	{
		Slug: "cpu-balance", Title: "CPU burst balance per machine", Unit: units.Seconds,
		Desc: "Seconds of full-speed CPU each shared-CPU machine has banked above its baseline; at zero it is throttled to the baseline.",
	},
	{
		Slug: "concurrency", Title: "Concurrency per machine", Unit: units.None, HTTP: true,
		Desc: "Connections or requests in flight at each machine through Fly's proxy, against the service's soft and hard limits, with the moments a limit was reached marked.",
	},
	{
		Slug: "volumes", Title: "Volume use", Unit: units.Percent,
		Desc: "Share of each volume in use, with dashed where it would be in 24 hours at the last 6 hours' rate.",
	},
	{
		Slug: "data-out", Title: "Data out by region", Unit: units.BytesPerSec, Stacked: true, HTTP: true,
		Desc: "Bytes per second Fly's edge sent to clients, stacked by edge region: the outbound transfer Fly bills per region.",
	},
}

// perVCPU divides a per-machine sum by the machine's vCPU count (one idle
// series each), as Fly's dashboards do: fly_instance_cpu counts per vCPU,
// while the quota and the throttle counter are the machine's.
func perVCPU(b builder, expr string) string {
	return expr + ` / count by (instance, region) (` + b.sel(instanceCPU, `mode="idle"`) + `)`
}

func withKind(expr, kind string) string {
	return `label_replace(` + expr + `, "kind", "` + kind + `", "", "")`
}

var machineSpecs = map[string]querySpec{
	"cpu-quota": {
		// Centiseconds throttled per second are percent of one vCPU's time.
		// Used CPU and the baseline are on the CPU chart: one measure here.
		build: func(b builder) string {
			return withKind(perVCPU(b, `sum by (instance, region) (rate(`+b.rangeSel(cpuThrottle)+`))`), KindThrottled)
		},
		name: machineName,
		less: byMachine,
		post: dropNeverThrottled,
	},
	"cpu-balance": {
		// Centiseconds to seconds, per vCPU: how long the machine can run
		// every vCPU flat out (Fly already scales the balance by 1/(1-baseline)).
		// Only machines with a quota under their vCPUs (shared ones): a
		// performance vCPU has the whole period and no balance to show.
		build: func(b builder) string {
			vcpus := `count by (instance, region) (` + b.sel(instanceCPU, `mode="idle"`) + `)`
			return `(` + perVCPU(b, `sum by (instance, region) (`+b.sel(cpuBalance)+`) / 100`) + `)` +
				` and on (instance, region) (sum by (instance, region) (` + b.sel(cpuBaseline) + `) < ` + vcpus + `)`
		},
		name: machineName,
		less: byMachine,
	},
	"concurrency": {
		// The limit counters become markers (Series.Moments); the limits
		// themselves are the service's config, which the Machines API has.
		build: func(b builder) string {
			return strings.Join([]string{
				withKind(`sum by (instance, region) (`+b.sel(appConcurrency)+`)`, KindUsed),
				withKind(`sum by (instance, region) (increase(`+b.rangeSel(softLimitCount)+`))`, KindSoftHits),
				withKind(`sum by (instance, region) (increase(`+b.rangeSel(hardLimitCount)+`))`, KindHardHits),
			}, "\nor\n")
		},
		name: func(l map[string]string) string {
			if l["kind"] == KindUsed {
				return machineName(l)
			}
			return kindName(l)
		},
		less: byMachine,
		post: markMoments,
	},
	"volumes": {
		// fly_volume_* carries the volume's id and no instance: it is
		// reported by the host, whether or not a machine runs.
		build: func(b builder) string {
			return withKind(`max by (id, region) (`+b.sel(volumeUsedPct)+`)`, KindUsed) + "\nor\n" +
				withKind(`max by (id, region) (predict_linear(`+b.over(projectionRange, volumeUsedPct)+`, `+seconds(projectionAhead)+`))`, KindProjection)
		},
		name: func(l map[string]string) string {
			if l["kind"] == KindProjection {
				return l["id"] + " " + KindProjection
			}
			return l["id"]
		},
		less: func(a, b Series) bool {
			if a.Labels["id"] != b.Labels["id"] {
				return a.Labels["id"] < b.Labels["id"]
			}
			return a.Labels["kind"] > b.Labels["kind"] // used, then its projection
		},
		post: markProjections,
	},
	"data-out": {
		build: func(b builder) string {
			return `sum by (region) (rate(` + b.rangeSel(edgeDataOut) + `))`
		},
		name: func(l map[string]string) string { return l["region"] },
	},
}

func init() {
	// One registry for both groups, so PromQL, Run and Lookup treat a
	// Machines query like any other.
	for slug, s := range machineSpecs {
		specs[slug] = s
	}
}

// MachinesCatalog returns the Machines group's queries in page order: is it
// the CPU quota, the proxy's limit, the disk, the network.
func MachinesCatalog() []Query {
	return append([]Query(nil), machinesCatalog...)
}

// kindName is "iad/3d8d9e2c throttled".
func kindName(l map[string]string) string {
	return machineName(l) + " " + l["kind"]
}

// over renders a range-vector selector over a fixed window d, for trends
// whose look-back is part of the question (the last 6 h's fill rate), not
// the chart's resolution.
func (b builder) over(d time.Duration, metric string, extra ...string) string {
	return b.rangeSelWindow(promDuration(d), metric, extra...)
}

// seconds writes d as a plain number of seconds, as predict_linear takes it.
func seconds(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// markMoments flags the limit-reached counts as moments to mark, not lines.
func markMoments(series []Series) []Series {
	for i, s := range series {
		if k := s.Labels["kind"]; k == KindSoftHits || k == KindHardHits {
			series[i].Moments = true
		}
	}
	return series
}

func markProjections(series []Series) []Series {
	for i, s := range series {
		if s.Labels["kind"] == KindProjection {
			series[i].Projection = true
		}
	}
	return series
}

// dropNeverThrottled leaves out the throttled line of a machine that was
// never throttled in the window: a flat zero per machine would double the
// legend and say nothing.
func dropNeverThrottled(series []Series) []Series {
	out := series[:0]
	for _, s := range series {
		if s.Labels["kind"] == KindThrottled && !anyAbove(s.Values, 0) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func anyAbove(values []float64, floor float64) bool {
	for _, v := range values {
		if v > floor {
			return true
		}
	}
	return false
}
