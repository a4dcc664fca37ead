package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
)

// logBuffer collects log lines written from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// started is a dashboard run() in a goroutine.
type started struct {
	URL, MetricsURL string
	Logs            *logBuffer
	done            chan error
	cancel          context.CancelFunc
}

// startRun runs the dashboard with env until the test ends (or a signal).
func startRun(t *testing.T, env map[string]string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{Logs: &logBuffer{}, done: make(chan error, 1), cancel: cancel}
	addrs := make(chan [2]net.Addr, 1)
	go func() {
		s.done <- run(ctx, envOf(env), s.Logs, func(d, m net.Addr) { addrs <- [2]net.Addr{d, m} })
	}()
	select {
	case a := <-addrs:
		_, port, _ := net.SplitHostPort(a[0].String())
		s.URL = "http://127.0.0.1:" + port
		if a[1] != nil {
			_, port, _ := net.SplitHostPort(a[1].String())
			s.MetricsURL = "http://127.0.0.1:" + port
		}
	case err := <-s.done:
		cancel()
		t.Fatalf("run: %v\n%s", err, s.Logs)
	}
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

// browser is a cookie-keeping client that shows redirects instead of
// following them, and records every answer it gets.
type browser struct {
	base    string
	client  *http.Client
	mu      sync.Mutex
	answers []string // status line, headers and body of each response
}

func newBrowser(base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{base: base, client: &http.Client{
		Jar:           jar,
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(t *testing.T, method, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	dump, _ := httputil.DumpResponse(resp, false)
	b.mu.Lock()
	b.answers = append(b.answers, method+" "+path+"\n"+string(dump)+string(data))
	b.mu.Unlock()
	return resp.StatusCode, string(data), resp.Header
}

func (b *browser) get(t *testing.T, path string) (int, string, http.Header) {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil)
}

func (b *browser) post(t *testing.T, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	return b.do(t, http.MethodPost, path, form)
}

func (b *browser) signIn(t *testing.T, password string) {
	t.Helper()
	if status, body, _ := b.post(t, "/login", url.Values{"password": {password}}); status != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", status, body)
	}
}

// faultProxy stands between the dashboard and flysim: it passes requests
// through, or answers as Fly does when it refuses a token, or as a failing
// Prometheus. It echoes nothing of the request.
type faultProxy struct {
	URL                     string
	flyUnauthorized, prom5x atomic.Bool
}

func newFaultProxy(t *testing.T, upstream string) *faultProxy {
	t.Helper()
	target, _ := url.Parse(upstream)
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &faultProxy{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case p.flyUnauthorized.Load() && strings.HasPrefix(r.URL.Path, "/v1/"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"unauthorized"}`)
		case p.prom5x.Load() && strings.HasPrefix(r.URL.Path, "/prometheus/"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"status":"error","errorType":"internal","error":"storage is on fire"}`)
		default:
			rp.ServeHTTP(w, r)
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	p.URL = "http://" + ln.Addr().String()
	return p
}

// realTokenEnv points the dashboard, in real-token mode, at sim through
// proxy (when not empty).
func realTokenEnv(sim *flysim.Server, via, token string) map[string]string {
	if via == "" {
		via = sim.URL
	}
	return map[string]string{
		"FLY_API_TOKEN":      token,
		"FLY_ORG":            sim.Sim.Org(),
		"FLY_FLAPS_BASE_URL": via,
		"FLY_API_BASE_URL":   via,
		"FLY_PROMETHEUS_URL": via + "/prometheus/" + sim.Sim.Org(),
		"LISTEN_ADDR":        "127.0.0.1:0",
		"METRICS_ADDR":       "127.0.0.1:0",
		"DASHBOARD_PASSWORD": testPassword,
		"SESSION_SECRET":     strings.Repeat("session-secret-", 3),
	}
}

func startSim(t *testing.T, o flysim.Options) *flysim.Server {
	t.Helper()
	o.Addr = "127.0.0.1:0"
	if o.StartDelay == 0 {
		o.StartDelay = 50 * time.Millisecond
	}
	sim, err := flysim.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim
}

// TestGracefulShutdown sends the process a real SIGTERM while a chart is
// waiting on a slow Prometheus: the chart still arrives whole, new
// connections are refused, and run returns cleanly. Not parallel: the
// signal reaches every run() in the process.
func TestGracefulShutdown(t *testing.T) {
	sim := startSim(t, flysim.Options{PromLatency: 2 * time.Second})
	s := startRun(t, realTokenEnv(sim, "", "FlyV1 fm2_shutdowntest"))
	b := newBrowser(s.URL)
	b.signIn(t, testPassword)

	_, promBefore := sim.Sim.Counts()
	type answer struct {
		status int
		body   string
	}
	got := make(chan answer, 1)
	go func() {
		status, body, _ := b.get(t, "/apps/blog/charts/cpu.svg?range=1h")
		got <- answer{status, body}
	}()
	// Signal once the chart's query is at Prometheus, i.e. in flight.
	for {
		if _, prom := sim.Sim.Counts(); prom > promBefore {
			break
		}
		select {
		case a := <-got:
			t.Fatalf("the chart answered (%d) before reaching Prometheus", a.status)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	a := <-got
	if a.status != http.StatusOK || !strings.Contains(a.body, "</svg>") || strings.Contains(a.body, "did not answer") {
		t.Fatalf("the chart in flight at SIGTERM: %d\n%.300s", a.status, a.body)
	}
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("run after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after SIGTERM")
	}
	if _, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://")); err == nil {
		t.Error("still accepting connections after shutdown")
	}
	if logs := s.Logs.String(); !strings.Contains(logs, "shutting down") || !strings.Contains(logs, "msg=stopped") {
		t.Errorf("shutdown not logged:\n%s", logs)
	}
}

func TestRunRefusesPublicAddressWithoutPassword(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	err := run(context.Background(), envOf(map[string]string{"LISTEN_ADDR": "0.0.0.0:0"}), &logs, func(net.Addr, net.Addr) {
		t.Error("it started listening")
	})
	if err == nil || !strings.Contains(err.Error(), "set DASHBOARD_PASSWORD") {
		t.Fatalf("run: %v, want a refusal naming DASHBOARD_PASSWORD", err)
	}
}

// TestTokenNeverLeaks runs the main flows in real-token mode with a
// distinctive token and scans every response (status, headers, body) and
// every log line for it and its parts.
func TestTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	const token = "FlyV1 fm2_leakcanaryAAAAAAAAAAAAAAAAAAAA,fm2_leakcanaryBBBBBBBBBBBBBBBBBBBB"
	sim := startSim(t, flysim.Options{})
	proxy := newFaultProxy(t, sim.URL)
	s := startRun(t, realTokenEnv(sim, proxy.URL, token))
	b := newBrowser(s.URL)

	// Anonymous, then signed in.
	b.get(t, "/")
	b.get(t, "/login?next=%2Fapps%2Fblog")
	if status, _, _ := b.post(t, "/login", url.Values{"password": {"wrong password here"}}); status != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", status)
	}
	b.post(t, "/apps/blog/destroy", url.Values{"confirm": {"blog"}})
	b.signIn(t, testPassword)

	for _, path := range []string{
		"/?range=1h", "/apps/storefront?range=1h", "/apps/new", "/apps/no-such-app", "/nowhere",
		"/apps/storefront/charts/requests.svg?range=1h", "/apps/storefront/charts/requests.csv?range=1h",
		"/apps/storefront/charts/requests.json?range=1h", "/apps/storefront?range=bogus", "/metrics", "/healthz",
	} {
		if status, body, _ := b.get(t, path); status >= 500 {
			t.Errorf("GET %s: %d\n%.300s", path, status, body)
		}
	}
	// Launch and destroy.
	if status, _, _ := b.post(t, "/apps", url.Values{"name": {"leak-check"}, "image": {"flyio/hellofly:latest"}, "region": {"ams"}}); status != http.StatusSeeOther {
		t.Errorf("launch: %d", status)
	}
	for range 200 {
		status, _, _ := b.get(t, "/apps/leak-check/launch")
		if status != http.StatusOK {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.post(t, "/apps/leak-check/destroy", url.Values{"confirm": {"nope"}})
	if status, _, _ := b.post(t, "/apps/leak-check/destroy", url.Values{"confirm": {"leak-check"}}); status != http.StatusSeeOther {
		t.Errorf("destroy: %d", status)
	}

	// Fly refuses the token; then Prometheus fails.
	proxy.flyUnauthorized.Store(true)
	status, body, _ := b.get(t, "/")
	if !strings.Contains(body, "refused the API token") {
		t.Errorf("Fly 401: the list (%d) does not say the token was refused", status)
	}
	b.get(t, "/apps/blog")
	b.post(t, "/apps/blog/destroy", url.Values{"confirm": {"blog"}})
	b.post(t, "/apps", url.Values{"name": {"leak-check-2"}, "image": {"flyio/hellofly:latest"}, "region": {"ams"}})
	proxy.flyUnauthorized.Store(false)
	proxy.prom5x.Store(true)
	// A window no earlier page asked for, so the cache cannot answer.
	from := time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Minute)
	q := "?from=" + from.Format(time.RFC3339) + "&to=" + from.Add(time.Hour).Format(time.RFC3339)
	b.get(t, "/apps/search-api"+q)
	b.get(t, "/apps/search-api/charts/latency.svg"+q)
	b.get(t, "/apps/search-api/charts/latency.json"+q)
	b.get(t, "/"+q)
	proxy.prom5x.Store(false)
	b.post(t, "/logout", url.Values{})
	b.get(t, "/")

	// And Fly's metrics scraper's view.
	mb := newBrowser(s.MetricsURL)
	_, metrics, _ := mb.get(t, "/metrics")
	for _, want := range []string{
		`flydash_http_request_duration_seconds_count{method="GET",route="/apps/:name",status="200"}`,
		`flydash_http_request_duration_seconds_count{method="POST",route="/login",status="401"}`,
		"flydash_promql_upstream_query_duration_seconds_count",
		"flydash_promql_cache_hits_total",
		"go_goroutines",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	logs := s.Logs.String()
	secrets := []string{token, "fm2_leakcanaryAAAAAAAAAAAAAAAAAAAA", "fm2_leakcanaryBBBBBBBBBBBBBBBBBBBB", "leakcanary", testPassword}
	scan := func(what, text string) {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				i := strings.Index(text, s)
				t.Errorf("%s contains %q: …%s…", what, s, text[max(0, i-200):min(len(text), i+len(s)+50)])
			}
		}
	}
	for _, a := range append(b.answers, mb.answers...) {
		scan("response to "+strings.SplitN(a, "\n", 2)[0], a)
	}
	scan("the logs", logs)
	// Redaction is only a safety net: nothing should have needed it.
	if strings.Contains(logs, "[redacted]") {
		t.Errorf("a log line had to be redacted:\n%s", logs)
	}
	if len(b.answers) < 30 || !strings.Contains(logs, "status=401") || !strings.Contains(logs, "destroyed app") ||
		!strings.Contains(logs, "prometheus unavailable (HTTP 500)") {
		t.Errorf("the flows did not all run: %d answers\n%s", len(b.answers), logs)
	}
}
