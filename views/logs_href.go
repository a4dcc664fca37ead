package views

import (
	"net/url"
	"strconv"
	"time"

	"github.com/flydash/dashboard/flyapi"
)

// logsHref links to an app's log lines around moment at: those of the
// given machines (none: every machine), in region ("": every region). It
// is the one way into the logs page, for chart markers, the machines
// panel, and each finding and episode of the verdict, so the evidence for
// a claim is one click from it. The fragment lands on the moment's line.
func logsHref(app string, at time.Time, region string, machines ...string) string {
	v := url.Values{}
	if !at.IsZero() {
		v.Set("at", at.UTC().Format(time.RFC3339))
	}
	// More machines than a page follows (a deploy of many): all of them.
	if len(machines) <= flyapi.MaxLogsInstances {
		for _, id := range machines {
			if id != "" {
				v.Add("instance", id)
			}
		}
	}
	if region != "" {
		v.Set("region", region)
	}
	href := "/apps/" + url.PathEscape(app) + "/logs"
	if len(v) > 0 {
		href += "?" + v.Encode()
	}
	if !at.IsZero() {
		href += "#at"
	}
	return href
}

// machineHref is a machine's row in the app page's machines panel.
func machineHref(app, id string) string {
	return "/apps/" + url.PathEscape(app) + "#machine-" + id
}

// lineAnchor names one log line for a permalink: its time in nanoseconds
// and its machine, which together are unique in Fly's stream.
func lineAnchor(at time.Time, instance string) string {
	return "l" + strconv.FormatInt(at.UnixNano(), 10) + "-" + instance
}
