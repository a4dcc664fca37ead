// Package health turns an app's recent numbers into a verdict a person can
// act on: Down, Degraded, Healthy, Idle or No HTTP service, with the reason
// in words. It is pure: the numbers come in, the verdict goes out.
//
// The numbers are Fly's edge metrics (fly_edge_*), recorded by the proxy in
// front of every app, plus fly_instance_up and the Machines API's machine
// count. The edge sees what clients see, including the 502s and 503s the
// proxy itself returns when no machine answers, which app-side metrics miss.
// On top of those, the Fly-native findings (findings_fly.go) judge what
// makes an app slow or down on Fly: CPU quota throttling, the proxy's hard
// concurrency limit, volumes filling, crash loops and memory near the OOM
// killer.
package health

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// Thresholds. A verdict is Degraded or Down when one of these is crossed by
// the mean over the recent span (the last 10 minutes, or the last point on a
// coarse range). docs/design.md explains each choice.
const (
	// ErrorShareDegraded and ErrorShareDown are the share of responses with
	// a 5xx status, in percent. A healthy app on Fly answers well under 1%
	// 5xx; 5% is one request in twenty failing, which users notice; at 50%
	// most requests fail.
	ErrorShareDegraded = 5.0
	ErrorShareDown     = 50.0

	// P95Degraded is the 95th percentile response time, app-wide or in
	// any one edge region, past which one request in twenty feels slow.
	// It and RegionOutlierFloor are edges of Fly's response-time buckets,
	// so crossing them is exact; p95 between edges is interpolated
	// (docs/flysim-fidelity.md).
	P95Degraded = time.Second

	// A region whose p95 is RegionOutlierFactor times the median of the
	// app's other regions, and at least RegionOutlierFloor, is degraded even
	// under P95Degraded: a regression where part of the world is served
	// several times slower than the rest. The floor keeps 60 ms against
	// 15 ms from counting.
	RegionOutlierFactor = 3.0
	RegionOutlierFloor  = 500 * time.Millisecond

	// CPUDegraded is the busiest machine's CPU use, in percent of its
	// vCPUs: sustained above this, requests queue for CPU.
	CPUDegraded = 90.0

	// IdleBelow is the request rate (req/s) under which an HTTP app is Idle:
	// fewer than 30 requests in 10 minutes. Below it, shares and quantiles
	// rest on a handful of requests and would flap, so they are not judged.
	IdleBelow = 0.05

	// Fly-native thresholds (findings_fly.go; docs/design.md explains each).

	// ThrottledDegraded is the share of the recent span, in percent, that
	// the most throttled machine spent throttled. Fly's quota gives a shared
	// vCPU 5 ms of every 80 ms period (6.25%) plus a burst balance; once the
	// balance is spent, fly_instance_cpu_throttle counts the time the
	// machine waited for its next period. A tenth of the time waiting is
	// requests stalled in bursts of up to 75 ms, which users feel.
	ThrottledDegraded = 10.0
	// BalanceExhausted is the burst balance, in seconds per vCPU, under
	// which a throttled machine is "out of burst balance".
	BalanceExhausted = 1.0

	// HardLimitHits is how many times in the recent span a machine may hit
	// its service's hard concurrency limit (Fly's proxy then queues and
	// refuses) before the app is Degraded: once.
	HardLimitHits = 1.0
	// HardLimitErrors is the 5xx share, in percent, from which a hard-limit
	// finding says what the edge answered rather than how often the limit
	// was hit: a request no machine under its limit could take ends as an
	// error at the edge (the proxy's PR04, "no candidate machines").
	HardLimitErrors = 0.5

	// VolumeDegraded is a volume's use in percent past which the app is
	// Degraded; VolumeFullSoon and VolumeFullMention are how soon, at the
	// last 6 h's rate, a volume would be full to be Degraded or only named.
	VolumeDegraded    = 90.0
	VolumeFullSoon    = 24 * time.Hour
	VolumeFullMention = 7 * 24 * time.Hour

	// CrashLoopRestarts is how many restarts within promql.CrashSpan (30
	// min), with a non-zero exit code, make a machine crash-looping.
	CrashLoopRestarts = 3.0

	// MemoryDegraded is the fullest machine's memory use in percent of its
	// total: past it the kernel's OOM killer is one allocation away.
	MemoryDegraded = 95.0
)

