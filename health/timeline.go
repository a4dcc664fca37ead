package health

import (
	"github.com/flydash/dashboard/internal/units"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind names what a finding or an episode is about.
type Kind int

const (
	KindNone          Kind = iota
	KindDown               // no machine reporting
	KindErrors             // 5xx share
	KindLatency            // app-wide p95
	KindRegionLatency      // one edge region's p95
	KindCPU                // busiest machine's CPU
	KindThrottled          // CPU quota spent
	KindHardLimit          // proxy's hard concurrency limit
	KindMemory             // memory near the OOM killer
	KindCrashLoop          // restarts after non-zero exits
	KindOOMKill            // the kernel killed a machine for memory
	KindVolume             // a volume full or filling
	KindOOMAhead           // memory climbing back toward the OOM line
	KindChange             // a step change in p95
	KindRecovered          // an episode that ended within RecentlyEnded
)

// MergeGap: two stretches over a line this close are one episode; a point
// or two under it between them is noise, not a recovery.
const MergeGap = 15 * time.Minute

// RecentlyEnded is how long after an episode ends the app stays a Warning:
// an incident an hour old may come back, and the person on call wants it.
const RecentlyEnded = time.Hour

// Episode is one stretch of time a finding held, on the timeline's grid.
type Episode struct {
	Kind   Kind
	Status Status
	// Start and End are the first and last points over the line.
	Start, End time.Time
	// Ongoing: it holds at the timeline's end. Before: it held at the
	// timeline's first point, so it began earlier than the look-back.
	Ongoing, Before bool
	// Peak is the worst value, in the finding's unit; What says it in
	// words ("5xx at 13%"); Where names the machines, regions or volumes.
	Peak  float64
	What  string
	Where []string
	// Lookback is how far back the timeline reaches, and AsOf its last
	// point: a time of another day is said with its day.
	Lookback time.Duration
	AsOf     time.Time
}

// Words is the episode in a person's terms: "5xx at 13% from 12:20 to
// 12:40 UTC"; "Recovered at 14:55 UTC: crash loop on iad/45aa8968 ...".
func (e Episode) Words() string {
	what := e.What
	if len(e.Where) > 0 && !strings.Contains(what, e.Where[0]) {
		what += " on " + strings.Join(e.Where, ", ")
	}
	from := "from " + clockOn(e.Start, e.AsOf)
	if e.Before {
		from = "for more than " + minutes(e.Lookback)
	}
	if e.Ongoing {
		return what + " " + strings.Replace(from, "from", "since", 1)
	}
	return "Recovered at " + clockOn(e.End, e.AsOf) + ": " + what + " " + from
}

func clock(t time.Time) string { return t.UTC().Format("15:04") + " UTC" }

// clockOn says t as seen at asOf: "14:05 UTC" on the same UTC day,
// "20:55 UTC yesterday" or "09:00 UTC on Dec 5" before it. A 24 h look-back
// spans two days, and "Recovered at 20:55" read at 18:50 looks like the
// future.
func clockOn(t, asOf time.Time) string {
	t, asOf = t.UTC(), asOf.UTC()
	ty, tm, td := t.Date()
	ay, am, ad := asOf.Date()
	switch {
	case asOf.IsZero() || (ty == ay && tm == am && td == ad):
		return clock(t)
	case t.AddDate(0, 0, 1).Format(time.DateOnly) == asOf.Format(time.DateOnly):
		return clock(t) + " yesterday"
	}
	return clock(t) + " on " + t.Format("Jan 2")
}

// run is a stretch of points [from, to] over a line, and its worst value.
type run struct {
	from, to int
	peak     float64
}

// runs finds the stretches of t where ok holds, merging those MergeGap or
// less apart; points without a value neither break nor extend a run.
func runs(t Trend, ok func(i int, v float64) bool) []run {
	gap := 1
	if t.Step > 0 {
		gap = int(MergeGap / t.Step)
	}
	var out []run
	for i, v := range t.Values {
		if !finite(v) || !ok(i, v) {
			continue
		}
		if n := len(out); n > 0 && i-out[n-1].to <= gap {
			out[n-1].to = i
			out[n-1].peak = math.Max(out[n-1].peak, v)
			continue
		}
		out = append(out, run{from: i, to: i, peak: v})
	}
	return out
}

// episodes turns t's runs into episodes of kind k.
func episodes(t Trend, k Kind, st Status, where []string, ok func(i int, v float64) bool, what func(peak float64) string) []Episode {
	last := -1
	for i := len(t.Values) - 1; i >= 0; i-- {
		if finite(t.Values[i]) {
			last = i
			break
		}
	}
	var out []Episode
	for _, r := range runs(t, ok) {
		out = append(out, Episode{
			Kind: k, Status: st, Where: where, Peak: r.peak, What: what(r.peak),
			Start: t.at(r.from), End: t.at(r.to),
			Ongoing:  r.to == last && last >= t.From,
			Before:   r.from == 0,
			Lookback: time.Duration(max(len(t.Values)-1, 0)) * t.Step,
			AsOf:     t.at(max(len(t.Values)-1, 0)),
		})
	}
	return out
}

func (t Trend) at(i int) time.Time { return t.Start.Add(time.Duration(i) * t.Step) }

// History holds the HTTP numbers over the whole look-back, one point per
// step, for the timeline; Signals' scalars are their recent means.
type History struct {
	Requests, ErrorShare, P95, CPU Trend
	P95ByRegion                    map[string]Trend
}

// Timeline finds every episode in s's trends, oldest first. It reads the
// same lines Judge does, point by point.
func Timeline(s Signals) []Episode {
	h, f := s.History, s.Fly
	busy := func(i int) bool { return i < len(h.Requests.Values) && h.Requests.Values[i] >= IdleBelow }
	var out []Episode
	out = append(out, episodes(h.ErrorShare, KindErrors, Degraded, nil,
		func(i int, v float64) bool { return busy(i) && v >= ErrorShareDegraded },
		func(p float64) string { return "5xx at " + units.FloorPercent(p) })...)
	out = append(out, episodes(h.P95, KindLatency, Degraded, nil,
		func(i int, v float64) bool { return busy(i) && v >= P95Degraded.Seconds() },
		func(p float64) string { return "p95 " + units.FloorSeconds(p) })...)
	for _, r := range sortedKeys(h.P95ByRegion) {
		t := h.P95ByRegion[r]
		out = append(out, episodes(t, KindRegionLatency, Degraded, []string{r},
			func(i int, v float64) bool { return busy(i) && slowAt(h.P95ByRegion, r, i) },
			func(p float64) string { return "p95 " + units.FloorSeconds(p) + " in " + r })...)
	}
	out = append(out, episodes(h.CPU, KindCPU, Degraded, nil,
		func(_ int, v float64) bool { return v >= CPUDegraded },
		func(p float64) string { return "CPU at " + units.FloorPercent(p) })...)
	out = append(out, episodes(f.Throttled, KindThrottled, Degraded, nil,
		func(_ int, v float64) bool { return v >= ThrottledDegraded },
		func(p float64) string { return "CPU throttled up to " + units.FloorPercent(p) + " of the time" })...)
	out = append(out, episodes(f.HardLimitHits, KindHardLimit, Degraded, f.HardLimitWhere(),
		func(_ int, v float64) bool { return v > 0 },
		func(float64) string { return "at the hard concurrency limit" })...)
	out = append(out, episodes(f.Memory, KindMemory, Degraded, nil,
		func(_ int, v float64) bool { return v >= MemoryDegraded },
		func(p float64) string { return "memory at " + units.FloorPercent(p) })...)
	for _, c := range f.Crashes {
		if c.OOM() {
			out = append(out, episodes(c.Restarts, KindOOMKill, Degraded, []string{c.Machine},
				func(_ int, v float64) bool { return v >= 1 },
				func(float64) string { return "OOM kill on " + c.Machine })...)
			continue
		}
		out = append(out, episodes(c.Restarts, KindCrashLoop, Degraded, []string{c.Machine},
			func(_ int, v float64) bool { return v >= CrashLoopRestarts },
			func(p float64) string {
				return "crash loop on " + c.Machine + ", " + strconv.Itoa(int(p)) + " restarts in 30 min"
			})...)
	}
	for _, v := range f.Volumes {
		out = append(out, episodes(v.Used, KindVolume, Degraded, []string{v.Name},
			func(_ int, x float64) bool { return x >= VolumeDegraded },
			func(p float64) string { return "volume " + v.Name + " " + units.FloorPercent(p) + " full" })...)
	}
	for i := range out {
		if out[i].Kind == KindErrors && out[i].Peak >= ErrorShareDown {
			out[i].Status = Down
		}
	}
	slices.SortStableFunc(out, func(a, b Episode) int { return a.Start.Compare(b.Start) })
	return out
}

// slowAt applies SlowRegions' lines to one region at point i, without
// judging every other region: the timeline asks this of each region at
// each of its points, for every app on the list.
func slowAt(byRegion map[string]Trend, region string, i int) bool {
	t, ok := byRegion[region]
	if !ok || i >= len(t.Values) {
		return false
	}
	return slowAmong(t.Values[i], func() []float64 {
		var others []float64
		for o, w := range byRegion {
			if o != region && i < len(w.Values) && finite(w.Values[i]) {
				others = append(others, w.Values[i])
			}
		}
		return others
	})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// episodeOf finds the episode behind a current finding: of its kind and
// place, ongoing or ended within the recent span.
func episodeOf(tl []Episode, k Kind, where string, recent time.Time) (Episode, bool) {
	for i := len(tl) - 1; i >= 0; i-- {
		e := tl[i]
		if e.Kind != k || (where != "" && !slices.Contains(e.Where, where)) {
			continue
		}
		if e.Ongoing || !e.End.Before(recent) {
			return e, true
		}
	}
	return Episode{}, false
}

// sinceWords is " since 14:05 UTC", or " for more than 24 h" when the
// episode began before the look-back.
func sinceWords(e Episode) string {
	if e.Before {
		return " for more than " + minutes(e.Lookback)
	}
	return " since " + clockOn(e.Start, e.AsOf)
}
