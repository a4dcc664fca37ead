package main

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// loadRun is what n clients reloading pages as fast as they come back got.
type loadRun struct {
	pages, failed int64
	elapsed       time.Duration
	latencies     []float64 // ms, of the pages that came back 200
}

// loadPages has n clients fetch next(client, i) for the i-th page of each
// until ctx ends, each honouring a 503's Retry-After. A request cut off by the end of the run is not a page view.
func loadPages(ctx context.Context, client *http.Client, n int, next func(client, i int) string) loadRun {
	var (
		res           loadRun
		pages, failed atomic.Int64
		mu            sync.Mutex
		wg            sync.WaitGroup
	)
	start := time.Now()
	for c := range n {
		wg.Go(func() {
			var mine []float64
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				status, _, hdr, err := fetch(ctx, client, next(c, i), nil)
				if ctx.Err() != nil {
					break
				}
				if err != nil || status != http.StatusOK {
					failed.Add(1)
					// A browser told to come back later waits, as the busy
					// page says; a client that does not would measure its
					// own loop of refusals.
					if secs, _ := strconv.Atoi(hdr.Get("Retry-After")); status == http.StatusServiceUnavailable && secs > 0 {
						sleep(ctx, time.Duration(secs)*time.Second)
					}
					continue
				}
				pages.Add(1)
				mine = append(mine, ms(time.Since(t0)))
			}
			mu.Lock()
			res.latencies = append(res.latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.pages, res.failed = pages.Load(), failed.Load()
	return res
}
