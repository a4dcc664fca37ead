package views

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/internal/web/admission"
)

// TestAdmissionRefusesPastTheQueue: with one page admitted and one
// waiting, a third is refused at once with 503, Retry-After and a page
// that reloads itself, while the waiting one is answered once the slot
// frees; the health check and static files are answered meanwhile.
func TestAdmissionRefusesPastTheQueue(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{
		// Every query takes 2 s: the admitted page holds its slot that long.
		Sim: flysim.Options{PromLatency: 2 * time.Second},
		Configure: func(c *Config) {
			c.Admission = admission.Config{Limit: 1, Queue: 1, RetryAfter: 3 * time.Second}
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

	queued := make(chan answer, 1)
	go func() { queued <- get("/apps/blog?range=1h") }()
	waitFor(t, func() bool { return strings.Contains(get("/metrics").body, "flydash_pages_waiting 1\n") })
	a := get("/apps/storefront/charts/cpu.svg?range=1h")
	if a.status != http.StatusServiceUnavailable || a.retry != "3" {
		t.Errorf("past the queue: %d, Retry-After %q; want 503 with Retry-After: 3", a.status, a.retry)
	}
	if !strings.Contains(a.body, "<h1>The dashboard is busy</h1>") || !strings.Contains(a.body, `<meta http-equiv="refresh" content="3">`) {
		t.Errorf("the 503 is not a page that says why and reloads")
	}
	if a := <-queued; a.status != http.StatusOK {
		t.Errorf("the queued page: %d, want it answered once the slot freed", a.status)
	}
	if a := <-first; a.status != http.StatusOK {
		t.Errorf("the admitted page: %d", a.status)
	}
	// Its slot is free again.
	if a := get("/apps/storefront/charts/cpu.svg?range=1h"); a.status != http.StatusOK {
		t.Errorf("after the load: %d", a.status)
	}
	m := get("/metrics").body
	for _, want := range []string{"flydash_pages_refused_total 1", "flydash_pages_admission_limit 1", "flydash_pages_in_flight 0"} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
