package promql

import (
	"slices"
	"strings"
	"testing"
)

// allQueries are both groups of the app page, for the tests every query
// must pass (hostile names, selectors limited to the app).
func allQueries() []Query { return append(Catalog(), MachinesCatalog()...) }

func TestMachinesCatalog(t *testing.T) {
	t.Parallel()
	var ids []ChartID
	for _, q := range MachinesCatalog() {
		ids = append(ids, q.ID)
		if got, ok := Lookup(q.ID); !ok || got != q {
			t.Errorf("Lookup(%q) = %+v, %v; want the catalog entry", q.ID, got, ok)
		}
		if e, ok := find(q.ID); !ok || e.build == nil || q.Title == "" || q.Desc == "" {
			t.Errorf("%s lacks a spec, title or description", q.ID)
		}
		if slices.ContainsFunc(Catalog(), func(c Query) bool { return c.ID == q.ID }) {
			t.Errorf("%s is in both groups", q.ID)
		}
	}
	if want := []ChartID{"cpu-quota", "cpu-balance", "concurrency", "volumes", "data-out"}; !slices.Equal(ids, want) {
		t.Errorf("Machines group = %v, want %v", ids, want)
	}
	// The projection looks back a fixed 6 h whatever the chart's step, and
	// keeps the compare offset.
	w := testWindow(t)
	q, _ := Lookup("volumes")
	text, err := q.PromQL("db", w, 86400e9)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `predict_linear(fly_volume_used_pct{app="db"}[6h] offset 1d, 86400)`) {
		t.Errorf("volumes PromQL %q lacks the 6 h projection with its offset", text)
	}
}

func TestDropNeverThrottled(t *testing.T) {
	t.Parallel()
	in := []Series{
		{Name: "a used", Labels: map[string]string{"kind": KindUsed}, Values: []float64{0, 0}},
		{Name: "a throttled", Labels: map[string]string{"kind": KindThrottled}, Values: []float64{0, 0}},
		{Name: "b throttled", Labels: map[string]string{"kind": KindThrottled}, Values: []float64{0, 3}},
	}
	var names []string
	for _, s := range dropNeverThrottled(in) {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"a used", "b throttled"}) {
		t.Errorf("kept %v, want the used line and the throttled machine", names)
	}
}
