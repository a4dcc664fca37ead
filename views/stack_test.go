package views

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/apispec"
	"github.com/flydash/dashboard/promql"
)

// stack is the whole dashboard in-process: a simulated org on loopback, the
// real flyapi and promql clients talking HTTP to it, and the web layer
// behind an httptest server.
type stack struct {
	Sim    *flysim.Server
	URL    string
	Client *http.Client // follows no redirects; keeps cookies
	Logs   *syncBuffer
}

// slowRunTimeout bounds what a test waits for a healthy upstream or page.
const slowRunTimeout = 2 * time.Minute

type stackOptions struct {
	Sim         flysim.Options
	FlyTimeout  time.Duration
	PromTimeout time.Duration
	// FlyURL and PromURL, when set, replace flysim's address for that API
	// (e.g. a closed port, for a refused connection).
	FlyURL, PromURL string
	// PromCacheTTL replaces the query cache's freshness (default one step).
	PromCacheTTL func(step time.Duration) time.Duration
	// Configure lets a test adjust the views configuration.
	Configure func(*Config)
}

func newStack(t testing.TB, o stackOptions) *stack {
	t.Helper()
	// Tests (not benchmarks, whose figures it would skew) check every
	// Machines API answer against Fly's spec.
	if _, isTest := t.(*testing.T); isTest && o.Sim.MachinesMiddleware == nil {
		o.Sim.MachinesMiddleware = apispec.ForTest(t)
	}
	s, stop, err := startStack(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s
}

// startStack starts a stack; stop closes its servers.
func startStack(o stackOptions) (s *stack, stop func(), err error) {
	ctx := context.Background()
	o.Sim.Addr = "127.0.0.1:0"
	if o.Sim.QueryTimeout == 0 {
		// The timeline's 24 h for every app is flysim's heaviest query: on
		// a loaded machine only the dashboard's deadline may end it.
		o.Sim.QueryTimeout = 15 * time.Minute
	}
	if o.Sim.StartDelay == 0 {
		o.Sim.StartDelay = 50 * time.Millisecond
	}
	sim, err := flysim.Start(ctx, o.Sim)
	if err != nil {
		return nil, nil, fmt.Errorf("start flysim: %w", err)
	}
	org := sim.Sim.Org()
	// Unless a test times an upstream out on purpose, its deadlines are
	// generous: a page under -race on a busy machine may wait tens of
	// seconds for an answer that takes milliseconds on an idle one, and a
	// test's outcome must not depend on that.
	if o.FlyTimeout == 0 {
		o.FlyTimeout = slowRunTimeout
	}
	if o.PromTimeout == 0 {
		o.PromTimeout = slowRunTimeout
	}
	flyURL, promURL := sim.URL, sim.URL
	if o.FlyURL != "" {
		flyURL = o.FlyURL
	}
	if o.PromURL != "" {
		promURL = o.PromURL
	}
	fly, err := flyapi.New(ctx, flyapi.Config{Token: "test-token", Org: org, BaseURL: flyURL, APIBaseURL: flyURL, Timeout: o.FlyTimeout})
	if err != nil {
		sim.Close()
		return nil, nil, err
	}
	prom, err := promql.NewClient(promql.Config{URL: promURL + "/prometheus/" + org, AuthHeader: "Bearer test-token", Timeout: o.PromTimeout, CacheTTL: o.PromCacheTTL})
	if err != nil {
		sim.Close()
		return nil, nil, err
	}
	logs := &syncBuffer{}
	cfg := Config{Fly: fly, Prom: prom, Demo: true, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		sim.Close()
		return nil, nil, err
	}
	srv := httptest.NewServer(h)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{
		Jar: jar,
		// A guard against a hang, not a speed bound: the list's day-long
		// timeline for hundreds of apps takes minutes on a loaded machine.
		Timeout:       15 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	stop = func() {
		srv.Close()
		sim.Close()
	}
	return &stack{Sim: sim, URL: srv.URL, Client: client, Logs: logs}, stop, nil
}

// get fetches path and returns the status and body.
func (s *stack) get(t testing.TB, path string) (int, string, http.Header) {
	t.Helper()
	resp, err := s.Client.Get(s.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// post submits a form the way a same-origin browser does.
func (s *stack) post(t testing.TB, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// syncBuffer collects log lines from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
