package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/flydash/dashboard/flysim"
)

// listPageRows is the rows of one page of the list (views.listPageSize).
const listPageRows = 50

// listCost is what one view of the app list cost upstream.
type listCost struct {
	apps                int
	prom, machines      int64
	cold, cached        time.Duration
	rows, bytes, sparks int
	gzipped             int
	// morePages is the Prometheus queries sent for a name filter and the
	// second and last pages (if any) after the first page: 0 when they are all
	// answered from the first page's cached overview.
	morePages int64
}

// measureList opens the list page of an org of n apps on a fresh stack:
// once with an empty query cache, counting every upstream request, then
// gzipped as a browser asks for it, and again 11 times from the cache
// (the median is kept). Then, on a fixed window, the first page, a filter and
// its second and last pages, counting the queries the later ones send.
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
	if want := min(n, listPageRows); c.rows != want {
		return c, fmt.Errorf("GET /: %d rows for %d apps, want %d", c.rows, n, want)
	}
	c.sparks = strings.Count(string(body), "<svg")
	if strings.Contains(string(body), ">unavailable<") {
		return c, fmt.Errorf("GET /: some sparklines are unavailable, the counts would be wrong")
	}
	gz := http.Header{"Accept-Encoding": {"gzip"}}
	var cached []float64
	for i := range 12 {
		start = time.Now()
		status, body, hdr, err := fetch(ctx, client, s.URL+"/", gz)
		took := time.Since(start)
		if err != nil || status != http.StatusOK || hdr.Get("Content-Encoding") != "gzip" {
			return c, fmt.Errorf("GET / gzipped: %d %v, encoding %q", status, err, hdr.Get("Content-Encoding"))
		}
		c.gzipped = len(body)
		if i > 0 { // the first one compresses into a fresh writer
			cached = append(cached, float64(took))
		}
	}
	c.cached = time.Duration(median(cached))

	to := time.Now().UTC().Truncate(time.Minute)
	window := "/?from=" + to.Add(-time.Hour).Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339)
	views := []string{"", "&q=svc-01"}
	if last := (n + listPageRows - 1) / listPageRows; last > 1 {
		views = append(views, "&page=2", fmt.Sprintf("&page=%d", last))
	}
	for i, q := range views {
		if i == 1 {
			_, p := s.Sim.Sim.Counts()
			c.morePages = -p
		}
		if status, _, _, err := fetch(ctx, client, s.URL+window+q, nil); err != nil || status != http.StatusOK {
			return c, fmt.Errorf("GET %s: %d %v", window+q, status, err)
		}
	}
	_, p := s.Sim.Sim.Counts()
	c.morePages += p
	return c, nil
}

// maxListQueries is the list's budget, whatever the number of apps: today
// the range's sparklines and the verdict's 24 h timeline, 13 queries.
const maxListQueries = 16

func runList(ctx context.Context, cfg config, r *report) error {
	small, err := measureList(ctx, 5)
	if err != nil {
		return err
	}
	large, err := measureList(ctx, cfg.listApps)
	if err != nil {
		return err
	}
	equal := small.prom == large.prom && large.prom <= maxListQueries && large.machines <= small.machines
	r.add("2", fmt.Sprintf("list page upstream calls, 5 apps vs %d apps (Prometheus queries; Machines API calls)", cfg.listApps),
		fmt.Sprintf("%d vs %d queries; %d vs %d Machines calls", small.prom, large.prom, small.machines, large.machines),
		fmt.Sprintf("equal, <= %d queries", maxListQueries), ptr(equal))
	r.add("2", fmt.Sprintf("list, %d apps: queries for ?q=, page 2 and the last page after page 1", cfg.listApps),
		fmt.Sprintf("%d", large.morePages), "0", ptr(large.morePages == 0))
	r.add("2", fmt.Sprintf("list page 1 of %d apps, default range 1h: gzipped as served (plain)", cfg.listApps),
		fmt.Sprintf("%s (%s; %d rows, %d SVGs)", kb(large.gzipped), kb(large.bytes), large.rows, large.sparks), "<= 150 KB", ptr(large.gzipped <= 150*1024))
	r.add("2", fmt.Sprintf("list page 1 of %d apps: from the cache, gzipped (median of 11); cold cache", cfg.listApps),
		fmt.Sprintf("%.1f ms; %.0f ms", ms(large.cached), ms(large.cold)), "<= 100 ms", ptr(large.cached <= 100*time.Millisecond))
	r.add("2", "list page time, 5 apps: cold cache / cached",
		fmt.Sprintf("%.0f ms / %.1f ms (%s gzipped)", ms(small.cold), ms(small.cached), kb(small.gzipped)), "", nil)
	return nil
}
