package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flydash/dashboard/flysim/fleet"
)

// TestBrowser walks the dashboard the way a person does, in Chromium: the
// list, an app page, a range switch, the explore view, a launch followed to
// its end, a destroy with a wrong and then the right confirmation, and the
// event markers on the story apps. On every page: no console errors, no
// CSP violations, and every chart actually drawn.
func TestBrowser(t *testing.T) {
	requireChromium(t)
	st := newStack(t)
	browser := newBrowser(t)

	// The tabs share the browser's cookies: signing in here signs in every
	// tab after it.
	t.Run("sign in", func(t *testing.T) {
		tb := newTab(t, browser)
		status := navigate(t, tb, st.URL+"/apps/"+fleet.IncidentApp)
		loc, _ := url.Parse(tb.location(t))
		if status != http.StatusOK || loc.Path != "/login" {
			t.Fatalf("an app page without a session: HTTP %d at %s, want the sign-in page", status, loc)
		}
		checkNoScript(t, tb, "sign-in page")
		tb.checkConsole(t, "sign-in page")
		tb.screenshot(t, "00-sign-in")

		tb.do(t, "type a wrong password", chromedp.SendKeys(chromedp.CSS(`#password`), "wrong"))
		if status := clickAndLoad(t, tb, `form[action="/login"] button[type=submit]`); status != http.StatusUnauthorized {
			t.Errorf("a wrong password: HTTP %d, want 401", status)
		}
		if msg := eval[string](t, tb, `(document.querySelector('#password-error') || {}).textContent || ''`); msg == "" {
			t.Error("a wrong password gets no message")
		}
		tb.dropProblems(func(p string) bool { return strings.Contains(p, "status of 401") })
		tb.checkConsole(t, "wrong password")

		tb.do(t, "type the password", chromedp.SendKeys(chromedp.CSS(`#password`), e2ePassword))
		if status := clickAndLoad(t, tb, `form[action="/login"] button[type=submit]`); status != http.StatusOK {
			t.Fatalf("signing in: HTTP %d", status)
		}
		// Back where the person was heading.
		if loc, _ := url.Parse(tb.location(t)); loc.Path != "/apps/"+fleet.IncidentApp {
			t.Errorf("after signing in the page is %s, want /apps/%s", loc, fleet.IncidentApp)
		}
		tb.checkConsole(t, "signed in")
	})
	if t.Failed() {
		t.FailNow()
	}

	t.Run("list", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.open(t, st.URL+"/")
		for _, app := range []string{fleet.IncidentApp, fleet.OOMApp, fleet.DeployApp, fleet.NoHTTPApp} {
			if n := eval[int](t, tb, fmt.Sprintf(`document.querySelectorAll('main a[href="/apps/%s"]').length`, app)); n == 0 {
				t.Errorf("the list has no link to %s", app)
			}
		}
		checkNoScript(t, tb, "list")
		checkVisibleSVGs(t, tb, "list", "main svg")
		rows := eval[[]listRow](t, tb, listScript)
		byApp := map[string]listRow{}
		for _, r := range rows {
			byApp[r.App] = r
		}
		// Each story must show at a glance: the verdict, and a sparkline
		// per column that has data (a worker has no HTTP columns).
		for _, c := range []struct {
			app, verdict string
			sparks       int
		}{
			{fleet.RegionalLatencyApp, "Degraded", 4},
			{fleet.HealthyApp, "Healthy", 4},
			{fleet.IdleApp, "Idle", 4},
			{fleet.NoHTTPApp, "Healthy", 1},
		} {
			r, ok := byApp[c.app]
			switch {
			case !ok:
				t.Errorf("the list has no row for %s", c.app)
			case r.Verdict != c.verdict:
				t.Errorf("%s is %q on the list, want %q (%s)", c.app, r.Verdict, c.verdict, r.Reason)
			case r.Sparks < c.sparks || r.Drawn < c.sparks:
				t.Errorf("%s has %d sparklines, %d drawn, want at least %d", c.app, r.Sparks, r.Drawn, c.sparks)
			}
		}
		tb.checkConsole(t, "list")
		tb.screenshot(t, "01-list")
	})
	t.Run("list filter", func(t *testing.T) { testListFilter(t, st, browser) })

	t.Run("app page and range switch", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.open(t, st.URL+"/apps/"+fleet.IncidentApp)
		checkNoScript(t, tb, "app page")
		// storefront serves HTTP, so every canned query has a chart, and
		// so has every Machines query but the volumes (it mounts none).
		before := checkCharts(t, tb, "app page", chartsWithoutVolumes())
		tb.checkConsole(t, "app page")
		tb.screenshot(t, "02-app-storefront")
		checkRegionMap(t, tb, []string{"ams", "fra", "iad", "lhr"})

		// Switch to 1h by clicking its link, as a person would.
		link := `nav.range-nav a[href*="range=1h"]`
		if eval[bool](t, tb, `document.querySelector('`+link+`').getAttribute('aria-current') === 'page'`) {
			t.Fatal("the default range is already 1h: pick another link for this test")
		}
		status := clickAndLoad(t, tb, link)
		if status != http.StatusOK {
			t.Fatalf("1h range: HTTP %d", status)
		}
		loc, err := url.Parse(tb.location(t))
		if err != nil || loc.Path != "/apps/"+fleet.IncidentApp || loc.Query().Get("range") != "1h" {
			t.Fatalf("after clicking 1h the page is %s, want /apps/%s?range=1h", loc, fleet.IncidentApp)
		}
		if !eval[bool](t, tb, `document.querySelector('`+link+`').getAttribute('aria-current') === 'page'`) {
			t.Error("the 1h link is not marked as the current range")
		}
		after := checkCharts(t, tb, "app page 1h", chartsWithoutVolumes())
		for i := range min(len(before), len(after)) {
			if before[i].Section != after[i].Section {
				t.Errorf("chart %d is %s before the switch and %s after", i, before[i].Section, after[i].Section)
				continue
			}
			if before[i].XLabels == after[i].XLabels && before[i].Lines == after[i].Lines {
				t.Errorf("chart %s did not change with the range: time axis %q both times", after[i].Section, after[i].XLabels)
			}
		}
		tb.checkConsole(t, "app page 1h")
		tb.screenshot(t, "03-app-storefront-1h")

		// Every chart's .svg URL works as an <img src>, as it would in a
		// README or a chat message.
		n := eval[int](t, tb, `(() => {
			const links = [...document.querySelectorAll('.chart-links a')].filter(a => a.pathname.endsWith('.svg'));
			window.__imgs = links.map(a => { const i = new Image(); i.src = a.href; document.body.appendChild(i); return i; });
			return links.length;
		})()`)
		if want := chartsWithoutVolumes() + 1; n != want { // and the region map
			t.Fatalf("%d chart image links, want %d", n, want)
		}
		deadline := time.Now().Add(actionTimeout)
		for !eval[bool](t, tb, `window.__imgs.every(i => i.complete)`) {
			if time.Now().After(deadline) {
				t.Fatal("chart images did not load")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if broken := eval[[]string](t, tb, `window.__imgs.filter(i => i.naturalWidth !== 720 || i.naturalHeight === 0).map(i => i.src)`); len(broken) > 0 {
			t.Errorf("chart URLs that do not draw as <img>: %v", broken)
		}
		tb.checkConsole(t, "chart images")
	})

	t.Run("explore", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.open(t, st.URL+"/apps/"+fleet.IncidentApp+"?range=6h")
		status := clickAndLoad(t, tb, `#http-status a[href*="/explore/"]`)
		if status != http.StatusOK {
			t.Fatalf("explore view: HTTP %d", status)
		}
		if loc := tb.location(t); !strings.Contains(loc, "/apps/"+fleet.IncidentApp+"/explore/http-status") || !strings.Contains(loc, "range=6h") {
			t.Errorf("the Explore link led to %s, want the http-status explore view keeping range=6h", loc)
		}
		requireECharts(t)
		// explore.js replaces the server's SVG with ECharts' own drawing.
		tb.do(t, "wait for the interactive chart", chromedp.WaitVisible(chromedp.CSS(`#explore-chart.live svg`)))
		got := eval[struct {
			Width, Height float64
			Paths         int
			ServerSVG     bool
		}](t, tb, `(() => {
			const svg = document.querySelector('#explore-chart.live svg');
			const r = svg.getBoundingClientRect();
			const paths = Array.from(svg.querySelectorAll('path')).filter(p => (p.getAttribute('d') || '').length > 20);
			return {Width: r.width, Height: r.height, Paths: paths.length, ServerSVG: svg.classList.contains('fdc')};
		})()`)
		if got.ServerSVG {
			t.Error("the explore view still shows the server's SVG: explore.js did not draw")
		}
		if got.Width < 300 || got.Height < 200 {
			t.Errorf("the interactive chart is %.0fx%.0f px", got.Width, got.Height)
		}
		if got.Paths < 4 {
			t.Errorf("the interactive chart drew %d paths, want a line or band per status class", got.Paths)
		}
		tb.checkConsole(t, "explore")
		tb.screenshot(t, "04-explore-storefront-http-status")
	})

	t.Run("launch and destroy", func(t *testing.T) {
		tb := newTab(t, browser)
		const name = "e2e-hello"
		tb.open(t, st.URL+"/apps/new")
		checkNoScript(t, tb, "launch form")
		tb.checkConsole(t, "launch form")
		tb.screenshot(t, "05-launch-form")
		tb.do(t, "fill the form",
			chromedp.SendKeys(chromedp.CSS(`#name`), name),
			chromedp.SetValue(chromedp.CSS(`#region`), "ams"),
		)
		status := clickAndLoad(t, tb, `form[action="/apps"] button[type=submit]`)
		if status != http.StatusOK {
			t.Fatalf("launch: HTTP %d", status)
		}
		// The progress URL carries what was asked for until the machine does.
		if loc, _ := url.Parse(tb.location(t)); loc.Path != "/apps/"+name+"/launch" || loc.Query().Get("region") != "ams" {
			t.Fatalf("after submitting the form the page is %s, want the progress page", loc)
		}
		if n := eval[int](t, tb, `document.querySelectorAll('meta[http-equiv="refresh"]').length`); n != 1 {
			t.Errorf("the progress page has %d meta refresh tags, want 1", n)
		}
		if n := eval[int](t, tb, `document.querySelectorAll('ol.steps li').length`); n < 3 {
			t.Errorf("the progress page lists %d steps", n)
		}
		checkNoScript(t, tb, "progress page")
		tb.checkConsole(t, "progress page")
		tb.screenshot(t, "06-launch-progress")

		// Nothing but the page's own meta refresh moves the browser on.
		waitForPath(t, tb, "/apps/"+name, actionTimeout)
		tb.do(t, "wait for the app page", chromedp.WaitVisible(chromedp.CSS(`h1`)))
		if h := eval[string](t, tb, `document.querySelector('h1').textContent`); !strings.Contains(h, name) {
			t.Errorf("the launch ended on a page titled %q", h)
		}
		checkNoScript(t, tb, "launched app page")
		tb.checkConsole(t, "launched app page")
		tb.screenshot(t, "07-app-launched")

		// A wrong confirmation: 422, the reason, nothing destroyed.
		status = clickAndLoad(t, tb, `a[href="/apps/`+name+`/destroy"]`)
		if status != http.StatusOK {
			t.Fatalf("the destroy confirmation: HTTP %d", status)
		}
		tb.do(t, "type a wrong name", chromedp.SendKeys(chromedp.CSS(`main form input[name=confirm]`), "e2e-hell"))
		status = clickAndLoad(t, tb, `main form button[type=submit]`)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("destroy with a wrong name: HTTP %d, want 422", status)
		}
		reason := eval[string](t, tb, `(document.querySelector('main [role=alert]') || {}).textContent || ''`)
		if !strings.Contains(reason, name) {
			t.Errorf("the 422 page does not say what to type: %q", reason)
		}
		if _, err := st.Sim.Sim.Fleet().App(name); err != nil {
			t.Errorf("a wrong confirmation destroyed the app: %v", err)
		}
		checkNoScript(t, tb, "destroy refused")
		// The browser logs the 422 document as a failed load; that is the
		// page working as meant, anything else is not.
		tb.dropProblems(func(p string) bool { return strings.Contains(p, "status of 422") })
		tb.checkConsole(t, "destroy refused")
		tb.screenshot(t, "08-destroy-refused")

		tb.do(t, "type the right name", chromedp.SendKeys(chromedp.CSS(`main form input[name=confirm]`), name))
		status = clickAndLoad(t, tb, `main form button[type=submit]`)
		if status != http.StatusOK {
			t.Fatalf("destroy: HTTP %d", status)
		}
		if loc, _ := url.Parse(tb.location(t)); loc.Path != "/" {
			t.Errorf("after destroying, the page is %s, want the list", loc)
		}
		flash := eval[string](t, tb, `(document.querySelector('.flash') || {}).textContent || ''`)
		if !strings.Contains(flash, name) {
			t.Errorf("the list's flash says %q, want it to name %s", flash, name)
		}
		if n := eval[int](t, tb, `document.querySelectorAll('main a[href="/apps/`+name+`"]').length`); n != 0 {
			t.Errorf("%s is still listed after its destruction", name)
		}
		tb.checkConsole(t, "list after destroy")
		tb.screenshot(t, "09-list-after-destroy")
	})

	// The stories' moments, where flysim put them: the OOM kill on
	// image-resizer and the deploy on billing-api, on every time chart.
	for _, c := range []struct{ app, kind, says string }{
		{fleet.OOMApp, "oom", "OOM kill"},
		{fleet.DeployApp, "deploy", "Deploy"},
	} {
		t.Run("markers "+c.app, func(t *testing.T) {
			tb := newTab(t, browser)
			tb.open(t, st.URL+"/apps/"+c.app+"?range=24h")
			charts := checkCharts(t, tb, c.app, chartsWithoutVolumes())
			marks := eval[[]markerReport](t, tb, markerScript(c.kind))
			if len(marks) != len(charts) {
				t.Fatalf("%s: %d charts report markers, want %d", c.app, len(marks), len(charts))
			}
			for _, m := range marks {
				switch {
				case m.Count == 0:
					t.Errorf("%s chart %s has no %s marker", c.app, m.Section, c.kind)
				case !m.Visible:
					t.Errorf("%s chart %s: the %s marker is not visible (%s)", c.app, m.Section, c.kind, m.Why)
				case !strings.Contains(m.Title, c.says):
					t.Errorf("%s chart %s: the %s marker says %q on hover, want %q", c.app, m.Section, c.kind, m.Title, c.says)
				}
			}
			tb.checkConsole(t, c.app)
			tb.screenshot(t, "10-markers-"+c.app)
		})
	}

	t.Run("sign out", func(t *testing.T) {
		tb := newTab(t, browser)
		tb.open(t, st.URL+"/")
		if status := clickAndLoad(t, tb, `form[action="/logout"] button[type=submit]`); status != http.StatusOK {
			t.Fatalf("signing out: HTTP %d", status)
		}
		if loc, _ := url.Parse(tb.location(t)); loc.Path != "/login" {
			t.Errorf("after signing out the page is %s, want the sign-in page", loc)
		}
		navigate(t, tb, st.URL+"/apps/"+fleet.IncidentApp)
		if loc, _ := url.Parse(tb.location(t)); loc.Path != "/login" {
			t.Errorf("after signing out an app page is still shown at %s", loc)
		}
		tb.checkConsole(t, "signed out")
	})
}

