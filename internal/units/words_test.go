package units

import (
	"testing"
	"time"
)

func TestFloorWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{FloorPercent(0.25), "0.2%"},
		{FloorPercent(4.99), "4.9%"},
		{FloorPercent(5), "5%"},
		{FloorPercent(12.6), "12%"},
		{FloorSeconds(0.9996), "999 ms"},
		{FloorSeconds(0.0424), "42 ms"},
		{FloorSeconds(0.97), "970 ms"},
		{FloorSeconds(1.89), "1.8 s"},
		{FloorSeconds(2), "2 s"},
		{FloorRate(0.0004), "under 0.001 req/s"},
		{FloorRate(0.5), "0.5 req/s"},
		{FloorRate(3.25), "3.2 req/s"},
		{FloorRate(35.1), "35 req/s"},
		{Duration(250 * time.Millisecond), "250 ms"},
		{Duration(1500 * time.Millisecond), "1.5 s"},
		{Duration(10 * time.Second), "10 s"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
