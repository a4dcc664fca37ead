package promql

import (
	"errors"
	"testing"
	"time"
)

func TestNewWindowSteps(t *testing.T) {
	t.Parallel()
	// An end that is not on any round time, to exercise the alignment.
	end := time.Date(2026, 11, 26, 10, 7, 23, 400_000_000, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		span   time.Duration
		width  int
		step   time.Duration
		points int
	}{
		{5 * time.Minute, 720, 15 * time.Second, 21},
		{15 * time.Minute, 720, 15 * time.Second, 61},
		{time.Hour, 720, 15 * time.Second, 241},
		{6 * time.Hour, 720, time.Minute, 361},
		{24 * time.Hour, 720, 5 * time.Minute, 289},
		{7 * day, 720, 30 * time.Minute, 337},
		{15 * day, 720, time.Hour, 361},
		{5 * time.Minute, 360, 15 * time.Second, 21},
		{15 * time.Minute, 360, 15 * time.Second, 61},
		{time.Hour, 360, 30 * time.Second, 121},
		{6 * time.Hour, 360, 2 * time.Minute, 181},
		{24 * time.Hour, 360, 10 * time.Minute, 145},
		{7 * day, 360, time.Hour, 169},
		{15 * day, 360, 2 * time.Hour, 181},
	} {
		w, err := NewWindow(end.Add(-tc.span), end, tc.width)
		if err != nil {
			t.Fatalf("%s at %d px: %v", tc.span, tc.width, err)
		}
		if w.Step != tc.step || w.Points() != tc.points {
			t.Errorf("%s at %d px: step %s, %d points; want %s, %d", tc.span, tc.width, w.Step, w.Points(), tc.step, tc.points)
		}
		if w.Points() > tc.width/2+1 {
			t.Errorf("%s at %d px: %d points, more than one per 2 px", tc.span, tc.width, w.Points())
		}
		stepSec := int64(w.Step / time.Second)
		for _, ts := range []time.Time{w.Start, w.End} {
			if ts.Unix()%stepSec != 0 || ts.Nanosecond() != 0 {
				t.Errorf("%s at %d px: %s is not a multiple of %s", tc.span, tc.width, ts, w.Step)
			}
		}
		// Truncation: the window ends at the last round time not after end,
		// and starts at the last one not after start.
		if w.End.After(end) || end.Sub(w.End) >= w.Step {
			t.Errorf("%s at %d px: end %s not the step-aligned end for %s", tc.span, tc.width, w.End, end)
		}
		if w.Start.After(end.Add(-tc.span)) || end.Add(-tc.span).Sub(w.Start) >= w.Step {
			t.Errorf("%s at %d px: start %s not aligned below %s", tc.span, tc.width, w.Start, end.Add(-tc.span))
		}
		if got := w.Time(w.Points() - 1); !got.Equal(w.End) {
			t.Errorf("%s at %d px: last point at %s, want %s", tc.span, tc.width, got, w.End)
		}
	}
}

func TestNewWindowStableWithinAStep(t *testing.T) {
	t.Parallel()
	// Two requests a few seconds apart share a window, hence a cache entry.
	base := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	a, _ := NewWindow(base.Add(-time.Hour+2*time.Second), base.Add(2*time.Second), 720)
	b, _ := NewWindow(base.Add(-time.Hour+14*time.Second), base.Add(14*time.Second), 720)
	if a != b {
		t.Errorf("windows differ: %s vs %s", a, b)
	}
}

func TestStepBeyondLadder(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	for _, tc := range []struct {
		span      time.Duration
		maxPoints int
		want      time.Duration
	}{
		{100 * day, 180, day},
		{400 * day, 360, 2 * day},
		{time.Second, 360, 15 * time.Second}, // never under the scrape interval
		{time.Hour, 0, time.Hour},            // degenerate width: one interval
	} {
		if got := StepFor(tc.span, tc.maxPoints); got != tc.want {
			t.Errorf("StepFor(%s, %d) = %s, want %s", tc.span, tc.maxPoints, got, tc.want)
		}
	}
	// A two-day step stays epoch-aligned, where Time.Truncate would not be.
	end := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	w, err := NewWindow(end.Add(-400*day), end, 720)
	if err != nil || w.Start.Unix()%(2*86400) != 0 {
		t.Errorf("400 d window %s, %v: start not aligned to 2 d", w, err)
	}
}

func TestNewWindowErrors(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		start, end time.Time
		width      int
	}{
		{"reversed", now, now.Add(-time.Hour), 720},
		{"empty", now, now, 720},
		{"no width", now.Add(-time.Hour), now, 0},
		{"one pixel", now.Add(-time.Hour), now, 1},
	} {
		if _, err := NewWindow(tc.start, tc.end, tc.width); !errors.Is(err, ErrBadWindow) {
			t.Errorf("%s: err = %v, want ErrBadWindow", tc.name, err)
		}
	}
	// A span shorter than one step is still one point, not an error.
	w, err := NewWindow(now.Add(-5*time.Second), now.Add(time.Second), 720)
	if err != nil || w.Points() < 1 {
		t.Errorf("6 s span: %s, %d points, %v", w, w.Points(), err)
	}
	if (Window{}).Points() != 0 {
		t.Error("zero window has points")
	}
}
