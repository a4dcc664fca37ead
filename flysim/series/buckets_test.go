package series_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/flydash/dashboard/health"
)

// The verdict's latency lines are edges of Fly's response-time buckets, so
// whether p95 crosses one is exact (more than 5% of responses above the
// edge), however coarse the buckets around it; only the figure shown is
// interpolated. A bucket set without these edges would move the verdicts.
func TestVerdictLatencyLinesAreBucketEdges(t *testing.T) {
	t.Parallel()
	prom := serve(t, storyFleet())
	for _, family := range []string{"fly_edge_http_response_time_seconds_bucket", "fly_app_http_response_time_seconds_bucket"} {
		les, _, _, err := prom.LabelValues(t.Context(), "le", []string{family}, testStart.Add(-time.Minute), testStart)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, le := range les {
			got = append(got, string(le))
		}
		for _, line := range []time.Duration{health.P95Degraded, health.RegionOutlierFloor} {
			edge := strconv.FormatFloat(line.Seconds(), 'f', -1, 64)
			if !slices.Contains(got, edge) {
				t.Errorf("%s has no le=%q bucket for the verdict's %s line; its buckets are %v", family, edge, line, got)
			}
		}
	}
}
