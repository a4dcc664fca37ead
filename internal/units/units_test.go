package units

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	const MiB, GiB = 1 << 20, 1 << 30
	cases := []struct {
		v    float64
		u    Unit
		want string
	}{
		{12.345, ReqPerSec, "12.3 req/s"},
		{0.5, ReqPerSec, "0.5 req/s"},
		{0.0333, ReqPerSec, "0.0333 req/s"},
		{99.96, ReqPerSec, "100 req/s"},
		{12345, ReqPerSec, "12.3k req/s"},
		{2.5e6, ReqPerSec, "2.5M req/s"},
		{0, ReqPerSec, "0 req/s"},
		{0.25, Seconds, "250 ms"},
		{0.0123, Seconds, "12.3 ms"},
		{0.00005, Seconds, "50 µs"},
		{1.2399, Seconds, "1.24 s"},
		{0.9996, Seconds, "1 s"},
		{75.26, Seconds, "75.3 s"},
		{0, Seconds, "0 s"},
		{45, Percent, "45.0%"},
		{100, Percent, "100.0%"},
		{0.03, Percent, "0.03%"},
		{0, Percent, "0%"},
		{0.45, Ratio, "45.0%"},
		{0.0012, Ratio, "0.1%"},
		{0.00012, Ratio, "0.012%"},
		{1, Ratio, "100.0%"},
		{500, Bytes, "500 B"},
		{512 * MiB, Bytes, "512 MiB"},
		{1.5 * GiB, Bytes, "1.5 GiB"},
		{1023.9 * MiB, Bytes, "1 GiB"},
		{2048, Bytes, "2 KiB"},
		{-3.5, None, "-3.5"},
		{2.5, None, "2.5"},
		{7, Unit("conn"), "7 conn"},
		{4e6, BytesPerSec, "4 MB/s"},
		{1.38e6, BytesPerSec, "1.38 MB/s"},
		{12345, BytesPerSec, "12.3 kB/s"},
		{512, BytesPerSec, "512 B/s"},
		{999999, BytesPerSec, "1 MB/s"},
		{math.NaN(), ReqPerSec, "—"},
		{math.NaN(), Bytes, "—"},
		{math.Inf(1), Seconds, "∞"},
	}
	for _, tc := range cases {
		if got := Format(tc.v, tc.u); got != tc.want {
			t.Errorf("Format(%v, %q) = %q, want %q", tc.v, tc.u, got, tc.want)
		}
	}
}
