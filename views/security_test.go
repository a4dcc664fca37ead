package views

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// cspDirectives splits a policy into directive -> sources.
func cspDirectives(policy string) map[string][]string {
	out := map[string][]string{}
	for d := range strings.SplitSeq(policy, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// checkPageHeaders asserts what every page must carry.
func checkPageHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := cspDirectives(h.Get("Content-Security-Policy"))
	for d, want := range map[string]string{
		"default-src":     "'none'",
		"script-src":      "'none'",
		"style-src":       "'self'",
		"frame-ancestors": "'none'",
		"base-uri":        "'none'",
		"form-action":     "'self'",
	} {
		if !slices.Equal(csp[d], []string{want}) {
			t.Errorf("%s: CSP %s is %q, want %s (policy %q)", what, d, csp[d], want, h.Get("Content-Security-Policy"))
		}
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "same-origin",
		"X-Robots-Tag":           "noindex, nofollow",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s is %q, want %q", what, name, got, want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	s := newAuthStack(t, authStackOptions{})

	// Anonymous: the sign-in page, refusals, the health check.
	for _, path := range []string{"/login", "/healthz", "/?range=1h"} {
		_, _, h := s.get(t, path)
		checkPageHeaders(t, "GET "+path+" (anonymous)", h)
	}
	_, _, h := s.post(t, "/apps/blog/destroy", url.Values{"confirm": {"blog"}})
	checkPageHeaders(t, "refused POST", h)

	s.signIn(t)
	// Short ranges: what is tested is the headers, not the charts.
	for _, path := range []string{"/?range=1h", "/apps/storefront?range=1h", "/apps/new", "/apps/no-such-app", "/nowhere",
		"/apps/blog/charts/cpu.csv?range=1h", "/apps/blog/charts/cpu.json?range=1h"} {
		_, _, h := s.get(t, path)
		checkPageHeaders(t, "GET "+path, h)
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, h.Get("Cache-Control"))
		}
	}
	// The explore view, and only it, may run its own script.
	_, _, h = s.get(t, "/apps/blog/explore/cpu?range=1h")
	if h.Get("Content-Security-Policy") != exploreCSP || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("explore view headers: CSP %q", h.Get("Content-Security-Policy"))
	}
	// The standalone chart keeps its own policy: its stylesheet is inline
	// and nothing else may load.
	status, body, h := s.get(t, "/apps/blog/charts/cpu.svg?range=1h")
	if status != http.StatusOK || !strings.Contains(body, "<svg") {
		t.Fatalf("chart SVG: %d", status)
	}
	csp := cspDirectives(h.Get("Content-Security-Policy"))
	if !slices.Equal(csp["default-src"], []string{"'none'"}) || csp["script-src"] != nil {
		t.Errorf("chart SVG policy %q must allow no script and nothing remote", h.Get("Content-Security-Policy"))
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("chart SVG lacks nosniff")
	}
	// Static files are cacheable, and still nosniff.
	_, _, h = s.get(t, "/static/app.css")
	if h.Get("Cache-Control") == "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("static file: Cache-Control %q, nosniff %q", h.Get("Cache-Control"), h.Get("X-Content-Type-Options"))
	}
}

// TestExplorePolicyOnlyAddsScript: the explore view's policy differs from
// every other page's only by loading its own script and fetching its data.
func TestExplorePolicyOnlyAddsScript(t *testing.T) {
	t.Parallel()
	page, explore := cspDirectives(pageCSP), cspDirectives(exploreCSP)
	for d, v := range explore {
		switch d {
		case "script-src", "connect-src":
			if !slices.Equal(v, []string{"'self'"}) {
				t.Errorf("explore %s = %q, want only 'self'", d, v)
			}
		default:
			if !slices.Equal(v, page[d]) {
				t.Errorf("explore %s = %q, pages have %q", d, v, page[d])
			}
		}
	}
	for d := range page {
		if _, ok := explore[d]; !ok {
			t.Errorf("explore drops %s", d)
		}
	}
	if routeCSP["/apps/:name/explore/:chart"] != exploreCSP || len(routeCSP) != 1 {
		t.Errorf("only the explore route may have its own policy: %v", routeCSP)
	}
}

