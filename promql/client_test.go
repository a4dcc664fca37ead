package promql

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// near reports whether got is within 1% of want.
func near(got, want float64) bool {
	if want == 0 {
		return math.Abs(got) < 1e-9
	}
	return math.Abs(got-want)/math.Abs(want) < 0.01
}

// fixtureWindow is the last hour of the fixture at 720 px: 15 s steps.
func fixtureWindow(t testing.TB) Window {
	t.Helper()
	w, err := NewWindow(fixtureNow.Add(-time.Hour), fixtureNow, 720)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func newClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type wantSeries struct {
	name  string
	value float64 // expected everywhere in the checked stretch
	limit bool
}

// checkSeries compares names, order and values from point `from` on.
func checkSeries(t *testing.T, r Result, from int, want []wantSeries) {
	t.Helper()
	if r.Err != nil {
		t.Errorf("%s: %v (%s)", r.Query.ID, r.Err, Explain(r.Err))
		return
	}
	var names []string
	for _, s := range r.Series {
		names = append(names, s.Name)
	}
	var wantNames []string
	for _, ws := range want {
		wantNames = append(wantNames, ws.name)
	}
	if !slices.Equal(names, wantNames) {
		t.Errorf("%s: series %q, want %q", r.Query.ID, names, wantNames)
		return
	}
	for i, ws := range want {
		s := r.Series[i]
		if len(s.Values) != r.Window.Points() {
			t.Errorf("%s %s: %d values for %d points", r.Query.ID, s.Name, len(s.Values), r.Window.Points())
		}
		if s.Limit != ws.limit {
			t.Errorf("%s %s: Limit = %v, want %v", r.Query.ID, s.Name, s.Limit, ws.limit)
		}
		for j := from; j < len(s.Values); j++ {
			if !near(s.Values[j], ws.value) {
				t.Errorf("%s %s: value %g at %s, want %g", r.Query.ID, s.Name, s.Values[j], r.Window.Time(j).Format(time.TimeOnly), ws.value)
				break
			}
		}
	}
}

func TestRunCatalogOnVictoriaMetrics(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	c := newClient(t, Config{URL: vm.URL})
	w := fixtureWindow(t)
	ctx := context.Background()

	web := c.Run(ctx, "web", Catalog(), w, 0)
	if len(web) != 6 {
		t.Fatalf("%d results for 6 queries", len(web))
	}
	for i, r := range web {
		if r.Query != Catalog()[i] || r.Window != w || r.PromQL == "" {
			t.Errorf("result %d: query %s, window %s, promql %q", i, r.Query.ID, r.Window, r.PromQL)
		}
	}
	checkSeries(t, web[0], 0, []wantSeries{{"2xx", 18, false}, {"3xx", 1, false}, {"4xx", 0.5, false}, {"5xx", 0.5, false}})
	all := []float64{2 + 0, 6 + 1, 9 + 2, 10 + 3, 10 + 4.5, 10 + 5}
	checkSeries(t, web[1], 0, []wantSeries{
		{"p50", histogramQuantile(0.5, all), false},
		{"p95", histogramQuantile(0.95, all), false},
		{"p99", histogramQuantile(0.99, all), false},
	})
	checkSeries(t, web[2], 0, []wantSeries{
		{"ams", histogramQuantile(0.95, amsBuckets), false},
		{"syd", histogramQuantile(0.95, sydBuckets), false},
	})
	checkSeries(t, web[3], 0, []wantSeries{{"ams", 13.5, false}, {"syd", 6.5, false}})
	checkSeries(t, web[4], 0, []wantSeries{{"ams/148e272a", 40, false}, {"syd/3d8d9e1b", 70, false}})
	// Both machines have 512 MiB: one shared total line.
	checkSeries(t, web[5], 0, []wantSeries{
		{"ams/148e272a used", 200 * mib, false},
		{"syd/3d8d9e1b used", 100 * mib, false},
		{"total", 512 * mib, true},
	})

	// A worker has no HTTP series at all, and machines of different sizes
	// keep a total line each.
	worker := c.Run(ctx, "worker", Catalog(), w, 0)
	for _, r := range worker[:4] {
		if r.Err != nil || len(r.Series) != 0 || !r.Query.HTTP {
			t.Errorf("worker %s: %d series, err %v, HTTP %v; want no series from an HTTP query", r.Query.ID, len(r.Series), r.Err, r.Query.HTTP)
		}
	}
	checkSeries(t, worker[4], 0, []wantSeries{{"fra/91852e4b", 20, false}, {"fra/e2865013", 10, false}})
	checkSeries(t, worker[5], 0, []wantSeries{
		{"fra/91852e4b used", 400 * mib, false},
		{"fra/91852e4b total", 1024 * mib, true},
		{"fra/e2865013 used", 56 * mib, false},
		{"fra/e2865013 total", 256 * mib, true},
	})
}

func TestRunStackFillsGapsWithZero(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	c := newClient(t, Config{URL: vm.URL})
	w := fixtureWindow(t)
	q, _ := Lookup("http-status")
	r := c.Run(context.Background(), "shop", []Query{q}, w, 0)[0]
	// shop's 500s start 30 minutes before the end: before that the 5xx
	// class has no series at all, which a stack must read as 0 req/s.
	if r.Err != nil || len(r.Series) != 2 || r.Series[0].Name != "2xx" || r.Series[1].Name != "5xx" {
		t.Fatalf("series %+v, err %v", r.Series, r.Err)
	}
	fiveXX := r.Series[1].Values
	start := fixtureNow.Add(-30 * time.Minute)
	for i, v := range fiveXX {
		at := w.Time(i)
		switch {
		case at.Before(start) && v != 0:
			t.Errorf("5xx at %s = %g before the errors began, want 0", at.Format(time.TimeOnly), v)
		case at.After(start.Add(2*time.Minute)) && !near(v, 1):
			t.Errorf("5xx at %s = %g, want 1 req/s", at.Format(time.TimeOnly), v)
		}
		if math.IsNaN(v) {
			t.Errorf("5xx at %s is a gap inside the stack", at.Format(time.TimeOnly))
		}
	}
}

func TestRunOffsetOnVictoriaMetrics(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	c := newClient(t, Config{URL: vm.URL})
	w := fixtureWindow(t)
	q, _ := Lookup("http-status")
	ctx := context.Background()

	// An hour back, shop had not yet returned any 500.
	r := c.Run(ctx, "shop", []Query{q}, w, time.Hour)[0]
	checkSeries(t, r, 0, []wantSeries{{"2xx", 4, false}})
	if !strings.Contains(r.PromQL, "offset 1h") {
		t.Errorf("PromQL without the offset: %s", r.PromQL)
	}

	// The shifted series lands on the current window's timestamps, half of
	// it before the fixture began (gaps), half of it with data.
	back := c.Run(ctx, "web", []Query{q}, w, 150*time.Minute)[0]
	if back.Err != nil || len(back.Series) == 0 {
		t.Fatalf("web 150 m back: %v, %d series", back.Err, len(back.Series))
	}
	v := back.Series[0].Values
	if !math.IsNaN(v[0]) || math.IsNaN(v[len(v)-1]) {
		t.Errorf("web 150 m back: first %g (want a gap before the data), last %g (want data)", v[0], v[len(v)-1])
	}

	// A week back there is nothing at all: no series, and no error.
	week := c.Run(ctx, "web", []Query{q}, w, 7*24*time.Hour)[0]
	if week.Err != nil || len(week.Series) != 0 {
		t.Errorf("a week back: %d series, err %v; want none", len(week.Series), week.Err)
	}
}

func TestRunInvalidAppSendsNothing(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	c := newClient(t, Config{URL: vm.URL})
	for _, r := range c.Run(context.Background(), `web"} or vector(1`, Catalog(), fixtureWindow(t), 0) {
		if !errors.Is(r.Err, ErrInvalidApp) || r.PromQL != "" || r.Series != nil {
			t.Errorf("%s: err %v, promql %q", r.Query.ID, r.Err, r.PromQL)
		}
	}
	if s := c.Stats(); s.Upstream != 0 {
		t.Errorf("%d queries sent for an invalid app", s.Upstream)
	}
}

func TestRejectedByRealEngine(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	c := newClient(t, Config{URL: vm.URL})
	_, err := c.rangeQuery(context.Background(), `sum(rate(fly_edge_http_responses_count[1m])`, fixtureWindow(t))
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("err = %v, want ErrRejected", err)
	}
	if got := Explain(err); !strings.HasPrefix(got, "Prometheus rejected the query: ") || len(got) < 40 {
		t.Errorf("Explain = %q, want the engine's reason", got)
	}
}

