package promql

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// A token shaped like Fly's, to look for in every error.
const secretToken = "fm2_lJPECAAAAAAAAZZZsecretmacaroonAAAA,fm2_secondpartBBBBBBBB"

const secretHeader = "FlyV1 " + secretToken

// faultServer answers every query with the same injected failure.
func faultServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func queryOf(r *http.Request) string {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	if q := form.Get("query"); q != "" {
		return q
	}
	return r.URL.Query().Get("query")
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	w := testWindow(t)
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		kind    error
		explain string
	}{
		{
			"503", func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "upstream connect error "+r.Header.Get("Authorization"), http.StatusServiceUnavailable)
			},
			ErrUnavailable, "Prometheus answered with an error (503).",
		},
		{
			// What Prometheus answers when it cancels a query itself, e.g.
			// while restarting: not a refusal of the query.
			"499 canceled", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(499)
				fmt.Fprint(w, `{"status":"error","errorType":"canceled","error":"query was canceled"}`)
			},
			ErrUnavailable, "Prometheus cancelled the query before answering (499).",
		},
		{
			"garbage", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<html>Fly.io maintenance</html>")
			},
			ErrBadResponse, "Prometheus answered with something that is not a query result.",
		},
		{
			"instant vector instead of a matrix", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
			},
			ErrBadResponse, "Prometheus answered with something that is not a query result.",
		},
		{
			// VictoriaMetrics' shape for a refused query, echoing the header
			// the way a careless proxy might.
			"422 from VictoriaMetrics", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnprocessableEntity)
				fmt.Fprintf(w, `{"status":"error","errorType":"422","error":"cannot parse query: unexpected token (auth %s)"}`, r.Header.Get("Authorization"))
			},
			ErrRejected, "Prometheus rejected the query: cannot parse query: unexpected token (auth [redacted]).",
		},
		{
			"400 bad_data from Prometheus", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error"}`)
			},
			ErrRejected, `Prometheus rejected the query: invalid parameter "query": 1:5: parse error.`,
		},
		{
			"401", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprintf(w, `{"status":"error","errorType":"unauthorized","error":"bad token %s"}`, r.Header.Get("Authorization"))
			},
			ErrUnauthorized, "Prometheus refused the token (401): it must be allowed to read this organization's metrics.",
		},
		{
			"engine timeout", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`)
			},
			ErrTimeout, "Prometheus gave up on the query: it took too long.",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := faultServer(t, tc.handler)
			c := newClient(t, Config{URL: srv.URL + "/prometheus/demo", AuthHeader: secretHeader})
			r := c.Run(context.Background(), "web", Catalog()[:1], w, 0)[0]
			if !errors.Is(r.Err, tc.kind) {
				t.Fatalf("err = %v, want %v", r.Err, tc.kind)
			}
			if got := Explain(r.Err); got != tc.explain {
				t.Errorf("Explain = %q\n          want %q", got, tc.explain)
			}
			assertNoSecret(t, r.Err)
			if r.Series != nil {
				t.Errorf("a failed query has series")
			}
		})
	}
}

func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	for _, text := range []string{err.Error(), Explain(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, part := range []string{secretToken, "secretmacaroon", "secondpartBBBB"} {
			if strings.Contains(text, part) {
				t.Errorf("error text leaks the token: %q", text)
			}
		}
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	c := newClient(t, Config{URL: addr + "/prometheus/demo", AuthHeader: secretHeader})
	r := c.Run(context.Background(), "web", Catalog()[:1], testWindow(t), 0)[0]
	if !errors.Is(r.Err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", r.Err)
	}
	if got := Explain(r.Err); got != "The dashboard could not connect to Prometheus (connection refused)." {
		t.Errorf("Explain = %q", got)
	}
	assertNoSecret(t, r.Err)
}

func TestPerQueryTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	c := newClient(t, Config{URL: srv.URL, Timeout: 200 * time.Millisecond, AuthHeader: secretHeader})
	results := c.Run(context.Background(), "web", Catalog(), testWindow(t), 0)
	for _, r := range results {
		if !errors.Is(r.Err, ErrTimeout) || !errors.Is(r.Err, context.DeadlineExceeded) {
			t.Errorf("%s: err = %v, want ErrTimeout", r.Query.ID, r.Err)
			continue
		}
		if got := Explain(r.Err); got != "Prometheus did not answer within 200 ms." {
			t.Errorf("Explain = %q", got)
		}
		assertNoSecret(t, r.Err)
	}
	// A failure is not cached: the next run asks again.
	c.Run(context.Background(), "web", Catalog()[:1], testWindow(t), 0)
	if s := c.Stats(); s.Upstream != 7 || s.CacheHits != 0 {
		t.Errorf("%+v, want failures left out of the cache", s)
	}
}

func TestCancelStopsUpstreamWork(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	gone := make(chan struct{}, 1)
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		// Read the form first, as a real server does: only then does
		// net/http watch the connection and cancel r.Context() on close.
		_ = queryOf(r)
		arrived <- struct{}{}
		<-r.Context().Done() // the connection closed: the client stopped
		gone <- struct{}{}
	})
	// A timeout far beyond the test's patience: only cancellation can end it.
	c := newClient(t, Config{URL: srv.URL, Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() { done <- c.Run(ctx, "web", Catalog()[:1], testWindow(t), 0)[0] }()
	<-arrived
	cancel()
	r := <-done
	if !errors.Is(r.Err, ErrCanceled) || !errors.Is(r.Err, context.Canceled) {
		t.Errorf("err = %v, want ErrCanceled", r.Err)
	}
	select {
	case <-gone:
	case <-time.After(30 * time.Second):
		t.Fatal("the upstream request was still open after the caller went away")
	}
}

func TestOneFailingQueryFailsOnlyItself(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	target, _ := url.Parse(vm.URL)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	var mu sync.Mutex
	var authSeen []string
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		authSeen = append(authSeen, r.Header.Get("Authorization"))
		mu.Unlock()
		if strings.Contains(queryOf(r), "fly_instance_cpu") {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	})
	c := newClient(t, Config{URL: srv.URL + target.Path, AuthHeader: secretHeader})
	for _, r := range c.Run(context.Background(), "web", Catalog(), fixtureWindow(t), 0) {
		switch {
		case r.Query.ID == CPU && !errors.Is(r.Err, ErrUnavailable):
			t.Errorf("cpu: err = %v, want ErrUnavailable", r.Err)
		case r.Query.ID != CPU && (r.Err != nil || len(r.Series) == 0):
			t.Errorf("%s: err %v, %d series; want it unaffected", r.Query.ID, r.Err, len(r.Series))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, got := range authSeen {
		if got != secretHeader {
			t.Errorf("upstream saw Authorization %q, want the configured header", got)
		}
	}
}

func TestOverviewColumnFailsAlone(t *testing.T) {
	t.Parallel()
	vm := fixtureVM(t)
	target, _ := url.Parse(vm.URL)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	srv := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(queryOf(r), "histogram_quantile") {
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, "not json")
			return
		}
		proxy.ServeHTTP(w, r)
	})
	c := newClient(t, Config{URL: srv.URL + target.Path})
	ov, err := c.Overview(context.Background(), fixtureWindow(t))
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(ov.Err(ColLatency), ErrBadResponse) {
		t.Errorf("latency column: %v, want ErrBadResponse", ov.Err(ColLatency))
	}
	web, ok := ov.App("web")
	if !ok || web.Latency != nil || web.Requests == nil || web.CPU == nil || web.Machines == nil {
		t.Errorf("web row %+v: want only latency empty", web.Recent)
	}
	for _, col := range []Column{ColRequests, ColErrorRate, ColCPU, ColMachines} {
		if ov.Err(col) != nil {
			t.Errorf("%s failed along: %v", col, ov.Err(col))
		}
	}
}

func TestTokenNotSentToAnotherHost(t *testing.T) {
	t.Parallel()
	var elsewhere string
	other := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		elsewhere = r.Header.Get("Authorization") + "|seen"
		http.Error(w, "nope", http.StatusServiceUnavailable)
	})
	// 127.0.0.1 and localhost are different hosts to the client.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	redirector := faultServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	c := newClient(t, Config{URL: redirector.URL, AuthHeader: secretHeader})
	r := c.Run(context.Background(), "web", Catalog()[:1], testWindow(t), 0)[0]
	if elsewhere != "|seen" {
		t.Errorf("the redirect target got Authorization %q, want none (err %v)", strings.TrimSuffix(elsewhere, "|seen"), r.Err)
	}
}

func TestNewClientChecksConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{URL: ""},
		{URL: "api.fly.io/prometheus/x"},
		{URL: "ftp://api.fly.io/prometheus/x"},
		{URL: "https://api.fly.io/prometheus/x", AuthHeader: "Bearer x\r\nX-Evil: 1"},
	} {
		_, err := NewClient(cfg)
		if err == nil {
			t.Errorf("NewClient(%+v) accepted", cfg)
			continue
		}
		if strings.Contains(err.Error(), "Evil") {
			t.Errorf("error repeats the header: %v", err)
		}
	}
	if _, err := NewClient(Config{URL: "https://api.fly.io/prometheus/personal"}); err != nil {
		t.Errorf("a good config: %v", err)
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&queryError{kind: ErrTimeout, timeout: 10 * time.Second}, "Prometheus did not answer within 10 s."},
		{&queryError{kind: ErrTimeout, timeout: 1500 * time.Millisecond}, "Prometheus did not answer within 1.5 s."},
		{&queryError{kind: ErrUnavailable, status: 503}, "Prometheus answered with an error (503)."},
		{&queryError{kind: ErrUnavailable, connect: true, msg: "connection refused"}, "The dashboard could not connect to Prometheus (connection refused)."},
		{&queryError{kind: ErrUnavailable, serverCancel: true, status: 499}, "Prometheus cancelled the query before answering (499)."},
		{&queryError{kind: ErrBadResponse}, "Prometheus answered with something that is not a query result."},
		{&queryError{kind: ErrRejected, msg: "unknown function foo."}, "Prometheus rejected the query: unknown function foo."},
		{&queryError{kind: ErrUnauthorized, status: 403}, "Prometheus refused the token (403): it must be allowed to read this organization's metrics."},
		{&queryError{kind: ErrCanceled}, "The request was cancelled before Prometheus answered."},
		{fmt.Errorf("page: %w", &queryError{kind: ErrUnavailable, status: 502}), "Prometheus answered with an error (502)."},
		{ErrInvalidApp, "That is not a valid Fly app name: use lowercase letters, digits and dashes."},
		{fmt.Errorf("%w: x", ErrBadWindow), "That time range cannot be charted: the end must come after the start."},
		{errors.New("something else " + secretToken), "The metrics could not be loaded."},
	} {
		if got := Explain(tc.err); got != tc.want {
			t.Errorf("Explain(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestCleanBoundsMessages(t *testing.T) {
	t.Parallel()
	c := newClient(t, Config{URL: "http://127.0.0.1:1", AuthHeader: secretHeader})
	long := strings.Repeat("é", 400) + "\n\tend"
	got := c.clean(long)
	if len(got) > maxMessage+len("…") || strings.ContainsAny(got, "\n\t") || !strings.HasSuffix(got, "…") {
		t.Errorf("clean(long) = %q (%d bytes)", got, len(got))
	}
	if got := c.clean("a " + secretToken + " b"); got != "a [redacted] b" {
		t.Errorf("clean = %q", got)
	}
}
