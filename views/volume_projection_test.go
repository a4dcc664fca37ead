package views

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/promql"
)

// volumeResult is a 24 h volumes answer at a 5 min step: each volume's use
// ramps to last, and its projection says where it would be a day later.
func volumeResult(vols map[string][2]float64) promql.Result {
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	w := promql.Window{Start: end.Add(-24 * time.Hour), End: end, Step: 5 * time.Minute}
	n := w.Points()
	res := promql.Result{Query: promql.Query{ID: promql.Volumes, Title: "Volume use"}, Window: w}
	for _, id := range []string{"vol_a", "vol_b", "vol_c"} {
		v, ok := vols[id]
		if !ok {
			continue
		}
		used, proj := make([]float64, n), make([]float64, n)
		for i := range used {
			used[i] = v[0] - (v[1]-v[0])*float64(n-1-i)/float64(n-1)
			proj[i] = used[i] + (v[1] - v[0])
		}
		res.Series = append(res.Series,
			promql.Series{Name: id, Labels: map[string]string{"id": id, "kind": promql.KindUsed}, Values: used},
			promql.Series{Name: id + " " + promql.KindProjection, Labels: map[string]string{"id": id, "kind": promql.KindProjection}, Values: proj, Projection: true})
	}
	return res
}

// TestVolumeProjectionEndsOnTheChart: a filling volume's projection is one
// dashed line from its last point, ending at 100% when it fills within half
// the range past now, and named with when it fills; a volume not filling
// gets none, and the day-ahead history that read as more volumes is gone,
// the compare period's too.
func TestVolumeProjectionEndsOnTheChart(t *testing.T) {
	t.Parallel()
	// a: 80% growing 10 points a day, full in 2 days, past the widened
	// axis. b: 95% growing 24 a day, full in 5 h. c: flat.
	res := volumeResult(map[string][2]float64{"vol_a": {80, 90}, "vol_b": {95, 119}, "vol_c": {40, 40}})
	prev := volumeResult(map[string][2]float64{"vol_a": {70, 80}})
	c := buildChart("c-volumes", res, &prev, "1d", nil, nil)
	projectVolumes(&c, res, nil)
	w, n := res.Window, res.Window.Points()
	byName := map[string][]float64{}
	var dashed []string
	for _, s := range c.Series {
		if strings.Contains(s.Name, promql.KindProjection) {
			t.Errorf("the day-ahead history %q is still drawn", s.Name)
		}
		if s.Dashed && !strings.HasSuffix(s.Name, "(1d ago)") {
			dashed = append(dashed, s.Name)
			byName[s.Name] = s.Values
		}
	}
	wantA := "vol_a: full " + w.End.Add(48*time.Hour).Format("Jan 2 15:04")
	wantB := "vol_b: full " + w.End.Add(5*time.Hour).Format("Jan 2 15:04")
	if len(dashed) != 2 || byName[wantA] == nil || byName[wantB] == nil {
		t.Fatalf("projections %q, want %q and %q (none for the flat vol_c)", dashed, wantA, wantB)
	}
	// The axis runs half the range (12 h) past now.
	ahead := 12 * time.Hour / w.Step
	if got := len(byName[wantA]); got != n+int(ahead) {
		t.Errorf("vol_a's projection has %d points, want %d: the range and 12 h past it", got, n+int(ahead))
	}
	if want := w.End.Add(12 * time.Hour); !c.End.Equal(want) {
		t.Errorf("the chart ends %v, want %v: 12 h past the range", c.End, want)
	}
	a := byName[wantA]
	if !math.IsNaN(a[n-2]) || math.Abs(a[n-1]-80) > 1e-9 {
		t.Errorf("vol_a's projection should start at its last point (80%%), got %v then %v", a[n-2], a[n-1])
	}
	if last := a[len(a)-1]; math.Abs(last-85) > 0.01 {
		t.Errorf("vol_a 12 h on: %.2f%%, want 85%% (10 points a day)", last)
	}
	// vol_b reaches 100% 5 h (60 steps) on, and its line stops there.
	b := byName[wantB]
	full := -1
	for i, v := range b {
		if v >= 100 {
			full = i
			break
		}
	}
	if full < n-1+60 || full > n-1+61 || b[full] != 100 {
		t.Errorf("vol_b full at point %d (%.2f%%), want 100%% at %d, 5 h past its last point", full, b[full], n-1+60)
	}
	for i := full + 1; i < len(b); i++ {
		if !math.IsNaN(b[i]) {
			t.Fatalf("vol_b's projection goes on past full: %.2f%% at point %d", b[i], i)
		}
	}
}
