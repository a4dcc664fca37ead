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

// Since is when the trailing run of points that satisfy ok began (gaps do
// not break it); zero if the latest point with a value does not. before
// reports that the run reaches back to the first point: it began earlier.
func (t Trend) Since(ok func(float64) bool) (at time.Time, before bool) {
	first := -1
	for i := len(t.Values) - 1; i >= 0; i-- {
		v := t.Values[i]
		if !finite(v) {
			continue
		}
		if !ok(v) {
			break
		}
		first = i
	}
	if first < 0 {
		return time.Time{}, false
	}
	return t.Start.Add(time.Duration(first) * t.Step), first == 0
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
	// Memory is the fullest machine's memory use in percent of its total.
	Memory   Trend
	MemoryOn string
	Volumes  []VolumeSignal
	Crashes  []CrashSignal
}

// VolumeSignal is one volume's use in percent and its projection: where the
// use would be VolumeAhead later at the last 6 h's rate.
type VolumeSignal struct {
	Name       string
	Used       Trend
	Projection float64
}

// VolumeAhead is how far ahead VolumeSignal.Projection looks.
const VolumeAhead = 24 * time.Hour

// CrashSignal is one machine that exited non-zero: Restarts is, at each
// point, how many times it restarted within the 30 min before.
type CrashSignal struct {
	Machine  string
	Restarts Trend
	ExitCode int
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
			text := "CPU throttled " + units.FloorPercent(t) + " of " + spanWords(s) + since(f.Throttled, func(v float64) bool { return v >= ThrottledDegraded })
			size := f.ThrottledSize
			if size == "" {
				size = "shared CPU"
			}
			if b := f.ThrottledBalance; finite(b) && b < BalanceExhausted {
				text += ": " + size + " out of burst balance"
			} else {
				text += ": " + size + " over its CPU quota"
			}
			out = append(out, Finding{Metric: MetricCPU, Status: Degraded, Text: text, Severity: t / ThrottledDegraded, timed: true})
		}
	}
	if !u.Limits {
		// Rates times a span are seldom whole: count as a person would.
		if h := math.Round(f.HardLimitHits.Recent() * recentSeconds(s)); finite(h) && h >= HardLimitHits {
			on := "a machine"
			if f.HardLimitOn != "" {
				on = f.HardLimitOn
			}
			text := "at the hard concurrency limit on " + on + ": " + times(h) + " in " + spanWords(s) + since(f.HardLimitHits, func(v float64) bool { return v > 0 })
			out = append(out, Finding{Metric: MetricConcurrency, Status: Degraded, Text: text, Severity: 1 + math.Log10(h), timed: true})
		}
	}
	if !u.Memory {
		if m := f.Memory.Recent(); finite(m) && m >= MemoryDegraded {
			on := "the fullest machine"
			if f.MemoryOn != "" {
				on = f.MemoryOn
			}
			text := "memory at " + units.FloorPercent(m) + " on " + on + since(f.Memory, func(v float64) bool { return v >= MemoryDegraded }) + ": OOM risk"
			out = append(out, Finding{Metric: MetricMemory, Status: Degraded, Text: text, Severity: m / MemoryDegraded})
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
				text := "volume " + v.Name + " " + units.FloorPercent(used) + " full" + since(v.Used, func(x float64) bool { return x >= VolumeDegraded })
				if filling && used < 100 {
					text += ", " + FullInWords(in)
				}
				out = append(out, Finding{Metric: MetricVolume, Status: Degraded, Text: text, Severity: used / VolumeDegraded, timed: true})
			case filling && in <= VolumeFullSoon:
				text := "volume " + v.Name + " " + units.FloorPercent(used) + " used, " + FullInWords(in)
				out = append(out, Finding{Metric: MetricVolume, Status: Degraded, Text: text, Severity: VolumeFullSoon.Hours() / max(in.Hours(), 0.1), timed: true})
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
	var names []string
	worst, code := 0.0, 0
	var trend Trend
	for _, c := range s.Fly.Crashes {
		r := c.Restarts.Last()
		if !finite(r) || r < CrashLoopRestarts {
			continue
		}
		names = append(names, c.Machine)
		if r > worst {
			worst, code, trend = r, c.ExitCode, c.Restarts
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
	text := "crash loop on " + on + since(trend, func(v float64) bool { return v >= 1 }) + ": " + strconv.Itoa(int(worst)) + " restarts in 30 min"
	if code != 0 {
		text += ", exit code " + strconv.Itoa(code)
	}
	return Finding{Metric: MetricMachines, Status: st, Text: text, Severity: worst / CrashLoopRestarts, timed: true}, true
}

// flyNotes are facts worth naming that change no status: a volume full
// within a week.
func flyNotes(s Signals) []string {
	if s.Unavailable.Volumes {
		return nil
	}
	// Volumes that read alike (a Postgres cluster's, filling together) are
	// named once: "3 volumes 80% used, full in about 2 days ...".
	var order []string
	names := map[string][]string{}
	for _, v := range s.Fly.Volumes {
		in, filling := v.FullIn()
		if used := v.Used.Last(); filling && in > VolumeFullSoon && in <= VolumeFullMention && used < VolumeDegraded {
			what := units.FloorPercent(used) + " used, " + FullInWords(in)
			if names[what] == nil {
				order = append(order, what)
			}
			names[what] = append(names[what], v.Name)
		}
	}
	var out []string
	for _, what := range order {
		who := "volume " + names[what][0]
		if n := len(names[what]); n > 1 {
			who = count(n, "volume")
		}
		out = append(out, who+" "+what)
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

func withNotes(reason string, notes []string) string {
	if len(notes) == 0 {
		return reason
	}
	return reason + "; " + strings.Join(notes, "; ")
}

// spanWords is "the last 10 min", or "the 10 min to Nov 20 14:05 UTC".
func spanWords(s Signals) string {
	if s.End.IsZero() {
		return "the last " + minutes(s.Span)
	}
	return "the " + minutes(s.Span) + " to " + s.End.UTC().Format("Jan 2 15:04") + " UTC"
}

func recentSeconds(s Signals) float64 { return s.Span.Seconds() }

// since is " (since 14:20 UTC)" for the trailing run of t that satisfies
// ok, " (since before 08:00 UTC)" when it fills the whole range, ""
// otherwise.
func since(t Trend, ok func(float64) bool) string {
	at, before := t.Since(ok)
	if at.IsZero() {
		return ""
	}
	layout := "15:04"
	if end := t.Start.Add(time.Duration(len(t.Values)-1) * t.Step); end.Sub(at) >= 24*time.Hour {
		layout = "Jan 2 15:04"
	}
	if before {
		return " (since before " + at.UTC().Format(layout) + " UTC)"
	}
	return " (since " + at.UTC().Format(layout) + " UTC)"
}

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
