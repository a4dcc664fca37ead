package promql_test

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/flydash/dashboard/promql"
)

// The fidelity check holds VictoriaMetrics' series to flysim's for the same
// query. The engines differ by design in how rate() reads a window:
// Prometheus extrapolates the samples inside it, VictoriaMetrics starts
// from the sample before it. On noisy counters with a few samples per window
// single points therefore differ by 5-10% (up to 100% for a stream of a few
// errors a minute), while both estimate the same rate. So the check compares
// what a reader of the chart sees: the level over the whole range, and the
// shape in half-hour blocks, and it demands equality point by point where no
// rate is involved (gauges).
const (
	// meanTolerance bounds the difference of the means over the range.
	// Beyond counting noise (see comparison.events), the engines were
	// measured within 3.2% over eight anchors, the worst being the p95 of
	// a quiet region over one hour (quantiles of a few hundred requests).
	meanTolerance = 0.05
	// blockTolerance bounds the difference of half-hour means, relative to
	// the larger of them plus a floor of blockFloor times the series' peak
	// (a handful of 5xx a minute is all noise); measured within 8% over
	// eight anchors. Both bounds are about twice what was measured.
	blockTolerance = 0.15
	blockFloor     = 0.05
	blockSpan      = 30 * time.Minute
)

// comparison says which points of a window to compare.
type comparison struct {
	w promql.Window
	// settled is the first point both engines must agree on: the data's
	// first rate window is skipped (Prometheus extrapolates back to the
	// window's start, VictoriaMetrics has no sample before the data starts).
	settled time.Time
	// exits are the moments machines stopped. Prometheus ends a series with
	// a staleness marker; VictoriaMetrics' JSON import cannot carry one, so
	// it keeps the last value for up to a step, and the engines may
	// disagree on whether a point exists for a step after each.
	exits []time.Time
	// exact asks for point-by-point equality (no rate in the query).
	exact bool
	// events marks a rate of discrete events (requests per second), whose
	// estimates differ between the engines by counting noise: a stream of
	// one 5xx a minute is a few hundred events over six hours, and which
	// of them fall into two overlapping windows is chance. The tolerance
	// grows by three standard deviations of that noise.
	events bool
}

func (c comparison) nearExit(t time.Time) bool {
	for _, e := range c.exits {
		if !t.Before(e) && t.Before(e.Add(c.w.Step+promql.ScrapeInterval)) {
			return true
		}
	}
	return false
}

// compareSeries matches VictoriaMetrics' series (got) to flysim's (want)
// by name and checks each pair.
func compareSeries(t *testing.T, c comparison, got, want []promql.Series) {
	t.Helper()
	byName := map[string]promql.Series{}
	for _, s := range want {
		byName[s.Name] = s
	}
	for _, g := range got {
		s, ok := byName[g.Name]
		if !ok {
			t.Errorf("series %q: only VictoriaMetrics has it", g.Name)
			continue
		}
		delete(byName, g.Name)
		if err := c.check(g.Values, s.Values); err != nil {
			t.Errorf("series %q: %v", g.Name, err)
		}
	}
	for name := range byName {
		t.Errorf("series %q: only flysim has it", name)
	}
}

// check compares one pair of series on c's window.
func (c comparison) check(got, want []float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d points from VictoriaMetrics, %d from flysim", len(got), len(want))
	}
	var (
		sumGot, sumWant, peak float64
		points                []int
	)
	for i := range got {
		at := c.w.Time(i)
		if at.Before(c.settled) {
			continue
		}
		a, b := got[i], want[i]
		if math.IsNaN(a) != math.IsNaN(b) {
			if c.nearExit(at) {
				continue
			}
			return fmt.Errorf("at %s VictoriaMetrics has %v, flysim %v", at.Format(time.TimeOnly), a, b)
		}
		if math.IsNaN(a) {
			continue
		}
		if c.exact && math.Abs(a-b) > 1e-9*math.Max(math.Abs(a), math.Abs(b)) {
			return fmt.Errorf("at %s VictoriaMetrics %.9g, flysim %.9g (a gauge: no engine difference excuses it)", at.Format(time.TimeOnly), a, b)
		}
		points = append(points, i)
		sumGot += a
		sumWant += b
		peak = math.Max(peak, math.Max(math.Abs(a), math.Abs(b)))
	}
	if len(points) == 0 {
		return errors.New("no point to compare")
	}
	if d := relDiff(sumGot, sumWant, c.noise(sumGot, len(points), meanTolerance)); d > meanTolerance {
		return fmt.Errorf("mean over the range: VictoriaMetrics %.6g, flysim %.6g (%.1f%% apart, at most %.0f%%)",
			sumGot/float64(len(points)), sumWant/float64(len(points)), 100*d, 100*meanTolerance)
	}
	perBlock := max(int(blockSpan/c.w.Step), 1)
	for from := 0; from+perBlock <= len(points); from += perBlock {
		var bg, bw float64
		for _, i := range points[from : from+perBlock] {
			bg += got[i]
			bw += want[i]
		}
		if d := relDiff(bg, bw, max(blockFloor*peak*float64(perBlock), c.noise(bg, perBlock, blockTolerance))); d > blockTolerance {
			return fmt.Errorf("from %s for %s: mean VictoriaMetrics %.6g, flysim %.6g (%.1f%% apart, at most %.0f%%)",
				c.w.Time(points[from]).Format(time.TimeOnly), blockSpan, bg/float64(perBlock), bw/float64(perBlock), 100*d, 100*blockTolerance)
		}
	}
	return nil
}

// noise is the counting noise of a sum of n rate points, expressed as the
// floor relDiff adds under the tolerance: three standard deviations of a
// Poisson count over the points' span, scaled so that floor*tolerance is
// that deviation.
func (c comparison) noise(sum float64, n int, tolerance float64) float64 {
	if !c.events || n == 0 {
		return 0
	}
	seconds := float64(n) * c.w.Step.Seconds()
	count := math.Abs(sum) / float64(n) * seconds
	sd := math.Sqrt(count) / seconds * float64(n) // in units of the sum
	return 3 * sd / tolerance
}

// relDiff is |a-b| relative to the larger magnitude plus floor.
func relDiff(a, b, floor float64) float64 {
	d := math.Abs(a - b)
	if d == 0 {
		return 0
	}
	return d / (math.Max(math.Abs(a), math.Abs(b)) + floor)
}
