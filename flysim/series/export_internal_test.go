package series

import "github.com/prometheus/prometheus/storage"

// WithFineGridOnly serves every selector on the 15 s grid, so that tests
// can compare the coarse grids' answers with it.
func WithFineGridOnly() Option {
	return func(c *config) { c.fineOnly = true }
}

// SamplesServed is how many samples q has synthesized so far.
func SamplesServed(q storage.Queryable) int64 {
	return q.(*queryable).served.Load()
}

// CacheStats is how many row blocks q's cache was asked for, and found.
func CacheStats(q storage.Queryable) (hits, lookups int64) {
	return q.(*queryable).cache.stats()
}