// Metric names what a finding is about, so a page can mark the matching
// sparkline.
type Metric string

const (
	MetricMachines Metric = "machines"
	MetricErrors   Metric = "errors"
	MetricLatency  Metric = "latency"
	MetricCPU      Metric = "cpu"
	// Fly-native findings with no list column of their own.
	MetricConcurrency Metric = "concurrency"
	MetricVolume      Metric = "volume"
	MetricMemory      Metric = "memory"
)

// Signals are one app's numbers over the recent span. NaN means no series:
// the metric does not exist for the app (which is information), unlike a
// failed query (see Unavailable), which says nothing.
type Signals struct {
	// Machines is the app's machine count from the Machines API.
	Machines int
	// Reporting is how many machines report fly_instance_up = 1 at the end.
	Reporting float64
	// Requests is edge responses per second.
	Requests float64
	// ErrorShare is the percent of edge responses with a 5xx status.
	ErrorShare float64
	// P95 is the app-wide 95th percentile response time, in seconds.
	P95 float64
	// P95ByRegion is the p95 in seconds per edge region.
	P95ByRegion map[string]float64
	// CPU is the busiest machine's CPU use in percent of its vCPUs.
	CPU float64
	// Span is how far back the means look. End is when they end; zero
	// means now (a relative range), otherwise the reason names the time.
	Span time.Duration
	End  time.Time
	// Unavailable marks the measurements whose query failed.
	Unavailable Unavailable
	// JustLaunched says the app was launched within the span: its first
	// metrics may not have been scraped yet, so their absence proves nothing.
	JustLaunched bool
	// Fly holds the Fly-native signals: CPU quota, concurrency limits,
	// volumes, crash loops, memory.
	Fly FlySignals
	// History is the HTTP numbers over the timeline's look-back; with
	// Fly's trends it gives the episodes, and "since" their starts.
	History History
	// Deploys are when the app was deployed, when known (the Machines
	// API's update events), so a change can be laid at a deploy's door.
	Deploys []time.Time
	// Restarts are when every machine restarted cleanly at once, seen in
	// the metrics: a deploy or fly apps restart. The list has these where
	// it has no events.
	Restarts []time.Time
	// NoHTTP: the app defines no HTTP service (its machines say so);
	// false when unknown, and the absence of edge series decides.
	NoHTTP bool
}

// Finding is one crossed threshold.
type Finding struct {
	Kind   Kind
	Metric Metric
	Status Status
	// Text is the finding in words, without the span ("5xx at 12%").
	Text string
	// Severity is how far past its threshold the value is (value /
	// threshold), to rank findings and apps of the same status.
	Severity float64
	// timed: Text names its own span ("of the last 10 min"), so the
	// reason does not add one.
	timed bool
	// detail follows "since" in Text: "crash loop on X since 14:05 UTC: 11
	// restarts in 30 min".
	detail string
	// Since is the start of the finding's episode on the timeline; zero
	// when the timeline does not show it. Before: it began earlier than
	// the look-back.
	Since  time.Time
	Before bool
	// Where names the machines, regions or volumes; IDs are the same
	// machines' or volumes' IDs, for the fix. Size is the machines' size
	// ("shared-cpu-1x"), SizeGB the volume's, when known.
	Where  []string
	IDs    []string
	Size   string
	SizeGB int
}

// Verdict is the judgement of one app.
type Verdict struct {
	Status Status
	// Reason says why, in words: "5xx at 12% over the last 10 min".
	Reason string
	// Findings are the thresholds crossed, worst first; Warning ones are
	// limits ahead or recent recoveries, Healthy ones changes worth naming.
	Findings []Finding
	// Severity of the worst finding; 0 when there is none.
	Severity float64
	// Describe says what kind of app it is when that is not health: "No
	// HTTP service", "no traffic yet".
	Describe string
	// Timeline is every episode in the look-back, oldest first; Ended are
	// those over, latest first.
	Timeline []Episode
	Ended    []Episode
}

