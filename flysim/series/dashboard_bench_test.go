package series_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/promapi"
	"github.com/flydash/dashboard/flysim/series"
)

// The dashboard's queries, as promql/catalog.go and promql/overview.go
// render them (flysim may not import the dashboard): the app page draws 720
// px charts (a point per 2 px), the list page 120 px sparklines, and every
// rate window is max(step + 15 s, 60 s).

type dashWindow struct {
	span, step time.Duration
}

func (w dashWindow) rateWindow() string {
	r := max(w.step+15*time.Second, time.Minute)
	if r%time.Minute == 0 {
		return fmt.Sprintf("%dm", r/time.Minute)
	}
	return fmt.Sprintf("%ds", r/time.Second)
}

// The app page's windows (720 px) and the list page's (120 px).
var (
	page1h  = dashWindow{time.Hour, 15 * time.Second}
	page6h  = dashWindow{6 * time.Hour, time.Minute}
	page24h = dashWindow{24 * time.Hour, 5 * time.Minute}
	page7d  = dashWindow{7 * 24 * time.Hour, 30 * time.Minute}
	list1h  = dashWindow{time.Hour, time.Minute}
	list24h = dashWindow{24 * time.Hour, 30 * time.Minute}
	list7d  = dashWindow{7 * 24 * time.Hour, 3 * time.Hour}
)

// appPageQueries are the six charts of one app's page.
func appPageQueries(app string, w dashWindow) map[string]string {
	m := `app="` + app + `"`
	r := "[" + w.rateWindow() + "]"
	hist := `sum by (le) (rate(fly_edge_http_response_time_seconds_bucket{` + m + `}` + r + `))`
	var latency []string
	for _, q := range []struct{ phi, name string }{{"0.5", "p50"}, {"0.95", "p95"}, {"0.99", "p99"}} {
		latency = append(latency, `label_replace(histogram_quantile(`+q.phi+`, `+hist+`), "quantile", "`+q.name+`", "", "")`)
	}
	return map[string]string{
		"http-status":     `sum by (status) (rate(fly_edge_http_responses_count{` + m + `}` + r + `))`,
		"latency":         strings.Join(latency, "\nor\n"),
		"region-latency":  `histogram_quantile(0.95, sum by (le, region) (rate(fly_edge_http_response_time_seconds_bucket{` + m + `}` + r + `)))`,
		"region-requests": `sum by (region) (rate(fly_edge_http_responses_count{` + m + `}` + r + `))`,
		"cpu": `sum by (instance, region) (rate(fly_instance_cpu{` + m + `,mode!="idle",mode!="steal"}` + r + `))` +
			` / count by (instance, region) (fly_instance_cpu{` + m + `,mode="idle"})`,
		"memory": `label_replace(sum by (instance, region) (fly_instance_memory_mem_total{` + m + `} - fly_instance_memory_mem_available{` + m + `}), "kind", "used", "", "")` +
			"\nor\n" +
			`label_replace(max by (instance, region) (fly_instance_memory_mem_total{` + m + `}), "kind", "total", "", "")`,
	}
}

// overviewQueries are the list page's five columns, each over every app.
func overviewQueries(w dashWindow) map[string]string {
	r := "[" + w.rateWindow() + "]"
	total := `sum by (app) (rate(fly_edge_http_responses_count` + r + `))`
	return map[string]string{
		"requests": total,
		"errors":   `100 * (sum by (app) (rate(fly_edge_http_responses_count{status=~"5.."}` + r + `)) or 0 * ` + total + `) / ` + total,
		"latency": `histogram_quantile(0.95, sum by (app, le) (rate(fly_edge_http_response_time_seconds_bucket` + r + `)))` +
			"\nor\n" +
			`histogram_quantile(0.95, sum by (app, region, le) (rate(fly_edge_http_response_time_seconds_bucket` + r + `)))`,
		"cpu": `max by (app) (sum by (app, instance) (rate(fly_instance_cpu{mode!="idle",mode!="steal"}` + r + `))` +
			` / count by (app, instance) (fly_instance_cpu{mode="idle"}))`,
		"machines": `sum by (app) (fly_instance_up)` + "\nor\n" + `sum by (app, region) (fly_instance_up)`,
	}
}

