package series_test

import (
	"testing"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
)

// The latency chart reads the same buckets three times (p50, p95, p99) and
// the region chart a fourth: the rows are synthesized once, and a query
// served from the cache answers as one that computed everything.
func TestRowCacheServesRepeatedBuckets(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	engine := newEngine()
	qa := series.NewQueryable(f)
	qs := appPageQueries(fleet.RegionalLatencyApp, page24h)
	first, _ := rangeMatrix(t, engine, qa, qs["latency"], page24h, testStart)
	hits, lookups := series.CacheStats(qa)
	if lookups == 0 || 3*hits < 2*lookups {
		t.Errorf("latency chart: %d of %d row blocks from the cache, want 2 in 3", hits, lookups)
	}
	_, _ = rangeMatrix(t, engine, qa, qs["region-latency"], page24h, testStart)
	hits2, lookups2 := series.CacheStats(qa)
	if lookups2 == lookups || hits2-hits != lookups2-lookups {
		t.Errorf("region chart: %d of %d row blocks from the cache, want all", hits2-hits, lookups2-lookups)
	}
	uncached := series.NewQueryable(f, series.WithCacheFloats(0))
	want, _ := rangeMatrix(t, engine, uncached, qs["latency"], page24h, testStart)
	again, _ := rangeMatrix(t, engine, qa, qs["latency"], page24h, testStart)
	if err := sameMatrix(want, first, nil); err != nil {
		t.Errorf("first query, cache filling: %v", err)
	}
	if err := sameMatrix(want, again, nil); err != nil {
		t.Errorf("query served from the cache: %v", err)
	}
}
