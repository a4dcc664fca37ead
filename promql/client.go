package promql

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/flydash/dashboard/internal/breaker"
)

// Config says where Fly's Prometheus API is and how to reach it.
type Config struct {
	// URL is the API root, e.g. https://api.fly.io/prometheus/<org-slug>.
	URL string
	// AuthHeader is the whole Authorization value ("FlyV1 fm2_..." or
	// "Bearer ..."). It is sent only to URL's host and never appears in an
	// error, a metric or a log line from this package.
	AuthHeader string
	// Timeout bounds each query; default 10 s.
	Timeout time.Duration
	// HTTPClient is optional; its Transport carries the requests.
	HTTPClient *http.Client
	// CacheTTL says how long a result stays fresh for a given step; default
	// one step, at least 15 s. Returning 0 or less disables caching.
	CacheTTL func(step time.Duration) time.Duration
	// CacheMaxBytes bounds the heap the cache holds (points, labels and
	// their headers); default DefaultCacheMaxBytes.
	CacheMaxBytes int
}

// Upstream names Prometheus in a request's breaker.Waits.
const Upstream = "prometheus"

// DefaultTimeout is the per-query timeout when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// DefaultCacheMaxBytes is the cache's default budget: enough for the
// list's timeline of an org of 500 apps (13 queries of about 500 series of
// 289 points), so its every page after the first comes from memory.
const DefaultCacheMaxBytes = 32 << 20

// Result is one query's outcome. A failed query fails only its own Result.
type Result struct {
	Query  Query
	PromQL string // exactly what was sent, for "Show PromQL"
	Window Window
	Series []Series
	// Warnings the engine attached to an otherwise good answer.
	Warnings []string
	// Err is nil or one of this package's errors: classify with errors.Is
	// (ErrTimeout, ErrUnavailable, ...) and show with Explain.
	Err error
}

// Stats counts what the client did, for tests and benchmarks.
type Stats struct {
	Upstream  int64 // range queries sent to Prometheus
	CacheHits int64 // queries answered from the cache
	Coalesced int64 // queries that joined an identical one already in flight
}

// Client runs queries against one org's Prometheus API. It is safe for
// concurrent use and meant to be shared by all requests.
type Client struct {
	api      v1.API
	timeout  time.Duration
	cacheTTL func(time.Duration) time.Duration
	cache    *resultCache
	secrets  []string
	now      func() time.Time // a test clock can replace it
	// breaker fails queries at once while Prometheus is down (NOTES.md,
	// "Upstream faults").
	breaker *breaker.Transport

	mu    sync.Mutex
	calls map[string]*call

	upstream, hits, coalesced atomic.Int64

	duration      *prometheus.HistogramVec
	hitsTotal     prometheus.Counter
	coalescedTotl prometheus.Counter
}

// call is one upstream query shared by every caller asking for it while it
// runs. It is cancelled when its last caller gives up, so a browser that
// goes away stops the work rather than leaving it to run out its timeout.
type call struct {
	done    chan struct{}
	answer  *answer
	err     error
	waiters int
	cancel  context.CancelFunc
}

// answer is what the cache and coalesced callers share; never modified.
type answer struct {
	series   []rawSeries
	warnings []string
}

