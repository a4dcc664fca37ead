package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
)

// logLineReport is one line of the logs page as a person sees it.
type logLineReport struct {
	Text    string
	Moment  bool
	Visible bool
}

const logLinesScript = `Array.from(document.querySelectorAll('ol.log-lines li')).map(li => {
	const r = li.getBoundingClientRect();
	return {Text: li.textContent.replace(/\s+/g, ' ').trim(), Moment: li.classList.contains('moment'), Visible: r.width > 0 && r.height > 0};
})`

// TestBrowserLogs: from the crash-looping app's page, the lines before
// its last crash and the link to all lines around it; the logs page reads
// in Chromium with the exit line marked, and neither page has a script.
func TestBrowserLogs(t *testing.T) {
	requireChromium(t)
	st, tb := flyNowSignedIn(t)

	app := st.URL + "/apps/" + fleet.CrashLoopApp + "?range=1h"
	tb.open(t, app)
	checkNoScript(t, tb, "the app page")
	excerpt := eval[[]logLineReport](t, tb, strings.Replace(logLinesScript, "ol.log-lines", "section.excerpt ol.log-lines", 1))
	if len(excerpt) == 0 || !excerpt[len(excerpt)-1].Visible {
		t.Fatalf("the app page shows %d lines before the last crash, want them visible", len(excerpt))
	}

	if status := clickAndLoad(t, tb, `section.excerpt a[href*="/logs?"]`); status != http.StatusOK {
		t.Fatalf("following the excerpt to the logs page: HTTP %d", status)
	}
	checkNoScript(t, tb, "the logs page")
	lines := eval[[]logLineReport](t, tb, logLinesScript)
	var exit, moment bool
	for _, l := range lines {
		if strings.Contains(l.Text, "Main child exited normally with code: 1") && strings.Contains(l.Text, "app[") && l.Visible {
			exit = true
			moment = moment || l.Moment
		}
	}
	if len(lines) == 0 || !exit || !moment {
		t.Errorf("the logs page shows %d lines; the exit with code 1 shown %t and marked as the moment %t", len(lines), exit, moment)
	}
	// The filters are links: "all" drops the machine filter, and the
	// page it leads to has the other machines' lines too.
	if status := clickAndLoad(t, tb, `nav[aria-label=Filters] p:first-child a:first-of-type`); status != http.StatusOK {
		t.Fatalf("the filter link to all machines: HTTP %d", status)
	}
	machines := map[string]bool{}
	for _, l := range eval[[]logLineReport](t, tb, logLinesScript) {
		if i := strings.Index(l.Text, "["); i > 0 && len(l.Text) > i+15 {
			machines[l.Text[i+1:i+15]] = true
		}
	}
	if len(machines) < 2 {
		t.Errorf("all machines' lines come from %d machine(s), want the app's three", len(machines))
	}
	tb.checkConsole(t, "the logs pages")
}

// flyNowSignedIn is the stack at flyNow, every Fly-native story on, and a
// browser tab signed in to it.
func flyNowSignedIn(t *testing.T) (*stack, *tab) {
	t.Helper()
	st := newStackWith(t, flysim.Options{Start: flyNow, Now: func() time.Time { return flyNow }}, func() time.Time { return flyNow })
	tb := newTab(t, newBrowser(t))
	navigate(t, tb, st.URL+"/login")
	tb.do(t, "type the password", chromedp.SendKeys(chromedp.CSS(`#password`), e2ePassword))
	if status := clickAndLoad(t, tb, `form[action="/login"] button[type=submit]`); status != http.StatusOK {
		t.Fatalf("signing in: HTTP %d", status)
	}
	return st, tb
}
