package breaker

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWaitsCountWhatARequestSentAndWhatFailedFast: each call through a
// breaker is counted on the Waits of the request it was made for: sent
// while the upstream is thought up, failed fast (and no time) once it is
// known down; a request without Waits is not counted anywhere.
func TestWaitsCountWhatARequestSentAndWhatFailedFast(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	tr := &Transport{Next: http.DefaultTransport.(*http.Transport).Clone(), Name: "prometheus"}
	ctx, waits := WithWaits(context.Background())
	send := func(ctx context.Context) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := tr.RoundTrip(req); err == nil {
			resp.Body.Close()
			t.Fatal("a closed port answered")
		}
	}
	for range 3 {
		send(ctx)
	}
	if tr.Open() == nil {
		t.Fatal("three refused connections left the breaker closed")
	}
	if w := waits.Of("prometheus"); w.Sent != 3 || w.FailedFast != 0 {
		t.Errorf("before the breaker opened: %+v, want 3 sent, 0 failed fast", w)
	}
	send(context.Background()) // no Waits: counted nowhere
	later, after := WithWaits(context.Background())
	send(later)
	send(later)
	if w := after.Of("prometheus"); w.Sent != 0 || w.Took != 0 || w.FailedFast != 2 {
		t.Errorf("with the breaker open: %+v, want nothing sent, no time, 2 failed fast", w)
	}
	if w := waits.Of("prometheus"); w.Sent != 3 || w.FailedFast != 0 {
		t.Errorf("another request's calls were counted on the first: %+v", w)
	}
	if w := after.Of("machines"); w != (Wait{}) {
		t.Errorf("an upstream never called has %+v", w)
	}

	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).LogAttrs(context.Background(), slog.LevelInfo, "request", after.Attrs()...)
	if want := "prometheus.sent=0 prometheus.wait_ms=0 prometheus.failed_fast=2"; !strings.Contains(b.String(), want) {
		t.Errorf("log line %q, want it to contain %q", b.String(), want)
	}
}

// TestAddWaitRecordsAJoinedCall: a caller that joins a call in flight
// rather than sending its own records the time it waited on it.
func TestAddWaitRecordsAJoinedCall(t *testing.T) {
	t.Parallel()
	ctx, waits := WithWaits(context.Background())
	AddWait(ctx, "machines", 1500*1e6)
	AddWait(context.Background(), "machines", 1) // no Waits: nowhere
	if w := waits.Of("machines"); w.Sent != 1 || w.Took.Milliseconds() != 1500 {
		t.Errorf("%+v, want 1 call of 1500 ms", w)
	}
	if got := fmt.Sprint(waits.Attrs()); !strings.Contains(got, "machines") {
		t.Errorf("attrs %s do not name machines", got)
	}
}