// Current are the findings of the status, without recoveries and changes.
func (v Verdict) Current() []Finding {
	var out []Finding
	for _, f := range v.Findings {
		if f.Kind != KindRecovered && f.Status < Healthy {
			out = append(out, f)
		}
	}
	return out
}

// LastEnded is the list's one line under the verdict: the latest episode
// that ended, unless the reason already says it (an incident over within
// RecentlyEnded is a finding of its own).
func (v Verdict) LastEnded() string {
	if len(v.Ended) == 0 {
		return ""
	}
	for _, f := range v.Findings {
		if f.Kind == KindRecovered {
			return ""
		}
	}
	return v.Ended[0].Words()
}

// Flags reports whether a finding concerns metric m, and how bad it is.
func (v Verdict) Flags(m Metric) (Status, bool) {
	for _, f := range v.Findings {
		if f.Metric == m {
			return f.Status, true
		}
	}
	return 0, false
}

// Worse reports whether a should be listed before b: worse status first,
// then the more severe. Apps that tie keep their order (sort stably by name).
func Worse(a, b Verdict) bool {
	if a.Status != b.Status {
		return a.Status < b.Status
	}
	return a.Severity > b.Severity
}

// Judge returns the verdict for s: the state now, each finding dated by
// its episode on the timeline, then what ended recently and what lies
// ahead.
func Judge(s Signals) Verdict {
	tl := Timeline(s)
	v := judgeNow(s, tl)
	v.Timeline = tl
	recent := recentStart(s)
	for i := len(tl) - 1; i >= 0; i-- {
		if e := tl[i]; !e.Ongoing && e.End.Before(recent) {
			v.Ended = append(v.Ended, e)
		}
	}
	return v
}

// recentStart is the first point the verdict averages: an episode ending
// before it is over.
func recentStart(s Signals) time.Time {
	for _, t := range []Trend{s.History.Requests, s.Fly.Memory, s.History.CPU, s.Fly.Throttled} {
		if len(t.Values) > 0 {
			return t.at(max(t.From, 0))
		}
	}
	return time.Time{}
}

// dated sets each finding's Since from its episode and says it in Text.
func dated(findings []Finding, tl []Episode, recent time.Time) {
	for i := range findings {
		f := &findings[i]
		where := ""
		if f.Kind == KindRegionLatency && len(f.Where) > 0 {
			where = f.Where[0]
		}
		if e, ok := episodeOf(tl, f.Kind, where, recent); ok {
			f.Since, f.Before = e.Start, e.Before
			f.Text += sinceWords(e)
		}
		f.Text += f.detail
		f.detail = ""
	}
}

