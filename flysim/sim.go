// Package flysim is a simulated Fly.io org behind HTTP: the Machines REST API
// under /v1 and the Prometheus HTTP API under /prometheus/<org>/, both served
// from one ground truth (package fleet) so they never disagree.
package flysim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
)

// DefaultAddr is where Start listens when Options.Addr is empty.
const DefaultAddr = "127.0.0.1:9090"

// Fault modes for Options.PromFault and Options.MachinesFault.
const (
	FaultNone    = ""
	FaultHang    = "hang"    // never answer until the client gives up
	FaultGarbage = "garbage" // 200 with a body that is not JSON
	// FaultCancel (Prometheus only) answers as Prometheus does when it
	// cancels a query itself, e.g. while restarting: 499, errorType canceled.
	FaultCancel = "cancel"
)

// Options configures a Sim. The zero value is the default demo org.
type Options struct {
	Addr string
	Org  string
	Apps int
	Seed int64
	// Start anchors the stories; zero = now. Now is the clock; nil = time.Now.
	Start      time.Time
	Now        func() time.Time
	StartDelay time.Duration

	PromLatency, MachinesLatency time.Duration
	// Jitter adds up to this much on top of either latency.
	Jitter                           time.Duration
	PromErrorRate, MachinesErrorRate float64
	PromFault, MachinesFault         string
	// PromTimeout caps a query's evaluation; zero is the engine's default.
	// Tests on a loaded machine raise it, so only the dashboard's own
	// deadline can end a wait.
	PromTimeout time.Duration
	// MachinesMiddleware, if set, wraps the Machines API behind the fault
	// injection: tests use it to check every response against Fly's spec.
	MachinesMiddleware func(http.Handler) http.Handler
}

// Sim is a simulated org: its fleet and the HTTP handler serving it.
type Sim struct {
	opts    Options
	fleet   *fleet.Fleet
	handler http.Handler
	configs configs

	machinesRequests, promRequests atomic.Int64
}

// New builds the org and its handler; it does not listen.
func New(o Options) (*Sim, error) {
	if o.Org == "" {
		o.Org = fleet.DefaultOrg
	}
	if !fleet.ValidAppName(o.Org) {
		return nil, fmt.Errorf("flysim: invalid org slug %q: want lowercase letters, digits and dashes", o.Org)
	}
	if o.Org == fleet.OtherOrg {
		return nil, fmt.Errorf("flysim: org slug %q is reserved for the org whose apps you may not see", o.Org)
	}
	if o.Apps < 0 {
		return nil, fmt.Errorf("flysim: -apps must be >= 0, got %d", o.Apps)
	}
	for _, r := range []struct {
		name string
		rate float64
	}{{"prom error rate", o.PromErrorRate}, {"machines error rate", o.MachinesErrorRate}} {
		if r.rate < 0 || r.rate > 1 {
			return nil, fmt.Errorf("flysim: %s must be within [0, 1], got %g", r.name, r.rate)
		}
	}
	for _, f := range []string{o.PromFault, o.MachinesFault} {
		if f != FaultNone && f != FaultHang && f != FaultGarbage && f != FaultCancel {
			return nil, fmt.Errorf("flysim: unknown fault %q: want %q, %q or %q", f, FaultHang, FaultGarbage, FaultCancel)
		}
	}
	if o.MachinesFault == FaultCancel {
		return nil, fmt.Errorf("flysim: the %q fault is Prometheus' (HTTP 499); the Machines API has no such answer", FaultCancel)
	}
	if o.PromLatency < 0 || o.MachinesLatency < 0 || o.Jitter < 0 {
		return nil, errors.New("flysim: latencies and jitter must not be negative")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Sim{
		opts: o,
		fleet: fleet.New(fleet.Config{
			Org: o.Org, Apps: o.Apps, Seed: o.Seed, Start: o.Start, Now: o.Now, StartDelay: o.StartDelay,
		}),
	}

	machines := http.NewServeMux()
	s.routeMachines(machines)
	prom := s.promRouter(newPromHandler(o.Org, s.fleet, o.Now, o.PromTimeout))

	var machinesAuthed http.Handler = requireAuth(machinesAPI, machines)
	if o.MachinesMiddleware != nil {
		machinesAuthed = o.MachinesMiddleware(machinesAuthed)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", fault(machinesAPI, faultSpec{
		counter: &s.machinesRequests, latency: o.MachinesLatency, jitter: o.Jitter,
		errorRate: o.MachinesErrorRate, mode: o.MachinesFault, seed: o.Seed,
	}, machinesAuthed))
	mux.Handle("/prometheus/", fault(promAPI, faultSpec{
		counter: &s.promRequests, latency: o.PromLatency, jitter: o.Jitter,
		errorRate: o.PromErrorRate, mode: o.PromFault, seed: o.Seed + 1,
	}, requireAuth(promAPI, prom)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "flysim serves the Machines API under /v1/ and Prometheus under /prometheus/"+o.Org+"/", http.StatusNotFound)
	})
	s.handler = mux
	return s, nil
}

// Handler serves both APIs.
func (s *Sim) Handler() http.Handler { return s.handler }

// Fleet is the ground truth the APIs serve.
func (s *Sim) Fleet() *fleet.Fleet { return s.fleet }

// Org is the simulated org's slug.
func (s *Sim) Org() string { return s.opts.Org }

// Counts returns how many requests each API received (faulted ones included)
// since the start or the last ResetCounts.
func (s *Sim) Counts() (machines, prom int64) {
	return s.machinesRequests.Load(), s.promRequests.Load()
}

// ResetCounts zeroes the request counters.
func (s *Sim) ResetCounts() {
	s.machinesRequests.Store(0)
	s.promRequests.Store(0)
}

// promRouter sends /prometheus/<org>/... to h with the prefix stripped, and
// answers other orgs the way Prometheus reports a missing resource.
func (s *Sim) promRouter(h http.Handler) http.Handler {
	prefix := "/prometheus/" + s.opts.Org
	stripped := http.StripPrefix(prefix, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == prefix || strings.HasPrefix(r.URL.Path, prefix+"/") {
			stripped.ServeHTTP(w, r)
			return
		}
		org, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/prometheus/"), "/")
		writePromError(w, http.StatusNotFound, "not_found", fmt.Sprintf("organization %q not found (this token sees %q)", org, s.opts.Org))
	})
}

// Server is a Sim listening on a TCP address.
type Server struct {
	URL string // http://host:port, no trailing slash
	Sim *Sim

	srv    *http.Server
	cancel context.CancelFunc
	done   chan struct{}
}

// Start builds a Sim and serves it on o.Addr (DefaultAddr if empty; use
// "127.0.0.1:0" for a free port) until ctx ends or Close is called.
func Start(ctx context.Context, o Options) (*Server, error) {
	sim, err := New(o)
	if err != nil {
		return nil, err
	}
	addr := o.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("flysim: listen: %w", err)
	}
	// Cancelling the base context releases requests parked by the hang
	// fault, so Close never waits on them.
	base, cancel := context.WithCancel(context.Background())
	s := &Server{
		URL: "http://" + ln.Addr().String(),
		Sim: sim,
		srv: &http.Server{
			Handler:           sim.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return base },
		},
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("flysim: serve", "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// Close stops the server, letting in-flight requests finish for up to 5 s.
// It is safe to call more than once.
func (s *Server) Close() {
	s.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.srv.Close()
	}
	<-s.done
}
