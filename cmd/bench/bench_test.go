package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
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

// TestWeightParts: the page weight counts every chart the page draws (both
// groups but the volumes, which the app lacks, and the throttled time, which
// it never had, plus the region map) and no script.
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
	want := len(promql.Catalog()) + len(promql.MachinesCatalog()) - 2 + 1
	if w.charts != want {
		t.Errorf("%d SVGs on the page, want %d", w.charts, want)
	}
	if n := len(reDataTable.FindAllString(w.body, -1)); n != want {
		t.Errorf("%d data tables, want %d", n, want)
	}
	if w.gzipped >= w.plain || w.gzipped == 0 {
		t.Errorf("gzip sizes out of order: served %d of %d", w.gzipped, w.plain)
	}
	if w.scripts != 0 {
		t.Errorf("%d scripts on the app page", w.scripts)
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
