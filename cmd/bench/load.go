package main

import (
	"context"
	"net/http"
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
// until ctx ends. A request cut off by the end of the run is not a page view.
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
				status, _, _, err := fetch(ctx, client, next(c, i), nil)
				if ctx.Err() != nil {
					break
				}
				if err != nil || status != http.StatusOK {
					failed.Add(1)
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
