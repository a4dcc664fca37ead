package health

import (
	"github.com/flydash/dashboard/internal/units"
	"math"
	"strconv"
	"time"
)

// What lies ahead and what just ended: a Warning is fine now, with a limit
// coming or an incident barely over.
const (
	// OOMAheadWithin: memory climbing since the last OOM kill is a Warning
	// when, at its rate since the kill, it reaches the machine's total
	// within this long: the kill will come back before the next working day.
	OOMAheadWithin = 24 * time.Hour
	// ChangeFactor is how many times its level before it p95 must be, over
	// at least ChangeSide on each side, to name a step change: a deploy that
	// doubles response time is worth a line even under P95Degraded.
	ChangeFactor = 2.0
	ChangeSide   = time.Hour
	// DeployNear is how close a deploy must be to a change to be named as
	// its cause.
	DeployNear = 10 * time.Minute
)

// aheadFindings are the Warnings and changes of s: an episode that ended
// within RecentlyEnded, memory heading back to an OOM kill, a step in p95.
func aheadFindings(s Signals, tl []Episode, recent time.Time) []Finding {
	var out []Finding
	end := recent.Add(s.Span)
	for i := len(tl) - 1; i >= 0; i-- {
		e := tl[i]
		if e.Ongoing || e.End.Before(end.Add(-RecentlyEnded)) || !e.End.Before(recent) {
			continue
		}
		out = append(out, Finding{Kind: KindRecovered, Status: Warning, Text: e.Words(), timed: true,
			Since: e.Start, Before: e.Before, Where: e.Where, Severity: 1})
		break
	}
	if f, ok := oomAhead(s, tl); ok {
		out = append(out, f)
	}
	if f, ok := p95Change(s); ok {
		out = append(out, f)
	}
	return out
}

// oomAhead fits a line to the fullest machine's memory since the last OOM
// kill; climbing toward 100% within OOMAheadWithin is a Warning.
func oomAhead(s Signals, tl []Episode) (Finding, bool) {
	var kill Episode
	for _, e := range tl {
		if e.Kind == KindOOMKill {
			kill = e
		}
	}
	m, on := s.Fly.Memory, ""
	for _, c := range s.Fly.Crashes {
		if len(kill.Where) > 0 && c.Machine == kill.Where[0] && len(c.Memory.Values) > 0 {
			m, on = c.Memory, " on "+c.Machine
		}
	}
	if kill.Kind == KindNone || s.Unavailable.Memory || m.Step <= 0 {
		return Finding{}, false
	}
	from := int(kill.Start.Sub(m.Start) / m.Step)
	slope, last, ok := fit(m, max(from, 0))
	if !ok || slope <= 0 || last >= 100 {
		return Finding{}, false
	}
	eta := time.Duration((100 - last) / slope * float64(time.Hour))
	if eta > OOMAheadWithin {
		return Finding{}, false
	}
	round := time.Hour
	if eta < 2*time.Hour {
		round = time.Minute
	}
	text := "memory at " + units.FloorPercent(last) + on + " and climbing since the OOM kill at " + clockOn(kill.Start, kill.AsOf) +
		": at this rate out of memory in about " + minutes(eta.Round(round))
	return Finding{Kind: KindOOMAhead, Metric: MetricMemory, Status: Warning, Text: text, timed: true,
		Since: kill.Start, Where: kill.Where, Severity: OOMAheadWithin.Hours() / max(eta.Hours(), 0.1)}, true
}

// fit is the least-squares slope of t from point from on, in units per
// hour, and the fitted value at the last point.
func fit(t Trend, from int) (slope, last float64, ok bool) {
	var n, sx, sy, sxx, sxy float64
	lastX := 0.0
	for i := from; i < len(t.Values); i++ {
		v := t.Values[i]
		if !finite(v) {
			continue
		}
		x := float64(i-from) * t.Step.Hours()
		n, sx, sy, sxx, sxy = n+1, sx+x, sy+v, sxx+x*x, sxy+x*v
		lastX = x
	}
	d := n*sxx - sx*sx
	if n < 3 || d == 0 {
		return 0, 0, false
	}
	slope = (n*sxy - sx*sy) / d
	return slope, (sy-slope*sx)/n + slope*lastX, true
}

// p95Change finds the largest step up in p95: the point splitting the
// look-back into a before and an after (ChangeSide at least each) whose
// means differ the most, when the after, and the recent span, are
// ChangeFactor times the before.
func p95Change(s Signals) (Finding, bool) {
	p, req := s.History.P95, s.History.Requests
	side := 0
	if p.Step > 0 {
		side = int(ChangeSide / p.Step)
	}
	n := len(p.Values)
	if side < 1 || n < 2*side || s.Unavailable.Latency || !finite(s.P95) {
		return Finding{}, false
	}
	sum, cnt := make([]float64, n+1), make([]float64, n+1)
	for i, v := range p.Values {
		sum[i+1], cnt[i+1] = sum[i], cnt[i]
		if finite(v) && i < len(req.Values) && req.Values[i] >= IdleBelow {
			sum[i+1], cnt[i+1] = sum[i]+v, cnt[i]+1
		}
	}
	mean := func(a, b int) float64 { return (sum[b] - sum[a]) / (cnt[b] - cnt[a]) }
	best, at := 0.0, -1
	for k := side; k <= n-side; k++ {
		if cnt[k] < float64(side)/2 || cnt[n]-cnt[k] < float64(side)/2 {
			continue
		}
		if r := mean(k, n) / mean(0, k); r > best {
			best, at = r, k
		}
	}
	before := 0.0
	if at >= 0 {
		before = mean(0, at)
	}
	if at < 0 || best < ChangeFactor || before <= 0 || s.P95/before < ChangeFactor {
		return Finding{}, false
	}
	when, asOf := p.at(at), p.at(n-1)
	cause := clockOn(when, asOf)
	if d, ok := near(s.Deploys, when); ok {
		cause, when = "the deploy at "+clockOn(d, asOf), d
	} else if d, ok := near(s.Restarts, when); ok {
		cause, when = "the deploy or restart at "+clockOn(d, asOf), d
	}
	factor := s.P95 / before
	text := "p95 " + units.FloorSeconds(s.P95) + ", " + strconv.FormatFloat(math.Floor(factor*10+1e-9)/10, 'f', 1, 64) + "x since " + cause
	return Finding{Kind: KindChange, Metric: MetricLatency, Status: Healthy, Text: text, timed: true, Since: when, Severity: factor / ChangeFactor}, true
}

// near is the first of times within DeployNear of when.
func near(times []time.Time, when time.Time) (time.Time, bool) {
	for _, t := range times {
		if t.Sub(when).Abs() <= DeployNear {
			return t, true
		}
	}
	return time.Time{}, false
}
