package views

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/promql"
)

// flat is a constant series over w.
func flat(w promql.Window, name string, v float64) promql.Series {
	vs := make([]float64, w.Points())
	for i := range vs {
		vs[i] = v
	}
	return promql.Series{Name: name, Values: vs}
}

func unitWindow(t *testing.T) promql.Window {
	t.Helper()
	to := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	w, err := promql.NewWindow(to.Add(-time.Hour), to, chartWidth)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func statsOf(rm regionMap, code string) regionStats {
	for _, r := range rm.Regions {
		if r.Code == code {
			return r
		}
	}
	return regionStats{Code: "missing " + code}
}

// TestRegionMapColours: p95 colours a healthy app; a failing region turns
// the whole map to 5xx share; a region under the idle rate is not judged;
// a code without a location is kept in the numbers and named under the map.
func TestRegionMapColours(t *testing.T) {
	t.Parallel()
	w := unitWindow(t)
	res := func(series ...promql.Series) promql.Result { return promql.Result{Window: w, Series: series} }
	machines := []flyapi.Machine{{Region: "iad", State: "started"}, {Region: "iad", State: "stopped"}, {Region: "ord", State: "started"}}

	rm := newRegionMap(w,
		res(flat(w, "iad", 10), flat(w, "syd", 4), flat(w, "lhr", 0.01), flat(w, "zzz", 2)),
		res(flat(w, "iad", .2), flat(w, "syd", .55), flat(w, "lhr", 3), flat(w, "zzz", .2)),
		res(flat(w, "iad", .05)), machines, nil)
	if rm.ByErrors {
		t.Error("coloured by 5xx with 0.5% errors")
	}
	for code, want := range map[string]string{"iad": "ok", "syd": "warn", "lhr": "", "zzz": "ok", "ord": ""} {
		if got := statsOf(rm, code).Tone; got != want {
			t.Errorf("%s tone %q, want %q", code, got, want)
		}
	}
	if r := statsOf(rm, "iad"); r.Machines != 2 || r.Started != 1 || math.Abs(r.ErrShare-0.5) > 1e-9 || r.Requests != 10 {
		t.Errorf("iad: %+v", r)
	}
	if r := statsOf(rm, "syd"); r.ErrShare != 0 {
		t.Errorf("syd has traffic and no 5xx series: share %v, want 0", r.ErrShare)
	}
	if r := statsOf(rm, "ord"); !math.IsNaN(r.Requests) || r.Machines != 1 {
		t.Errorf("ord (machines only): %+v", r)
	}
	if rm.Regions[0].Code != "iad" || rm.Regions[len(rm.Regions)-1].Code != "ord" {
		t.Errorf("order %v: want busiest first, machines-only last", rm.Regions)
	}
	m := rm.chart("m", "t")
	if len(m.Marks) != 4 || !strings.Contains(m.Note, "unknown location): zzz") {
		t.Errorf("%d marks, note %q: want zzz off the map and named", len(m.Marks), m.Note)
	}
	if rows := rm.table().Rows; len(rows) != 5 {
		t.Errorf("table has %d rows, want every region, zzz included", len(rows))
	}

	// 6% 5xx in syd: the map is about errors now.
	rm = newRegionMap(w,
		res(flat(w, "iad", 10), flat(w, "syd", 5)),
		res(flat(w, "iad", .1), flat(w, "syd", 3)),
		res(flat(w, "iad", .12), flat(w, "syd", .3)), nil, nil)
	if !rm.ByErrors || statsOf(rm, "syd").Tone != "bad" || statsOf(rm, "iad").Tone != "warn" {
		t.Errorf("by errors %v, syd %q, iad %q; want true, bad, warn", rm.ByErrors, statsOf(rm, "syd").Tone, statsOf(rm, "iad").Tone)
	}

	// p95 slow by the verdict's rule: 3x the others and over 500 ms.
	rm = newRegionMap(w,
		res(flat(w, "iad", 10), flat(w, "ord", 10), flat(w, "syd", 5)),
		res(flat(w, "iad", .2), flat(w, "ord", .2), flat(w, "syd", .7)),
		res(), nil, nil)
	if statsOf(rm, "syd").Tone != "bad" || statsOf(rm, "iad").Tone != "ok" {
		t.Errorf("syd %q, iad %q; want bad, ok", statsOf(rm, "syd").Tone, statsOf(rm, "iad").Tone)
	}
}

// TestRegionMapFailures: each failed input is said once, in words; without
// requests there is no map to draw.
func TestRegionMapFailures(t *testing.T) {
	t.Parallel()
	w := unitWindow(t)
	bad := promql.Result{Window: w, Err: promql.ErrTimeout}
	good := promql.Result{Window: w, Series: []promql.Series{flat(w, "iad", 3)}}
	rm := newRegionMap(w, good, bad, bad, nil, flyapi.ErrUnavailable)
	if rm.LatencyErr == "" || rm.ErrorsErr == "" || rm.MachinesErr == "" {
		t.Fatalf("failures not explained: %+v", rm)
	}
	m := rm.chart("m", "t")
	for _, want := range []string{"p95 unavailable", "5xx share unavailable", "machines unavailable"} {
		if !strings.Contains(m.Note, want) {
			t.Errorf("note %q does not say %q", m.Note, want)
		}
	}
	if r := statsOf(rm, "iad"); r.Tone != "" || !math.IsNaN(r.P95) {
		t.Errorf("iad judged without p95: %+v", r)
	}
	if got := rm.table().Rows[0][4]; got != "—" {
		t.Errorf("machines column %q while the Machines API failed", got)
	}
	rm = newRegionMap(w, bad, good, good, nil, nil)
	if m := rm.chart("m", "t"); rm.RequestsErr == "" || m.Message != rm.RequestsErr {
		t.Errorf("requests failed: message %q", m.Message)
	}
}
