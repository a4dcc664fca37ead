package logs

import (
	"strconv"

	"github.com/flydash/dashboard/flysim/series"
)

// Every random-looking choice is a hash of the app, the machine and the
// time, so a line is the same in every process and on every page.

func hashKey(parts ...string) uint64 { return series.Hash(parts...) }

// unit maps (key, n, salt) to [0, 1); salt tells apart the choices made
// for one line.
func unit(key, n uint64, salt uint64) float64 { return series.Unit(key^salt<<56, n) }

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// requestID looks like the Fly-Request-Id the proxy gives a request: a
// ULID and the edge region.
func requestID(key, n uint64, region string) string {
	b := make([]byte, 0, 30)
	b = append(b, '0', '1')
	x, y := hashKey(strconv.FormatUint(key^n, 36)), hashKey(strconv.FormatUint(key^n, 36), "2")
	for i := range 24 {
		if i == 12 {
			x = y
		}
		b = append(b, crockford[x&31])
		x >>= 5
	}
	return string(b) + "-" + region
}
