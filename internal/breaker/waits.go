package breaker

import (
	"context"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Waits is what one request of the dashboard waited on each upstream,
// filled in by the breakers (and the callers that join a request already
// in flight) its context passes through. It shows, per request, that an
// upstream known to be down costs it nothing: no request sent, no time.
type Waits struct {
	mu sync.Mutex
	by map[string]*Wait
}

// Wait is one upstream's share of a request.
type Wait struct {
	// Sent counts the calls sent to the upstream, or joined while an
	// identical one was in flight; Took is the time spent on them.
	Sent int
	Took time.Duration
	// FailedFast counts the calls an open breaker failed without sending.
	FailedFast int
}

type waitsKey struct{}

// WithWaits gives ctx a new, empty Waits.
func WithWaits(ctx context.Context) (context.Context, *Waits) {
	w := &Waits{by: map[string]*Wait{}}
	return context.WithValue(ctx, waitsKey{}, w), w
}

// AddWait records on ctx's Waits, if any, a call to upstream that was sent
// (or joined) and took took.
func AddWait(ctx context.Context, upstream string, took time.Duration) {
	if w, ok := ctx.Value(waitsKey{}).(*Waits); ok {
		w.add(upstream, func(u *Wait) { u.Sent++; u.Took += took })
	}
}

func addFailedFast(ctx context.Context, upstream string) {
	if w, ok := ctx.Value(waitsKey{}).(*Waits); ok {
		w.add(upstream, func(u *Wait) { u.FailedFast++ })
	}
}

func (w *Waits) add(upstream string, f func(*Wait)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	u, ok := w.by[upstream]
	if !ok {
		u = &Wait{}
		w.by[upstream] = u
	}
	f(u)
}

// Of is upstream's share so far.
func (w *Waits) Of(upstream string) Wait {
	w.mu.Lock()
	defer w.mu.Unlock()
	if u, ok := w.by[upstream]; ok {
		return *u
	}
	return Wait{}
}

// Attrs are the upstreams touched, in name order, for a request's log line:
// prometheus.sent=3 prometheus.wait_ms=120 prometheus.failed_fast=0.
func (w *Waits) Attrs() []slog.Attr {
	w.mu.Lock()
	defer w.mu.Unlock()
	names := make([]string, 0, len(w.by))
	for n := range w.by {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]slog.Attr, 0, len(names))
	for _, n := range names {
		u := w.by[n]
		out = append(out, slog.Group(n, "sent", u.Sent, "wait_ms", u.Took.Milliseconds(), "failed_fast", u.FailedFast))
	}
	return out
}
