// Package breaker stops a client waiting on an upstream that is down. After
// Threshold timeouts or refused connections in a row it opens: every request
// fails at once with an *OpenError saying why, while a goroutine re-sends
// the last failed read every ProbeEvery and closes the breaker as soon as
// the upstream answers anything at all.
package breaker

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for Transport's zero fields.
const (
	DefaultThreshold  = 3
	DefaultProbeEvery = time.Second
)

// Cause is what opened a breaker.
type Cause int

const (
	// Timeout: the upstream accepted the connection and did not answer.
	Timeout Cause = iota + 1
	// Refused: the connection could not be made.
	Refused
)

// OpenError is what a request gets while the breaker is open.
type OpenError struct {
	Cause Cause
	// Failures is how many requests in a row failed before it opened.
	Failures int
	// ProbeEvery is how often the upstream is tried again.
	ProbeEvery time.Duration
	// Detail is the last failure's own words ("connection refused").
	Detail string
}

func (e *OpenError) Error() string {
	return "breaker open after " + strconv.Itoa(e.Failures) + " failures in a row: " + e.Detail
}

// Timeout lets net/http and clients that ask treat it like the timeouts
// that opened it; it is never Temporary, so retrying transports give up.
func (e *OpenError) Timeout() bool { return e.Cause == Timeout }

// Transport is an http.RoundTripper guarding one upstream. Its zero
// thresholds take the defaults; Next is required.
type Transport struct {
	Next http.RoundTripper
	// Name is the upstream's name in a request's Waits ("prometheus").
	Name       string
	Threshold  int
	ProbeEvery time.Duration
	// ProbeTimeout bounds each probe; zero means ProbeEvery.
	ProbeTimeout time.Duration
	// Safe says whether a request may be sent again as a probe; nil means
	// GET and HEAD. A probe must never repeat a write.
	Safe func(*http.Request) bool

	mu       sync.Mutex
	failures int
	last     *OpenError // the failure streak so far
	probe    *http.Request
	open     *OpenError
}

// RoundTrip fails at once while the breaker is open, else sends req and
// counts the outcome.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	open := t.open
	t.mu.Unlock()
	if open != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		addFailedFast(req.Context(), t.Name)
		return nil, open
	}
	start := time.Now()
	resp, err := t.Next.RoundTrip(req)
	AddWait(req.Context(), t.Name, time.Since(start))
	t.record(req, err)
	return resp, err
}

// Gauge is 1 while the breaker is open, for /metrics: how long an upstream
// was down, as the dashboard saw it.
func (t *Transport) Gauge(name, help string) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
		if t.Open() != nil {
			return 1
		}
		return 0
	})
}

// Open returns why the breaker is open, or nil.
func (t *Transport) Open() *OpenError {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.open
}

func (t *Transport) record(req *http.Request, err error) {
	cause, detail := classify(req.Context(), err)
	t.mu.Lock()
	defer t.mu.Unlock()
	if cause == 0 {
		// Any answer, or a failure that says nothing about the upstream
		// (the caller left): the streak ends only on an answer.
		if err == nil {
			t.failures, t.last = 0, nil
		}
		return
	}
	t.failures++
	t.last = &OpenError{Cause: cause, Failures: t.failures, ProbeEvery: t.every(), Detail: detail}
	if t.safe(req) && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil) {
		t.probe = req.Clone(context.Background())
	}
	if t.open == nil && t.failures >= t.threshold() && t.probe != nil {
		t.open = t.last
		go t.probeUntilAnswered(t.probe)
	}
}

// probeUntilAnswered re-sends a failed read until the upstream answers,
// then closes the breaker.
func (t *Transport) probeUntilAnswered(req *http.Request) {
	tick := time.NewTicker(t.every())
	defer tick.Stop()
	timeout := t.ProbeTimeout
	if timeout <= 0 {
		timeout = t.every()
	}
	for range tick.C {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		r := req.Clone(ctx)
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				cancel()
				continue
			}
			r.Body = body
		}
		resp, err := t.Next.RoundTrip(r)
		if err == nil {
			_ = resp.Body.Close()
			cancel()
			t.mu.Lock()
			t.open, t.failures, t.last = nil, 0, nil
			t.mu.Unlock()
			return
		}
		cancel()
	}
}

func (t *Transport) safe(req *http.Request) bool {
	if t.Safe != nil {
		return t.Safe(req)
	}
	return req.Method == http.MethodGet || req.Method == http.MethodHead
}

func (t *Transport) threshold() int {
	if t.Threshold > 0 {
		return t.Threshold
	}
	return DefaultThreshold
}

func (t *Transport) every() time.Duration {
	if t.ProbeEvery > 0 {
		return t.ProbeEvery
	}
	return DefaultProbeEvery
}

// classify says whether err is a timeout or a refused connection: the two
// failures that mean the upstream is not there. ctx tells a request's own
// deadline from its caller leaving.
func classify(ctx context.Context, err error) (Cause, string) {
	if err == nil {
		return 0, ""
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" && !opErr.Timeout() {
		msg := opErr.Err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return Refused, msg
	}
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout()) {
		return Timeout, "no answer in time"
	}
	return 0, ""
}
