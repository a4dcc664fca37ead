package views

import (
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
)

// findingView is one section under the app page's verdict: what, since
// when, where, and the flyctl commands that address it.
type findingView struct {
	Status   health.Status
	Text     string
	Fixes    []health.Command
	Recovery bool
}

// findingViews are the verdict's findings, then the episodes that ended in
// the look-back, latest first.
func findingViews(app string, v health.Verdict, machines []flyapi.Machine) []findingView {
	fl := health.Fleet{InRegion: map[string]int{}}
	for _, m := range machines {
		fl.InRegion[m.Region]++
		fl.MemoryMB = max(fl.MemoryMB, m.MemoryMB)
	}
	var out []findingView
	for _, f := range v.Findings {
		if f.Kind == health.KindRecovered {
			continue // said below, with the other episodes
		}
		out = append(out, findingView{Status: f.Status, Text: f.Text, Fixes: health.Fixes(app, f, fl)})
	}
	for _, e := range v.Ended {
		f := health.Finding{Kind: e.Kind, Where: e.Where}
		out = append(out, findingView{Status: e.Status, Text: e.Words(), Recovery: true, Fixes: health.Fixes(app, f, fl)})
	}
	return out
}
