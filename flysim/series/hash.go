package series

import "hash/fnv"

// Every random-looking number in the generator is a hash of labels and the
// grid index: the same fleet gives the same samples in every process, and no
// state is shared between queries.

func hashKey(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0xff})
	}
	return mix(h.Sum64())
}

// mix is splitmix64's finalizer: it spreads nearby inputs over all bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// unit maps (key, n) to [0, 1).
func unit(key, n uint64) float64 {
	return float64(mix(key^(n*0x9e3779b97f4a7c15))>>11) / (1 << 53)
}

// between maps (key, n) to [lo, hi).
func between(key, n uint64, lo, hi float64) float64 {
	return lo + (hi-lo)*unit(key, n)
}
