package promql

import (
	"time"
)

// The app page's second group, "Machines": what makes an app slow or down
// on Fly rather than anywhere (CPU quota, the proxy's concurrency limits,
// volumes) and where its outbound data goes. NOTES.md ("Machines group")
// says why each query reads what it reads.

// UnitBytesPerSec is a data rate; charts writes it with SI prefixes.
const UnitBytesPerSec Unit = "B/s"

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

// kindName is "iad/3d8d9e2c throttled".
func kindName(l map[string]string) string {
	return machineName(l) + " " + l["kind"]
}

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
