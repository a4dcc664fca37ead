package views

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
)

// markerHrefs are the links of the chart markers of kind on a page, as a
// browser reads them, each once.
func markerHrefs(body, kind string) []string {
	re := regexp.MustCompile(`<a class="mk k-` + kind + `" href="([^"]+)"><title>([^<]*)</title>`)
	seen := map[string]bool{}
	var out []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		h := html.UnescapeString(m[1])
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// logLineRE matches a line of the logs page: its time, provider, machine,
// region, level and message.
var logLineRE = regexp.MustCompile(`(?s)<li id="l\d+-[0-9a-f]*" class="log (\w+) (\w+)[^"]*">.*?<time datetime="([^"]+)">.*?<span class="log-source">\w+(?:\[(?:<a [^>]*>)?([0-9a-f]*)(?:</a>)?\])?</span>.*?class="log-region"[^>]*>(\w*)<.*?<span class="log-msg">(.*?)</span>\n  </li>`)

type shownLine struct {
	At                                        time.Time
	Provider, Level, Machine, Region, Message string
}

func shownLines(t *testing.T, body string) []shownLine {
	t.Helper()
	var out []shownLine
	for _, m := range logLineRE.FindAllStringSubmatch(body, -1) {
		at, err := time.Parse(time.RFC3339Nano, m[3])
		if err != nil {
			t.Fatalf("line time %q: %v", m[3], err)
		}
		out = append(out, shownLine{At: at, Provider: m[1], Level: m[2], Machine: m[4], Region: m[5], Message: html.UnescapeString(m[6])})
	}
	return out
}

func appOf(t *testing.T, s *stack, name string) fleet.App {
	t.Helper()
	a, err := s.Sim.Sim.Fleet().App(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCrashLoopLinksToTheExitLine(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	app := appOf(t, s, fleet.CrashLoopApp)
	crashing := app.Machines[0]
	_, body, _ := s.get(t, "/apps/"+app.Name+"?range=1h")
	hrefs := markerHrefs(body, "exit")
	if len(hrefs) < 5 {
		t.Fatalf("%d crash markers link anywhere on the crash loop's hour, want about 12", len(hrefs))
	}
	exits := map[string]time.Time{}
	for _, e := range crashing.Events {
		if e.Type == "exit" && e.ExitCode == 1 {
			exits[e.At.UTC().Format(time.RFC3339)] = e.At
		}
	}
	for _, h := range hrefs {
		at := exits[regexp.MustCompile(`at=([^&#]+)`).FindStringSubmatch(strings.ReplaceAll(h, "%3A", ":"))[1]]
		if at.IsZero() || !strings.Contains(h, "instance="+crashing.ID) {
			t.Errorf("crash marker links to %s, not to %s's lines at one of its exits", h, crashing.ID)
			continue
		}
		status, page, _ := s.get(t, h)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", h, status)
		}
		found := false
		for _, l := range shownLines(t, page) {
			if l.Message == " INFO Main child exited normally with code: 1" && l.At.Truncate(time.Second).Equal(at) {
				found = l.Machine == crashing.ID && l.Provider == "app" && l.Level == "info"
			}
		}
		if !found {
			t.Errorf("%s: no app[%s] line saying the main child exited with code 1 at %s", h, crashing.ID, at)
		}
	}

	// The app page shows the last lines before the last crash inline,
	// from its stack trace to init's exit line.
	excerpt := regexp.MustCompile(`(?s)<section class="panel excerpt".*?</section>`).FindString(body)
	lines := shownLines(t, excerpt)
	exitAt := -1
	for i, l := range lines {
		if l.Message == " INFO Main child exited normally with code: 1" {
			exitAt = i
		}
	}
	if exitAt < 0 || len(lines)-exitAt > 6 {
		t.Fatalf("the app page's excerpt (%d lines) does not end with the exit and its second: %+v", len(lines), lines)
	}
	if !strings.Contains(excerpt, "ECONNREFUSED") {
		t.Error("the excerpt before the crash lacks the app's own error")
	}
}

func TestOOMMarkerLeadsToTheKernelLine(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	app := appOf(t, s, fleet.OOMApp)
	_, body, _ := s.get(t, "/apps/"+app.Name+"?range=24h")
	hrefs := markerHrefs(body, "oom")
	if len(hrefs) != 1 {
		t.Fatalf("OOM marker links %q, want one", hrefs)
	}
	_, page, _ := s.get(t, hrefs[0])
	var kernel, init bool
	for _, l := range shownLines(t, page) {
		kernel = kernel || strings.Contains(l.Message, "] Out of memory: Killed process ") && l.Machine == app.Machines[0].ID
		init = init || kernel && l.Message == " INFO Process appears to have been OOM killed!"
	}
	if !kernel || !init {
		t.Errorf("%s: kernel OOM line %t, init's after it %t; want both", hrefs[0], kernel, init)
	}
	if !strings.Contains(page, `<span id="at"></span>`) {
		t.Error("the page does not mark the moment the marker links to")
	}
}

func TestHardLimitLeadsToProxyLinesFromFraAndSin(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	app := appOf(t, s, fleet.ConcurrencyApp)
	peak := app.StoryTimes["peak"]
	from, to := peak.Add(-30*time.Minute).Format(time.RFC3339), peak.Add(30*time.Minute).Format(time.RFC3339)
	_, body, _ := s.get(t, "/apps/"+app.Name+"?from="+from+"&to="+to)
	byRegion := map[string]string{}
	for _, m := range app.Machines {
		byRegion[m.ID] = m.Region
	}
	seen := map[string]bool{}
	var latest time.Time // when both machines are at their limit
	for _, h := range markerHrefs(body, "limit") {
		if m := regexp.MustCompile(`at=([^&#]+)`).FindStringSubmatch(strings.ReplaceAll(h, "%3A", ":")); m != nil {
			if at, err := time.Parse(time.RFC3339, m[1]); err == nil && at.After(latest) {
				latest = at
			}
		}
		status, page, _ := s.get(t, h)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", h, status)
		}
		for _, l := range shownLines(t, page) {
			if l.Provider == "proxy" && l.Level == "error" && strings.HasPrefix(l.Message, "[PR04] could not find a good candidate") {
				seen[l.Region] = byRegion[l.Machine] == l.Region
			}
		}
	}
	if !seen["fra"] || !seen["sin"] {
		t.Errorf("hard-limit markers lead to PR04 proxy lines of the limited machine in %v; want fra and sin", seen)
	}

	// The link a finding builds for both machines: one page, both regions.
	var ids []string
	for _, m := range app.Machines {
		if m.Region == "fra" || m.Region == "sin" {
			ids = append(ids, m.ID)
		}
	}
	_, page, _ := s.get(t, logsHref(app.Name, latest, "", ids...))
	regions := map[string]bool{}
	for _, l := range shownLines(t, page) {
		if strings.HasPrefix(l.Message, "[PR04]") {
			regions[l.Region] = true
		}
	}
	if !regions["fra"] || !regions["sin"] {
		t.Errorf("logs of both limited machines at the peak show PR04 from %v, want fra and sin", regions)
	}
}

func TestLogsPagePagesThroughFlysCursor(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	at := s.Sim.Sim.Fleet().Now().Add(-2 * time.Hour).Truncate(time.Second)
	_, page, _ := s.get(t, logsHref(fleet.HealthyApp, at, ""))
	lines := shownLines(t, page)
	if len(lines) != 100 {
		t.Fatalf("a page of a busy hour has %d lines, want Fly's 100", len(lines))
	}
	if lines[0].At.Before(at.Add(-logsLead)) {
		t.Errorf("the first line (%s) is from before the page's start %s", lines[0].At, at.Add(-logsLead))
	}
	later := html.UnescapeString(regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(page)[1])
	earlier := html.UnescapeString(regexp.MustCompile(`<a href="([^"]+)" rel="prev">`).FindStringSubmatch(page)[1])
	_, next, _ := s.get(t, later)
	nl := shownLines(t, next)
	if len(nl) == 0 || !nl[0].At.After(lines[len(lines)-1].At) {
		t.Fatalf("the later page starts %v, want after this page's last line %s", nl, lines[len(lines)-1].At)
	}
	_, prev, _ := s.get(t, earlier)
	pl := shownLines(t, prev)
	if len(pl) == 0 || !pl[0].At.Before(lines[0].At) {
		t.Fatalf("the earlier page starts %v, want before this page's first line %s", pl, lines[0].At)
	}
	for _, l := range lines {
		for _, p := range []string{"instance=" + l.Machine, "/apps/" + fleet.HealthyApp + "#machine-" + l.Machine} {
			if !strings.Contains(page, p) {
				t.Fatalf("no link %s for a line of machine %s", p, l.Machine)
			}
		}
	}
}

func TestLogsBadInput(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	for _, tc := range []struct {
		path, says string
		status     int
	}{
		{"/apps/blog/logs?at=yesterday", "is not a time", 400},
		{"/apps/blog/logs?at=2099-01-01T00:00:00Z", "in the future", 400},
		{"/apps/blog/logs?instance=app-1", "is not a machine id", 400},
		{"/apps/blog/logs?instance=%3Cscript%3E", "is not a machine id", 400},
		{"/apps/blog/logs?region=moon", "is not a Fly region", 400},
		{"/apps/blog/logs?after=soon", "is not a cursor", 400},
		{"/apps/blog/logs?refresh=1s", "is not one of 30s, 1m or 5m", 400},
		{"/apps/no-such-app/logs", "There is no app named no-such-app", 404},
		{"/apps/Not_An_App/logs", "There is no app named", 404},
	} {
		status, body, _ := s.get(t, tc.path)
		if status != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("GET %s: %d, want %d saying %q", tc.path, status, tc.status, tc.says)
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("GET %s echoes input as markup", tc.path)
		}
		if tc.status == 400 && !strings.Contains(body, `href="/apps/blog"`) {
			t.Errorf("GET %s: no link back to the app", tc.path)
		}
	}
	// A moment older than Fly keeps: said, and Fly is not asked.
	before := s.Sim.Sim.LogsRequests()
	old := s.Sim.Sim.Fleet().Now().Add(-8 * 24 * time.Hour).Format(time.RFC3339)
	status, body, _ := s.get(t, "/apps/blog/logs?at="+old)
	if status != http.StatusOK || !strings.Contains(body, "Fly keeps an app's logs about 7 days") {
		t.Errorf("a moment 8 days ago: %d, want 200 saying logs are kept about 7 days", status)
	}
	if n := s.Sim.Sim.LogsRequests() - before; n != 0 {
		t.Errorf("a moment 8 days ago cost %d logs API calls, want none", n)
	}
}

