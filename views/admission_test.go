package views

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flydash/dashboard/flysim"
)

// TestAdmissionRefusesPastTheQueue: with one page admitted and one
// waiting, a third is refused at once and the waiting one when its wait
// runs out, both with 503, Retry-After and a page that reloads itself;
// the health check and static files are answered meanwhile.
func TestAdmissionRefusesPastTheQueue(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{
		// Every query takes 2 s: the admitted page holds its slot that long.
		Sim: flysim.Options{PromLatency: 2 * time.Second},
		Configure: func(c *Config) {
			c.Admission = Admission{Limit: 1, Queue: 1, Wait: 300 * time.Millisecond, RetryAfter: 3 * time.Second}
			c.Metrics = prometheus.NewRegistry()
		},
	})
	type answer struct {
		status int
		retry  string
		body   string
	}
	get := func(path string) answer {
		resp, err := s.Client.Get(s.URL + path)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
			return answer{}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
	}

	first := make(chan answer, 1)
	go func() { first <- get("/apps/storefront?range=1h") }()
	// Its queries reaching flysim mean it was admitted and holds the slot.
	waitFor(t, func() bool { _, prom := s.Sim.Sim.Counts(); return prom > 0 })

	// The slot is taken: the health check and static files do not wait.
	if a := get("/healthz"); a.status != http.StatusOK {
		t.Errorf("/healthz while the pages are full: %d", a.status)
	}
	if a := get("/static/app.css"); a.status != http.StatusOK {
		t.Errorf("a static file while the pages are full: %d", a.status)
	}

	var wg sync.WaitGroup
	answers := make([]answer, 2)
	for i, path := range []string{"/apps/blog?range=1h", "/apps/storefront/charts/cpu.svg?range=1h"} {
		wg.Go(func() { answers[i] = get(path) })
		time.Sleep(50 * time.Millisecond) // the second arrives with the queue full
	}
	wg.Wait()
	for i, a := range answers {
		if a.status != http.StatusServiceUnavailable || a.retry != "3" {
			t.Errorf("request %d: %d, Retry-After %q; want 503 with Retry-After: 3", i, a.status, a.retry)
			continue
		}
		if !strings.Contains(a.body, "<h1>The dashboard is busy</h1>") || !strings.Contains(a.body, `<meta http-equiv="refresh" content="3">`) {
			t.Errorf("request %d: the 503 is not a page that says why and reloads", i)
		}
	}
	if a := <-first; a.status != http.StatusOK {
		t.Errorf("the admitted page: %d", a.status)
	}
	// Its slot is free again.
	if a := get("/apps/storefront/charts/cpu.svg?range=1h"); a.status != http.StatusOK {
		t.Errorf("after the load: %d", a.status)
	}
	m := get("/metrics").body
	for _, want := range []string{"flydash_pages_refused_total 2", "flydash_pages_admission_limit 1", "flydash_pages_in_flight 0"} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLimitFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		procs int
		mem   int64
		want  int
	}{
		{2, 0, 8},                 // CPUs alone
		{1, 512 << 20, 4},         // shared-cpu-1x, 512 MB: CPU-bound
		{8, 160 << 20, 16},        // memory-bound: (160-96)/4
		{1, 64 << 20, 2},          // never below two
		{16, 1 << 40, 16 * 4},     // plenty of memory
		{0, 0, minAdmitted},       // nonsense in, a working floor out
		{4, memoryReserve, 2},     // nothing left after the reserve
		{4, 200 << 20, 4 * 4},     // (200-96)/4 = 26 > 16
		{12, 200 << 20, 26},       // 48 by CPU, 26 by memory
		{3, perPageMemory * 1, 2}, // less than the reserve
	} {
		if got := limitFor(tc.procs, tc.mem); got != tc.want {
			t.Errorf("limitFor(%d, %d MiB) = %d, want %d", tc.procs, tc.mem>>20, got, tc.want)
		}
	}
}