// listRow is one app's row on the list as the browser shows it.
type listRow struct {
	App, Verdict, Reason string
	Sparks, Drawn        int // sparkline SVGs, and those with a drawn line and a box
}

const listScript = `Array.from(document.querySelectorAll('table.apps tbody tr')).map(tr => {
	const sparks = Array.from(tr.querySelectorAll('td.spark svg'));
	const drawn = sparks.filter(svg => {
		const r = svg.getBoundingClientRect();
		const line = svg.querySelector('path.l');
		return r.width > 0 && r.height > 0 && line && (line.getAttribute('d') || '').length > 0;
	});
	const text = sel => { const e = tr.querySelector(sel); return e ? e.textContent.trim() : ''; };
	return {App: text('a.app-name'), Verdict: text('.badge'), Reason: text('.reason'), Sparks: sparks.length, Drawn: drawn.length};
})`

// navigate loads target and returns the final status, wherever the
// server sent the browser.
func navigate(t *testing.T, tb *tab, target string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(target))
	if err != nil {
		t.Fatalf("opening %s: %v", target, err)
	}
	return int(resp.Status)
}

// checkNoScript: pages other than the explore view work without
// JavaScript, so they carry none.
func checkNoScript(t *testing.T, tb *tab, page string) {
	t.Helper()
	if n := eval[int](t, tb, `document.querySelectorAll('script').length`); n != 0 {
		t.Errorf("%s carries %d <script> elements, want none", page, n)
	}
}

// clickAndLoad clicks the element and waits for the page it leads to,
// returning that page's HTTP status (after redirects).
func clickAndLoad(t *testing.T, tb *tab, selector string) (status int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("clicking %s: %v", selector, err)
	}
	return int(resp.Status)
}

// waitForPath waits until the tab shows path, moved only by the page
// itself (a meta refresh, a redirect). The deadline guards against a page
// that never gets there; it is not a speed assertion.
func waitForPath(t *testing.T, tb *tab, path string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		loc, err := chromedp.Run(ctx, chromedp.Location())
		cancel()
		if err == nil {
			last = loc
			if u, err := url.Parse(loc); err == nil && u.Path == path {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the page never reached %s; it is at %s", path, last)
}

// requireECharts checks that this tree vendors ECharts for the explore
// view: it is committed, so a fresh clone draws the interactive chart
// without any fetch step, and its absence is a failure everywhere.
func requireECharts(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("../views/static/vendor/echarts.min.js"); err != nil {
		t.Fatalf("views/static/vendor/echarts.min.js is missing: it is committed; restore it (git checkout, or scripts/fetch-echarts.sh): %v", err)
	}
}
