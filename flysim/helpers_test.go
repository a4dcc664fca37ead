package flysim

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/superfly/fly-go/flaps"

	"github.com/flydash/dashboard/flysim/apispec"
	"github.com/superfly/fly-go/tokens"
)

// testStart is a fixed anchor so story times are the same in every run.
var testStart = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// clock is a settable time source shared by a test and its Sim.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startSim serves a Sim on a free loopback port for the test's lifetime.
func startSim(t *testing.T, o Options) *Server {
	t.Helper()
	o.Addr = "127.0.0.1:0"
	if o.MachinesMiddleware == nil {
		o.MachinesMiddleware = apispec.ForTest(t)
	}
	if o.Start.IsZero() {
		o.Start = testStart
	}
	srv, err := Start(t.Context(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// redirect sends every request to the flysim at base, whatever host the
// client aimed at: flaps reads its base URL only from the process
// environment, which parallel tests must not touch.
type redirect struct {
	base *url.URL
	next http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme = r.base.Scheme
	req.URL.Host = r.base.Host
	req.Host = r.base.Host
	return r.next.RoundTrip(req)
}

// newFlaps is a fly-go flaps client talking to srv. An empty token sends
// no Authorization header at all.
func newFlaps(t *testing.T, srv *Server, token string) *flaps.Client {
	t.Helper()
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	opts := flaps.NewClientOpts{Transport: redirect{base: base, next: http.DefaultTransport}}
	if token != "" {
		opts.Tokens = tokens.Parse(token)
	}
	c, err := flaps.NewWithOptions(context.Background(), opts)
	if err != nil {
		t.Fatalf("flaps.NewWithOptions: %v", err)
	}
	return c
}

// flapsStatus is the HTTP status behind a flaps error, 0 if there is none.
func flapsStatus(err error) int {
	var fe *flaps.FlapsError
	if errors.As(err, &fe) {
		return fe.ResponseStatusCode
	}
	return 0
}
