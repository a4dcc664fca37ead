package health

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestSlowRegions(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	for _, tc := range []struct {
		name     string
		byRegion map[string]float64
		want     []string
	}{
		{"one region far slower", map[string]float64{"iad": .2, "ord": .21, "sjc": .19, "syd": .9, "nrt": .22}, []string{"syd"}},
		{"over the absolute line alone", map[string]float64{"lhr": 1.2}, []string{"lhr"}},
		{"all slow", map[string]float64{"lhr": 1.5, "ams": 1.1}, []string{"ams", "lhr"}},
		{"3x but under the floor", map[string]float64{"iad": .1, "syd": .4}, nil},
		{"slower but not 3x", map[string]float64{"iad": .25, "syd": .6}, nil},
		{"missing values are not judged", map[string]float64{"iad": nan, "syd": .6}, nil},
		{"nothing", nil, nil},
	} {
		got := slices.Sorted(maps.Keys(SlowRegions(tc.byRegion)))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: SlowRegions(%v) = %v, want %v", tc.name, tc.byRegion, got, tc.want)
		}
	}
}

// TestSlowRegionsAgreeWithVerdict: the region the verdict names as slow is
// one SlowRegions marks.
func TestSlowRegionsAgreeWithVerdict(t *testing.T) {
	t.Parallel()
	s := base()
	s.P95ByRegion = map[string]float64{"iad": .2, "ord": .21, "syd": .9}
	v := Judge(s)
	if v.Status != Degraded || !strings.Contains(v.Reason, "syd") {
		t.Fatalf("verdict %v %q, want Degraded naming syd", v.Status, v.Reason)
	}
	if !SlowRegions(s.P95ByRegion)["syd"] {
		t.Error("SlowRegions does not mark the region the verdict names")
	}
}
