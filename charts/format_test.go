package charts

import (
	"math"
	"testing"
)

func TestFormatValue(t *testing.T) {
	t.Parallel()
	const MiB, GiB = 1 << 20, 1 << 30
	cases := []struct {
		v    float64
		u    Unit
		want string
	}{
		{12.345, UnitReqPerSec, "12.3 req/s"},
		{0.5, UnitReqPerSec, "0.5 req/s"},
		{0.0333, UnitReqPerSec, "0.0333 req/s"},
		{99.96, UnitReqPerSec, "100 req/s"},
		{12345, UnitReqPerSec, "12.3k req/s"},
		{2.5e6, UnitReqPerSec, "2.5M req/s"},
		{0, UnitReqPerSec, "0 req/s"},
		{0.25, UnitSeconds, "250 ms"},
		{0.0123, UnitSeconds, "12.3 ms"},
		{0.00005, UnitSeconds, "50 µs"},
		{1.2399, UnitSeconds, "1.24 s"},
		{0.9996, UnitSeconds, "1 s"},
		{75.26, UnitSeconds, "75.3 s"},
		{0, UnitSeconds, "0 s"},
		{45, UnitPercent, "45.0%"},
		{100, UnitPercent, "100.0%"},
		{0.03, UnitPercent, "0.03%"},
		{0, UnitPercent, "0%"},
		{0.45, UnitRatio, "45.0%"},
		{0.0012, UnitRatio, "0.1%"},
		{0.00012, UnitRatio, "0.012%"},
		{1, UnitRatio, "100.0%"},
		{500, UnitBytes, "500 B"},
		{512 * MiB, UnitBytes, "512 MiB"},
		{1.5 * GiB, UnitBytes, "1.5 GiB"},
		{1023.9 * MiB, UnitBytes, "1 GiB"},
		{2048, UnitBytes, "2 KiB"},
		{-3.5, UnitNone, "-3.5"},
		{2.5, UnitNone, "2.5"},
		{7, Unit("conn"), "7 conn"},
		{math.NaN(), UnitReqPerSec, "—"},
		{math.NaN(), UnitBytes, "—"},
		{math.Inf(1), UnitSeconds, "∞"},
	}
	for _, tc := range cases {
		if got := FormatValue(tc.v, tc.u); got != tc.want {
			t.Errorf("FormatValue(%v, %q) = %q, want %q", tc.v, tc.u, got, tc.want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	t.Parallel()
	cases := []struct {
		span   float64
		target int
		u      Unit
		want   float64
	}{
		{47, 5, UnitReqPerSec, 10},
		{13, 5, UnitNone, 5},
		{0.42, 5, UnitSeconds, 0.1},
		{0.034, 5, UnitRatio, 0.01},
		{1.1 * (1 << 30), 5, UnitBytes, 256 << 20},
		{3000, 5, UnitBytes, 1024},
		{0, 5, UnitNone, 1},
	}
	for _, tc := range cases {
		if got := niceStep(tc.span, tc.target, tc.u); math.Abs(got-tc.want) > tc.want*1e-9 {
			t.Errorf("niceStep(%v, %d, %q) = %v, want %v", tc.span, tc.target, tc.u, got, tc.want)
		}
	}
}
