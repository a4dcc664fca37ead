package promql

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRun measures one app page's six queries against the fixture in
// a real VictoriaMetrics over loopback HTTP: cold (every query sent) and
// cached (every query answered from the cache, copies included).
func BenchmarkRun(b *testing.B) {
	for _, span := range []time.Duration{time.Hour, 3 * time.Hour} {
		w, err := NewWindow(fixtureNow.Add(-span), fixtureNow, 720)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("cold/"+span.String(), func(b *testing.B) {
			vm := fixtureVM(b)
			c := newClient(b, Config{URL: vm.URL, CacheTTL: func(time.Duration) time.Duration { return 0 }})
			for b.Loop() {
				runPage(b, c, w)
			}
		})
		b.Run("cached/"+span.String(), func(b *testing.B) {
			vm := fixtureVM(b)
			c := newClient(b, Config{URL: vm.URL, CacheTTL: func(time.Duration) time.Duration { return time.Hour }})
			runPage(b, c, w)
			for b.Loop() {
				runPage(b, c, w)
			}
			if c.Stats().Upstream != 6 {
				b.Errorf("cached run sent %d queries", c.Stats().Upstream)
			}
		})
	}
}

func runPage(b *testing.B, c *Client, w Window) {
	for _, r := range c.Run(context.Background(), "web", Catalog(), w, 0) {
		if r.Err != nil {
			b.Fatalf("%s: %v", r.Query.ID, r.Err)
		}
	}
}
