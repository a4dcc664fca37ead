package charts

import (
	"math"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

func TestSummary(t *testing.T) {
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	vals := make([]float64, 289) // 24 h at 5 min
	for i := range vals {
		vals[i] = float64(i % 12) // 0..11 each hour: mean 5.5
	}
	vals[12] = math.NaN()
	for i := 24; i < 36; i++ {
		vals[i] = math.NaN() // the third hour has no data
	}
	c := Chart{Title: "Requests", Unit: units.ReqPerSec, Start: start, Step: 5 * time.Minute, Series: []Series{{Name: "ams", Values: vals}}}
	s := c.Summary(24)
	if len(s.Rows) != 25 || s.Caption != "Requests, mean per 1 h" {
		t.Fatalf("%d rows, caption %q", len(s.Rows), s.Caption)
	}
	if s.Rows[0][0] != "2026-11-26 00:00" || s.Rows[0][1] != units.Format(5.5, units.ReqPerSec) {
		t.Errorf("first row %v", s.Rows[0])
	}
	// The second hour lost one point (0) to a gap: the mean is of the rest.
	if want := units.Format(66.0/11, units.ReqPerSec); s.Rows[1][1] != want {
		t.Errorf("second row %v, want %s", s.Rows[1], want)
	}
	if s.Rows[2][1] != units.Format(math.NaN(), units.ReqPerSec) {
		t.Errorf("an hour without data reads %q", s.Rows[2][1])
	}
	if last := s.Rows[24]; last[0] != "2026-11-27 00:00" {
		t.Errorf("last row %v", last)
	}
	// A chart shorter than the limit keeps every point.
	short := Chart{Title: "x", Start: start, Step: time.Minute, Series: []Series{{Name: "a", Values: vals[:10]}}}
	if got := short.Summary(24); len(got.Rows) != 10 || got.Caption != "x" {
		t.Errorf("short chart: %d rows, %q", len(got.Rows), got.Caption)
	}
}
