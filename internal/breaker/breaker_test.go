package breaker

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// get sends one GET through tr with a short deadline of its own.
func get(t *testing.T, tr http.RoundTripper, url string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := tr.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// waitUntil polls cond for up to 20 s: the probe runs every 100 ms here,
// so this is generous on a loaded machine.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOpensOnTimeoutsAndClosesOnAnswer: three timeouts in a row open the
// breaker, the next request fails at once without reaching the upstream,
// and once the upstream answers a probe the breaker closes by itself.
func TestOpensOnTimeoutsAndClosesOnAnswer(t *testing.T) {
	t.Parallel()
	var hang atomic.Bool
	var hits atomic.Int64
	hang.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if hang.Load() {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	tr := &Transport{Next: srv.Client().Transport, ProbeEvery: 100 * time.Millisecond}

	for i := range 3 {
		if err := get(t, tr, srv.URL); err == nil || errors.As(err, new(*OpenError)) {
			t.Fatalf("request %d to a hung upstream: %v, want its own timeout", i+1, err)
		}
	}
	open := tr.Open()
	if open == nil || open.Cause != Timeout || open.Failures != 3 {
		t.Fatalf("after three timeouts the breaker is %+v, want open by Timeout after 3", open)
	}
	before := hits.Load()
	start := time.Now()
	err := get(t, tr, srv.URL)
	var oe *OpenError
	if !errors.As(err, &oe) {
		t.Fatalf("request while open: %v, want an *OpenError", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("failing fast took %v", took)
	}
	if hits.Load() != before && hits.Load() != before+1 { // a probe may be on its way
		t.Errorf("the request while open reached the upstream (%d hits, was %d)", hits.Load(), before)
	}

	hang.Store(false)
	waitUntil(t, "the breaker is still open though the upstream answers", func() bool { return tr.Open() == nil })
	if err := get(t, tr, srv.URL); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

// TestOpensOnRefusedConnections: a port nobody listens on opens the
// breaker with the dial's own words.
func TestOpensOnRefusedConnections(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	tr := &Transport{Next: http.DefaultTransport.(*http.Transport).Clone()}
	for range 3 {
		_ = get(t, tr, url)
	}
	open := tr.Open()
	if open == nil || open.Cause != Refused || open.Detail != "connection refused" {
		t.Fatalf("after three refused connections the breaker is %+v, want open by Refused saying \"connection refused\"", open)
	}
}

// TestWritesAreNeverProbed: failed POSTs count, but without a read to
// repeat the breaker stays closed rather than send a write again.
func TestWritesAreNeverProbed(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	tr := &Transport{Next: http.DefaultTransport.(*http.Transport).Clone()}
	for range 5 {
		req, _ := http.NewRequest(http.MethodPost, url, nil)
		if _, err := tr.RoundTrip(req); err == nil {
			t.Fatal("a POST to a closed port succeeded")
		}
	}
	if open := tr.Open(); open != nil {
		t.Fatalf("the breaker opened with only writes to probe: %+v", open)
	}
}

// TestCallerLeavingIsNotAFailure: requests whose callers cancel them say
// nothing about the upstream.
func TestCallerLeavingIsNotAFailure(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	tr := &Transport{Next: srv.Client().Transport}
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		done := make(chan error, 1)
		go func() { _, err := tr.RoundTrip(req); done <- err }()
		cancel()
		if err := <-done; err == nil {
			t.Fatal("a cancelled request succeeded")
		}
	}
	if open := tr.Open(); open != nil {
		t.Fatalf("cancelled requests opened the breaker: %+v", open)
	}
}
