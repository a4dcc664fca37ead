package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/views"
)

const benchToken = "bench-token"

// stack is the dashboard in-process as demo mode wires it: flysim on
// loopback, the real flyapi and promql clients talking HTTP to it, and the
// web layer behind a real net/http server.
type stack struct {
	Sim  *flysim.Server
	Fly  *flyapi.Client
	Prom *promql.Client
	URL  string
	// PromBase is where the dashboard finds the Prometheus API: flysim, or
	// the replay proxy in front of it.
	PromBase string
	replay   *replayProxy

	srv *http.Server
}

type stackOptions struct {
	Sim flysim.Options
	// PromCache overrides the query cache's TTL (nil: the dashboard's default).
	PromCache func(step time.Duration) time.Duration
	// Replay, when set, puts a replayProxy with this latency between the
	// dashboard and flysim's Prometheus API.
	Replay time.Duration
}

func startStack(ctx context.Context, o stackOptions) (*stack, error) {
	o.Sim.Addr = "127.0.0.1:0"
	if o.Sim.QueryTimeout == 0 {
		// The client's own timeout (two minutes) decides, not the engine's
		// 20 s: a run on a loaded machine measures slowness, not failures.
		o.Sim.QueryTimeout = 2 * time.Minute
	}
	sim, err := flysim.Start(context.Background(), o.Sim)
	if err != nil {
		return nil, fmt.Errorf("start flysim: %w", err)
	}
	s := &stack{Sim: sim}
	org := sim.Sim.Org()
	if s.Fly, err = flyapi.New(ctx, flyapi.Config{Token: benchToken, Org: org, BaseURL: sim.URL, APIBaseURL: sim.URL, Timeout: time.Minute}); err != nil {
		sim.Close()
		return nil, err
	}
	s.PromBase = sim.URL
	if o.Replay > 0 {
		if s.replay, err = startReplayProxy(sim.URL, o.Replay); err != nil {
			sim.Close()
			return nil, err
		}
		s.PromBase = s.replay.URL
	}
	if s.Prom, err = newPromClient(s.PromBase, org, o.PromCache); err != nil {
		s.Close()
		return nil, err
	}
	h, err := views.New(views.Config{Fly: s.Fly, Prom: s.Prom, Demo: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		s.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, err
	}
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// newPromClient is a promql client for org's API under base; ttl nil keeps the default cache,
// a function returning 0 disables it.
func newPromClient(base, org string, ttl func(time.Duration) time.Duration) (*promql.Client, error) {
	return promql.NewClient(promql.Config{
		URL: base + "/prometheus/" + org, AuthHeader: "Bearer " + benchToken,
		Timeout: 2 * time.Minute, CacheTTL: ttl,
	})
}

func noCache(time.Duration) time.Duration { return 0 }

func (s *stack) Close() {
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(ctx)
	}
	if s.replay != nil {
		s.replay.Close()
	}
	s.Sim.Close()
}

// newLoadClient is an HTTP client that keeps a connection per concurrent
// caller, as that many browsers would.
func newLoadClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns * 2
	t.MaxIdleConnsPerHost = conns * 2
	// Compression is measured on purpose where it matters; elsewhere it
	// would only add the client's CPU to the dashboard's.
	t.DisableCompression = true
	return &http.Client{Transport: t, Timeout: 5 * time.Minute}
}

// fetch GETs url and returns the status and body.
func fetch(ctx context.Context, c *http.Client, url string, header http.Header) (int, []byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, err
}