// judgeNow judges the recent span. Checks run from the most to the least
// certain: machines, then failing requests, then slow ones, then CPU.
func judgeNow(s Signals, tl []Episode) Verdict {
	recent := recentStart(s)
	u := s.Unavailable
	hasHTTP := !u.Requests && finite(s.Requests)
	busy := hasHTTP && s.Requests >= IdleBelow
	reporting := finite(s.Reporting) && s.Reporting > 0

	countUnknown := u.MachineCount
	if !countUnknown && !u.Machines && s.Machines > 0 && !reporting {
		if s.JustLaunched {
			return Verdict{Status: Unknown, Reason: "launched moments ago: no metrics yet"}
		}
		// Fly stops idle machines (auto_stop_machines) and starts them on the
		// next request: an HTTP app with no machine running and no traffic
		// is asleep, not down.
		if hasHTTP && !busy {
			return Verdict{Status: Idle, Reason: "no machine running and no traffic: stopped or scaled to zero"}
		}
		f := Finding{Kind: KindDown, Metric: MetricMachines, Status: Down, Text: "no machine reporting", Severity: math.Inf(1)}
		reason := f.Text + " (" + count(s.Machines, "machine") + ")"
		findings := []Finding{f}
		if c, ok := crashFinding(s); ok {
			findings = append(findings, c)
			dated(findings, tl, recent)
			reason = findings[1].Text + "; " + reason
		}
		return Verdict{Status: Down, Reason: reason, Findings: findings, Severity: f.Severity}
	}

	var findings []Finding
	if busy && !u.Errors && finite(s.ErrorShare) && s.ErrorShare >= ErrorShareDegraded {
		st := Degraded
		if s.ErrorShare >= ErrorShareDown {
			st = Down
		}
		findings = append(findings, Finding{Kind: KindErrors, Metric: MetricErrors, Status: st, Text: "5xx at " + units.FloorPercent(s.ErrorShare), Severity: s.ErrorShare / ErrorShareDegraded})
	}
	if busy && !u.Latency {
		if f, ok := latencyFinding(s.P95, s.P95ByRegion); ok {
			findings = append(findings, f)
		}
	}
	if !u.CPU && finite(s.CPU) && s.CPU >= CPUDegraded {
		findings = append(findings, Finding{Kind: KindCPU, Metric: MetricCPU, Status: Degraded, Text: "CPU at " + units.FloorPercent(s.CPU) + " on the busiest machine", Severity: s.CPU / CPUDegraded})
	}
	findings = append(findings, flyFindings(s)...)
	dated(findings, tl, recent)
	ahead := append(volumeWarnings(s), aheadFindings(s, tl, recent)...)
	if len(findings) > 0 {
		// A change in p95 says nothing more once latency or what causes it
		// is a finding of its own.
		ahead = slices.DeleteFunc(ahead, func(f Finding) bool { return f.Kind == KindChange })
		findings = append(findings, ahead...)
		sortFindings(findings)
		return Verdict{Status: findings[0].Status, Reason: reasonOf(findings, s), Findings: findings, Severity: findings[0].Severity}
	}
	base := judgeQuiet(s, hasHTTP, busy, reporting)
	if len(ahead) == 0 || base.Status < Warning {
		return base
	}
	sortFindings(ahead)
	v := Verdict{Status: base.Status, Reason: reasonOf(ahead, s) + "; " + base.Reason, Findings: ahead, Describe: base.Describe}
	if ahead[0].Status < base.Status {
		v.Status, v.Severity = ahead[0].Status, ahead[0].Severity
	}
	return v
}

func sortFindings(findings []Finding) {
	slices.SortStableFunc(findings, func(a, b Finding) int {
		switch {
		case a.Status != b.Status:
			return int(a.Status) - int(b.Status)
		case a.Severity > b.Severity:
			return -1
		case a.Severity < b.Severity:
			return 1
		}
		return 0
	})
}

// judgeQuiet is the verdict when nothing crossed a line.
func judgeQuiet(s Signals, hasHTTP, busy, reporting bool) Verdict {
	u := s.Unavailable
	countUnknown := u.MachineCount

	// Nothing crossed a threshold; that makes the app Healthy only if every
	// check that would have run had its data. The 5xx and latency checks
	// only run on an app with traffic.
	if !busy {
		u.Errors, u.Latency = false, false
	}
	// Machines reporting or serving traffic are running: the Machines API's
	// count would only decide between Down and Idle when none is.
	if reporting || busy {
		u.MachineCount = false
	}
	if u.any() {
		return Verdict{Status: Unknown, Reason: u.reason()}
	}
	switch {
	case !hasHTTP && s.Machines == 0 && !countUnknown:
		return Verdict{Status: Idle, Reason: "no machines"}
	case !hasHTTP && s.JustLaunched && !s.NoHTTP:
		// Its first request may not have come, or not been scraped: what
		// kind of app it is cannot be told yet.
		return Verdict{Status: Idle, Reason: "launched moments ago: " + noHTTPReason(s), Describe: DescribeNoTraffic}
	case !hasHTTP:
		return Verdict{Status: Healthy, Reason: noHTTPReason(s), Describe: DescribeNoHTTP}
	case !busy:
		return Verdict{Status: Idle, Reason: units.FloorRate(s.Requests) + " " + over(s)}
	}
	return Verdict{Status: Healthy, Reason: healthyReason(s)}
}

