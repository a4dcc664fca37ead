package logs

import "hash/fnv"

// Every random-looking choice is a hash of the app, the machine and the
// time, so a line is the same in every process and on every page.

func hashKey(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0xff})
	}
	return mix(h.Sum64())
}

// mix is splitmix64's finalizer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// unit maps (key, n, salt) to [0, 1).
func unit(key, n uint64, salt uint64) float64 {
	return float64(mix(key^(n*0x9e3779b97f4a7c15)^(salt<<56))>>11) / (1 << 53)
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// requestID looks like the Fly-Request-Id the proxy gives a request: a
// ULID and the edge region.
func requestID(key, n uint64, region string) string {
	b := make([]byte, 0, 30)
	b = append(b, '0', '1')
	x, y := mix(key^n), mix(key^n^0x5bd1e995)
	for i := range 24 {
		if i == 12 {
			x = y
		}
		b = append(b, crockford[x&31])
		x >>= 5
	}
	return string(b) + "-" + region
}
