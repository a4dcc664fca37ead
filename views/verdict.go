package views

import (
	"math"
	"sort"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
)

// overviewSignals are one app's numbers for the verdict, from the list's
// overview (one row of five by-app queries) and the Machines API listing.
func overviewSignals(ov promql.Overview, row promql.AppOverview, machineCount int, r timeRange) health.Signals {
	rc := row.Recent
	s := health.Signals{
		Machines:    machineCount,
		Reporting:   rc.Machines,
		Requests:    rc.Requests,
		ErrorShare:  rc.ErrorRate,
		P95:         rc.Latency,
		P95ByRegion: rc.LatencyByRg,
		CPU:         rc.CPU,
		Span:        promql.RecentSpanOf(ov.Window),
		Unavailable: health.Unavailable{
			Machines: ov.Err(promql.ColMachines) != nil,
			Requests: ov.Err(promql.ColRequests) != nil,
			Errors:   ov.Err(promql.ColErrorRate) != nil,
			Latency:  ov.Err(promql.ColLatency) != nil,
			CPU:      ov.Err(promql.ColCPU) != nil,
		},
	}
	fly, u := overviewFly(ov, row)
	s.Fly = fly
	s.Unavailable.Quota, s.Unavailable.Limits, s.Unavailable.Volumes, s.Unavailable.Memory = u.Quota, u.Limits, u.Volumes, u.Memory
	if row.App == "" {
		// In no column at all: every measurement is absent, not zero.
		s.Reporting, s.Requests, s.ErrorShare, s.P95, s.CPU = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	if r.Absolute() {
		s.End = ov.Window.End
	}
	return s
}

// pageVerdict judges an app from the app page's own panels, so the page
// shows the list's verdict without one more upstream query. The numbers are
// summarised over the end of the window exactly as the overview does.
func pageVerdict(w promql.Window, results []promql.Result, machines []flyapi.Machine, machinesErr error, r timeRange) health.Verdict {
	nan := math.NaN()
	s := health.Signals{
		Machines: len(machines), Reporting: nan,
		Requests: nan, ErrorShare: nan, P95: nan, CPU: nan,
		Span: promql.RecentSpanOf(w),
	}
	if r.Absolute() {
		s.End = w.End
	}
	if machinesErr != nil {
		// The Machines API, not Prometheus, is what is missing: this page
		// counts machines reporting from the machines' states.
		s.Unavailable.MachineCount = true
	} else {
		started := 0
		for _, m := range machines {
			if m.State == "started" {
				started++
			}
		}
		s.Reporting = float64(started)
		// A machine younger than the span may not have been scraped yet:
		// its missing series prove nothing.
		if created := appCreated(machines); !created.IsZero() && w.End.Sub(created) < s.Span {
			s.JustLaunched = true
		}
	}
	for _, res := range results {
		switch res.Query.ID {
		case promql.HTTPStatus:
			if res.Err != nil {
				s.Unavailable.Requests, s.Unavailable.Errors = true, true
				continue
			}
			total, fivexx := statusTotals(res.Series, w.Points())
			if total != nil {
				s.Requests = promql.RecentMean(w, total)
				s.ErrorShare = promql.RecentShare(w, shareOf(fivexx, total), total)
			}
		case promql.Latency:
			if res.Err != nil {
				s.Unavailable.Latency = true
				continue
			}
			for _, sr := range res.Series {
				if sr.Name == "p95" {
					s.P95 = promql.RecentMean(w, sr.Values)
				}
			}
		case promql.RegionLatency:
			if res.Err != nil {
				s.Unavailable.Latency = true
				continue
			}
			for _, sr := range res.Series {
				if s.P95ByRegion == nil {
					s.P95ByRegion = map[string]float64{}
				}
				s.P95ByRegion[sr.Name] = promql.RecentMean(w, sr.Values)
			}
		case promql.CPU:
			if res.Err != nil {
				s.Unavailable.CPU = true
				continue
			}
			if busiest := pointwiseMax(res.Series, w.Points()); busiest != nil {
				s.CPU = promql.RecentMean(w, busiest)
			}
		}
	}
	pageFly(w, results, machines, &s)
	return health.Judge(s)
}

// statusTotals sums the status classes point by point, and picks out 5xx.
// A point no class has stays NaN: no data is not zero traffic.
func statusTotals(series []promql.Series, n int) (total, fivexx []float64) {
	if len(series) == 0 {
		return nil, nil
	}
	total = nanSlice(n)
	fivexx = nanSlice(n)
	for _, sr := range series {
		for i, v := range sr.Values {
			if i >= n || math.IsNaN(v) {
				continue
			}
			if math.IsNaN(total[i]) {
				total[i] = 0
			}
			total[i] += v
			if sr.Name == "5xx" {
				fivexx[i] = v
			}
		}
	}
	return total, fivexx
}

// shareOf is 100*part/total where there is traffic; a missing 5xx series
// with traffic is a 0% share, as in the overview's query.
func shareOf(part, total []float64) []float64 {
	out := nanSlice(len(total))
	for i, t := range total {
		if math.IsNaN(t) || t <= 0 {
			continue
		}
		p := part[i]
		if math.IsNaN(p) {
			p = 0
		}
		out[i] = 100 * p / t
	}
	return out
}

func pointwiseMax(series []promql.Series, n int) []float64 {
	if len(series) == 0 {
		return nil
	}
	out := nanSlice(n)
	for _, sr := range series {
		for i, v := range sr.Values {
			if i < n && !math.IsNaN(v) && (math.IsNaN(out[i]) || v > out[i]) {
				out[i] = v
			}
		}
	}
	return out
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// reportingRegions are the regions where the app has a machine reporting at
// the end of the window; if none does (a Down app), every region seen in it,
// so the row still says where the app lives.
func reportingRegions(row promql.AppOverview) []string {
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
