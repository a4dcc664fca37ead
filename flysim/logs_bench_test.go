package flysim

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkLogs7Days500Apps serves pages of Fly's logs API at moments
// spread over the 7 days kept, for the apps of a 500-app org in turn:
// ns/op is one page (generated on demand), heap-MB the live heap after
// the run, peak-heap-MB the largest seen between pages. Lines are never
// stored, so neither grows with the pages served.
func BenchmarkLogs7Days500Apps(b *testing.B) {
	now := time.Now()
	srv, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", Apps: 500, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	apps := srv.Sim.Fleet().Apps()
	rng := rand.New(rand.NewPCG(1, 2))
	var peak uint64
	var ms runtime.MemStats
	i := 0
	for b.Loop() {
		a := apps[i%len(apps)]
		i++
		at := now.Add(-time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/apps/"+a.Name+"/logs?next_token="+strconv.FormatInt(at.UnixNano(), 10), nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET logs of %s: %v %v", a.Name, resp, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if i%100 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	b.ReportMetric(float64(max(peak, ms.HeapInuse))/(1<<20), "peak-heap-MB")
}
