package views

import (
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/promql"
)

// appsFromMetrics lists the apps Prometheus knows when the Machines API
// does not answer. The overview already holds every app with a series in
// any of its columns, and its machines column sums fly_instance_up, which
// every machine that ran in the window has: no query more, so the list
// stays at the overview's queries whatever the number of apps. An app with
// no machine running in the window (just created, or stopped for longer)
// has no series, and appears once the Machines API answers.
func appsFromMetrics(ov promql.Overview, org string) []flyapi.App {
	apps := make([]flyapi.App, 0, len(ov.Apps))
	for _, row := range ov.Apps {
		apps = append(apps, flyapi.App{Name: row.App, Org: org})
	}
	return apps
}

// noticeList says once what the list lacks: the Machines API's listing,
// and each cause that emptied overview columns.
func (l *layout) noticeList(listErr error, ov promql.Overview, retry string) {
	if listErr != nil {
		l.addNotice(flyapi.Explain(listErr), "The apps below are the ones with metrics in this range, judged from Prometheus alone: "+
			"machine counts, launching and destroying are unavailable until it answers, and an app with no metrics in the range is not listed.", retry)
	}
	for _, c := range groupPromCauses(ov.Results) {
		l.addNotice(c.text, "Not shown: "+listWords(c.titles)+"; the verdicts that need them say Unknown.", retry)
	}
}
