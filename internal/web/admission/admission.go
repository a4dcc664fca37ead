// Package admission bounds the expensive requests (pages and chart files)
// in flight, so memory and CPU do not grow with the number of clients: a
// page holds its upstream answers, its charts and its HTML until it is
// sent. Past Limit, up to Queue requests wait for a slot, as long as it
// takes: each page is bounded by the upstream deadlines and the breakers,
// so the queue's wait is too, and a request once queued is always answered,
// at shutdown as at any other time. The rest are refused at once.
package admission

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config sizes a Limiter; zero fields take the defaults.
type Config struct {
	// Limit is the requests admitted at once; default 4 per CPU, at least 2.
	// A page spends most of its time waiting on Fly's APIs, so a few pages
	// per CPU keep the CPUs busy; more only add memory and lengthen every
	// page.
	Limit int
	// Queue is the requests waiting for a slot; default 2 per slot, and
	// negative means none.
	Queue int
	// RetryAfter is what a refused client is told to wait; default 2 s.
	RetryAfter time.Duration
}

func (c Config) withDefaults() Config {
	if c.Limit <= 0 {
		c.Limit = max(4*runtime.GOMAXPROCS(0), 2)
	}
	switch {
	case c.Queue == 0:
		c.Queue = 2 * c.Limit
	case c.Queue < 0:
		c.Queue = 0
	}
	if c.RetryAfter <= 0 {
		c.RetryAfter = 2 * time.Second
	}
	return c
}

// Limiter is a Config at work: slots holds a token per request running,
// queue one per request waiting.
type Limiter struct {
	cfg     Config
	slots   chan struct{}
	queue   chan struct{}
	refused atomic.Int64
}

// New builds a Limiter from cfg and its defaults.
func New(cfg Config) *Limiter {
	cfg = cfg.withDefaults()
	return &Limiter{cfg: cfg, slots: make(chan struct{}, cfg.Limit), queue: make(chan struct{}, cfg.Queue)}
}

// Config is the Limiter's configuration, defaults filled in.
func (l *Limiter) Config() Config { return l.cfg }

// Acquire takes a slot, waiting in the queue if there is room. It returns
// the slot's release, or false if the queue was full (the request is to
// be refused, and is counted) or ctx ended first (nobody reads an answer).
func (l *Limiter) Acquire(ctx context.Context) (release func(), ok bool) {
	select {
	case l.slots <- struct{}{}:
		return l.release, true
	default:
	}
	select {
	case l.queue <- struct{}{}:
	default:
		l.refused.Add(1)
		return nil, false
	}
	defer func() { <-l.queue }()
	select {
	case l.slots <- struct{}{}:
		return l.release, true
	case <-ctx.Done():
		return nil, false
	}
}

func (l *Limiter) release() { <-l.slots }

// Refused is how many requests found the queue full.
func (l *Limiter) Refused() int64 { return l.refused.Load() }

// Collectors expose the admission at /metrics: how full it is, and how
// many requests it turned away, which say when a machine is too small.
func (l *Limiter) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "flydash_pages_in_flight", Help: "Pages and chart files being drawn."},
			func() float64 { return float64(len(l.slots)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "flydash_pages_waiting", Help: "Pages and chart files waiting for admission."},
			func() float64 { return float64(len(l.queue)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "flydash_pages_admission_limit", Help: "Pages and chart files admitted at once."},
			func() float64 { return float64(l.cfg.Limit) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "flydash_pages_refused_total", Help: "Requests answered 503 because the admission limit and its queue were full."},
			func() float64 { return float64(l.refused.Load()) }),
	}
}
