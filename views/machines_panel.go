package views

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/signals"
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
		n, atLeast := signals.Restarts(m.Events, r.From, r.To)
		recent, _ := signals.Restarts(m.Events, r.To.Add(-promql.CrashSpan), r.To)
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

// grafanaURL opens the app in Fly's managed Grafana, the link flyctl's
// `fly dashboard --grafana` opens; "" when the org's numeric id is unknown.
func grafanaURL(app flyapi.App) string {
	if app.OrgNumericID <= 0 || app.Name == "" {
		return ""
	}
	v := url.Values{"orgId": {strconv.FormatInt(app.OrgNumericID, 10)}, "var-app": {app.Name}}
	return "https://fly-metrics.net/d/fly-app/fly-app?" + v.Encode()
}
