package views

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
)

// outages are each upstream hung or down, as flysim's fault flags and a
// closed port make them, with the words every page must say about it.
// prom says whether the failing upstream is Prometheus, the one whose
// silence would make an empty chart read as "No data".
func outages(t *testing.T) []struct {
	name string
	opts stackOptions
	want string
	prom bool
} {
	return []struct {
		name string
		opts stackOptions
		want string
		prom bool
	}{
		{"prometheus hung", stackOptions{Sim: flysim.Options{PromFault: flysim.FaultHang}, PromTimeout: outageTimeout},
			"Prometheus did not answer within 5 s.", true},
		{"prometheus down", stackOptions{PromURL: closedURL(t)},
			"The dashboard could not connect to Prometheus (connection refused).", true},
		{"machines API hung", stackOptions{Sim: flysim.Options{MachinesFault: flysim.FaultHang}, FlyTimeout: outageTimeout},
			"The Fly Machines API did not answer within 5 s.", false},
		{"machines API down", stackOptions{FlyURL: closedURL(t)},
			"The dashboard could not connect to the Fly Machines API (connection refused).", false},
	}
}

// outageTimeout is the hung upstream's deadline: what the first pages wait
// before the outage is known.
const outageTimeout = 5 * time.Second

// TestOutageUnderLoad: with each upstream hung or down, 20 clients asking
// for app pages and the list get at least 95% answers that are 200 and
// say who failed and how; no page says "No data" during the outage (with
// the machines unknown, neither is why a chart would be empty);
// and once the outage is known (the first such answer), a hung upstream
// is no longer waited on: its requests stop but for the breaker's probe,
// about one a second, however many pages are asked for.
func TestOutageUnderLoad(t *testing.T) {
	t.Parallel()
	const clients, each = 20, 3
	apps := []string{"storefront", "search-api", "queue-worker", "billing-api", "blog"}
	ranges := []string{"1h", "24h", "7d"}
	for _, tc := range outages(t) {
		t.Run(tc.name, func(t *testing.T) {
			s := newStack(t, tc.opts)
			// A guard against a hang, not a speed bound: under -race on a
			// busy machine 20 pages drawn at once can take a minute.
			client := &http.Client{Timeout: 5 * time.Minute}
			type answer struct {
				path         string
				status       int
				body         string
				start, end   time.Time
				transportErr error
			}
			var (
				mu      sync.Mutex
				answers []answer
				wg      sync.WaitGroup
			)
			for c := range clients {
				wg.Go(func() {
					for i := range each {
						path := "/"
						if (c+i)%4 != 0 {
							path = "/apps/" + apps[(c+i)%len(apps)] + "?range=" + ranges[(c*each+i)%len(ranges)]
						}
						a := answer{path: path, start: time.Now()}
						resp, err := client.Get(s.URL + path)
						if err == nil {
							b, _ := io.ReadAll(resp.Body)
							resp.Body.Close()
							a.status, a.body = resp.StatusCode, string(b)
						}
						a.end, a.transportErr = time.Now(), err
						mu.Lock()
						answers = append(answers, a)
						mu.Unlock()
					}
				})
			}
			wg.Wait()

			good := 0
			var known time.Time
			for _, a := range answers {
				switch {
				case a.transportErr != nil:
					t.Errorf("GET %s: %v", a.path, a.transportErr)
				case a.status != http.StatusOK:
					t.Logf("GET %s: %d", a.path, a.status)
				case !strings.Contains(html.UnescapeString(a.body), tc.want):
					t.Errorf("GET %s: 200 without saying %q", a.path, tc.want)
				default:
					good++
					if known.IsZero() || a.end.Before(known) {
						known = a.end
					}
				}
				if strings.Contains(a.body, "No data") {
					t.Errorf("GET %s says \"No data\" during the outage", a.path)
				}
			}
			if good*100 < len(answers)*95 {
				t.Errorf("%d of %d answers were 200 explaining the outage, want at least 95%%", good, len(answers))
			}
			var after []float64
			for _, a := range answers {
				if a.start.After(known) {
					after = append(after, float64(a.end.Sub(a.start).Milliseconds()))
				}
			}
			slices.Sort(after)
			if len(after) > 0 {
				t.Logf("%d answers; %d asked once the outage was known, answered in p50 %.0f ms, max %.0f ms",
					len(answers), len(after), after[len(after)/2], after[len(after)-1])
			}
		})
	}
}

// TestHungUpstreamNotWaitedOn: once a hung upstream has timed out a few
// times in a row, pages for other apps never ask it anything (the breaker's
// probe repeats only the last failed request) and still say what failed.
func TestHungUpstreamNotWaitedOn(t *testing.T) {
	t.Parallel()
	for _, tc := range outages(t) {
		if !strings.Contains(tc.name, "hung") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec, recURL := newRecorder(t)
			if tc.prom {
				tc.opts.PromURL = recURL
			} else {
				tc.opts.FlyURL = recURL
			}
			s := newStack(t, tc.opts)
			rec.target.Store(s.Sim.URL)
			// Learn the outage: the first pages wait out the deadline.
			for range 3 {
				if status, body, _ := s.get(t, "/apps/storefront?range=1h"); status != http.StatusOK || !strings.Contains(html.UnescapeString(body), tc.want) {
					t.Fatalf("learning the outage: %d without %q", status, tc.want)
				}
			}
			start := time.Now()
			for i := range 10 {
				path := fmt.Sprintf("/apps/%s?range=%s", []string{"blog", "search-api"}[i%2], []string{"6h", "24h", "7d", "1h", "5m"}[i%5])
				status, body, _ := s.get(t, path)
				if status != http.StatusOK || !strings.Contains(html.UnescapeString(body), tc.want) {
					t.Errorf("GET %s: %d without %q", path, status, tc.want)
				}
			}
			t.Logf("10 pages once the outage was known: %v", time.Since(start).Round(time.Millisecond))
			for _, app := range []string{"blog", "search-api"} {
				if n := rec.asked(app); n > 0 {
					t.Errorf("the hung upstream was asked %d times about %s, whose pages came after the outage was known", n, app)
				}
			}
			if rec.asked("storefront") == 0 {
				t.Error("the recorder saw nothing: it is not in front of the hung upstream")
			}
		})
	}
}

// recorder forwards to target and remembers what each request asked for:
// its path and, for a query, the form it posted, unescaped.
type recorder struct {
	target atomic.Value // string: flysim's URL, known once it has started
	mu     sync.Mutex
	seen   []string
}

func newRecorder(t *testing.T) (*recorder, string) {
	r := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.QueryUnescape(string(body))
		r.mu.Lock()
		r.seen = append(r.seen, req.URL.Path+"?"+req.URL.RawQuery+" "+form)
		r.mu.Unlock()
		target, _ := url.Parse(r.target.Load().(string))
		proxy := httputil.NewSingleHostReverseProxy(target)
		proxy.ErrorLog = log.New(io.Discard, "", 0) // a hung request cut off by its caller
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	return r, srv.URL
}

// asked counts the requests that named app.
func (r *recorder) asked(app string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.seen {
		if strings.Contains(s, "/apps/"+app+"/") || strings.Contains(s, "/apps/"+app+"?") || strings.Contains(s, `app="`+app+`"`) {
			n++
		}
	}
	return n
}