func TestOverviewOnVictoriaMetrics(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	c := newClient(t, Config{URL: vm.URL})
	w := fixtureWindow(t)
	ov, err := c.Overview(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.Upstream != int64(len(Columns())) || len(Columns()) != 9 {
		t.Errorf("overview sent %d queries, want one per column, 9", s.Upstream)
	}
	for i, col := range Columns() {
		if ov.Results[i].Err != nil || ov.Err(col) != nil || ov.Results[i].PromQL == "" {
			t.Errorf("column %s: %v", col, ov.Results[i].Err)
		}
	}
	var names []string
	for _, a := range ov.Apps {
		names = append(names, a.App)
	}
	if !slices.Equal(names, []string{"shop", "web", "worker"}) {
		t.Fatalf("apps %v", names)
	}
	web, _ := ov.App("web")
	shop, _ := ov.App("shop")
	worker, _ := ov.App("worker")
	for _, tc := range []struct {
		what      string
		got, want float64
	}{
		{"web requests", web.Recent.Requests, 20},
		{"web 5xx %", web.Recent.ErrorRate, 2.5},
		{"web p95", web.Recent.Latency, histogramQuantile(0.95, []float64{2, 7, 11, 13, 14.5, 15})},
		{"web p95 syd", web.Recent.LatencyByRg["syd"], histogramQuantile(0.95, sydBuckets)},
		{"web p95 ams", web.Recent.LatencyByRg["ams"], histogramQuantile(0.95, amsBuckets)},
		{"web cpu (busiest machine)", web.Recent.CPU, 70},
		{"web machines", web.Recent.Machines, 2},
		{"shop requests", shop.Recent.Requests, 5},
		{"shop 5xx %", shop.Recent.ErrorRate, 20},
		{"worker machines", worker.Recent.Machines, 2},
		{"worker cpu", worker.Recent.CPU, 20},
	} {
		if !near(tc.got, tc.want) {
			t.Errorf("%s = %g, want %g", tc.what, tc.got, tc.want)
		}
	}
	// shop's 5xx share is 0 (not missing) before its errors began.
	if v := shop.ErrorRate[0]; v != 0 {
		t.Errorf("shop 5xx share at the start = %g, want 0", v)
	}
	if len(web.Requests) != w.Points() || len(web.CPU) != w.Points() {
		t.Errorf("sparklines of %d and %d points for a %d-point window", len(web.Requests), len(web.CPU), w.Points())
	}
	if worker.Requests != nil || !math.IsNaN(worker.Recent.Requests) || !math.IsNaN(worker.Recent.ErrorRate) {
		t.Errorf("worker has HTTP data: %v, %+v", worker.Requests, worker.Recent)
	}
	if web.Recent.Span != RecentSpan {
		t.Errorf("recent span %s at a 15 s step, want %s", web.Recent.Span, RecentSpan)
	}
	if _, ok := ov.App("nope"); ok {
		t.Error("found an app that does not exist")
	}
}