// latencyFinding looks for slowness: a region far slower than the others
// first (the most specific), then the app as a whole, then any one region.
func latencyFinding(p95 float64, byRegion map[string]float64) (Finding, bool) {
	worst, worstP95 := "", math.Inf(-1)
	var others []float64
	regions := make([]string, 0, len(byRegion))
	for r, v := range byRegion {
		if finite(v) {
			regions = append(regions, r)
		}
	}
	slices.Sort(regions) // ties go to the first region by name, every time
	for _, r := range regions {
		if v := byRegion[r]; v > worstP95 {
			worst, worstP95 = r, v
		}
	}
	for _, r := range regions {
		if r != worst {
			others = append(others, byRegion[r])
		}
	}
	threshold := P95Degraded.Seconds()
	if len(others) > 0 {
		typical := median(others)
		if worstP95 >= RegionOutlierFloor.Seconds() && typical > 0 && worstP95 >= RegionOutlierFactor*typical {
			factor := worstP95 / typical
			return Finding{Kind: KindRegionLatency, Where: []string{worst}, Metric: MetricLatency, Status: Degraded,
				Text:     "p95 " + units.FloorSeconds(worstP95) + " in " + worst + ", " + strconv.FormatFloat(math.Round(factor), 'f', 0, 64) + "× the other regions",
				Severity: math.Max(worstP95/threshold, factor/RegionOutlierFactor)}, true
		}
	}
	if finite(p95) && p95 >= threshold {
		return Finding{Kind: KindLatency, Metric: MetricLatency, Status: Degraded, Text: "p95 " + units.FloorSeconds(p95), Severity: p95 / threshold}, true
	}
	if worst != "" && worstP95 >= threshold {
		return Finding{Kind: KindRegionLatency, Where: []string{worst}, Metric: MetricLatency, Status: Degraded, Text: "p95 " + units.FloorSeconds(worstP95) + " in " + worst, Severity: worstP95 / threshold}, true
	}
	return Finding{}, false
}

func healthyReason(s Signals) string {
	parts := []string{units.FloorRate(s.Requests)}
	if finite(s.ErrorShare) && !s.Unavailable.Errors {
		parts = append(parts, units.FloorPercent(s.ErrorShare)+" 5xx")
	}
	if finite(s.P95) && !s.Unavailable.Latency {
		parts = append(parts, "p95 "+units.FloorSeconds(s.P95))
	}
	return strings.Join(parts, ", ")
}

func noHTTPReason(s Signals) string {
	var parts []string
	switch {
	case finite(s.Reporting) && !s.Unavailable.Machines && s.Unavailable.MachineCount:
		parts = append(parts, count(int(s.Reporting), "machine")+" reporting")
	case finite(s.Reporting) && !s.Unavailable.Machines:
		parts = append(parts, strconv.FormatFloat(s.Reporting, 'f', 0, 64)+" of "+count(s.Machines, "machine")+" reporting")
	}
	if finite(s.CPU) && !s.Unavailable.CPU {
		// Of its vCPUs: the list's column beside it reads against the
		// quota's baseline.
		parts = append(parts, "CPU "+units.FloorPercent(s.CPU)+" of its vCPUs")
	}
	if len(parts) == 0 {
		return "no traffic through Fly's proxy"
	}
	return strings.Join(parts, ", ")
}

// over names the span the means cover: "over the last 10 min", or for a
// window that ended in the past "in the 10 min to Nov 20 14:05 UTC".
func over(s Signals) string {
	span := minutes(s.Span)
	if s.End.IsZero() {
		return "over the last " + span
	}
	return "in the " + span + " to " + s.End.UTC().Format("Jan 2 15:04") + " UTC"
}
