package promql

import (
	"math"
	"testing"
)

// zeroFillStack fills gaps in copies: the points it is given are the
// cache's, which the next page reads too.
func TestZeroFillLeavesSharedPointsAlone(t *testing.T) {
	nan := math.NaN()
	cached := [][]float64{{1, 2, 3}, {nan, 5, nan}}
	series := []Series{{Name: "2xx", Values: cached[0]}, {Name: "5xx", Values: cached[1]}}
	zeroFillStack(series)
	if got := series[1].Values; got[0] != 0 || got[1] != 5 || got[2] != 0 {
		t.Errorf("filled 5xx %v, want [0 5 0]", got)
	}
	if !math.IsNaN(cached[1][0]) || !math.IsNaN(cached[1][2]) {
		t.Errorf("the shared points became %v: the fill wrote into the cache", cached[1])
	}
	if &series[0].Values[0] != &cached[0][0] {
		t.Error("a series with no gap was copied")
	}
}
