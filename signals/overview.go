// Package signals shapes query answers into the verdict's inputs: it reads
// the overview's by-app columns (promql) and the Machines API's listing
// (flyapi) into health.Signals, which health judges. The list and the app
// page both go through FromOverview on the same fixed timeline window, so
// they give one verdict and one "since".
package signals

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
)

// FromOverview is one app's numbers from the overview's row and the
// Machines API's machine count. absolute says the window ends at a time a
// person chose, which the reason then names.
func FromOverview(ov promql.Overview, row promql.AppOverview, machineCount int, absolute bool) health.Signals {
	w, rc := ov.Window, row.Recent
	s := health.Signals{
		Machines:    machineCount,
		Reporting:   rc.Machines,
		Requests:    rc.Requests,
		ErrorShare:  rc.ErrorRate,
		P95:         rc.Latency,
		P95ByRegion: rc.LatencyByRg,
		CPU:         rc.CPU,
		Span:        promql.RecentSpanOf(w),
		Unavailable: health.Unavailable{
			Machines: ov.Err(promql.ColMachines) != nil,
			Requests: ov.Err(promql.ColRequests) != nil,
			Errors:   ov.Err(promql.ColErrorRate) != nil,
			Latency:  ov.Err(promql.ColLatency) != nil,
			CPU:      ov.Err(promql.ColCPU) != nil,
			Quota:    ov.Err(promql.ColQuota) != nil,
			Limits:   ov.Err(promql.ColLimits) != nil,
			Volumes:  ov.Err(promql.ColVolumes) != nil,
			Memory:   ov.Err(promql.ColMemory) != nil,
		},
		Fly:      flyOf(w, row.Fly),
		Restarts: rolloutsOf(w, row.Fly.Rollouts),
		History: health.History{
			Requests:   trendOf(w, row.Requests),
			ErrorShare: trendOf(w, row.ErrorRate),
			P95:        trendOf(w, row.Latency),
			CPU:        trendOf(w, row.CPU),
		},
	}
	if len(row.LatencyByRg) > 0 {
		s.History.P95ByRegion = make(map[string]health.Trend, len(row.LatencyByRg))
		for r, v := range row.LatencyByRg {
			s.History.P95ByRegion[r] = trendOf(w, v)
		}
	}
	if row.App == "" {
		// In no column at all: every measurement is absent, not zero.
		s.Reporting, s.Requests, s.ErrorShare, s.P95, s.CPU = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	if absolute {
		s.End = w.End
	}
	return s
}

func trendOf(w promql.Window, values []float64) health.Trend {
	return health.Trend{Start: w.Start, Step: w.Step, Values: values, From: promql.RecentFrom(w)}
}

// rolloutsOf dates each run of points at which every machine had restarted
// within RolloutSpan: the restarts lie in the span before the run's first
// point, so its middle is the date, to within half the span.
func rolloutsOf(w promql.Window, values []float64) []time.Time {
	var out []time.Time
	for i, v := range values {
		if !math.IsNaN(v) && (i == 0 || math.IsNaN(values[i-1])) {
			out = append(out, w.Start.Add(time.Duration(i)*w.Step-promql.RolloutSpan/2))
		}
	}
	return out
}

func lastFinite(values []float64) float64 {
	for i := len(values) - 1; i >= 0; i-- {
		if !math.IsNaN(values[i]) && !math.IsInf(values[i], 0) {
			return values[i]
		}
	}
	return math.NaN()
}

// flyOf reads one app's row of the overview's Fly-native columns.
func flyOf(w promql.Window, f promql.FlyOverview) health.FlySignals {
	s := health.FlySignals{
		Throttled:        trendOf(w, f.Throttled),
		ThrottledBalance: lastFinite(f.ThrottledBalance),
		HardLimitHits:    trendOf(w, f.HardLimitHits),
		Memory:           trendOf(w, f.Memory),
	}
	// Only shared vCPUs have a quota to run out of.
	if n := lastFinite(f.ThrottledVCPUs); n >= 1 {
		s.ThrottledSize = "shared-cpu-" + strconv.Itoa(int(n)) + "x"
	}
	// Every machine at its limit within the recent span, busiest first.
	from := promql.RecentFrom(w)
	type hit struct {
		m    promql.MachineOverview
		mean float64
	}
	var hits []hit
	for _, m := range f.HardLimits {
		if v := meanFrom(m.Values, from); v > 0 {
			hits = append(hits, hit{m, v})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].mean > hits[j].mean })
	for _, h := range hits {
		s.HardLimitMachines = append(s.HardLimitMachines, Label(h.m.Region, h.m.Instance))
		s.HardLimitIDs = append(s.HardLimitIDs, h.m.Instance)
	}
	if len(hits) > 0 {
		s.HardLimitOn = s.HardLimitMachines[0]
	}
	for _, v := range f.Volumes {
		s.Volumes = append(s.Volumes, health.VolumeSignal{Name: v.ID, Used: trendOf(w, v.Used), Projection: lastFinite(v.Projection)})
	}
	for _, c := range f.Crashes {
		code := lastFinite(c.ExitCode)
		if math.IsNaN(code) {
			code = 0
		}
		cs := health.CrashSignal{Machine: Label(c.Region, c.Instance), ID: c.Instance, Restarts: trendOf(w, c.Restarts), ExitCode: int(code)}
		for _, m := range f.MachineMemory {
			if m.Instance == c.Instance {
				cs.Memory = trendOf(w, m.Values)
			}
		}
		s.Crashes = append(s.Crashes, cs)
	}
	return s
}

func meanFrom(values []float64, from int) float64 {
	sum, n := 0.0, 0
	for i := from; i < len(values); i++ {
		if !math.IsNaN(values[i]) {
			sum, n = sum+values[i], n+1
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// Label is how a person names a machine: "iad/45aa8968".
func Label(region, id string) string { return region + "/" + ShortID(id) }

// ShortID is a machine ID's first eight characters, as flyctl shows them.
func ShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// Regions are where the app has a machine reporting at the end of the
// window; if none does (a Down app), every region seen in it, so the row
// still says where the app lives.
func Regions(row promql.AppOverview) []string {
	var now, seen []string
	for region, v := range row.MachinesByRg {
		if last := row.Recent.MachinesByRg[region]; last > 0 {
			now = append(now, region)
		}
		for _, x := range v {
			if !math.IsNaN(x) {
				seen = append(seen, region)
				break
			}
		}
	}
	if len(now) == 0 {
		now = seen
	}
	sort.Strings(now)
	return now
}
