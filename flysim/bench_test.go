package flysim

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// BenchmarkStartup measures Start up to the first answer of each API, for
// the budgets: default org <= 3 s; -apps 500 <= 10 s and < 1 GB. heap-MB is
// the live heap once both APIs have answered.
func BenchmarkStartup(b *testing.B) {
	for _, apps := range []int{0, 500} {
		b.Run(fmt.Sprintf("apps=%d", apps), func(b *testing.B) {
			var heap uint64
			for b.Loop() {
				srv, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", Apps: apps})
				if err != nil {
					b.Fatal(err)
				}
				for _, path := range []string{
					"/v1/apps?org_slug=demo",
					"/prometheus/demo/api/v1/query?query=" + "count(fly_instance_up)",
				} {
					req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
					req.Header.Set("Authorization", "Bearer x")
					resp, err := http.DefaultClient.Do(req)
					if err != nil || resp.StatusCode != http.StatusOK {
						b.Fatalf("GET %s: %v %v", path, resp, err)
					}
					resp.Body.Close()
				}
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = max(heap, ms.HeapInuse)
				srv.Close()
			}
			b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
		})
	}
}

// BenchmarkSnapshot is the per-query cost the metrics generator pays.
func BenchmarkSnapshot(b *testing.B) {
	for _, apps := range []int{0, 500} {
		b.Run(fmt.Sprintf("apps=%d", apps), func(b *testing.B) {
			s, err := New(Options{Apps: apps, Start: time.Now()})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				_ = s.Fleet().Snapshot()
			}
		})
	}
}
