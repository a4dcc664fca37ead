package promql

import (
	"context"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// Column is one measurement of the app list. Each is a single query for all
// apps at once (grouped by app), so the list costs the same nine queries
// for 5 apps or 500.
type Column string

const (
	ColRequests  Column = "requests"   // req/s
	ColErrorRate Column = "error-rate" // % of responses that are 5xx
	ColLatency   Column = "latency"    // p95 in s, per app and per app and region
	ColCPU       Column = "cpu"        // % CPU of the busiest machine
	ColMachines  Column = "machines"   // machines reporting metrics
	// ColCPUBaseline is the list's CPU column: the busiest machine against
	// its quota's baseline, so a shared-cpu-1x pinned at its 6.25% reads
	// 100%, not an idle-looking 6%. The verdict keeps ColCPU's % of vCPUs.
	ColCPUBaseline Column = "cpu-baseline"
)

// Columns lists the overview's columns in display order.
func Columns() []Column {
	return append([]Column{ColRequests, ColErrorRate, ColLatency, ColCPU, ColMachines}, FlyColumns()...)
}

// RecentSpan is how far back Recent values look.
const RecentSpan = 10 * time.Minute

var overviewQueries = map[Column]struct {
	query Query
	build func(b builder) string
}{
	ColRequests: {
		Query{ID: "overview-requests", Title: "Requests", Unit: units.ReqPerSec, HTTP: true,
			Desc: "HTTP responses per second returned by Fly's edge."},
		func(b builder) string {
			return `sum by (app) (rate(` + b.rangeSel(edgeResponses) + `))`
		},
	},
	ColErrorRate: {
		Query{ID: "overview-errors", Title: "5xx share", Unit: units.Percent, HTTP: true,
			Desc: "Share of HTTP responses with a 5xx status, in percent."},
		// An app that never returned a 5xx has no 5xx series at all; "or 0 *
		// total" turns that absence into a 0% share wherever it has traffic.
		func(b builder) string {
			total := `sum by (app) (rate(` + b.rangeSel(edgeResponses) + `))`
			errors := `sum by (app) (rate(` + b.rangeSel(edgeResponses, `status=~"5.."`) + `))`
			return `100 * (` + errors + ` or 0 * ` + total + `) / ` + total
		},
	},
	ColLatency: {
		Query{ID: "overview-latency", Title: "p95 response time", Unit: units.Seconds, HTTP: true,
			Desc: "95th percentile HTTP response time at Fly's edge."},
		// Both groupings in one query: the app-wide series carries no region
		// label, so "or" keeps both sets apart.
		func(b builder) string {
			return `histogram_quantile(0.95, sum by (app, le) (rate(` + b.rangeSel(edgeLatencyHist) + `)))` +
				"\nor\n" +
				`histogram_quantile(0.95, sum by (app, region, le) (rate(` + b.rangeSel(edgeLatencyHist) + `)))`
		},
	},
	ColCPU: {
		Query{ID: "overview-cpu", Title: "CPU", Unit: units.Percent,
			Desc: "CPU use of each app's busiest machine, in percent of its vCPUs."},
		func(b builder) string {
			return `max by (app) (sum by (app, instance) (rate(` + b.rangeSel(instanceCPU, `mode!="idle"`, `mode!="steal"`) + `))` +
				` / count by (app, instance) (` + b.sel(instanceCPU, `mode="idle"`) + `))`
		},
	},
	ColCPUBaseline: {
		Query{ID: "overview-cpu-baseline", Title: "CPU", Unit: units.Percent,
			Desc: "CPU use of each app's busiest machine against its CPU quota's baseline: 100% is a shared vCPU at the 6.25% it may use without spending burst balance, or a performance vCPU fully used."},
		// fly_instance_cpu is in centiseconds and the baseline in CPUs, so
		// their ratio is a percent. A machine without a baseline series
		// falls back to its vCPUs.
		func(b builder) string {
			busy := `sum by (app, instance) (rate(` + b.rangeSel(instanceCPU, `mode!="idle"`, `mode!="steal"`) + `))`
			return `max by (app) (` + busy + ` / sum by (app, instance) (` + b.sel(cpuBaseline) + `)` +
				"\nor\n" + busy + ` / count by (app, instance) (` + b.sel(instanceCPU, `mode="idle"`) + `))`
		},
	},
	ColMachines: {
		Query{ID: "overview-machines", Title: "Machines reporting", Unit: units.None,
			Desc: "Number of machines reporting metrics, per app and per app and region."},
		// Per region too, so the list can show where an app runs without a
		// Machines API call per app; "or" keeps both groupings apart, as in
		// the latency query.
		func(b builder) string {
			return `sum by (app) (` + b.sel(instanceUp) + `)` +
				"\nor\n" +
				`sum by (app, region) (` + b.sel(instanceUp) + `)`
		},
	},
}

// Overview is the app list's data: one sparkline per app and column, and
// the recent values a verdict needs.
type Overview struct {
	Window Window
	// Cols are the columns asked for, in Columns() order.
	Cols []Column
	// Results has one entry per column, in Cols order, with the PromQL
	// sent and, if that column failed, its error. Series are left empty: the
	// per-app data is in Apps.
	Results []Result
	// Apps holds every app seen in any column, sorted by name.
	Apps []AppOverview
}

// Err returns the error of one column, nil if it succeeded.
func (o Overview) Err(col Column) error {
	for i, c := range o.Cols {
		if c == col && i < len(o.Results) {
			return o.Results[i].Err
		}
	}
	return nil
}

// App finds one app's row.
func (o Overview) App(name string) (AppOverview, bool) {
	i := sort.Search(len(o.Apps), func(i int) bool { return o.Apps[i].App >= name })
	if i < len(o.Apps) && o.Apps[i].App == name {
		return o.Apps[i], true
	}
	return AppOverview{}, false
}

// AppOverview is one app's row. A nil slice means no data for that column
// (or the column failed: see Overview.Err). The slices are the cached
// answer's own points, shared by every request in the same step: read
// them, never write to them.
type AppOverview struct {
	App          string
	Requests     []float64
	ErrorRate    []float64
	Latency      []float64
	LatencyByRg  map[string][]float64 // p95 per edge region
	CPU          []float64
	CPUBaseline  []float64 // only when asked for: the list's column
	Machines     []float64
	MachinesByRg map[string][]float64 // machines reporting per region
	Fly          FlyOverview          // the Fly-native columns, for the verdict
	Recent       Recent
}

// Recent holds each column's value over the end of the window, for the
// verdict: the mean of the points within RecentSpan of the end. A point's
// rate covers Window.RateWindow(), so on coarse windows (step over ~10 min)
// the last point alone stands for a longer stretch: Span says how long, so
// the reason shown can say so. NaN means no data there.
type Recent struct {
	Span        time.Duration
	Requests    float64
	ErrorRate   float64 // weighted by requests when both columns answered
	Latency     float64
	LatencyByRg map[string]float64
	CPU         float64
	CPUBaseline float64
	Machines    float64 // the last point, not a mean: a machine gone is gone
	// MachinesByRg is the last point per region, like Machines.
	MachinesByRg map[string]float64
}

// Overview runs the app list's nine queries over w, each grouped by app,
// in parallel and through the same cache as Run. A failing query empties
// only its column.
func (c *Client) Overview(ctx context.Context, w Window) (Overview, error) {
	return c.OverviewOf(ctx, w, "", Columns())
}

// OverviewOf runs the overview's queries for cols only, and for one app
// when app is not "": the app page judges its app exactly as the list does.
func (c *Client) OverviewOf(ctx context.Context, w Window, app string, cols []Column) (Overview, error) {
	b, err := newBuilder(w, 0)
	if err != nil {
		return Overview{}, err
	}
	if app != "" {
		if !ValidAppName(app) {
			return Overview{}, ErrInvalidApp
		}
		b.matchers = []string{`app=` + quoteLabelValue(app)}
	}
	ov := Overview{Window: w, Cols: slices.Clone(cols), Results: make([]Result, len(cols))}
	answers := make([]*answer, len(cols))
	var wg sync.WaitGroup
	for i, col := range ov.Cols {
		oq := overviewQueries[col]
		text := oq.build(b)
		ov.Results[i] = Result{Query: oq.query, PromQL: text, Window: w}
		wg.Go(func() {
			answers[i], ov.Results[i].Err = c.rangeQuery(ctx, text, w)
			if answers[i] != nil {
				ov.Results[i].Warnings = answers[i].warnings
			}
		})
	}
	wg.Wait()

	rows := map[string]*AppOverview{}
	row := func(app string) *AppOverview {
		r, ok := rows[app]
		if !ok {
			r = &AppOverview{App: app}
			rows[app] = r
		}
		return r
	}
	for i, col := range ov.Cols {
		if answers[i] == nil {
			continue
		}
		for _, s := range answers[i].series {
			app := s.labels["app"]
			if app == "" {
				continue
			}
			r := row(app)
			// Shared, not copied: the list reads 13 answers for every app
			// on every load, and copying them was a third of all the bytes
			// the dashboard allocated under load. Capped, so an append
			// copies.
			values := s.values[:len(s.values):len(s.values)]
			switch col {
			case ColRequests:
				r.Requests = values
			case ColErrorRate:
				r.ErrorRate = values
			case ColLatency:
				if region, ok := s.labels["region"]; ok {
					if r.LatencyByRg == nil {
						r.LatencyByRg = map[string][]float64{}
					}
					r.LatencyByRg[region] = values
				} else {
					r.Latency = values
				}
			case ColCPU:
				r.CPU = values
			case ColCPUBaseline:
				r.CPUBaseline = values
			case ColMachines:
				if region, ok := s.labels["region"]; ok {
					if r.MachinesByRg == nil {
						r.MachinesByRg = map[string][]float64{}
					}
					r.MachinesByRg[region] = values
				} else {
					r.Machines = values
				}
			default:
				r.addFly(col, s.labels, values)
			}
		}
	}

	first := recentFrom(w)
	for _, r := range rows {
		r.Recent = Recent{
			Span:        max(RecentSpan, w.RateWindow()),
			Requests:    meanFrom(r.Requests, first),
			ErrorRate:   weightedMeanFrom(r.ErrorRate, r.Requests, first),
			Latency:     meanFrom(r.Latency, first),
			CPU:         meanFrom(r.CPU, first),
			CPUBaseline: meanFrom(r.CPUBaseline, first),
			Machines:    lastValue(r.Machines),
		}
		if len(r.LatencyByRg) > 0 {
			r.Recent.LatencyByRg = make(map[string]float64, len(r.LatencyByRg))
			for region, v := range r.LatencyByRg {
				r.Recent.LatencyByRg[region] = meanFrom(v, first)
			}
		}
		if len(r.MachinesByRg) > 0 {
			r.Recent.MachinesByRg = make(map[string]float64, len(r.MachinesByRg))
			for region, v := range r.MachinesByRg {
				r.Recent.MachinesByRg[region] = lastValue(v)
			}
		}
		ov.Apps = append(ov.Apps, *r)
	}
	sort.Slice(ov.Apps, func(i, j int) bool { return ov.Apps[i].App < ov.Apps[j].App })
	return ov, nil
}

// RecentSpanOf is how far back Recent values over w look.
func RecentSpanOf(w Window) time.Duration { return max(RecentSpan, w.RateWindow()) }

// RecentMean is the mean of values (one per point of w) over the end of w,
// as Overview computes Recent: a page that already holds an app's series can
// judge it the way the app list does, without another query.
func RecentMean(w Window, values []float64) float64 { return meanFrom(values, recentFrom(w)) }

// RecentShare is the mean of a share over the end of w weighted by weight
// (the 5xx share by requests), as Overview computes Recent.ErrorRate.
func RecentShare(w Window, share, weight []float64) float64 {
	return weightedMeanFrom(share, weight, recentFrom(w))
}

// recentFrom is the index of the first point within RecentSpan of the end;
// always at least the last point.
func recentFrom(w Window) int {
	n := w.Points()
	k := int(RecentSpan / w.Step)
	if RecentSpan%w.Step == 0 {
		k-- // the point exactly RecentSpan back covers the time before it
	}
	return max(n-1-max(k, 0), 0)
}

func meanFrom(values []float64, from int) float64 {
	sum, n := 0.0, 0
	for i := from; i < len(values); i++ {
		if !math.IsNaN(values[i]) {
			sum += values[i]
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// weightedMeanFrom averages a share by traffic, so a quiet minute with one
// failed request does not weigh as much as a busy one.
func weightedMeanFrom(share, weight []float64, from int) float64 {
	if len(weight) != len(share) {
		return meanFrom(share, from)
	}
	sum, total := 0.0, 0.0
	for i := from; i < len(share); i++ {
		if math.IsNaN(share[i]) || math.IsNaN(weight[i]) {
			continue
		}
		sum += share[i] * weight[i]
		total += weight[i]
	}
	if total == 0 {
		return meanFrom(share, from)
	}
	return sum / total
}

func lastValue(values []float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	return values[len(values)-1]
}