// TestCrossOriginPostsRefused: a form posted from another site's page is
// refused and changes nothing, even with a valid session cookie riding
// along; the same form from the dashboard's own page goes through.
func TestCrossOriginPostsRefused(t *testing.T) {
	t.Parallel()
	s := newAuthStack(t, authStackOptions{})
	fleet := s.Sim.Sim.Fleet()
	s.signIn(t)

	send := func(path string, form url.Values, headers map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	foreign := []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "https://evil.example"},
		{"Origin": "null"},
	}
	for _, hdrs := range foreign {
		status, body := send("/apps/old-landing/destroy", url.Values{"confirm": {"old-landing"}}, hdrs)
		if status != http.StatusForbidden || !strings.Contains(body, "Cross-origin request refused") {
			t.Errorf("destroy with %v: %d, want 403 saying why", hdrs, status)
		}
		if status, _ := send("/apps", url.Values{"name": {"csrf-app"}, "image": {"flyio/hellofly:latest"}, "region": {"ams"}}, hdrs); status != http.StatusForbidden {
			t.Errorf("launch with %v: %d, want 403", hdrs, status)
		}
		if status, _ := send("/logout", nil, hdrs); status != http.StatusForbidden {
			t.Errorf("sign out with %v: %d, want 403", hdrs, status)
		}
		if status, _ := send("/login", url.Values{"password": {authTestPassword}}, hdrs); status != http.StatusForbidden {
			t.Errorf("sign in with %v: %d, want 403", hdrs, status)
		}
	}
	if _, err := fleet.App("old-landing"); err != nil {
		t.Fatalf("a cross-origin POST destroyed old-landing: %v", err)
	}
	if _, err := fleet.App("csrf-app"); err == nil {
		t.Fatal("a cross-origin POST created an app")
	}
	// The session survived the cross-origin sign-out.
	if status, _, _ := s.get(t, "/"); status != http.StatusOK {
		t.Fatalf("a cross-origin sign-out ended the session: %d", status)
	}

	// The control: the dashboard's own form does destroy.
	status, _ := send("/apps/old-landing/destroy", url.Values{"confirm": {"old-landing"}},
		map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": s.URL})
	if status != http.StatusSeeOther {
		t.Fatalf("same-origin destroy: %d, want 303", status)
	}
	if _, err := fleet.App("old-landing"); err == nil {
		t.Fatal("same-origin destroy left the app in place")
	}
}

// TestPagesObeyTheirPolicy loads pages in Chromium under the real headers
// and fails on any policy violation, so the strict CSP cannot quietly break
// a stylesheet or an inline chart. A control page proves violations are
// seen.
func TestPagesObeyTheirPolicy(t *testing.T) {
	t.Parallel()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (.ci/run installs it)")
		}
		t.Skip("chromium not installed")
	}
	s := newAuthStack(t, authStackOptions{})
	s.signIn(t)
	u, _ := url.Parse(s.URL)
	var session string
	for _, c := range s.Client.Jar.Cookies(u) {
		if c.Name == sessionCookiePlain {
			session = c.Value
		}
	}

	control := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>x</title><style>body{color:red}</style><p style="color:blue">x</p>`))
	}))
	defer control.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	browser, cancel := chromedp.NewContext(actx)
	defer cancel()
	// The first call starts the browser and must not carry a deadline.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(browser, 45*time.Second)
	defer cancel()

	// violations loads target, runs more, and returns the policy
	// violations (and uncaught script errors) the console reported
	// meanwhile.
	violations := func(target string, more ...chromedp.Action[chromedp.Void]) []string {
		t.Helper()
		mctx, stop := context.WithCancel(ctx)
		defer stop()
		messages := chromedp.Console(mctx)
		// A marker logged from a blank page after the visit ends the
		// reading: console events arrive in order.
		const marker = "flydash-test-done"
		steps := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(target)}, more...)
		steps = append(steps, chromedp.Navigate("about:blank"),
			chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
				_, err := chromedp.Evaluate[any](`console.log("`+marker+`")`)(ctx, tg)
				return chromedp.Void{}, err
			}))
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("load %s: %v", target, err)
		}
		var out []string
		for m, err := range messages {
			if err != nil {
				t.Fatalf("console of %s: %v", target, err)
			}
			if m.Text == marker {
				break
			}
			if strings.Contains(m.Text, "Content Security Policy") || m.IsException() {
				out = append(out, m.Text)
			}
		}
		return out
	}
	if v := violations(control.URL); len(v) == 0 {
		t.Fatal("the control page's inline style raised no violation: the check sees nothing")
	}

	httpOnly := true
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
		Name: sessionCookiePlain, Value: session, URL: s.URL + "/", HTTPOnly: &httpOnly,
	}); err != nil {
		t.Fatalf("give the browser the session: %v", err)
	}
	pages := []string{"/?range=1h", "/apps/storefront?range=1h", "/apps/new", "/apps/blog/charts/cpu.svg?range=1h", "/nowhere", "/apps/storefront/explore/latency?range=1h"}
	for _, page := range pages {
		var sheets int
		countSheets := chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			n, err := chromedp.Evaluate[int](`document.styleSheets.length`)(ctx, tg)
			sheets = n
			return chromedp.Void{}, err
		})
		v := violations(s.URL+page, countSheets)
		if len(v) > 0 {
			t.Errorf("%s violates its policy:\n%s", page, strings.Join(v, "\n"))
		}
		if !strings.Contains(page, ".svg") && sheets < 2 {
			t.Errorf("%s: %d stylesheets applied, want app.css and the charts' CSS", page, sheets)
		}
	}
	// The explore view's script runs under its policy and draws.
	if echartsBundled {
		if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/apps/storefront/explore/latency?range=1h")); err != nil {
			t.Fatal(err)
		}
		drawn, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('explore-chart').hasAttribute('_echarts_instance_')`))
		if err != nil || !drawn {
			t.Errorf("ECharts did not draw the explore chart under its policy (%v)", err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/apps/new")); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "Launch an app") {
		t.Fatalf("the browser was not signed in (title %q): the pages above were the sign-in page", title)
	}
}
