package series_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
)

// benchQuery runs q over the last 24 h at 1 m through the engine directly,
// so the figures are the generator's and the engine's, not HTTP's.
func benchQuery(b *testing.B, q string) {
	f := storyFleet()
	qa := series.NewQueryable(f)
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 50_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	b.ReportAllocs()
	for b.Loop() {
		qry, err := engine.NewRangeQuery(context.Background(), qa, nil, q, testStart.Add(-24*time.Hour), testStart, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		res := qry.Exec(context.Background())
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		qry.Close()
	}
}

func BenchmarkRateByRegion24h(b *testing.B) {
	benchQuery(b, `sum by (region) (rate(fly_edge_http_responses_count{app="storefront"}[5m]))`)
}

func BenchmarkHistogramQuantile24h(b *testing.B) {
	benchQuery(b, `histogram_quantile(0.95, sum by (le) (rate(fly_edge_http_response_time_seconds_bucket{app="storefront"}[5m])))`)
}

func BenchmarkCPU24h(b *testing.B) {
	benchQuery(b, `sum by (instance) (rate(fly_instance_cpu{app="storefront",mode!="idle"}[5m]))`)
}

// BenchmarkSelectOneAppOf500 is the cost of a dashboard query's selection
// in a 500-app org: a snapshot of the fleet and the series of one app.
func BenchmarkSelectOneAppOf500(b *testing.B) {
	f := fleet.New(fleet.Config{Apps: 500, Seed: 7, Start: testStart, Now: func() time.Time { return testStart }})
	qa := series.NewQueryable(f)
	m := []*labels.Matcher{
		labels.MustNewMatcher(labels.MatchEqual, model.MetricNameLabel, "fly_edge_http_responses_count"),
		labels.MustNewMatcher(labels.MatchEqual, "app", "svc-0250"),
	}
	mint, maxt := testStart.Add(-time.Hour).UnixMilli(), testStart.UnixMilli()
	b.ReportAllocs()
	for b.Loop() {
		q, err := qa.Querier(mint, maxt)
		if err != nil {
			b.Fatal(err)
		}
		set := q.Select(context.Background(), false, &storage.SelectHints{Start: mint, End: maxt}, m...)
		n := 0
		for set.Next() {
			n++
		}
		if n == 0 {
			b.Fatal("no series")
		}
		q.Close()
	}
}

// BenchmarkOrgWideOf500 is a list-page query over a 500-app org: every
// app's request rate, last hour at 1 m. It reports the heap in use after the
// query, which must not grow with the org's history.
func BenchmarkOrgWideOf500(b *testing.B) {
	f := fleet.New(fleet.Config{Apps: 500, Seed: 7, Start: testStart, Now: func() time.Time { return testStart }})
	qa := series.NewQueryable(f)
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 50_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	q := `sum by (app) (rate(fly_edge_http_responses_count[5m]))`
	b.ReportAllocs()
	var heap uint64
	for b.Loop() {
		qry, err := engine.NewRangeQuery(context.Background(), qa, nil, q, testStart.Add(-time.Hour), testStart, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		res := qry.Exec(context.Background())
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		if m, _ := res.Matrix(); len(m) < 400 {
			b.Fatalf("%d apps with traffic", len(m))
		}
		qry.Close()
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapInuse)
	}
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
}

// BenchmarkLabelValuesOf500 is /api/v1/label/app/values in a 500-app org.
func BenchmarkLabelValuesOf500(b *testing.B) {
	f := fleet.New(fleet.Config{Apps: 500, Seed: 7, Start: testStart, Now: func() time.Time { return testStart }})
	qa := series.NewQueryable(f)
	mint, maxt := testStart.Add(-time.Hour).UnixMilli(), testStart.UnixMilli()
	b.ReportAllocs()
	for b.Loop() {
		q, err := qa.Querier(mint, maxt)
		if err != nil {
			b.Fatal(err)
		}
		apps, _, err := q.LabelValues(context.Background(), "app", nil)
		if err != nil || len(apps) != 500 {
			b.Fatalf("%d apps, %v", len(apps), err)
		}
		q.Close()
	}
}
