package views

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/promql"
)

// TestListCostDoesNotGrowWithApps: the list page of 500 apps sends exactly
// as many Prometheus queries as that of 5 (at most 16: the range's four
// sparkline columns and the timeline's nine), and no more Machines
// API calls. The range is two minutes; the verdict's day-long timeline is
// what costs flysim's time for 500 apps. The number of queries depends on
// neither.
//
// It does not run in parallel: flysim's 500 apps take both CPUs of a CI
// machine for a few seconds, which would push other tests' queries past
// their timeouts.
func TestListCostDoesNotGrowWithApps(t *testing.T) {
	type cost struct{ machines, prom, logs int64 }
	measure := func(t *testing.T, apps int) cost {
		s := newListStack(t, apps, listTestTimeout)
		m0, p0 := s.Sim.Sim.Counts()
		l0 := s.Sim.Sim.LogsRequests()
		start := time.Now()
		window := "/?from=" + listNow.Add(-2*time.Minute).Format(time.RFC3339) + "&to=" + listNow.Format(time.RFC3339)
		status, body, _ := s.get(t, window)
		took := time.Since(start)
		m1, p1 := s.Sim.Sim.Counts()
		l1 := s.Sim.Sim.LogsRequests()
		if status != http.StatusOK {
			t.Fatalf("%d apps: list %d", apps, status)
		}
		rows := parseList(t, body)
		// A column that failed is not cached, so later pages would query
		// again and the count below would blame the wrong thing: say so
		// here. newListStack's timeouts are minutes, not the product's 5 s.
		requireNoFaults(t, fmt.Sprintf("%d apps, the list after %v", apps, took), body)
		if len(rows) != min(apps, listPageSize) || sum(listSummary(body)) != apps {
			t.Errorf("%d apps: the list shows %d rows, its summary counts %d apps", apps, len(rows), sum(listSummary(body)))
		}
		checkMorePagesFree(t, s, window, apps) // and its second page and a filter none
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

// BenchmarkListPage500 times GET / for an org of 500 apps through flysim
// over HTTP. "upstream" makes every request miss the query cache (each asks
// for a window one minute earlier), so it measures the whole page with its
// five queries and one listing, which flysim's generator dominates; "cached"
// answers the queries from the cache, leaving the dashboard's own work: the
// listing, 500 verdicts, 2000 sparklines and the template.
func BenchmarkListPage500(b *testing.B) {
	for _, bc := range []struct {
		name   string
		cached bool
	}{{"upstream", false}, {"cached", true}} {
		b.Run(bc.name, func(b *testing.B) {
			s := newCachingListStack(b, 500, bc.cached)
			path := func(i int) string {
				to := listNow.Add(-time.Duration(i) * time.Minute)
				return "/?from=" + to.Add(-5*time.Minute).Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339)
			}
			if bc.cached {
				s.get(b, path(0)) // fill the cache
			}
			m0, p0 := s.Sim.Sim.Counts()
			var size, unavailable int
			i := 0
			for b.Loop() {
				i++
				p := path(i)
				if bc.cached {
					p = path(0)
				}
				status, body, _ := s.get(b, p)
				if status != http.StatusOK {
					b.Fatalf("GET %s: %d", p, status)
				}
				size = len(body)
				unavailable += strings.Count(body, ">unavailable<")
			}
			m1, p1 := s.Sim.Sim.Counts()
			b.ReportMetric(float64(p1-p0)/float64(i), "queries/op")
			b.ReportMetric(float64(m1-m0)/float64(i), "listings/op")
			b.ReportMetric(float64(size), "page-bytes")
			b.ReportMetric(float64(unavailable)/float64(i), "unavailable-cells/op")
		})
	}
}

// newCachingListStack is newListStack with a query cache that keeps results
// for an hour (cached) or for one step, the default.
func newCachingListStack(b *testing.B, apps int, cached bool) *stack {
	b.Helper()
	ctx := context.Background()
	now := func() time.Time { return listNow }
	sim, err := flysim.Start(ctx, flysim.Options{Addr: "127.0.0.1:0", Apps: apps, Start: listNow.Add(listIncidentLead), Now: now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sim.Close)
	org := sim.Sim.Org()
	fly, err := flyapi.New(ctx, flyapi.Config{Token: "test-token", Org: org, BaseURL: sim.URL, APIBaseURL: sim.URL})
	if err != nil {
		b.Fatal(err)
	}
	ttl := func(step time.Duration) time.Duration { return step }
	if cached {
		ttl = func(time.Duration) time.Duration { return time.Hour }
	}
	prom, err := promql.NewClient(promql.Config{URL: sim.URL + "/prometheus/" + org, AuthHeader: "Bearer test-token", Timeout: 2 * time.Minute, CacheTTL: ttl})
	if err != nil {
		b.Fatal(err)
	}
	h, err := New(Config{Fly: fly, Prom: prom, Demo: true, Now: now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return &stack{Sim: sim, URL: srv.URL, Client: &http.Client{Timeout: 5 * time.Minute}}
}
