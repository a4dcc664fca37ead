package charts

import (
	"testing"
	"time"
)

// BenchmarkSummary6x289 is the data table of one app page chart over 24 h:
// six series of 289 five-minute points summarised in 24 hourly rows.
func BenchmarkSummary6x289(b *testing.B) {
	c := benchChart(6, 289)
	c.Step = 5 * time.Minute
	b.ReportAllocs()
	for b.Loop() {
		if t := c.Summary(24); len(t.Rows) < 24 {
			b.Fatalf("%d rows", len(t.Rows))
		}
	}
}
