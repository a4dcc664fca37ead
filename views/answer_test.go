package views

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/promql"
)

// testAnswerFirst, through flysim over HTTP: what ended within the day is
// named on the list and on the app page, the first chart under the verdict
// proves the finding, and each finding carries its flyctl command.
func testAnswerFirst(t *testing.T, s *stack) {
	rows := getList(t, s, "/")
	_, listBody, _ := s.get(t, "/")
	for _, tc := range []struct{ app, list, page string }{
		{fleet.IncidentApp, "5xx at ", "5xx at "},
		{fleet.CrashLoopApp, "crash loop on ", "crash loop on "},
		{fleet.OOMApp, "OOM kill on ", "out of memory in about "},
		{fleet.DeployApp, "x since the deploy or restart at ", "x since the deploy at "},
	} {
		r, ok := rowNamed(rows, tc.app)
		if !ok {
			t.Errorf("%s: no row", tc.app)
			continue
		}
		if line := rowText(t, listBody, tc.app); !strings.Contains(line, tc.list) {
			t.Errorf("%s: the list's row %q (verdict %q) does not name %q", tc.app, line, r.Reason, tc.list)
		}
		if page := findingsText(t, s, tc.app); !strings.Contains(page, tc.page) {
			t.Errorf("%s: the app page's verdict and findings %q do not name %q", tc.app, page, tc.page)
		}
	}
	// notify-api's crash loop, 45 min after it stopped: named on both.
	after := flyNow.Add(45 * time.Minute)
	later := newStack(t, stackOptions{
		Sim:       flysim.Options{Start: flyNow, Now: func() time.Time { return after }},
		Configure: func(c *Config) { c.Now = func() time.Time { return after } },
	})
	_, laterList, _ := later.get(t, "/")
	if line := rowText(t, laterList, fleet.CrashLoopApp); !strings.Contains(line, "Recovered at ") || !strings.Contains(line, "crash loop on iad/") {
		t.Errorf("%s after its crash loop: the list's row %q does not name it", fleet.CrashLoopApp, line)
	}
	if page := findingsText(t, later, fleet.CrashLoopApp); !strings.Contains(page, "Recovered at ") || !strings.Contains(page, "crash loop on iad/") {
		t.Errorf("%s after its crash loop: the app page %q does not name it", fleet.CrashLoopApp, page)
	}
	// image-resizer's page names both the kill and the climb after it.
	if page := findingsText(t, s, fleet.OOMApp); !strings.Contains(page, "OOM kill on ") {
		t.Errorf("%s: the page %q does not name the OOM kill", fleet.OOMApp, page)
	}

	for _, tc := range []struct {
		app   string
		first promql.ChartID
		cmd   string
	}{
		{fleet.ThrottledApp, promql.CPUQuota, "fly scale vm performance-1x -a " + fleet.ThrottledApp},
		{fleet.ConcurrencyApp, promql.Concurrency, "fly scale count 2 --region fra -a " + fleet.ConcurrencyApp},
		{fleet.VolumeFillingApp, promql.Volumes, "fly volumes extend vol_"},
		{fleet.OOMApp, promql.Memory, "fly scale memory 1024 -a " + fleet.OOMApp},
	} {
		_, body, _ := s.get(t, "/apps/"+tc.app+"?range=6h")
		if got := firstChart(body); got != string(tc.first) {
			t.Errorf("%s: the first chart under the verdict is %q, want %q", tc.app, got, tc.first)
		}
		if !strings.Contains(body, `<code class="cmd">`+tc.cmd) {
			t.Errorf("%s: no command %q in its findings", tc.app, tc.cmd)
		}
	}
	// The timeline strip puts storefront's incident on the day's axis,
	// linking to its own stretch of time.
	_, sf, _ := s.get(t, "/apps/"+fleet.IncidentApp+"?range=24h")
	strip := regexp.MustCompile(`<figure class="timeline-strip">[\s\S]*?</figure>`).FindString(sf)
	if !regexp.MustCompile(`<a href="/apps/storefront\?from=2026-11-20T12%3A00%3A00Z&amp;to=2026-11-20T13%3A10%3A00Z"><rect class="ep v-degraded"[^>]*><title>Recovered at 12:55 UTC: 5xx at 13% from 12:15 UTC</title>`).MatchString(strip) {
		t.Errorf("%s: the timeline strip does not link the 5xx incident to its time:\n%s", fleet.IncidentApp, strip)
	}
	// A crash loop's proof is its machines' exits, in its section.
	_, body, _ := s.get(t, "/apps/"+fleet.CrashLoopApp+"?range=6h")
	if !regexp.MustCompile(`<ul class="exits">\s*<li>iad/[0-9a-f]{8}: \d+ restarts? in the 24 h to \d\d:\d\d UTC; exit code 1 at`).MatchString(body) ||
		!strings.Contains(body, `<code class="cmd">fly machine status `) || !strings.Contains(body, `<code class="cmd">fly logs -i `) {
		t.Errorf("%s: the crash loop's section lacks the machine's exits or the commands to look at it", fleet.CrashLoopApp)
	}
}

var firstChartRE = regexp.MustCompile(`<section class="panel[^"]*" id="([a-z0-9-]+)"`)

// firstChart is the ID of the first chart panel on an app page.
func firstChart(body string) string {
	if m := firstChartRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// rowText is the text of an app's verdict cell on the list.
func rowText(t *testing.T, body, app string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	tr := find(doc, func(n *html.Node) bool {
		return n.Data == "tr" && find(n, func(a *html.Node) bool { return hasClass(a, "app-name") && text(a) == app }) != nil
	})
	if tr == nil {
		return ""
	}
	if td := find(tr, func(n *html.Node) bool { return n.Data == "td" && hasClass(n, "health") }); td != nil {
		return text(td)
	}
	return ""
}

// findingsText is the app page's verdict and findings sections.
func findingsText(t *testing.T, s *stack, app string) string {
	t.Helper()
	status, body, _ := s.get(t, "/apps/"+app+"?range=1h")
	if status != http.StatusOK {
		t.Fatalf("%s: %d", app, status)
	}
	doc, _ := html.Parse(strings.NewReader(body))
	out := ""
	for _, cls := range []string{"app-verdict", "findings"} {
		if n := find(doc, func(n *html.Node) bool { return hasClass(n, cls) }); n != nil {
			out += text(n) + " | "
		}
	}
	return out
}