// NewClient checks cfg and builds a Client. It sends nothing.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("promql: the Prometheus URL must be an absolute http(s) URL, got %q", redactURL(cfg.URL))
	}
	if strings.ContainsAny(cfg.AuthHeader, "\r\n") {
		return nil, errors.New("promql: the authorization header contains a line break")
	}
	c := &Client{
		timeout:  cfg.Timeout,
		cacheTTL: cfg.CacheTTL,
		secrets:  secretsOf(cfg.AuthHeader),
		now:      time.Now,
		calls:    map[string]*call{},
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.cacheTTL == nil {
		c.cacheTTL = func(step time.Duration) time.Duration { return max(step, ScrapeInterval) }
	}
	maxBytes := cfg.CacheMaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultCacheMaxBytes
	}
	c.cache = newResultCache(maxBytes)

	var hc http.Client
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	// Under the auth header, so a probe goes out as the query it repeats.
	// Every request here is a query, safe to send again.
	c.breaker = &breaker.Transport{Next: base, Name: Upstream, Safe: func(*http.Request) bool { return true }}
	hc.Transport = &authTransport{base: c.breaker, header: cfg.AuthHeader, scheme: u.Scheme, host: u.Host}
	apiClient, err := api.NewClient(api.Config{Address: cfg.URL, Client: &hc})
	if err != nil {
		return nil, fmt.Errorf("promql: %w", err)
	}
	c.api = v1.NewAPI(apiClient)

	c.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "flydash_promql_upstream_query_duration_seconds",
		Help:    "Time taken by range queries sent to Prometheus, by outcome.",
		Buckets: prometheus.DefBuckets,
	}, []string{"outcome"})
	c.hitsTotal = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "flydash_promql_cache_hits_total",
		Help: "Queries answered from the result cache.",
	})
	c.coalescedTotl = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "flydash_promql_coalesced_total",
		Help: "Queries that joined an identical query already in flight.",
	})
	return c, nil
}

// Collectors are the client's own metrics, for the dashboard's /metrics.
func (c *Client) Collectors() []prometheus.Collector {
	return []prometheus.Collector{c.duration, c.hitsTotal, c.coalescedTotl,
		c.breaker.Gauge("flydash_promql_failing_fast", "1 while Prometheus is down and queries fail at once."),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flydash_promql_cache_bytes",
			Help: "Heap held by the query cache's answers, as the cache counts it against its budget.",
		}, func() float64 { return float64(c.cache.size()) }),
	}
}

// Stats returns the counters so far.
func (c *Client) Stats() Stats {
	return Stats{Upstream: c.upstream.Load(), CacheHits: c.hits.Load(), Coalesced: c.coalesced.Load()}
}

// Run runs the queries for app over w in parallel, each with its own
// timeout, and returns one Result per query in the same order. Cancelling
// ctx abandons them all.
func (c *Client) Run(ctx context.Context, app string, qs []Query, w Window, offset time.Duration) []Result {
	results := make([]Result, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		results[i] = Result{Query: q, Window: w}
		text, err := q.PromQL(app, w, offset)
		if err != nil {
			results[i].Err = err
			continue
		}
		results[i].PromQL = text
		e, _ := find(q.ID) // PromQL found it
		wg.Go(func() {
			a, err := c.rangeQuery(ctx, text, w)
			if err != nil {
				results[i].Err = err
				return
			}
			results[i].Series = shape(q, e.querySpec, a.series)
			results[i].Warnings = a.warnings
		})
	}
	wg.Wait()
	return results
}

