package promql

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// countingTransport counts range queries on their way to the real engine
// and can hold them until released, so a test can line callers up behind
// one query in flight without relying on timing.
type countingTransport struct {
	base    http.RoundTripper
	queries atomic.Int64
	gate    chan struct{} // nil: pass straight through
}

func (ct *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/api/v1/query_range") {
		ct.queries.Add(1)
		if ct.gate != nil {
			select {
			case <-ct.gate:
			case <-req.Context().Done():
				return nil, req.Context().Err()
			}
		}
	}
	return ct.base.RoundTrip(req)
}

// waitFor polls cond; the deadline only guards against a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestConcurrentRunsCoalesce(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	ct := &countingTransport{base: http.DefaultTransport, gate: make(chan struct{})}
	c := newClient(t, Config{URL: vm.URL, HTTPClient: &http.Client{Transport: ct}})
	w := fixtureWindow(t)
	const callers = 8
	queries := Catalog()

	results := make([][]Result, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { results[i] = c.Run(context.Background(), "web", queries, w, 0) })
	}
	// Every caller but the first of each query joins the one in flight.
	waitFor(t, "all callers to join", func() bool { return c.Stats().Coalesced == (callers-1)*int64(len(queries)) })
	close(ct.gate)
	wg.Wait()

	if got := ct.queries.Load(); got != int64(len(queries)) {
		t.Errorf("the engine saw %d range queries, want %d", got, len(queries))
	}
	if s := c.Stats(); s.Upstream != int64(len(queries)) {
		t.Errorf("Stats.Upstream = %d, want %d", s.Upstream, len(queries))
	}
	for i := range callers {
		for j, r := range results[i] {
			if r.Err != nil || len(r.Series) == 0 {
				t.Fatalf("caller %d %s: %v, %d series", i, r.Query.ID, r.Err, len(r.Series))
			}
			// Each caller owns its labels; the points are one read-only
			// array for all, capped so that appending to them copies.
			v := r.Series[0].Values
			if i == 0 {
				r.Series[0].Labels["x"] = "y"
				if len(v) != cap(v) {
					t.Fatalf("caller 0 %s: points of length %d, capacity %d: an append would write into the cache", r.Query.ID, len(v), cap(v))
				}
			} else if r.Series[0].Labels["x"] != "" {
				t.Fatalf("caller %d %s shares its labels with caller 0", i, r.Query.ID)
			} else if &v[0] != &results[0][j].Series[0].Values[0] {
				t.Errorf("caller %d %s has its own copy of the points: each page would copy every answer", i, r.Query.ID)
			}
		}
	}
}

func TestCacheKeepsResultsForAStep(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	ct := &countingTransport{base: http.DefaultTransport}
	c := newClient(t, Config{URL: vm.URL, HTTPClient: &http.Client{Transport: ct}})
	var clock atomic.Int64
	clock.Store(fixtureNow.UnixNano())
	c.now = func() time.Time { return time.Unix(0, clock.Load()) }
	w := fixtureWindow(t) // 15 s step: fresh for 15 s
	ctx := context.Background()

	run := func() {
		t.Helper()
		for _, r := range c.Run(ctx, "web", Catalog(), w, 0) {
			if r.Err != nil {
				t.Fatalf("%s: %v", r.Query.ID, r.Err)
			}
		}
	}
	run()
	run()
	if s := c.Stats(); s.Upstream != 6 || s.CacheHits != 6 {
		t.Errorf("second run: %+v, want 6 upstream and 6 hits", s)
	}
	clock.Add(int64(14 * time.Second))
	run()
	if s := c.Stats(); s.Upstream != 6 || s.CacheHits != 12 {
		t.Errorf("14 s later: %+v, want still cached", s)
	}
	clock.Add(int64(time.Second))
	run()
	if s := c.Stats(); s.Upstream != 12 {
		t.Errorf("15 s later: %+v, want the results expired", s)
	}
	// Another offset is another query.
	c.Run(ctx, "web", Catalog()[:1], w, 24*time.Hour)
	if s := c.Stats(); s.Upstream != 13 || ct.queries.Load() != 13 {
		t.Errorf("with an offset: %+v, %d at the engine; want 13", s, ct.queries.Load())
	}

	// The client's own metrics agree with Stats.
	reg := prometheus.NewRegistry()
	for _, col := range c.Collectors() {
		reg.MustRegister(col)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			got[f.GetName()+labelSuffix(m)] = metricValue(m)
		}
	}
	if got["flydash_promql_cache_hits_total"] != 12 || got[`flydash_promql_upstream_query_duration_seconds{outcome="ok"}`] != 13 {
		t.Errorf("collected metrics %v", got)
	}
}

func labelSuffix(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+`="`+l.GetValue()+`"`)
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

func TestCacheDisabled(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	c := newClient(t, Config{URL: vm.URL, CacheTTL: func(time.Duration) time.Duration { return 0 }})
	w := fixtureWindow(t)
	c.Run(context.Background(), "web", Catalog(), w, 0)
	c.Run(context.Background(), "web", Catalog(), w, 0)
	if s := c.Stats(); s.Upstream != 12 || s.CacheHits != 0 {
		t.Errorf("%+v, want every query sent", s)
	}
}

func TestResultCacheBound(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	later := now.Add(time.Minute)
	entry := func(points int) *answer {
		return &answer{series: []rawSeries{{labels: map[string]string{"app": "web"}, values: make([]float64, points)}}}
	}
	// Room for two entries of 40 points under keys of one byte, not three.
	one := 1 + entry(40).size()
	c := newResultCache(2*one + one/2)
	c.put("a", entry(40), now, later)
	c.put("b", entry(40), now, later)
	if _, ok := c.get("a", now); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	c.put("c", entry(40), now, later) // over the bound: b, the least recently used, goes
	if _, ok := c.get("b", now); ok {
		t.Error("b survived past the bound")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k, now); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	if c.size() != 2*one || c.len() != 2 {
		t.Errorf("%d bytes in %d entries, want %d in 2", c.size(), c.len(), 2*one)
	}
	c.put("huge", entry(1000), now, later) // bigger than the whole cache: not kept
	if _, ok := c.get("huge", now); ok || c.len() != 2 {
		t.Error("an entry over the bound was kept")
	}
	if _, ok := c.get("a", later); ok || c.len() != 1 {
		t.Error("an expired entry was served or kept")
	}
	c.put("c", entry(10), now, later) // replacing an entry frees the old cost
	if want := 1 + entry(10).size(); c.size() != want {
		t.Errorf("%d bytes after replacing, want %d", c.size(), want)
	}
	// A window that moved on is not asked for again: once expired, the
	// least recently used entries go at the next put, not at the bound.
	c.put("d", entry(10), now, later)
	c.put("e", entry(10), later, later.Add(time.Minute))
	if c.len() != 1 {
		t.Errorf("%d entries after two expired, want 1", c.len())
	}
}

// TestAnswerSize: the cache's estimate grows with points and labels, at
// least 8 bytes a point, so its budget bounds what the heap holds.
func TestAnswerSize(t *testing.T) {
	t.Parallel()
	small := &answer{series: []rawSeries{{labels: map[string]string{"app": "web"}, values: make([]float64, 10)}}}
	big := &answer{series: []rawSeries{{labels: map[string]string{"app": "web", "region": "ams"}, values: make([]float64, 1000)}}}
	if s := small.size(); s < 80 {
		t.Errorf("10 points counted as %d bytes, want at least 80", s)
	}
	if d := big.size() - small.size(); d < 990*8 {
		t.Errorf("990 more points and a label counted as %d more bytes, want at least %d", d, 990*8)
	}
}
