package series

import (
	"time"

	"github.com/prometheus/prometheus/storage"
)

// Sample resolution.
//
// Every series is defined on the 15 s grid, but a query rarely needs all of
// it: a week drawn at a 30 min step reads 120 samples per point, then keeps
// two of them. Select therefore serves each selector on a coarser grid of
// G = res x 15 s when, and only when, that changes no result (like a longer
// scrape interval that happens to scrape at the very moments the query
// looks at):
//
//   - Samples sit at multiples of G since the epoch, so each is also a 15 s
//     grid sample with exactly the same value (values are functions of the
//     series and the time only).
//   - rate, increase and delta over [R] (hints.Range, hints.Func): G divides
//     the query step and the first evaluation time, so every evaluation
//     time t is a sample; and G divides R - 15 s, so the oldest sample in
//     (t-R, t] is t-R+15s on both grids. Prometheus extrapolates from the
//     same two samples over the same intervals and gets the same float: the
//     coarse grid only drops the samples in between, which these functions
//     do not read. G also stays <= R/8, so a window always holds at least
//     8 samples, should a client ask at times the hints do not predict.
//   - Instant selectors (no range, any function): G divides the step and
//     the first evaluation time, so the newest sample at or before every
//     evaluation time is the one at that time on both grids. G stays under
//     half the lookback, so a sample is always within reach.
//
// A series that neither starts, stops nor restarts within the Select (a
// steady one; most are) has no reset for rate to find, so only each
// window's first and last samples matter: it is served on the coarsest
// grid the step and R - 15 s share (steadyResolution), two samples a
// window. A 24 h chart at a 5 min step then reads one sample a step, not
// ten. The others keep the grid above, with its margin of 8 samples.
//
// Anything else (other range functions, which count or compare samples;
// instant queries' plain selectors; queries whose times are not multiples
// of 15 s) reads the 15 s grid. The one difference left is where a counter
// restarts or a series starts or stops inside a rate window: the coarse
// grid sees the change at its next sample, as a longer scrape interval
// would. The dashboard's windows (start and end multiples of the step, rate
// window step + 15 s) meet these conditions: a 7-day chart at a 30 min step
// reads a sample every 225 s, a 24 h chart at 5 min every 30 s, a 24 h
// sparkline at 30 min every 225 s.

// Lookback is the engine's lookback delta the resolution assumes for
// instant selectors (Prometheus' default, which promapi uses). With another
// lookback, instant selectors read samples up to half a lookback older
// than the 15 s grid would give, never none.
const Lookback = 5 * time.Minute

// minWindowSamples is the fewest samples a coarse grid leaves in a rate
// window.
const minWindowSamples = 8

// extrapolated lists the functions whose result depends only on the first
// and last samples of a counter's window (and resets in between).
var extrapolated = map[string]bool{"rate": true, "increase": true, "delta": true}

// resolution is the stride, in grid steps, at which Select serves a
// selector with these hints: the largest that leaves its results unchanged
// (see above), 1 when in doubt.
func resolution(h *storage.SelectHints, lookback time.Duration) int64 {
	return stride(h, lookback, false)
}

// steadyResolution is the stride for the series of such a selector that
// neither start, stop nor restart between the Select's first and last
// sample (most of them, on most days): rate, increase and delta then read
// nothing but each window's first and last samples, both on the coarse
// grid, so the grid may be as coarse as the step and the window allow,
// down to those two samples a window. A week's rate at a 30 min step
// reads one sample every 30 min, not every 225 s.
func steadyResolution(h *storage.SelectHints, lookback time.Duration) int64 {
	return stride(h, lookback, true)
}

func stride(h *storage.SelectHints, lookback time.Duration, steady bool) int64 {
	if h == nil || h.Step <= 0 && h.Range == 0 {
		return 1
	}
	lookbackMs := lookback.Milliseconds()
	var first, period, limit int64
	switch {
	case h.Range == 0:
		// Start is the first evaluation time minus the lookback, plus 1 ms.
		first = h.Start + lookbackMs - 1
		period = h.Step
		limit = lookbackMs / 2
	case extrapolated[h.Func] && h.Range > gridMs:
		// Start is the first evaluation time minus the range, plus 1 ms.
		first = h.Start + h.Range - 1
		period = gcd(h.Step, h.Range-gridMs)
		limit = h.Range / minWindowSamples
		if steady {
			// period divides R - 15 s: at least two samples a window.
			limit = period
		}
	default:
		return 1
	}
	if period%gridMs != 0 || first%gridMs != 0 {
		return 1
	}
	period /= gridMs
	first /= gridMs
	best := int64(1)
	for res := int64(2); res*gridMs <= limit && res <= period; res++ {
		if period%res == 0 && first%res == 0 {
			best = res
		}
	}
	return best
}

func gcd(a, b int64) int64 {
	a, b = max(a, -a), max(b, -b)
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
