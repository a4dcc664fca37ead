package main

import (
	"context"
	"fmt"
	"time"

	"github.com/flydash/dashboard/flysim"
)

// viewerRun is the outcome of many people reloading one page.
type viewerRun struct {
	pages, failed  int64
	prom, machines int64
	elapsed        time.Duration
	latencies      []float64 // ms
}

// measureViewers has n viewers reload path on a fresh stack for d, each
// as fast as the page comes back, and counts what reached flysim.
func measureViewers(ctx context.Context, latency time.Duration, path string, n int, d time.Duration) (viewerRun, error) {
	var v viewerRun
	s, err := startStack(ctx, stackOptions{Sim: flysim.Options{PromLatency: latency}})
	if err != nil {
		return v, err
	}
	defer s.Close()
	client := newLoadClient(n)
	s.Sim.Sim.ResetCounts()

	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	load := loadPages(ctx, client, n, func(int, int) string { return s.URL + path })
	v.pages, v.failed, v.elapsed, v.latencies = load.pages, load.failed, load.elapsed, load.latencies
	v.machines, v.prom = s.Sim.Sim.Counts()
	if v.pages == 0 {
		return v, fmt.Errorf("no page came back in %s (%d failed)", d, v.failed)
	}
	return v, nil
}

func runViewers(ctx context.Context, cfg config, r *report) error {
	for _, c := range []struct{ label, path string }{
		{"24h (the default)", "/apps/" + floorApp},
		{"1h", "/apps/" + floorApp + "?range=1h"},
	} {
		v, err := measureViewers(ctx, cfg.latency, c.path, cfg.viewers, cfg.viewersFor)
		if err != nil {
			return err
		}
		per := float64(v.prom) / float64(v.pages)
		r.add("3", fmt.Sprintf("Prometheus queries per page view, %d viewers of one app page for %s, range %s", cfg.viewers, cfg.viewersFor, c.label),
			fmt.Sprintf("%.4f (%d queries for %d views)", per, v.prom, v.pages), "<= 0.05", ptr(per <= 0.05))
		r.add("3", "  same run: Machines API calls per view; pages/s; page p50/p95; failed",
			fmt.Sprintf("%.2f; %.0f/s; %.0f/%.0f ms; %d", float64(v.machines)/float64(v.pages),
				float64(v.pages)/v.elapsed.Seconds(), median(v.latencies), quantile(v.latencies, 0.95), v.failed), "", nil)
	}
	return nil
}
