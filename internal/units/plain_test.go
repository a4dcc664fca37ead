package units

import (
	"math"
	"testing"
)

func TestPlainHasNoFloatNoiseNorExponent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{35.175000000000004, "35.175"},
		{0.1 + 0.2, "0.3"},
		{2.33218048e+08, "233218048"},
		{1e20, "100000000000000000000"},
		{0.000123, "0.000123"},
		{-4.5, "-4.5"},
		{0, "0"},
		{1e-9, "1e-09"},
		{math.NaN(), ""},
		{math.Inf(1), ""},
	} {
		if got := Plain(tc.v); got != tc.want {
			t.Errorf("Plain(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := Exact(1.0 / 3); got != 0.333333333333 {
		t.Errorf("Exact(1/3) = %v, want 12 significant digits", got)
	}
}
