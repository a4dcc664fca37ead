package regions

import (
	"slices"
	"strings"
	"testing"

	"github.com/flydash/dashboard/flysim/fleet"
)

// TestEveryFlysimRegionIsPlaced: every region the simulated org can put a
// machine or an edge in has a location, so no story app loses a mark.
func TestEveryFlysimRegionIsPlaced(t *testing.T) {
	t.Parallel()
	for _, code := range fleet.Regions {
		if _, ok := Lookup(code); !ok {
			t.Errorf("flysim region %q has no location", code)
		}
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	if !slices.IsSortedFunc(all, func(a, b Region) int { return strings.Compare(a.Code, b.Code) }) {
		t.Fatal("the table is not sorted by code: Lookup would miss regions")
	}
	for i, r := range all {
		if i > 0 && all[i-1].Code == r.Code {
			t.Errorf("%s is listed twice", r.Code)
		}
		if len(r.Code) != 3 || r.Name == "" || r.Airport == "" {
			t.Errorf("%+v: want a three-letter code, a name and an airport", r)
		}
		if r.Lat < -90 || r.Lat > 90 || r.Lon < -180 || r.Lon > 180 || r.Lat == 0 && r.Lon == 0 {
			t.Errorf("%s: coordinates %v, %v out of range", r.Code, r.Lat, r.Lon)
		}
		if got, ok := Lookup(r.Code); !ok || got != r {
			t.Errorf("Lookup(%q) = %+v, %v", r.Code, got, ok)
		}
	}
	if _, ok := Lookup("xyz"); ok {
		t.Error("Lookup of an unknown code succeeded")
	}
	// Spot checks against the hemisphere each airport is in.
	for code, want := range map[string][2]bool{"syd": {false, true}, "gru": {false, false}, "nrt": {true, true}, "lax": {true, false}} {
		r, _ := Lookup(code)
		if (r.Lat > 0) != want[0] || (r.Lon > 0) != want[1] {
			t.Errorf("%s at %v, %v is in the wrong hemisphere", code, r.Lat, r.Lon)
		}
	}
	if n := len(Compute()); n == 0 || n == len(all) {
		t.Errorf("%d compute regions of %d", n, len(all))
	}
}