func TestLogsFaultsSayWhoFailed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		sim  flysim.Options
		says string
	}{
		{"slow", flysim.Options{LogsFault: flysim.FaultHang}, "Fly's logs API did not answer within 1 s."},
		{"down", flysim.Options{LogsErrorRate: 1}, "Fly's logs API answered with an error (503)."},
		{"refused", flysim.Options{LogsFault: flysim.FaultUnauthorized}, "Fly refused the API token."},
		{"garbage", flysim.Options{LogsFault: flysim.FaultGarbage}, "Fly's logs API answered with something that is not an API response."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, stackOptions{Sim: tc.sim, FlyTimeout: time.Second})
			status, body, _ := s.get(t, "/apps/"+fleet.CrashLoopApp+"/logs")
			if status != http.StatusOK || !strings.Contains(html.UnescapeString(body), tc.says) {
				t.Errorf("logs page: %d, want 200 saying %q", status, tc.says)
			}
			// The app page keeps its charts and machines; only the excerpt
			// says what failed.
			status, body, _ = s.get(t, "/apps/"+fleet.CrashLoopApp+"?range=1h")
			if status != http.StatusOK || strings.Count(body, "<figure>") < 6 || !strings.Contains(body, `id="machine-`) {
				t.Errorf("app page with the logs API %s: %d, %d charts; want 200 with every chart and the machines", tc.name, status, strings.Count(body, "<figure>"))
			}
			excerpt := regexp.MustCompile(`(?s)<section class="panel excerpt".*?</section>`).FindString(body)
			if !strings.Contains(excerpt, "Fly") || strings.Count(body, "logs API") > 1 {
				t.Errorf("app page with the logs API %s: the excerpt says %q; want the cause said once, in the excerpt", tc.name, excerpt)
			}
			for _, out := range []string{body, s.Logs.String()} {
				if strings.Contains(out, "test-token") {
					t.Fatal("the token reached a page or a log line")
				}
			}
		})
	}
}
