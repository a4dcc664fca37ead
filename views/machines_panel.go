package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
)

// machineRow is one line of the app page's Machines panel.
type machineRow struct {
	flyapi.Machine
	// SizeLabel is the size as Fly names it: "shared-cpu-1x, 256 MB", in
	// its two parts for a narrow column.
	SizeLabel, SizeName, SizeMemory string
	// Restarts counts the restarts after an exit within the page's range;
	// AtLeast says Fly's event list may be missing older ones.
	Restarts int
	AtLeast  bool
	// Looping is set when the machine restarted as often as the verdict
	// calls a crash loop within the last promql.CrashSpan of the range:
	// its state then reads as the loop, not a green "started".
	Looping       bool
	RecentRestart int
	// Release is what the machine runs: Fly's release version ("v6") and
	// the image tag, the part of the reference that changes per deploy.
	Version, Tag string
}

func machineRows(ms []flyapi.Machine, r timeRange) []machineRow {
	out := make([]machineRow, 0, len(ms))
	for _, m := range ms {
		n, atLeast := restartsIn(m.Events, r.From, r.To)
		recent, _ := restartsIn(m.Events, r.To.Add(-promql.CrashSpan), r.To)
		label := m.SizeLabel()
		name, mem, _ := strings.Cut(label, ", ")
		row := machineRow{Machine: m, SizeLabel: label, SizeName: name, SizeMemory: mem, Restarts: n, AtLeast: atLeast,
			Looping: float64(recent) >= health.CrashLoopRestarts, RecentRestart: recent, Tag: imageTag(m.Image)}
		if v := m.Metadata["fly_release_version"]; v != "" {
			row.Version = "v" + v
		}
		out = append(out, row)
	}
	return out
}

// imageTag is the part of an image reference that names a release: the tag
// ("deployment-01J9…", "1.27"), a short digest, or the repository's last
// element when the reference has neither.
func imageTag(ref string) string {
	ref, digest, _ := strings.Cut(ref, "@")
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		ref = ref[i+1:]
	}
	if _, tag, ok := strings.Cut(ref, ":"); ok && tag != "" {
		return tag
	}
	if _, hex, ok := strings.Cut(digest, ":"); ok && hex != "" {
		return "@" + hex[:min(len(hex), 12)]
	}
	return ref
}

// restartsIn counts the starts that follow an exit (a crash, an OOM kill, a
// restart policy at work) within [from, to]; deploys and launches are not
// restarts. Fly returns only a machine's latest events, so when the oldest
// one kept is inside the range and is not the launch, the count is a floor.
func restartsIn(events []flyapi.Event, from, to time.Time) (int, bool) {
	n := 0
	// Events come newest first; walk them oldest first.
	for i := len(events) - 1; i > 0; i-- {
		prev, e := events[i], events[i-1]
		if e.Type == "start" && prev.Type == "exit" && !e.At.Before(from) && !e.At.After(to) {
			n++
		}
	}
	atLeast := false
	if len(events) > 0 {
		oldest := events[len(events)-1]
		atLeast = n > 0 && oldest.Type != "launch" && oldest.At.After(from)
	}
	return n, atLeast
}

// grafanaURL opens the app in Fly's managed Grafana, the link flyctl's
// `fly dashboard --grafana` opens; "" when the org's numeric id is unknown.
func grafanaURL(app flyapi.App) string {
	if app.OrgNumericID <= 0 || app.Name == "" {
		return ""
	}
	v := url.Values{"orgId": {strconv.FormatInt(app.OrgNumericID, 10)}, "var-app": {app.Name}}
	return "https://fly-metrics.net/d/fly-app/fly-app?" + v.Encode()
}