// rangeQuery answers from the cache, joins an identical query in flight, or
// sends a new one.
func (c *Client) rangeQuery(ctx context.Context, query string, w Window) (*answer, error) {
	key := strconv.FormatInt(w.Start.Unix(), 10) + "|" + strconv.FormatInt(w.End.Unix(), 10) + "|" +
		strconv.FormatInt(int64(w.Step/time.Second), 10) + "|" + query
	if a, ok := c.cache.get(key, c.now()); ok {
		c.hits.Add(1)
		c.hitsTotal.Inc()
		return a, nil
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	c.mu.Lock()
	cl, ok := c.calls[key]
	// While Prometheus is known to be down a query fails at once, not
	// after joining one sent before that was known, which may hang on.
	joined := ok && c.breaker.Open() == nil
	if joined {
		cl.waiters++
		c.coalesced.Add(1)
		c.coalescedTotl.Inc()
	} else {
		// The shared query must not die with the caller who happened to
		// start it, so it gets its own deadline; the waiter count cancels
		// it once nobody wants the answer.
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		cl = &call{done: make(chan struct{}), waiters: 1, cancel: fcancel}
		c.calls[key] = cl
		go c.runCall(fctx, key, cl, query, w)
	}
	c.mu.Unlock()
	if joined {
		// The request that sent it counts its own wait (the breaker does).
		defer func(start time.Time) { breaker.AddWait(ctx, Upstream, time.Since(start)) }(time.Now())
	}

	select {
	case <-cl.done:
		return cl.answer, cl.err
	case <-ctx.Done():
		c.mu.Lock()
		cl.waiters--
		if cl.waiters == 0 {
			cl.cancel()
			// Later callers start afresh instead of joining a dying query.
			if c.calls[key] == cl {
				delete(c.calls, key)
			}
		}
		c.mu.Unlock()
		return nil, c.classify(ctx.Err())
	}
}

func (c *Client) runCall(ctx context.Context, key string, cl *call, query string, w Window) {
	defer cl.cancel()
	a, err := c.fetch(ctx, query, w)
	if err == nil {
		if ttl := c.cacheTTL(w.Step); ttl > 0 {
			now := c.now()
			c.cache.put(key, a, now, now.Add(ttl))
		}
	}
	// Cached before the call is forgotten, so a caller arriving in between
	// finds one or the other and never sends a duplicate.
	c.mu.Lock()
	if c.calls[key] == cl {
		delete(c.calls, key)
	}
	cl.answer, cl.err = a, err
	c.mu.Unlock()
	close(cl.done)
}

// fetch sends one range query.
func (c *Client) fetch(ctx context.Context, query string, w Window) (*answer, error) {
	c.upstream.Add(1)
	start := time.Now()
	a, err := c.send(ctx, query, w)
	c.duration.WithLabelValues(outcome(err)).Observe(time.Since(start).Seconds())
	return a, err
}

func (c *Client) send(ctx context.Context, query string, w Window) (*answer, error) {
	val, warnings, _, err := c.api.QueryRange(ctx, query, v1.Range{Start: w.Start, End: w.End, Step: w.Step},
		v1.WithTimeout(c.timeout))
	if err != nil {
		return nil, c.classify(err)
	}
	matrix, ok := val.(model.Matrix)
	if !ok {
		return nil, &queryError{kind: ErrBadResponse}
	}
	a := &answer{series: alignMatrix(matrix, w)}
	for _, warning := range warnings {
		a.warnings = append(a.warnings, c.clean(warning))
	}
	return a, nil
}

func outcome(err error) string {
	for _, k := range []struct {
		kind error
		name string
	}{
		{ErrFailFast, "fail_fast"}, {ErrTimeout, "timeout"}, {ErrUnavailable, "unavailable"}, {ErrBadResponse, "bad_response"},
		{ErrRejected, "rejected"}, {ErrUnauthorized, "unauthorized"}, {ErrCanceled, "canceled"},
	} {
		if errors.Is(err, k.kind) {
			return k.name
		}
	}
	if err != nil {
		return "error"
	}
	return "ok"
}

// authTransport adds the Authorization header, but only for the configured
// scheme and host: a redirect elsewhere must not carry the Fly token.
type authTransport struct {
	base         http.RoundTripper
	header       string
	scheme, host string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.header != "" && req.URL.Scheme == t.scheme && req.URL.Host == t.host {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", t.header)
	}
	return t.base.RoundTrip(req)
}

// secretsOf lists the strings to scrub from messages: the header, its
// credential without the scheme, and each comma-separated macaroon. Very
// short fragments are skipped, since scrubbing "x" would mangle every message.
func secretsOf(header string) []string {
	header = strings.TrimSpace(header)
	if header == "" {
		return nil
	}
	candidates := []string{header}
	if _, cred, ok := strings.Cut(header, " "); ok {
		candidates = append(candidates, cred)
		candidates = append(candidates, strings.Split(cred, ",")...)
	}
	var out []string
	for _, s := range candidates {
		if s = strings.TrimSpace(s); len(s) >= 8 {
			out = append(out, s)
		}
	}
	return out
}

// redactURL drops userinfo, in case someone put a credential there.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
