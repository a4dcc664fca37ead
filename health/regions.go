package health

// SlowRegions are the edge regions whose p95 crosses a latency line by
// itself: P95Degraded, or RegionOutlierFactor times the median of the other
// regions and at least RegionOutlierFloor. The verdict names the worst of
// them (latencyFinding); the region map marks every one, so the two agree.
func SlowRegions(byRegion map[string]float64) map[string]bool {
	out := map[string]bool{}
	for r, v := range byRegion {
		if slowAmong(v, func() []float64 {
			var others []float64
			for o, w := range byRegion {
				if o != r && finite(w) {
					others = append(others, w)
				}
			}
			return others
		}) {
			out[r] = true
		}
	}
	return out
}

// slowAmong applies the lines to one region's p95 v; others gives the
// other regions' finite p95s, asked for only when v is between the floor
// and P95Degraded, which most points of a day are not.
func slowAmong(v float64, others func() []float64) bool {
	switch {
	case !finite(v) || v < RegionOutlierFloor.Seconds():
		return false
	case v >= P95Degraded.Seconds():
		return true
	}
	o := others()
	if len(o) == 0 {
		return false
	}
	typical := median(o)
	return typical > 0 && v >= RegionOutlierFactor*typical
}

// ErrorShareNoticeable is the 5xx share, in percent, at which a region is
// worth a second look though under ErrorShareDegraded: healthy apps on Fly
// run well under 1%.
const ErrorShareNoticeable = 1.0

// RegionLoad is one edge region's numbers over the recent span; NaN is
// unknown or no traffic.
type RegionLoad struct {
	Requests, P95, ErrorShare float64
}

// Tone is how a region is coloured: "ok", "warn", "bad", or "" when it is
// not judged.
type Tone string

const (
	ToneNone Tone = ""
	ToneOK   Tone = "ok"
	ToneWarn Tone = "warn"
	ToneBad  Tone = "bad"
)

// JudgeRegions colours each region with traffic by the verdict's own
// lines: by 5xx share when some region is failing (byErrors), else by p95.
// A region under IdleBelow is not judged: its quantiles rest on a handful
// of requests.
func JudgeRegions(rs map[string]RegionLoad) (byErrors bool, tones map[string]Tone) {
	busy := func(r RegionLoad) bool { return r.Requests >= IdleBelow }
	p95s := map[string]float64{}
	for code, r := range rs {
		p95s[code] = r.P95
		if busy(r) && r.ErrorShare >= ErrorShareDegraded {
			byErrors = true
		}
	}
	slow := SlowRegions(p95s)
	tones = map[string]Tone{}
	for code, r := range rs {
		var t Tone
		switch {
		case !busy(r):
		case byErrors && r.ErrorShare >= ErrorShareDegraded:
			t = ToneBad
		case byErrors && r.ErrorShare >= ErrorShareNoticeable:
			t = ToneWarn
		case byErrors && finite(r.ErrorShare):
			t = ToneOK
		case byErrors:
		case slow[code]:
			t = ToneBad
		case r.P95 >= RegionOutlierFloor.Seconds():
			t = ToneWarn
		case finite(r.P95):
			t = ToneOK
		}
		tones[code] = t
	}
	return byErrors, tones
}
