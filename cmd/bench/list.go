package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/flydash/dashboard/flysim"
)

// listCost is what one view of the app list cost upstream.
type listCost struct {
	apps                int
	prom, machines      int64
	cold, cached        time.Duration
	rows, bytes, sparks int
}

// measureList opens the list page of an org of n apps twice on a fresh
// stack: once with an empty query cache, counting every upstream request,
// and once more right after, answered from the cache.
func measureList(ctx context.Context, n int) (listCost, error) {
	c := listCost{apps: n}
	s, err := startStack(ctx, stackOptions{Sim: flysim.Options{Apps: n}})
	if err != nil {
		return c, err
	}
	defer s.Close()
	client := newLoadClient(1)
	s.Sim.Sim.ResetCounts()
	start := time.Now()
	status, body, _, err := fetch(ctx, client, s.URL+"/", nil)
	c.cold = time.Since(start)
	if err != nil {
		return c, err
	}
	if status != http.StatusOK {
		return c, fmt.Errorf("GET /: %d", status)
	}
	c.machines, c.prom = s.Sim.Sim.Counts()
	c.bytes = len(body)
	c.rows = strings.Count(string(body), `<tr class="v-`)
	if c.rows != n {
		return c, fmt.Errorf("GET /: %d rows for %d apps", c.rows, n)
	}
	c.sparks = strings.Count(string(body), "<svg")
	if strings.Contains(string(body), ">unavailable<") {
		return c, fmt.Errorf("GET /: some sparklines are unavailable, the counts would be wrong")
	}
	start = time.Now()
	if status, _, _, err = fetch(ctx, client, s.URL+"/", nil); err != nil || status != http.StatusOK {
		return c, fmt.Errorf("GET / again: %d %v", status, err)
	}
	c.cached = time.Since(start)
	return c, nil
}

func runList(ctx context.Context, cfg config, r *report) error {
	small, err := measureList(ctx, 5)
	if err != nil {
		return err
	}
	large, err := measureList(ctx, cfg.listApps)
	if err != nil {
		return err
	}
	equal := small.prom == large.prom && large.prom <= 5 && large.machines <= small.machines
	r.add("2", fmt.Sprintf("list page upstream calls, 5 apps vs %d apps (Prometheus queries; Machines API calls)", cfg.listApps),
		fmt.Sprintf("%d vs %d queries; %d vs %d Machines calls", small.prom, large.prom, small.machines, large.machines),
		"equal, <= 5 queries", ptr(equal))
	r.add("2", fmt.Sprintf("list page time, %d apps, default range 1h: cold cache / cached", cfg.listApps),
		fmt.Sprintf("%.0f ms / %.0f ms (%d rows, %d SVGs, %s)", ms(large.cold), ms(large.cached), large.rows, large.sparks, kb(large.bytes)), "", nil)
	r.add("2", "list page time, 5 apps: cold cache / cached",
		fmt.Sprintf("%.0f ms / %.0f ms (%s)", ms(small.cold), ms(small.cached), kb(small.bytes)), "", nil)
	return nil
}
