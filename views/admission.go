package views

import (
	"math"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Admission bounds the expensive requests (pages and chart files) in
// flight, so memory and CPU do not grow with the number of clients: a page
// holds its upstream answers, its charts and its buffered HTML (1-2 MB)
// until it is sent. Past Limit, up to Queue requests wait at most Wait for a
// slot; the rest are answered 503 with Retry-After at once. /healthz and
// static files never pass through it, so Fly's health check stays fast
// under any load. Zero fields are sized from the machine (admissionFor).
type Admission struct {
	// Queue < 0 means no queue.
	Limit, Queue int
	Wait         time.Duration
	// RetryAfter is what a refused client is told to wait.
	RetryAfter time.Duration
}

// How admissionFor sizes the limit. A page spends most of its time waiting
// on Fly's APIs, so a few pages per CPU keep the CPUs busy; more would only
// add memory and lengthen every page. perPageMemory is what one page in
// flight was measured to hold (about 1.7 MB under a 200-client spike) with the GC's
// headroom, rounded up; memoryReserve is the idle process (24 MB) plus the
// query cache's bound (32 MB) and the same headroom.
const (
	pagesPerCPU   = 4
	minAdmitted   = 2
	perPageMemory = 4 << 20
	memoryReserve = 96 << 20
	queuePerSlot  = 2
	defaultWait   = 2 * time.Second
	defaultRetry  = 2 * time.Second
)

// admissionFor fills the zero fields of a from GOMAXPROCS and the memory
// limit (GOMEMLIMIT, else the cgroup's memory.max, as on a Fly machine).
func admissionFor(a Admission) Admission {
	if a.Limit <= 0 {
		a.Limit = limitFor(runtime.GOMAXPROCS(0), memoryLimit())
	}
	switch {
	case a.Queue == 0:
		a.Queue = queuePerSlot * a.Limit
	case a.Queue < 0: // no queue: refuse at once past the limit
		a.Queue = 0
	}
	if a.Wait <= 0 {
		a.Wait = defaultWait
	}
	if a.RetryAfter <= 0 {
		a.RetryAfter = defaultRetry
	}
	return a
}

// limitFor is the number of pages admitted at once on procs CPUs within
// mem bytes (0: no memory limit).
func limitFor(procs int, mem int64) int {
	limit := max(pagesPerCPU*procs, minAdmitted)
	if mem > 0 {
		byMemory := int((mem - memoryReserve) / perPageMemory)
		limit = max(min(limit, byMemory), minAdmitted)
	}
	return limit
}

// memoryLimit is the process's memory bound in bytes, 0 when there is none.
func memoryLimit() int64 {
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		return l
	}
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil { // "max": no limit
		return 0
	}
	return n
}

// admitter is an Admission at work: slots holds a token per request
// running, queue one per request waiting.
type admitter struct {
	cfg     Admission
	slots   chan struct{}
	queue   chan struct{}
	refused atomic.Int64
}

// register exposes the admission at /metrics: how full it is, and how
// many requests it turned away, which say when a machine is too small.
func (a *admitter) register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "flydash_pages_in_flight", Help: "Pages and chart files being drawn."},
			func() float64 { return float64(len(a.slots)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "flydash_pages_waiting", Help: "Pages and chart files waiting for admission."},
			func() float64 { return float64(len(a.queue)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "flydash_pages_admission_limit", Help: "Pages and chart files admitted at once."},
			func() float64 { return float64(a.cfg.Limit) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "flydash_pages_refused_total", Help: "Requests answered 503 because the admission limit and its queue were full."},
			func() float64 { return float64(a.refused.Load()) }),
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

func newAdmitter(a Admission) *admitter {
	a = admissionFor(a)
	return &admitter{cfg: a, slots: make(chan struct{}, a.Limit), queue: make(chan struct{}, a.Queue)}
}

// admit is the middleware in front of every expensive handler.
func (s *server) admit(c *gin.Context) {
	a := s.admission
	select {
	case a.slots <- struct{}{}:
	default:
		if !a.wait(c) {
			if !c.IsAborted() {
				s.refuse(c)
			}
			return
		}
	}
	defer func() { <-a.slots }()
	c.Next()
}

// wait queues the request for a slot. False means no slot: the queue was
// full or the wait ran out (the caller refuses), or the client left (the
// request is aborted, since nobody reads an answer).
func (a *admitter) wait(c *gin.Context) bool {
	select {
	case a.queue <- struct{}{}:
	default:
		return false
	}
	defer func() { <-a.queue }()
	t := time.NewTimer(a.cfg.Wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-c.Request.Context().Done():
		c.Abort()
	}
	return false
}

const busyHeading = "The dashboard is busy"

// refuse answers 503 with Retry-After, and for a person a page that
// reloads itself after that long. The page is a small template drawn
// outside the limit; it asks nothing of Fly.
func (s *server) refuse(c *gin.Context) {
	a := s.admission
	a.refused.Add(1)
	secs := int(math.Ceil(a.cfg.RetryAfter.Seconds()))
	c.Header("Retry-After", strconv.Itoa(secs))
	p := errorPage{layout: s.layout(c, busyHeading), Status: http.StatusServiceUnavailable, Heading: busyHeading,
		Message: "Too many pages are being drawn at once, so this one was not started. " +
			"It reloads by itself in " + strconv.Itoa(secs) + " s.",
		Retry: c.Request.URL.RequestURI(), Back: "/"}
	p.Refresh = secs
	s.render(c, http.StatusServiceUnavailable, "error", p)
	c.Abort()
}
