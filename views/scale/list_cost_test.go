package scale

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestListCostDoesNotGrowWithApps: the list page of 500 apps sends exactly
// as many Prometheus queries as that of 5 (at most 16: the range's four
// sparkline columns and the timeline's nine), and no more Machines API
// calls. The range is two minutes; the verdict's day-long timeline is what
// costs flysim's time for 500 apps. The number of queries depends on
// neither.
func TestListCostDoesNotGrowWithApps(t *testing.T) {
	type cost struct{ machines, prom, logs int64 }
	measure := func(t *testing.T, apps int) cost {
		// Answers stay cached for the whole run: the test counts whether
		// later pages reuse them, which must not turn on whether a slow run
		// outlasted one step.
		s := newStack(t, apps, anHour)
		m0, p0 := s.sim.Sim.Counts()
		l0 := s.sim.Sim.LogsRequests()
		start := time.Now()
		window := "/?from=" + listNow.Add(-2*time.Minute).Format(time.RFC3339) + "&to=" + listNow.Format(time.RFC3339)
		status, body := s.get(t, window)
		took := time.Since(start)
		m1, p1 := s.sim.Sim.Counts()
		l1 := s.sim.Sim.LogsRequests()
		if status != http.StatusOK {
			t.Fatalf("%d apps: list %d", apps, status)
		}
		if f := faults(body); f != "" {
			t.Fatalf("%d apps, the list after %v: %s", apps, took, f)
		}
		if rows, counted := listed(body); rows != min(apps, pageSize) || counted != apps {
			t.Errorf("%d apps: the list shows %d rows, its summary counts %d apps", apps, rows, counted)
		}
		if apps > pageSize {
			// Its second page and a filter are answered from the first's
			// queries.
			for _, more := range []string{"&page=2", "&q=svc-01"} {
				if status, _ := s.get(t, window+more); status != http.StatusOK {
					t.Errorf("%d apps: %s: %d", apps, more, status)
				}
			}
			if _, p2 := s.sim.Sim.Counts(); p2 != p1 {
				t.Errorf("%d apps: page 2 and a filter sent %d more Prometheus queries", apps, p2-p1)
			}
		}
		t.Logf("%d apps: %d Machines API calls, %d Prometheus queries, %v", apps, m1-m0, p1-p0, took)
		return cost{m1 - m0, p1 - p0, l1 - l0}
	}
	small, large := measure(t, 5), measure(t, 500)
	if small.prom != large.prom || large.prom > 16 || large.prom == 0 {
		t.Errorf("Prometheus queries: %d for 5 apps, %d for 500; want equal and at most 16", small.prom, large.prom)
	}
	if large.machines > small.machines || small.machines != 1 {
		t.Errorf("Machines API calls: %d for 5 apps, %d for 500; want one listing each", small.machines, large.machines)
	}
	// Logs are evidence for one app's page, never a list's cost.
	if small.logs != 0 || large.logs != 0 {
		t.Errorf("logs API calls: %d for 5 apps, %d for 500; the list must make none", small.logs, large.logs)
	}
}

func anHour(time.Duration) time.Duration { return time.Hour }

// BenchmarkListPage500 times GET / for an org of 500 apps through flysim
// over HTTP. "upstream" makes every request miss the query cache (each asks
// for a window one minute earlier), so it measures the whole page with its
// queries and one listing, which flysim's generator dominates; "cached"
// answers the queries from the cache, leaving the dashboard's own work: the
// listing, 500 verdicts, 2000 sparklines and the template.
func BenchmarkListPage500(b *testing.B) {
	for _, bc := range []struct {
		name   string
		cached bool
	}{{"upstream", false}, {"cached", true}} {
		b.Run(bc.name, func(b *testing.B) {
			ttl := func(step time.Duration) time.Duration { return step }
			if bc.cached {
				ttl = anHour
			}
			s := newStack(b, 500, ttl)
			path := func(i int) string {
				to := listNow.Add(-time.Duration(i) * time.Minute)
				return "/?from=" + to.Add(-5*time.Minute).Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339)
			}
			if bc.cached {
				s.get(b, path(0)) // fill the cache
			}
			m0, p0 := s.sim.Sim.Counts()
			var size, unavailable int
			i := 0
			for b.Loop() {
				i++
				p := path(i)
				if bc.cached {
					p = path(0)
				}
				status, body := s.get(b, p)
				if status != http.StatusOK {
					b.Fatalf("GET %s: %d", p, status)
				}
				size = len(body)
				unavailable += strings.Count(body, ">unavailable<")
			}
			m1, p1 := s.sim.Sim.Counts()
			b.ReportMetric(float64(p1-p0)/float64(i), "queries/op")
			b.ReportMetric(float64(m1-m0)/float64(i), "listings/op")
			b.ReportMetric(float64(size), "page-bytes")
			b.ReportMetric(float64(unavailable)/float64(i), "unavailable-cells/op")
		})
	}
}
