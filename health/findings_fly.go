package health

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// The Fly-native findings: what makes an app slow or down on Fly rather
// than anywhere. Thresholds are at the top of verdict.go.

// Trend is one measurement on a regular time grid: Values[i] is at
// Start+i*Step, NaN where there is no point. From is the first point of the
// recent span, so the verdict averages exactly what the other checks do.
type Trend struct {
	Start  time.Time
	Step   time.Duration
	Values []float64
	From   int
}

// Recent is the mean of the points from From on; NaN without any.
func (t Trend) Recent() float64 {
	sum, n := 0.0, 0
	for i := max(t.From, 0); i < len(t.Values); i++ {
		if finite(t.Values[i]) {
			sum += t.Values[i]
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// Last is the latest point with a value; NaN without any.
func (t Trend) Last() float64 {
	for i := len(t.Values) - 1; i >= 0; i-- {
		if finite(t.Values[i]) {
			return t.Values[i]
		}
	}
	return math.NaN()
}

// final is the last point, NaN without one.
func (t Trend) final() float64 {
	if len(t.Values) == 0 {
		return math.NaN()
	}
	return t.Values[len(t.Values)-1]
}

// FlySignals are an app's Fly-native numbers. A nil Trend means no series:
// no shared CPU, no HTTP service, no volume, no crash.
type FlySignals struct {
	// Throttled is the most throttled machine's share of time throttled, in
	// percent; ThrottledSize names that machine's size ("shared-cpu-1x")
	// and ThrottledBalance is its burst balance in seconds per vCPU at the
	// end (NaN when unknown).
	Throttled        Trend
	ThrottledSize    string
	ThrottledBalance float64
	// HardLimitHits is how many times per second the busiest machine was at
	// its hard concurrency limit; HardLimitOn names it when known.
	HardLimitHits Trend
	HardLimitOn   string
	// HardLimitMachines names every machine at its limit in the recent
	// span, when known ("fra/30184eda"); HardLimitIDs are their IDs.
	HardLimitMachines, HardLimitIDs []string
	// HardLimit is those machines' hard_limit and what it counts
	// ("connections", "requests"), when the Machines API told; 0 otherwise.
	HardLimit     int
	HardLimitType string
	// Memory is the fullest machine's memory use in percent of its total.
	Memory   Trend
	MemoryOn string
	Volumes  []VolumeSignal
	Crashes  []CrashSignal
}

// VolumeSignal is one volume's use in percent and its projection: where the
// use would be VolumeAhead later at the last 6 h's rate.
type VolumeSignal struct {
	Name       string // the volume's ID
	Used       Trend
	Projection float64
	SizeGB     int // 0 when unknown
}

// VolumeAhead is how far ahead VolumeSignal.Projection looks.
const VolumeAhead = 24 * time.Hour

// CrashSignal is one machine that exited non-zero: Restarts is, at each
// point, how many times it restarted within the 30 min before.
type CrashSignal struct {
	Machine  string // "iad/45aa8968"
	ID       string // the machine's ID, for flyctl
	Restarts Trend
	ExitCode int
	// Memory is the machine's memory use in percent, when known: after an
	// OOM kill, the climb back is this machine's, not the fullest one's.
	Memory Trend
}

// ExitOOM is the exit code of a process the kernel's OOM killer ended
// (128 + SIGKILL), as Fly's machine events report it.
const ExitOOM = 137

// OOM reports whether the machine's last non-zero exit was an OOM kill.
func (c CrashSignal) OOM() bool { return c.ExitCode == ExitOOM }

// HardLimitWhere names the machines at their hard limit.
func (f FlySignals) HardLimitWhere() []string {
	if len(f.HardLimitMachines) > 0 {
		return f.HardLimitMachines
	}
	if f.HardLimitOn != "" {
		return []string{f.HardLimitOn}
	}
	return nil
}

// FullIn is how long until the volume is full at its recent rate; false
// when it is not filling.
func (v VolumeSignal) FullIn() (time.Duration, bool) {
	used := v.Used.Last()
	if !finite(used) || !finite(v.Projection) || v.Projection <= used {
		return 0, false
	}
	if used >= 100 {
		return 0, true
	}
	perHour := (v.Projection - used) / VolumeAhead.Hours()
	return time.Duration((100 - used) / perHour * float64(time.Hour)), true
}

// flyFindings are the Fly-native thresholds s crosses.
func flyFindings(s Signals) []Finding {
	var out []Finding
	f := s.Fly
	u := s.Unavailable
	if !u.Quota {
		if t := f.Throttled.Recent(); finite(t) && t >= ThrottledDegraded {
			detail := " (" + units.FloorPercent(t) + " of " + spanWords(s) + ")"
			size := f.ThrottledSize
			if size == "" {
				size = "shared CPU"
			}
			if b := f.ThrottledBalance; finite(b) && b < BalanceExhausted {
				detail += ": " + size + " out of burst balance"
			} else {
				detail += ": " + size + " over its CPU quota"
			}
			out = append(out, Finding{Kind: KindThrottled, Metric: MetricCPU, Status: Degraded, Text: "CPU throttled", detail: detail, Severity: t / ThrottledDegraded, timed: true, Size: f.ThrottledSize})
		}
	}
	if !u.Limits {
		// Rates times a span are seldom whole: count as a person would.
		if h := math.Round(f.HardLimitHits.Recent() * recentSeconds(s)); finite(h) && h >= HardLimitHits {
			where := f.HardLimitWhere()
			on := "a machine"
			if len(where) > 0 {
				on = strings.Join(where, " and ")
			}
			text := on + " at the hard concurrency limit"
			if f.HardLimit > 0 {
				text += " of " + strconv.Itoa(f.HardLimit) + " " + f.HardLimitType
			}
			// What the edge did with the requests it could not place says
			// more than how often the limit was touched.
			detail := ": " + times(h) + " in " + spanWords(s)
			if !u.Errors && finite(s.ErrorShare) && s.ErrorShare >= HardLimitErrors {
				detail = "; the edge answered " + units.FloorPercent(s.ErrorShare) + " of requests with 5xx over " + spanWords(s)
			}
			out = append(out, Finding{Kind: KindHardLimit, Metric: MetricConcurrency, Status: Degraded, Text: text,
				detail: detail, Severity: 1 + math.Log10(h), timed: true,
				Where: where, IDs: f.HardLimitIDs})
		}
	}
	if !u.Memory {
		if m := f.Memory.Recent(); finite(m) && m >= MemoryDegraded {
			on := "the fullest machine"
			if f.MemoryOn != "" {
				on = f.MemoryOn
			}
			text := "memory at " + units.FloorPercent(m) + " on " + on
			out = append(out, Finding{Kind: KindMemory, Metric: MetricMemory, Status: Degraded, Text: text, detail: ": OOM risk", Severity: m / MemoryDegraded})
		}
		if c, ok := crashFinding(s); ok {
			out = append(out, c)
		}
	}
	if !u.Volumes {
		for _, v := range f.Volumes {
			used := v.Used.Last()
			in, filling := v.FullIn()
			switch {
			case finite(used) && used >= VolumeDegraded:
				detail := ""
				if filling && used < 100 {
					detail = ", " + FullInWords(in)
				}
				out = append(out, Finding{Kind: KindVolume, Metric: MetricVolume, Status: Degraded, Text: "volume " + v.Name + " " + units.FloorPercent(used) + " full", detail: detail, Severity: used / VolumeDegraded, timed: true,
					Where: []string{v.Name}, IDs: []string{v.Name}, SizeGB: v.SizeGB})
			case filling && in <= VolumeFullSoon:
				text := "volume " + v.Name + " " + units.FloorPercent(used) + " used, " + FullInWords(in)
				out = append(out, Finding{Kind: KindVolume, Metric: MetricVolume, Status: Degraded, Text: text, Severity: VolumeFullSoon.Hours() / max(in.Hours(), 0.1), timed: true,
					Where: []string{v.Name}, IDs: []string{v.Name}, SizeGB: v.SizeGB})
			}
		}
	}
	return out
}

// crashFinding names the machines restarting in a loop: Down when every
// machine of the app is, so none serves.
func crashFinding(s Signals) (Finding, bool) {
	if s.Unavailable.Memory {
		return Finding{}, false
	}
	var names, ids []string
	worst, code := 0.0, 0
	for _, c := range s.Fly.Crashes {
		// The last point, not the last value: a loop that stopped has no
		// series at the end, and is an episode, not a finding.
		r := c.Restarts.final()
		if !finite(r) || r < CrashLoopRestarts {
			continue
		}
		names, ids = append(names, c.Machine), append(ids, c.ID)
		if r > worst {
			worst, code = r, c.ExitCode
		}
	}
	if len(names) == 0 {
		return Finding{}, false
	}
	st := Degraded
	if s.Machines > 0 && len(names) >= s.Machines {
		st = Down
	}
	on := names[0]
	if len(names) > 1 {
		on = count(len(names), "machine") + " (" + strings.Join(names, ", ") + ")"
	}
	detail := ": " + strconv.Itoa(int(worst)) + " restarts in 30 min"
	if code != 0 {
		detail += ", exit code " + strconv.Itoa(code)
	}
	return Finding{Kind: KindCrashLoop, Metric: MetricMachines, Status: st, Text: "crash loop on " + on, detail: detail, Severity: worst / CrashLoopRestarts, timed: true,
		Where: names, IDs: ids}, true
}

// volumeWarnings are the volumes full within VolumeFullMention though
// under every Degraded line: a Warning, a limit ahead. Volumes that read
// alike (a Postgres cluster's, filling together) are named once: "3
// volumes 80% used, full in about 2 days ...".
func volumeWarnings(s Signals) []Finding {
	if s.Unavailable.Volumes {
		return nil
	}
	var order []string
	group := map[string][]VolumeSignal{}
	for _, v := range s.Fly.Volumes {
		in, filling := v.FullIn()
		if used := v.Used.Last(); filling && in > VolumeFullSoon && in <= VolumeFullMention && used < VolumeDegraded {
			what := units.FloorPercent(used) + " used, " + FullInWords(in)
			if group[what] == nil {
				order = append(order, what)
			}
			group[what] = append(group[what], v)
		}
	}
	var out []Finding
	for _, what := range order {
		vs := group[what]
		f := Finding{Kind: KindVolume, Metric: MetricVolume, Status: Warning, timed: true}
		for _, v := range vs {
			f.Where, f.IDs = append(f.Where, v.Name), append(f.IDs, v.Name)
			f.SizeGB = max(f.SizeGB, v.SizeGB)
			in, _ := v.FullIn()
			f.Severity = max(f.Severity, VolumeFullMention.Hours()/max(in.Hours(), 0.1))
		}
		who := "volume " + vs[0].Name
		if len(vs) > 1 {
			who = count(len(vs), "volume")
		}
		f.Text = who + " " + what
		out = append(out, f)
	}
	return out
}

// reasonOf joins the findings' texts, worst first. Runs of findings that
// do not name their span end with "over the last 10 min"; those that do
// stand alone, between semicolons.
func reasonOf(findings []Finding, s Signals) string {
	var parts, plain []string
	flush := func() {
		if len(plain) > 0 {
			parts = append(parts, strings.Join(plain, ", ")+" "+over(s))
			plain = nil
		}
	}
	for _, f := range findings {
		if f.timed {
			flush()
			parts = append(parts, f.Text)
		} else {
			plain = append(plain, f.Text)
		}
	}
	flush()
	return strings.Join(parts, "; ")
}

// spanWords is "the last 10 min", or "the 10 min to Nov 20 14:05 UTC".
func spanWords(s Signals) string {
	if s.End.IsZero() {
		return "the last " + minutes(s.Span)
	}
	return "the " + minutes(s.Span) + " to " + s.End.UTC().Format("Jan 2 15:04") + " UTC"
}

func recentSeconds(s Signals) float64 { return s.Span.Seconds() }

// FullInWords is "full in about 2 days at the last 6 h's rate".
func FullInWords(d time.Duration) string {
	var about string
	switch {
	case d < time.Hour:
		about = strconv.Itoa(max(int(d.Minutes()), 1)) + " min"
	case d < 36*time.Hour:
		about = strconv.Itoa(int(math.Round(d.Hours()))) + " h"
	default:
		about = strconv.Itoa(int(math.Round(d.Hours()/24))) + " days"
	}
	return "full in about " + about + " at the last 6 h's rate"
}

func times(n float64) string {
	switch {
	case n < 1.5:
		return "once"
	case n < 1000:
		return strconv.Itoa(int(math.Round(n))) + " times"
	}
	// Counted from rates: the digits past three are noise to a reader.
	return "about " + units.Format(n, units.None) + " times"
}
