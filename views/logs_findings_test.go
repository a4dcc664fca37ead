package views

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/flydash/dashboard/flysim/fleet"
)

// findingSection is the app page's finding whose words contain what.
func findingSection(t *testing.T, body, what string) string {
	t.Helper()
	for _, sec := range regexp.MustCompile(`(?s)<div class="finding [^"]*">.*?<ul class="fixes">`).FindAllString(body, -1) {
		if strings.Contains(sec, what) {
			return sec
		}
	}
	t.Fatalf("no finding saying %q on the page", what)
	return ""
}

// findingLogsHref is the finding's link to its log lines at its start, or
// with latest, at the verdict's moment.
func findingLogsHref(t *testing.T, section string, latest bool) string {
	t.Helper()
	re := `<p class="finding-logs"><a href="([^"]+)">`
	if latest {
		re = `<a class="latest" href="([^"]+)">`
	}
	m := regexp.MustCompile(re).FindStringSubmatch(section)
	if m == nil {
		t.Fatalf("the finding links to no log lines:\n%s", section)
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// TestFindingsLeadToTheirLogs: a finding's words are one click from the
// lines behind them. The crash loop links to its machine's lines and
// shows, inside its own section, what the machine wrote before its last
// exit; the hard limit links to the proxy's PR04 lines of every machine
// it names, in fra and in sin, as they stand at the verdict's moment.
func TestFindingsLeadToTheirLogs(t *testing.T) {
	t.Parallel()
	s := newFlyStack(t)

	t.Run("crash loop", func(t *testing.T) {
		app := appOf(t, s, fleet.CrashLoopApp)
		crashing := app.Machines[0]
		_, body, _ := s.get(t, "/apps/"+app.Name+"?range=1h")
		sec := findingSection(t, body, "crash loop")
		href := findingLogsHref(t, sec, false)
		if !strings.Contains(href, "instance="+crashing.ID) {
			t.Errorf("the crash loop's logs link %s does not name its machine %s", href, crashing.ID)
		}
		if status, page, _ := s.get(t, href); status != http.StatusOK || len(shownLines(t, page)) == 0 {
			t.Errorf("GET %s: %d with %d lines", href, status, len(shownLines(t, page)))
		}
		if !strings.Contains(sec, `<section class="panel excerpt"`) {
			t.Fatalf("the crash loop's section does not show the lines before the last exit:\n%s", sec)
		}
		exit := false
		for _, l := range shownLines(t, sec) {
			exit = exit || (l.Message == " INFO Main child exited normally with code: 1" && l.Machine == crashing.ID)
		}
		if !exit {
			t.Error("the lines inside the crash loop's section do not end at its exit with code 1")
		}
		if n := strings.Count(body, `<section class="panel excerpt"`); n != 1 {
			t.Errorf("the lines before the crash appear %d times on the page, want once (inside the finding)", n)
		}
	})

	t.Run("hard limit", func(t *testing.T) {
		app := appOf(t, s, fleet.ConcurrencyApp)
		_, body, _ := s.get(t, "/apps/"+app.Name+"?range=1h")
		// Its start is when the first machine reached the limit; both
		// are there at the verdict's moment, 20 minutes after the peak.
		href := findingLogsHref(t, findingSection(t, body, "hard concurrency limit"), true)
		for _, m := range app.Machines {
			if (m.Region == "fra" || m.Region == "sin") && !strings.Contains(href, "instance="+m.ID) {
				t.Errorf("the hard-limit finding's logs link %s leaves out %s/%s", href, m.Region, m.ID)
			}
		}
		status, page, _ := s.get(t, href)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", href, status)
		}
		seen := map[string]bool{}
		for _, l := range shownLines(t, page) {
			if l.Provider == "proxy" && strings.HasPrefix(l.Message, "[PR04]") {
				seen[l.Region] = true
			}
		}
		if !seen["fra"] || !seen["sin"] {
			t.Errorf("the hard-limit finding's logs (%s) show PR04 from %v, want fra and sin", href, seen)
		}
	})
}
