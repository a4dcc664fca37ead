package views

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/flydash/dashboard/flyapi"
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
}

func machineRows(ms []flyapi.Machine, r timeRange) []machineRow {
	out := make([]machineRow, 0, len(ms))
	for _, m := range ms {
		n, atLeast := signals.Restarts(m.Events, r.From, r.To)
		label := m.SizeLabel()
		name, mem, _ := strings.Cut(label, ", ")
		out = append(out, machineRow{Machine: m, SizeLabel: label, SizeName: name, SizeMemory: mem, Restarts: n, AtLeast: atLeast})
	}
	return out
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
