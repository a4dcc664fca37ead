package views

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
)

var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, "PROPFIND"}

const fuzzOrg = "fuzz-org-slug"

// FuzzRequests sends arbitrary paths, query strings and form bodies to the
// whole stack, signed in or not, same-site or cross-site, and checks:
//   - never a 5xx (flysim is healthy, so any 5xx is a bug of ours);
//   - anonymous requests never see the org or an app they did not name;
//   - a cross-site non-safe request is refused (or only redirected by the
//     router, which a browser then re-sends through the same check).
//
// Run it with: go test ./views -run '^$' -fuzz FuzzRequests -fuzztime 60s
func FuzzRequests(f *testing.F) {
	seeds := []struct {
		method      uint8
		path, query string
		form        string
	}{
		// Day- and week-long windows cost seconds against flysim: the seeds
		// stay short so the package's tests stay fast.
		{0, "/", "", ""},
		{0, "/", "range=1h", ""},
		{0, "/apps/storefront", "range=6h&compare=1d&refresh=30s", ""},
		{0, "/apps/storefront", "from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z", ""},
		{0, "/apps/storefront", "from=9999999999999&to=-1", ""},
		{0, "/apps/storefront", "from=1&to=2&compare=7d", ""},
		{0, "/apps/storefront", "range=%00&refresh=%ff", ""},
		{0, "/apps/search-api/charts/latency.svg", "range=1h&compare=1d", ""},
		{0, "/apps/search-api/charts/map.svg", "range=1h&compare=7d", ""},
		{0, "/apps/storefront/charts/map.json", "from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:01Z", ""},
		{0, "/apps/storefront/charts/requests.csv", "range=5m", ""},
		{0, "/apps/storefront/charts/cpu.json", "from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:01Z", ""},
		{0, "/apps/storefront/charts/..svg", "", ""},
		{0, "/apps/storefront/charts/.json", "", ""},
		{0, "/apps/%2e%2e/charts/cpu.svg", "", ""},
		{0, "/apps/storefront/explore/requests", "range=1h", ""},
		{0, "/apps/storefront/launch", "", ""},
		{0, "/apps/" + strings.Repeat("a", 300), "", ""},
		{0, "/apps/ñame", "range=ñ", ""},
		{0, "/static/../apps/storefront", "", ""},
		{0, "/static/app.css", "", ""},
		{0, "/static-charts.css", "", ""},
		{0, "/login", "next=//evil.example", ""},
		{0, "/login", "next=/apps/storefront", ""},
		{0, "/metrics", "", ""},
		{0, "/healthz", "", ""},
		{1, "/login", "", "password=wrong&next=%2F%2Fevil.example"},
		{1, "/login", "", "password=" + authTestPassword},
		{1, "/logout", "", ""},
		{1, "/apps", "", "name=fuzz-app&image=flyio/hellofly:latest&region=ams"},
		{1, "/apps", "", "name=&image=a+b&region=zzz"},
		{1, "/apps", "", "name=" + strings.Repeat("x", 70) + "&image=" + strings.Repeat("y", 300)},
		{1, "/apps/blog/destroy", "", "confirm=wrong"},
		{1, "/apps/not-yours/destroy", "", "confirm=not-yours"},
		{1, "/apps/", "", ""},
		{1, "/apps/storefront", "", "%%%=&&=="},
		{2, "/", "", ""},
		{3, "/apps/storefront", "", ""},
		{6, "/apps", "", ""},
	}
	for _, s := range seeds {
		for _, signedIn := range []bool{false, true} {
			f.Add(s.method, s.path, s.query, s.form, signedIn, false)
		}
		f.Add(s.method, s.path, s.query, s.form, true, true)
	}

	s := newAuthStack(f, authStackOptions{stackOptions: stackOptions{
		Sim: flysim.Options{Org: fuzzOrg},
		// Bounded upstream waits keep one slow input from stalling a worker.
		FlyTimeout: 5 * time.Second, PromTimeout: 5 * time.Second,
	}})
	s.signIn(f)
	session := s.sessionCookie(f)
	appNames := []string{}
	for _, a := range s.Sim.Sim.Fleet().Snapshot() {
		appNames = append(appNames, a.Name)
	}
	client := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	f.Fuzz(func(t *testing.T, method uint8, path, query, form string, signedIn, crossSite bool) {
		m := fuzzMethods[int(method)%len(fuzzMethods)]
		target := s.URL + "/" + strings.TrimPrefix(path, "/")
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(m, target, strings.NewReader(form))
		if err != nil {
			return // not a request any client can send
		}
		if form != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if signedIn {
			req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
		}
		if crossSite {
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		resp, err := client.Do(req)
		if err != nil {
			return // the client refused to send it (e.g. a bad header value)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		what := m + " " + req.URL.RequestURI()
		if resp.StatusCode == http.StatusBadRequest && resp.Header.Get("Content-Security-Policy") == "" {
			return // net/http refused a malformed request before the dashboard saw it
		}

		if resp.StatusCode >= 500 {
			t.Fatalf("%s: %d\n%s", what, resp.StatusCode, body)
		}
		safe := m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
		if crossSite && !safe {
			switch resp.StatusCode {
			case http.StatusForbidden, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			default:
				t.Fatalf("cross-site %s: %d, want 403", what, resp.StatusCode)
			}
		}
		if !signedIn {
			asked := path + "?" + query + "&" + form
			if u, err := url.PathUnescape(path); err == nil {
				asked += " " + u
			}
			if u, err := url.QueryUnescape(query + "&" + form); err == nil {
				asked += " " + u
			}
			asked = strings.ToLower(asked)
			for _, name := range append([]string{fuzzOrg}, appNames...) {
				if strings.Contains(string(body), name) && !strings.Contains(asked, name) {
					t.Fatalf("anonymous %s: the answer (%d) names %q", what, resp.StatusCode, name)
				}
			}
		}
	})
}
