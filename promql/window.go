package promql

import (
	"errors"
	"fmt"
	"time"
)

// ScrapeInterval is how often Fly scrapes the built-in metrics. Nothing finer
// than this exists in the data, so no step or rate window goes below it.
const ScrapeInterval = 15 * time.Second

// stepLadder holds the steps a window may use. Round steps make the points
// land on round clock times, which is what lets a chart put its ticks on
// 10:00, 10:30... instead of 10:07, 10:37...
var stepLadder = []time.Duration{
	15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour,
}

// Window is the time grid a range query is evaluated on: points at Start,
// Start+Step, ..., End. Start and End are multiples of Step since the unix
// epoch, so the same range asked a few seconds apart maps to the same window
// and can share a cached result.
type Window struct {
	Start, End time.Time
	Step       time.Duration
}

// ErrBadWindow reports a range that cannot be charted.
var ErrBadWindow = errors.New("promql: bad time window")

// NewWindow derives the window for charting [start, end] on a chart widthPx
// pixels wide: at most about one point per 2 px, the step rounded up to the
// next rung of the ladder (never under the scrape interval), and both ends
// truncated to multiples of the step.
func NewWindow(start, end time.Time, widthPx int) (Window, error) {
	if !end.After(start) {
		return Window{}, fmt.Errorf("%w: the end (%s) is not after the start (%s)", ErrBadWindow,
			end.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
	}
	if widthPx < 2 {
		return Window{}, fmt.Errorf("%w: a chart %d px wide has no room for points", ErrBadWindow, widthPx)
	}
	step := StepFor(end.Sub(start), widthPx/2)
	return Window{
		Start: alignDown(start, step),
		End:   alignDown(end, step),
		Step:  step,
	}, nil
}

// StepFor returns the smallest ladder step that keeps span within maxPoints
// intervals. Spans beyond the ladder get whole days.
func StepFor(span time.Duration, maxPoints int) time.Duration {
	if maxPoints < 1 {
		maxPoints = 1
	}
	// Ceiling division: a raw step one nanosecond short would give one point
	// too many.
	raw := (span + time.Duration(maxPoints) - 1) / time.Duration(maxPoints)
	for _, s := range stepLadder {
		if s >= raw {
			return s
		}
	}
	day := 24 * time.Hour
	return (raw + day - 1) / day * day
}

// alignDown truncates t to a multiple of step counted from the unix epoch.
// time.Time.Truncate counts from year 1, which differs for steps that do
// not divide a day.
func alignDown(t time.Time, step time.Duration) time.Time {
	s := int64(step / time.Second)
	u := t.Unix()
	r := u % s
	if r < 0 {
		r += s
	}
	return time.Unix(u-r, 0).UTC()
}

// Points is the number of evaluation points in the window, both ends included.
func (w Window) Points() int {
	if w.Step <= 0 || w.End.Before(w.Start) {
		return 0
	}
	return int(w.End.Sub(w.Start)/w.Step) + 1
}

// Time returns the time of point i.
func (w Window) Time(i int) time.Time {
	return w.Start.Add(time.Duration(i) * w.Step)
}

// RateWindow is the range used inside rate() and friends for this window:
// max(step + scrape interval, 4 x scrape interval), the rule Grafana uses for
// $__rate_interval. Covering step plus one scrape means consecutive windows
// overlap by a sample, so no increase between two points falls through the
// gap; four scrapes means every window holds enough samples for rate() to
// survive a missed scrape.
func (w Window) RateWindow() time.Duration {
	return max(w.Step+ScrapeInterval, 4*ScrapeInterval)
}

func (w Window) String() string {
	return fmt.Sprintf("%s..%s step %s", w.Start.UTC().Format(time.RFC3339), w.End.UTC().Format(time.RFC3339), w.Step)
}

// Look-back and step of the timeline the verdict reads: fixed, whatever
// range a page shows, so "since" reads the same on every view.
const (
	TimelineSpan = 24 * time.Hour
	TimelineStep = 5 * time.Minute
)

// TimelineWindow is the verdict's window ending at end: TimelineSpan back
// at TimelineStep, aligned so that views loaded within a step share it.
func TimelineWindow(end time.Time) Window {
	e := alignDown(end, TimelineStep)
	return Window{Start: e.Add(-TimelineSpan), End: e, Step: TimelineStep}
}
