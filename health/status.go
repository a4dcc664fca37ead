package health

import "strconv"

// Status is the verdict's headline. The order of the constants is the list's
// "worst first" order: what needs a person now comes first.
type Status int

const (
	// Down: no machine is reporting although the app has machines, or most
	// responses are 5xx.
	Down Status = iota
	// Degraded: serving, but failing or slow past a threshold.
	Degraded
	// Unknown: a query the verdict needs failed, so no verdict can be
	// vouched for. It sorts before Warning: look at it.
	Unknown
	// Warning: fine now, with a limit ahead (a volume full within
	// VolumeFullMention, memory climbing toward the OOM killer) or an
	// incident that ended within RecentlyEnded.
	Warning
	// Healthy: every check passed. A worker with no HTTP service is
	// Healthy too; its verdict says what kind of app it is.
	Healthy
	// Idle: an HTTP service with next to no traffic, or no machines.
	Idle
)

var statusNames = [...]string{"Down", "Degraded", "Unknown", "Warning", "Healthy", "Idle"}
var statusClasses = [...]string{"down", "degraded", "unknown", "warning", "healthy", "idle"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "Status(" + strconv.Itoa(int(s)) + ")"
	}
	return statusNames[s]
}

// Class is a lowercase token for the status, for CSS classes.
func (s Status) Class() string {
	if s < 0 || int(s) >= len(statusClasses) {
		return "unknown"
	}
	return statusClasses[s]
}

// Statuses lists every status, worst first.
func Statuses() []Status { return []Status{Down, Degraded, Unknown, Warning, Healthy, Idle} }

// What Verdict.Describe says of an app whose kind, not health, explains its
// quiet.
const (
	DescribeNoHTTP    = "No HTTP service"
	DescribeNoTraffic = "no traffic yet"
)
