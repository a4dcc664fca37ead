package views

import (
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/health"
)

// TestEndedSections: a busy day's episodes become one section per kind and
// place, the latest first, each saying how often it happened, and no more
// than endedSections of them.
func TestEndedSections(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC)
	ep := func(k health.Kind, what, where string, endH int) health.Episode {
		e := health.Episode{Kind: k, Status: health.Degraded, What: what, Start: at.Add(-time.Duration(endH)*time.Hour - 10*time.Minute),
			End: at.Add(-time.Duration(endH) * time.Hour), Lookback: 24 * time.Hour, AsOf: at}
		if where != "" {
			e.Where = []string{where}
		}
		return e
	}
	var v health.Verdict
	for h := 1; h <= 10; h++ {
		v.Ended = append(v.Ended, ep(health.KindRegionLatency, "p95 1.2 s", "iad", h))
	}
	v.Ended = append(v.Ended,
		ep(health.KindErrors, "5xx at 7%", "", 2),
		ep(health.KindErrors, "5xx at 9%", "", 5),
		ep(health.KindHardLimit, "at the hard concurrency limit", "", 3),
		ep(health.KindRegionLatency, "p95 1.4 s", "sin", 4),
		ep(health.KindLatency, "p95 2.7 s", "", 6), // a fifth place: on the strip only
	)
	var got []string
	for _, f := range findingViews("chat-gateway", v, nil, at) {
		got = append(got, f.Text)
	}
	want := []string{
		"Recovered at 18:00 UTC: p95 1.2 s on iad from 17:50 UTC; 10 times in the last 24 h",
		"Recovered at 17:00 UTC: 5xx at 7% from 16:50 UTC; 2 times in the last 24 h",
		"Recovered at 16:00 UTC: at the hard concurrency limit from 15:50 UTC",
		"Recovered at 15:00 UTC: p95 1.4 s on sin from 14:50 UTC",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sections\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
