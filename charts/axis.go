package charts

import (
	"math"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// timeLadder holds the tick intervals a reader counts in. The minute and
// hour steps divide a day, so ticks aligned to the Unix epoch fall on round
// UTC times (00:00, 03:00, ...).
var timeLadder = [...]time.Duration{
	10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour,
}

const day = 24 * time.Hour

type timeTick struct {
	at    time.Time
	label string
}

// tickInterval picks the smallest ladder step that keeps the span within
// maxIntervals intervals (8 on a full-width chart: 24 h gets 3 h ticks,
// 7 d gets days).
func tickInterval(span time.Duration, maxIntervals int) time.Duration {
	maxIntervals = max(maxIntervals, 1)
	for _, d := range timeLadder {
		if span <= d*time.Duration(maxIntervals) {
			return d
		}
	}
	week := 7 * day
	return week * ((span/week + time.Duration(maxIntervals) - 1) / time.Duration(maxIntervals))
}

func timeTicks(t0, t1 time.Time, maxIntervals int) []timeTick {
	span := t1.Sub(t0)
	if span <= 0 {
		return nil
	}
	step := tickInterval(span, maxIntervals)
	dayFmt := "Jan 2"
	if step >= day && span <= 8*day {
		dayFmt = "Mon 2"
	}
	hourFmt := "15:04"
	if step < time.Minute {
		hourFmt = "15:04:05"
	}
	// Truncate counts from the zero time, a UTC midnight, so every ladder
	// step below a day lands on round UTC clock times. Unlike UnixNano it
	// cannot overflow for a zero or far-off Start.
	first := t0.UTC().Truncate(step)
	if first.Before(t0) {
		first = first.Add(step)
	}
	ticks := make([]timeTick, 0, maxIntervals+2)
	for t := first; !t.After(t1) && len(ticks) < cap(ticks); t = t.Add(step) {
		f := hourFmt
		if step >= day || t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			f = dayFmt
		}
		ticks = append(ticks, timeTick{at: t, label: t.Format(f)})
	}
	return ticks
}

// yScale is the value axis: [lo, hi] split at round ticks.
type yScale struct {
	lo, hi, step float64
	ticks        []float64
}

// niceStep returns the smallest 1-2-5 step (or power of two for bytes, so
// ticks read 256 MiB, 512 MiB, 1 GiB) that covers span in at most target
// steps.
func niceStep(span float64, target int, u units.Unit) float64 {
	raw := span / float64(max(target, 1))
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	if u == units.Bytes && raw >= 1 {
		return math.Exp2(math.Ceil(math.Log2(raw) - 1e-9))
	}
	mag := math.Pow10(int(math.Floor(math.Log10(raw))))
	for _, m := range [...]float64{1, 2, 5, 10} {
		if s := m * mag; s >= raw*(1-1e-9) {
			return s
		}
	}
	return 10 * mag
}

// newYScale always includes 0 so non-negative data sits on a baseline and
// bar-like areas are not exaggerated. fixedMax (e.g. 100 for %) is honoured
// unless the data exceeds it.
func newYScale(dataMin, dataMax, fixedMax float64, target int, u units.Unit) yScale {
	lo, hi := math.Min(0, dataMin), math.Max(0, dataMax)
	if fixedMax > 0 && hi <= fixedMax {
		hi = fixedMax
	}
	if hi-lo <= 0 || math.IsNaN(hi-lo) || math.IsInf(hi-lo, 0) {
		lo, hi = 0, 1
	}
	step := niceStep(hi-lo, target, u)
	s := yScale{step: step}
	s.lo = math.Floor(lo/step+1e-9) * step
	if fixedMax > 0 && hi == fixedMax {
		s.hi = fixedMax
	} else {
		s.hi = math.Ceil(hi/step-1e-9) * step
	}
	for k := 0; ; k++ {
		v := s.lo + float64(k)*step
		if v > s.hi+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		s.ticks = append(s.ticks, v)
	}
	return s
}
