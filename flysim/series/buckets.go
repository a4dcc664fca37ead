package series

import (
	"math"
	"strconv"
)

// buckets are one histogram family's le bounds, in seconds, as Fly's proxy
// sends them: each family has its own set (a capture of a real org, see
// docs/flysim-fidelity.md), not one generic ladder.
type buckets struct {
	bounds []float64 // ascending, +Inf last
	labels []string  // le values, formatted as client libraries do
}

func newBuckets(bounds ...float64) *buckets {
	b := &buckets{bounds: append(bounds, math.Inf(1))}
	if len(b.bounds) > maxBuckets {
		panic("series: more buckets than a row holds")
	}
	for _, le := range b.bounds {
		l := "+Inf"
		if !math.IsInf(le, 1) {
			l = strconv.FormatFloat(le, 'f', -1, 64)
		}
		b.labels = append(b.labels, l)
	}
	return b
}

// maxBuckets is the most buckets a family has, +Inf included: a stream's
// row holds that many counts, then the sum.
const maxBuckets = 13

var (
	// responseBuckets: fly_edge_ and fly_app_http_response_time_seconds,
	// coarse between 1 s and 5 s and up to the proxy's 120 s.
	responseBuckets = newBuckets(0.005, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 5, 15, 30, 60, 120)
	// connectBuckets: fly_app_connect_time_seconds, from half a millisecond.
	connectBuckets = newBuckets(0.0005, 0.001, 0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5)
	// handshakeBuckets: fly_edge_tls_handshake_time_seconds.
	handshakeBuckets = newBuckets(0.005, 0.025, 0.05, 0.1, 0.2, 1, 10)
	// queueBuckets: fly_edge_tls_queue_time_seconds is not in the capture;
	// its sub-millisecond waits get the connect time's fine low end.
	queueBuckets = connectBuckets
)

// countColumn is the row column of the +Inf bucket, which _count reads.
func (b *buckets) countColumn() int { return len(b.bounds) - 1 }
