package views

import (
	"math"
	"strconv"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
)

// The Fly-native signals, from the list's four by-app queries or from the
// app page's own panels, so both judge alike without extra queries.

func trendOf(w promql.Window, values []float64) health.Trend {
	return health.Trend{Start: w.Start, Step: w.Step, Values: values, From: promql.RecentFrom(w)}
}

func lastFinite(values []float64) float64 {
	for i := len(values) - 1; i >= 0; i-- {
		if !math.IsNaN(values[i]) && !math.IsInf(values[i], 0) {
			return values[i]
		}
	}
	return math.NaN()
}

// overviewFly reads one app's row of the list's Fly-native columns.
func overviewFly(ov promql.Overview, row promql.AppOverview) (health.FlySignals, health.Unavailable) {
	w, f := ov.Window, row.Fly
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
	for _, v := range f.Volumes {
		s.Volumes = append(s.Volumes, health.VolumeSignal{Name: v.ID, Used: trendOf(w, v.Used), Projection: lastFinite(v.Projection)})
	}
	for _, c := range f.Crashes {
		code := lastFinite(c.ExitCode)
		if math.IsNaN(code) {
			code = 0
		}
		s.Crashes = append(s.Crashes, health.CrashSignal{Machine: c.Region + "/" + shortID(c.Instance), Restarts: trendOf(w, c.Restarts), ExitCode: int(code)})
	}
	u := health.Unavailable{
		Quota:   ov.Err(promql.ColQuota) != nil,
		Limits:  ov.Err(promql.ColLimits) != nil,
		Volumes: ov.Err(promql.ColVolumes) != nil,
		Memory:  ov.Err(promql.ColMemory) != nil,
	}
	return s, u
}

// pageFly reads the Fly-native signals from the app page's panels and the
// machines' events.
func pageFly(w promql.Window, results []promql.Result, machines []flyapi.Machine, s *health.Signals) {
	f := &s.Fly
	f.ThrottledBalance = math.NaN()
	byID := map[string]flyapi.Machine{}
	for _, m := range machines {
		byID[m.ID] = m
	}
	balance := map[string]float64{}
	for _, res := range results {
		if res.Query.ID == promql.CPUBalance && res.Err == nil {
			for _, sr := range res.Series {
				balance[sr.Labels["instance"]] = lastFinite(sr.Values)
			}
		}
	}
	for _, res := range results {
		switch res.Query.ID {
		case promql.CPUQuota:
			s.Unavailable.Quota = res.Err != nil
			if sr, ok := busiest(w, res.Series, func(sr promql.Series) bool { return sr.Labels["kind"] == promql.KindThrottled }); ok {
				id := sr.Labels["instance"]
				f.Throttled = trendOf(w, sr.Values)
				f.ThrottledSize = byID[id].Size
				if b, ok := balance[id]; ok {
					f.ThrottledBalance = b
				}
			}
		case promql.Concurrency:
			s.Unavailable.Limits = res.Err != nil
			if sr, ok := busiest(w, res.Series, func(sr promql.Series) bool { return sr.Labels["kind"] == promql.KindHardHits }); ok {
				// increase() per rate window, to hits per second as the list has them.
				per := make([]float64, len(sr.Values))
				for i, v := range sr.Values {
					per[i] = v / w.RateWindow().Seconds()
				}
				f.HardLimitHits = trendOf(w, per)
				f.HardLimitOn = machineLabel(sr.Labels)
			}
		case promql.Memory:
			s.Unavailable.Memory = res.Err != nil
			if used, on := memoryShare(res.Series, w.Points()); used != nil {
				f.Memory, f.MemoryOn = trendOf(w, used), on
			}
		case promql.Volumes:
			s.Unavailable.Volumes = res.Err != nil
			f.Volumes = volumeSignals(res, machines)
		}
	}
	for _, m := range machines {
		if c, ok := crashTrend(w, m); ok {
			f.Crashes = append(f.Crashes, c)
		}
	}
}

func machineLabel(l map[string]string) string { return l["region"] + "/" + shortID(l["instance"]) }

// busiest picks, among the series that match, the one with the highest
// recent mean.
func busiest(w promql.Window, series []promql.Series, match func(promql.Series) bool) (promql.Series, bool) {
	var best promql.Series
	top, found := math.Inf(-1), false
	for _, sr := range series {
		if !match(sr) {
			continue
		}
		if v := promql.RecentMean(w, sr.Values); !math.IsNaN(v) && v > top {
			best, top, found = sr, v, true
		}
	}
	return best, found
}

// memoryShare is, point by point, the fullest machine's used memory in
// percent of its total, from the memory chart's used and total lines, and
// the machine that is fullest at the end.
func memoryShare(series []promql.Series, n int) ([]float64, string) {
	totals := map[string][]float64{}
	var shared []float64 // one "total" line when every machine is alike
	for _, sr := range series {
		if sr.Labels["kind"] != "total" {
			continue
		}
		if id := sr.Labels["instance"]; id != "" {
			totals[id] = sr.Values
		} else {
			shared = sr.Values
		}
	}
	var out []float64
	on, top := "", math.Inf(-1)
	for _, sr := range series {
		if sr.Labels["kind"] != "used" {
			continue
		}
		total := totals[sr.Labels["instance"]]
		if total == nil {
			total = shared
		}
		if total == nil {
			continue
		}
		if out == nil {
			out = nanSlice(n)
		}
		for i := 0; i < n && i < len(sr.Values) && i < len(total); i++ {
			if total[i] > 0 && !math.IsNaN(sr.Values[i]) {
				out[i] = math.Max(nanTo(out[i], 0), 100*sr.Values[i]/total[i])
			}
		}
		if last := lastFinite(sr.Values); !math.IsNaN(last) && lastFinite(total) > 0 && last/lastFinite(total) > top {
			top, on = last/lastFinite(total), machineLabel(sr.Labels)
		}
	}
	return out, on
}

func nanTo(v, alt float64) float64 {
	if math.IsNaN(v) {
		return alt
	}
	return v
}

// crashTrend counts, at each point of w, the machine's restarts after a
// non-zero exit within the promql.CrashSpan before it, as the list counts
// them from the metrics.
func crashTrend(w promql.Window, m flyapi.Machine) (health.CrashSignal, bool) {
	var crashes []time.Time
	code := 0
	for i := len(m.Events) - 1; i > 0; i-- { // oldest first
		prev, e := m.Events[i], m.Events[i-1]
		if e.Type == "start" && prev.Type == "exit" && prev.ExitCode != 0 {
			crashes = append(crashes, e.At)
			code = prev.ExitCode
		}
	}
	if len(crashes) == 0 {
		return health.CrashSignal{}, false
	}
	values := make([]float64, w.Points())
	seen := false
	for i := range values {
		t := w.Start.Add(time.Duration(i) * w.Step)
		for _, at := range crashes {
			if at.After(t.Add(-promql.CrashSpan)) && !at.After(t) {
				values[i]++
			}
		}
		seen = seen || values[i] > 0
	}
	if !seen {
		return health.CrashSignal{}, false
	}
	return health.CrashSignal{Machine: m.Region + "/" + shortID(m.ID), Restarts: trendOf(w, values), ExitCode: code}, true
}

// findingTone is the colour a cell takes when a finding is about it.
func findingTone(v health.Verdict, m health.Metric) string {
	st, ok := v.Flags(m)
	switch {
	case !ok:
		return ""
	case st == health.Down:
		return "bad"
	}
	return "warn"
}
