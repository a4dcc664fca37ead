// Package flyapi is the dashboard's only door to Fly's Machines API. It wraps
// fly-go's flaps client, puts a deadline on every call and turns Fly's answers
// into a handful of typed errors the web layer can explain to a person.
package flyapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	fly "github.com/superfly/fly-go"
	"github.com/superfly/fly-go/flaps"
	"github.com/superfly/fly-go/tokens"

	"github.com/flydash/dashboard/internal/breaker"
)

// DefaultBaseURL is where flaps talks to unless FLY_FLAPS_BASE_URL says otherwise.
const DefaultBaseURL = "https://api.machines.dev"

// Config says which org to manage and how to reach the Machines API.
type Config struct {
	Token string
	Org   string
	// BaseURL of the Machines API; empty means DefaultBaseURL.
	BaseURL string
	// Timeout bounds each call; zero means 10 s.
	Timeout time.Duration
	// ReadTimeout bounds the reads a page waits on (apps, machines,
	// addresses), so a hung API costs a page this long, not Timeout; zero
	// means Timeout. Writes keep Timeout: creating a machine can take longer.
	ReadTimeout time.Duration
	// Transport is the HTTP transport under flaps; nil means http.DefaultTransport.
	Transport http.RoundTripper
	UserAgent string
	// ReadCacheTTL is how long listings of apps and machines are shared
	// between pages; zero means 5 s, negative turns the cache off.
	ReadCacheTTL time.Duration
	// APIBaseURL is Fly's web API, where the logs are (logs.go); empty
	// means DefaultAPIBaseURL.
	APIBaseURL string
}

// Client manages the apps of one org.
type Client struct {
	flaps                *flaps.Client
	org                  string
	timeout, readTimeout time.Duration
	// secrets are the token and its parts, scrubbed from error details.
	secrets []string
	cache   *readCache
	// api is fly-go's client of Fly's web API, for the logs.
	api *fly.Client
	// breaker fails calls at once while the Machines API is down;
	// logsBreaker while the logs API is.
	breaker, logsBreaker *breaker.Transport
}

// The upstreams' names in a request's breaker.Waits.
const (
	MachinesUpstream = "machines"
	LogsUpstream     = "logs"
)

// New builds a client. It makes no request.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("flyapi: a token is required")
	}
	if cfg.Org == "" {
		return nil, errors.New("flyapi: an org slug is required")
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	target, err := baseTarget("the Machines API", "FLY_FLAPS_BASE_URL", base)
	if err != nil {
		return nil, err
	}
	transport := cfg.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "fly-dashboard"
	}
	down := &breaker.Transport{Next: transport, Name: MachinesUpstream}
	// flaps reads its base URL from the process environment when the client
	// is built. Rewriting the host in the transport instead lets one process
	// hold clients for different endpoints (tests, demo mode) without
	// touching global state.
	fc, err := flaps.NewWithOptions(ctx, flaps.NewClientOpts{
		Tokens:    tokens.Parse(cfg.Token),
		UserAgent: ua,
		// Under flaps' retries: a request the breaker fails is not
		// retried, since its error is not Temporary.
		Transport: &rebaseTransport{target: target, next: down},
	})
	if err != nil {
		return nil, fmt.Errorf("flyapi: %w", err)
	}
	ttl := cfg.ReadCacheTTL
	if ttl == 0 {
		ttl = 5 * time.Second
	}
	readTimeout := cfg.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = timeout
	}
	// The logs API is another host with its own outages: its own breaker.
	logsDown := &breaker.Transport{Next: transport, Name: LogsUpstream}
	api, err := newAPIClient(cfg, logsDown, ua)
	if err != nil {
		return nil, err
	}
	cache := newReadCache(ttl)
	cache.down = down
	return &Client{flaps: fc, org: cfg.Org, timeout: timeout, readTimeout: readTimeout, secrets: tokenParts(cfg.Token),
		cache: cache, api: api, breaker: down, logsBreaker: logsDown}, nil
}

// baseTarget checks an API's base URL. Credentials belong in the token,
// never in the URL: net/http's errors quote a request's URL, and those
// reach pages and logs.
func baseTarget(api, variable, base string) (*url.URL, error) {
	if strings.ContainsAny(base, "@?#") {
		return nil, fmt.Errorf("flyapi: the %s base URL (%s) must be scheme and host (and path) only, without credentials or a query; the token goes in FLY_API_TOKEN", api, variable)
	}
	target, err := url.Parse(base)
	if err != nil || target.Scheme == "" || target.Host == "" {
		return nil, fmt.Errorf("flyapi: %s base URL %q is not an absolute URL", api, base)
	}
	return target, nil
}

// Collectors are the client's own metrics, for the dashboard's /metrics.
func (c *Client) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		c.breaker.Gauge("flydash_flyapi_failing_fast", "1 while the Machines API is down and calls fail at once."),
		c.logsBreaker.Gauge("flydash_flyapi_logs_failing_fast", "1 while Fly's logs API is down and reads fail at once."),
	}
}

// Org is the org slug this client manages.
func (c *Client) Org() string { return c.org }

func (c *Client) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return withDeadline(ctx, c.timeout)
}

func (c *Client) readDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return withDeadline(ctx, c.readTimeout)
}

// timeoutKey carries a call's timeout to classify, so an ErrTimeout can
// say how long it waited.
type timeoutKey struct{}

func withDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithValue(ctx, timeoutKey{}, d), d)
}

// rebaseTransport sends every request to target's scheme and host, each
// attempt with a body of its own.
//
// It sits under flaps' retrying transport (fly-go's rehttp: 502/503 and
// temporary errors, up to 3 retries, POSTs included) and otelhttp. rehttp
// buffers a body once and hands every attempt the same bytes.Reader,
// rewinding it when an attempt fails. But net/http may still be reading a
// body after RoundTrip has returned: otelhttp's wrapper hides that the body
// is in memory, so net/http sends the headers first, and a server (Fly's
// edge, flysim's faults) can answer 503 before the body is read. The refused
// attempt's write loop then drains the rewound reader and the retry goes
// out empty: "http: ContentLength=74 with Body length 0". GetBody (set by
// http.NewRequest for flaps' in-memory JSON, and kept by rehttp and
// otelhttp) gives each attempt its own reader, which no earlier attempt
// can touch.
type rebaseTransport struct {
	target *url.URL
	next   http.RoundTripper
}

func (t *rebaseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme = t.target.Scheme
	r.URL.Host = t.target.Host
	r.Host = t.target.Host
	if req.Body != nil && req.Body != http.NoBody && req.GetBody != nil {
		body, err := req.GetBody()
		// A RoundTripper closes the body it was given, whatever happens.
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return t.next.RoundTrip(r)
}

// tokenParts is the token as given and each macaroon or user token in it,
// without the scheme, longest first so a part never hides the whole.
func tokenParts(token string) []string {
	parts := []string{token}
	t := tokens.Parse(token)
	parts = append(parts, t.GetMacaroonTokens()...)
	parts = append(parts, t.GetUserTokens()...)
	out := parts[:0]
	for _, p := range parts {
		if len(p) >= 8 {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