// newEngine has the limits the Prometheus API serves with, but for its
// timeout: the 15 s grid's week under -race on a busy machine takes minutes,
// and a test's outcome must not turn on that.
func newEngine() *promql.Engine {
	return promql.NewEngine(promql.EngineOpts{
		MaxSamples: promapi.DefaultMaxSamples, Timeout: 10 * time.Minute, LookbackDelta: 5 * time.Minute,
		EnableAtModifier: true, EnableNegativeOffset: true,
	})
}

// runWindow evaluates q over w ending at end, aligned as the dashboard
// aligns its windows, and returns the number of series in the result.
func runWindow(tb testing.TB, engine *promql.Engine, qa storage.Queryable, q string, w dashWindow, end time.Time) int {
	tb.Helper()
	end = end.Truncate(w.step)
	qry, err := engine.NewRangeQuery(context.Background(), qa, nil, q, end.Add(-w.span).Truncate(w.step), end, w.step)
	if err != nil {
		tb.Fatal(err)
	}
	defer qry.Close()
	res := qry.Exec(context.Background())
	if res.Err != nil {
		tb.Fatalf("%s: %v", q, res.Err)
	}
	m, err := res.Matrix()
	if err != nil {
		tb.Fatal(err)
	}
	return len(m)
}

// benchCharts runs each query of qs as a sub-benchmark. cold gives every
// iteration a new Queryable, so nothing synthesized by an earlier run helps.
func benchCharts(b *testing.B, f *fleet.Fleet, qs map[string]string, w dashWindow, cold bool) {
	for _, name := range slices.Sorted(maps.Keys(qs)) {
		b.Run(name, func(b *testing.B) {
			engine := newEngine()
			qa := series.NewQueryable(f)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if cold {
					qa = series.NewQueryable(f)
				}
				if runWindow(b, engine, qa, qs[name], w, testStart) == 0 {
					b.Fatalf("%s: no series", name)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// The app page's goal: every chart of one app under 1 s over 7 days and
// under 0.3 s over 24 h, on a fresh Queryable (nothing cached).
func BenchmarkAppPage7d(b *testing.B) {
	benchCharts(b, storyFleet(), appPageQueries(fleet.RegionalLatencyApp, page7d), page7d, true)
}

func BenchmarkAppPage24h(b *testing.B) {
	benchCharts(b, storyFleet(), appPageQueries(fleet.RegionalLatencyApp, page24h), page24h, true)
}

func BenchmarkAppPage6h(b *testing.B) {
	benchCharts(b, storyFleet(), appPageQueries(fleet.RegionalLatencyApp, page6h), page6h, true)
}

func BenchmarkAppPage1h(b *testing.B) {
	benchCharts(b, storyFleet(), appPageQueries(fleet.RegionalLatencyApp, page1h), page1h, true)
}

// BenchmarkAppPageLatency7dWarm is the latency chart asked again (another
// viewer, or the compare view's other period) once its blocks are cached.
func BenchmarkAppPageLatency7dWarm(b *testing.B) {
	qs := appPageQueries(fleet.RegionalLatencyApp, page7d)
	benchCharts(b, storyFleet(), map[string]string{"latency": qs["latency"]}, page7d, false)
}

var org500 = func() func() *fleet.Fleet {
	var f *fleet.Fleet
	return func() *fleet.Fleet {
		if f == nil {
			f = fleet.New(fleet.Config{Apps: 500, Seed: 7, Start: testStart, Now: func() time.Time { return testStart }})
		}
		return f
	}
}()

// The list page's goal: each of its five queries under 3 s over 24 h for
// 500 apps.
func BenchmarkOverview500Apps24h(b *testing.B) {
	benchCharts(b, org500(), overviewQueries(list24h), list24h, true)
}

func BenchmarkOverview500Apps1h(b *testing.B) {
	benchCharts(b, org500(), overviewQueries(list1h), list1h, true)
}

func BenchmarkOverview500Apps7d(b *testing.B) {
	benchCharts(b, org500(), overviewQueries(list7d), list7d, true)
}

// cpuTime is the CPU time this process has used. On a busy machine wall
// time per op says more about the neighbours than about the code; CPU time
// (the engine evaluates a query on one goroutine) is what an idle machine
// would take, give or take the garbage collector's share.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
