package charts

import (
	"math"
	"testing"

	"github.com/flydash/dashboard/internal/units"
)

func TestNiceStep(t *testing.T) {
	t.Parallel()
	cases := []struct {
		span   float64
		target int
		u      units.Unit
		want   float64
	}{
		{47, 5, units.ReqPerSec, 10},
		{13, 5, units.None, 5},
		{0.42, 5, units.Seconds, 0.1},
		{0.034, 5, units.Ratio, 0.01},
		{1.1 * (1 << 30), 5, units.Bytes, 256 << 20},
		{3000, 5, units.Bytes, 1024},
		{0, 5, units.None, 1},
	}
	for _, tc := range cases {
		if got := niceStep(tc.span, tc.target, tc.u); math.Abs(got-tc.want) > tc.want*1e-9 {
			t.Errorf("niceStep(%v, %d, %q) = %v, want %v", tc.span, tc.target, tc.u, got, tc.want)
		}
	}
}
