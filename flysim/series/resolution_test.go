package series_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
)

// rangeMatrix evaluates q over w and returns its result and how many
// samples the engine read.
func rangeMatrix(t *testing.T, engine *promql.Engine, qa storage.Queryable, q string, w dashWindow, end time.Time) (promql.Matrix, int64) {
	t.Helper()
	end = end.Truncate(w.step)
	qry, err := engine.NewRangeQuery(context.Background(), qa, nil, q, end.Add(-w.span).Truncate(w.step), end, w.step)
	if err != nil {
		t.Fatal(err)
	}
	defer qry.Close()
	res := qry.Exec(context.Background())
	if res.Err != nil {
		t.Fatalf("%s: %v", q, res.Err)
	}
	m, err := res.Matrix()
	if err != nil {
		t.Fatal(err)
	}
	// Close recycles the result's memory.
	out := make(promql.Matrix, len(m))
	for i, s := range m {
		out[i] = promql.Series{Metric: s.Metric, Floats: slices.Clone(s.Floats)}
	}
	return out, qry.Stats().Samples.TotalSamples
}

// sameMatrix reports the first difference between got and want, comparing
// values bit for bit. skip says which series may differ (by their labels).
func sameMatrix(want, got promql.Matrix, skip func(labels.Labels) bool) error {
	byKey := map[string]promql.Series{}
	for _, s := range got {
		byKey[s.Metric.String()] = s
	}
	if len(want) != len(got) {
		return fmt.Errorf("%d series, want %d", len(got), len(want))
	}
	for _, w := range want {
		g, ok := byKey[w.Metric.String()]
		if !ok {
			return fmt.Errorf("%s missing", w.Metric)
		}
		if skip != nil && skip(w.Metric) {
			continue
		}
		if len(w.Floats) != len(g.Floats) {
			return fmt.Errorf("%s: %d points, want %d", w.Metric, len(g.Floats), len(w.Floats))
		}
		for i, p := range w.Floats {
			q := g.Floats[i]
			if p.T != q.T || math.Float64bits(p.F) != math.Float64bits(q.F) && !(math.IsNaN(p.F) && math.IsNaN(q.F)) {
				return fmt.Errorf("%s at %s: %v, want %v",
					w.Metric, time.UnixMilli(p.T).UTC().Format(time.RFC3339), q.F, p.F)
			}
		}
	}
	return nil
}

// The coarse grids change no answer the dashboard gets: every chart of the
// app page and every column of the list page, over the ranges the
// dashboard offers, is the same to the bit as on the 15 s grid. The only
// exception the design admits, a counter restarting inside a rate window,
// is left out: the machines of the OOM and deploy stories restarted, so
// their CPU is not compared.
func TestCoarseGridsAnswerLikeTheFineGrid(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	engine := newEngine()
	coarse := series.NewQueryable(f)
	fine := series.NewQueryable(f, series.WithFineGridOnly(), series.WithCacheFloats(0))
	// The grid follows the step and the rate window, not the span: two
	// days at the steps of the 7-day windows check their grids for less.
	page7dStep := dashWindow{48 * time.Hour, page7d.step}
	list7dStep := dashWindow{48 * time.Hour, list7d.step}
	restarted := func(ls labels.Labels) bool {
		app := ls.Get("app")
		return app == fleet.OOMApp || app == fleet.DeployApp
	}
	// The two queryables are read in turn, so their counters tell each
	// query's samples apart.
	check := func(name, q string, w dashWindow, skip func(labels.Labels) bool) {
		fine0, coarse0 := series.SamplesServed(fine), series.SamplesServed(coarse)
		want, _ := rangeMatrix(t, engine, fine, q, w, testStart)
		got, _ := rangeMatrix(t, engine, coarse, q, w, testStart)
		fineSamples, coarseSamples := series.SamplesServed(fine)-fine0, series.SamplesServed(coarse)-coarse0
		if len(want) == 0 {
			t.Errorf("%s over %s: no series", name, w.span)
		}
		if err := sameMatrix(want, got, skip); err != nil {
			t.Errorf("%s over %s, coarse grid against 15 s grid: %v", name, w.span, err)
		}
		// From a 5 min step on, every query reads a grid at least twice as
		// coarse, and eight times where no machine restarted: a steady
		// series reads a sample or two a step.
		most := 0.12
		if skip != nil {
			most = 0.55
		}
		if w.step >= 5*time.Minute && float64(coarseSamples) > most*float64(fineSamples) {
			t.Errorf("%s over %s synthesized %d samples, %d on the 15 s grid", name, w.span, coarseSamples, fineSamples)
		}
	}
	for _, c := range []struct {
		app     string
		windows []dashWindow
	}{
		{fleet.RegionalLatencyApp, []dashWindow{page1h, page6h, page24h, page7dStep}},
		{fleet.IncidentApp, []dashWindow{page24h}},
		{fleet.OOMApp, []dashWindow{page24h}},
		{fleet.DeployApp, []dashWindow{page24h}},
	} {
		for _, w := range c.windows {
			for name, q := range appPageQueries(c.app, w) {
				if c.app != fleet.RegionalLatencyApp && strings.Contains(name, "latency") {
					continue // the histograms' grids are checked on one app
				}
				var skip func(labels.Labels) bool
				if name == "cpu" && (c.app == fleet.OOMApp || c.app == fleet.DeployApp) {
					skip = func(labels.Labels) bool { return true }
				}
				check(c.app+" "+name, q, w, skip)
			}
		}
	}
	// The compare view's offsets, and subqueries, whose selectors get the
	// subquery's step.
	sel := `{app="` + fleet.RegionalLatencyApp + `"}`
	for _, q := range []string{
		`sum by (region) (rate(fly_edge_http_responses_count` + sel + `[315s] offset 1d))`,
		`histogram_quantile(0.9, sum by (le) (increase(fly_edge_http_response_time_seconds_bucket` + sel + `[315s] offset 7d)))`,
		`sum(fly_instance_memory_mem_available` + sel + ` offset 1d)`,
		`max_over_time(sum(rate(fly_edge_http_responses_count` + sel + `[315s]))[1h:5m])`,
		`avg_over_time(sum(fly_instance_memory_mem_available` + sel + `)[2h:10m] offset 1h)`,
	} {
		check(q, q, page24h, nil)
	}
	for _, w := range []dashWindow{list1h, list24h, list7dStep} {
		for name, q := range overviewQueries(w) {
			var skip func(labels.Labels) bool
			if name == "cpu" {
				skip = restarted
			}
			check("overview "+name, q, w, skip)
		}
	}
}
