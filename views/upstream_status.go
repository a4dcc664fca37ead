package views

import (
	"strings"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/promql"
)

// A page depends on two upstreams, the Fly Machines API and Prometheus.
// When one fails, the cause is said once, in a notice at the top of the
// page, saying who failed, how, and what the page lacks because of it; the
// panels it empties refer to it in a few words (seeAbove). A cause met by
// one panel only stays in that panel.

// notice is one cause, shown once at the top of a page.
type notice struct {
	// Text says who failed and how (flyapi.Explain, promql.Explain).
	Text string
	// Missing says what the page lacks because of it.
	Missing string
	Retry   string
}

// seeAbove is what a panel emptied by a noticed cause says.
const seeAbove = "Not available: see the message at the top of the page."

// addNotice records a cause, once however many parts of the page it empties.
func (l *layout) addNotice(text, missing, retry string) {
	for i := range l.Notices {
		if l.Notices[i].Text == text {
			return
		}
	}
	l.Notices = append(l.Notices, notice{Text: text, Missing: missing, Retry: retry})
}

// promCauses groups failed queries by cause: each distinct explanation
// with the titles of what it emptied, in order of first appearance.
type promCause struct {
	text   string
	titles []string
}

func groupPromCauses(results []promql.Result) []promCause {
	var out []promCause
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		text := promql.Explain(r.Err)
		found := false
		for i := range out {
			if out[i].text == text {
				out[i].titles = append(out[i].titles, r.Query.Title)
				found = true
				break
			}
		}
		if !found {
			out = append(out, promCause{text: text, titles: []string{r.Query.Title}})
		}
	}
	return out
}

// listWords joins titles as a sentence does: "a", "a and b", "a, b and c".
func listWords(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// noticeFly turns the app page's Machines API failures into one notice.
// GetApp and Machines usually fail together, for one cause.
func (l *layout) noticeFly(retry string, errs ...error) {
	for _, err := range errs {
		if err != nil {
			l.addNotice(flyapi.Explain(err), "The machines, their events and the markers on the charts are missing; the charts come from Prometheus.", retry)
		}
	}
}

// noticeCharts moves each cause shared by several charts to a notice and
// returns the causes it moved: the panels they empty say seeAbove instead.
func (l *layout) noticeCharts(results []promql.Result, retry string) map[string]bool {
	noticed := map[string]bool{}
	for _, c := range groupPromCauses(results) {
		if len(c.titles) < 2 {
			continue
		}
		missing := "Not drawn: " + listWords(c.titles) + "."
		if len(c.titles) == len(results) {
			missing = "None of the charts can be drawn; the machines come from the Fly Machines API."
		}
		l.addNotice(c.text, missing, retry)
		noticed[c.text] = true
	}
	delete(noticed, "")
	return noticed
}
