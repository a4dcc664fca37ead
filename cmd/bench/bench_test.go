package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/promql"
)

// BenchmarkAppPageFloor is measurement 1 as a Go benchmark: each op is one
// round (the app page, each upstream call alone, the six queries at once),
// every part on a fresh window. "flysim" has flysim compute every query on
// the machine's cores; "replay" serves answers flysim computed beforehand
// after exactly the latency, so the ratio is the dashboard's own overhead.
//
//	go test -run '^$' -bench AppPageFloor -benchtime 10x ./cmd/bench
func BenchmarkAppPageFloor(b *testing.B) {
	for _, replay := range []bool{false, true} {
		for _, span := range []time.Duration{24 * time.Hour, time.Hour} {
			name := "flysim/" + rangeLabel(span)
			if replay {
				name = "replay/" + rangeLabel(span)
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				f, err := newFloorBench(ctx, 100*time.Millisecond, span, replay)
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				if _, err := f.round(ctx, 0); err != nil {
					b.Fatal(err)
				}
				var pages, slowest, ratios []float64
				i := 0
				for b.Loop() {
					rd, err := f.round(ctx, i)
					if err != nil {
						b.Fatal(err)
					}
					i++
					pages = append(pages, ms(rd.Page))
					slowest = append(slowest, ms(rd.Slowest))
					ratios = append(ratios, float64(rd.Page)/float64(rd.Slowest))
				}
				b.ReportMetric(median(pages), "page-ms")
				b.ReportMetric(median(slowest), "slowest-call-ms")
				b.ReportMetric(median(ratios), "page/slowest")
			})
		}
	}
}

// BenchmarkAppPageCached is the dashboard's own work for one app page
// view: every query answered from the cache, so what is left is the two
// Machines API calls, six charts, the tables and the template.
//
//	go test -run '^$' -bench AppPageCached ./cmd/bench
func BenchmarkAppPageCached(b *testing.B) {
	for _, rng := range []string{"1h", "24h", "7d"} {
		b.Run(rng, func(b *testing.B) {
			ctx := context.Background()
			s, err := startStack(ctx, stackOptions{PromCache: func(time.Duration) time.Duration { return time.Hour }})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			client := newLoadClient(1)
			// A fixed window, so the cache answers every query after the
			// first load.
			to := time.Now().Truncate(time.Hour)
			span := map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour}[rng]
			url := fmt.Sprintf("%s/apps/%s?from=%d&to=%d", s.URL, floorApp, to.Add(-span).Unix(), to.Unix())
			status, body, _, err := fetch(ctx, client, url, nil)
			if err != nil || status != http.StatusOK {
				b.Fatalf("GET %s: %d %v", url, status, err)
			}
			_, p0 := s.Sim.Sim.Counts()
			for b.Loop() {
				if status, _, _, err := fetch(ctx, client, url, nil); err != nil || status != http.StatusOK {
					b.Fatalf("GET %s: %d %v", url, status, err)
				}
			}
			if _, p1 := s.Sim.Sim.Counts(); p1 != p0 {
				b.Errorf("%d queries reached flysim: the page was not served from the cache", p1-p0)
			}
			b.ReportMetric(float64(len(body)), "page-bytes")
		})
	}
}

// TestFloorRound: one round of the floor measurement on a replayed
// upstream gives the page and its floor, both at least the latency.
func TestFloorRound(t *testing.T) {
	t.Parallel()
	const latency = 20 * time.Millisecond
	ctx := context.Background()
	f, err := newFloorBench(ctx, latency, time.Hour, true)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := f.round(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rd.Page < latency || rd.Slowest < latency || rd.Parallel < latency {
		t.Errorf("faster than the injected latency: %+v", rd)
	}
	if rd.SlowestName == "" {
		t.Error("the slowest call has no name")
	}
}

// TestWeightParts: the page weight finds the parts it reports (six chart
// SVGs and the region map, their seven data tables, the hover columns) and no script.
func TestWeightParts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := startStack(ctx, stackOptions{Sim: flysim.Options{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w, err := measureWeight(ctx, s, floorApp, "?range=1h")
	if err != nil {
		t.Fatal(err)
	}
	// Both groups chart, but for the volumes (the app mounts none), and
	// the region map.
	want := len(promql.Catalog()) + len(promql.MachinesCatalog()) - 1 + 1
	if n := len(reSVG.FindAllString(w.body, -1)); n != want {
		t.Errorf("%d SVGs on the page, want %d", n, want)
	}
	if n := len(reDataTable.FindAllString(w.body, -1)); n != want {
		t.Errorf("%d data tables, want %d", n, want)
	}
	if w.hover == 0 || w.series == 0 || w.css == 0 {
		t.Errorf("parts not found: %+v", w)
	}
	if w.gzipped >= w.plain || w.gzNoTables >= w.gzipped {
		t.Errorf("gzip sizes out of order: served %d of %d, %d without tables", w.gzipped, w.plain, w.gzNoTables)
	}
	if w.scripts != 0 {
		t.Errorf("%d scripts on the app page", w.scripts)
	}
}

// TestOpenMetrics: import lines become OpenMetrics text promtool reads:
// families together, timestamps in seconds, "# EOF" last.
func TestOpenMetrics(t *testing.T) {
	t.Parallel()
	in := `{"metric":{"__name__":"b_total","app":"x"},"values":[1,2],"timestamps":[15000,30000]}
{"metric":{"__name__":"a","app":"x","region":"ams"},"values":[0.5],"timestamps":[15000]}
{"metric":{"__name__":"b_total","app":"y"},"values":[3],"timestamps":[15000]}
`
	path := filepath.Join(t.TempDir(), "out.om")
	if err := jsonLinesToOpenMetrics(strings.NewReader(in), path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `a{app="x",region="ams"} 0.5 15.000
b_total{app="x"} 1 15.000
b_total{app="x"} 2 30.000
b_total{app="y"} 3 15.000
# EOF
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestRelativePath: the estimate's path rewrite keeps every point within
// 0.1 px: summing the relative moves gives back the absolute ones.
func TestRelativePath(t *testing.T) {
	t.Parallel()
	got := relativePath("M53.6 200.3L55.8 200.4L58.06 199.91L60.3 200.4ZM1 2L1 2")
	want := "M53.6 200.3l2.2 .1l2.3-.5l2.2 .5ZM1 2l0 0"
	if got != want {
		t.Errorf("relativePath = %q, want %q", got, want)
	}
}

// TestOverloadPathsAreServed: every kind of page the overload run asks for
// exists, so its error count measures the dashboard, not a wrong URL.
func TestOverloadPathsAreServed(t *testing.T) {
	t.Parallel()
	s, err := startStack(t.Context(), stackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	client := newLoadClient(1)
	rng := rand.New(rand.NewPCG(1, 16))
	seen := map[string]bool{}
	for range 40 {
		path := overloadPath(rng)
		status, _, _, err := fetch(t.Context(), client, s.URL+path, nil)
		if err != nil || status != http.StatusOK {
			t.Errorf("GET %s: %d %v", path, status, err)
		}
		for _, kind := range []string{"/charts/", "/explore/"} {
			if strings.Contains(path, kind) {
				seen[kind] = true
			}
		}
	}
	for _, kind := range []string{"/charts/", "/explore/"} {
		if !seen[kind] {
			t.Errorf("40 overload paths asked for no %s", kind)
		}
	}
}
