package promql

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
)

// startFlysim runs the simulated org on a loopback port.
func startFlysim(t testing.TB, opts flysim.Options) *flysim.Server {
	t.Helper()
	opts.Addr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := flysim.Start(ctx, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		srv.Close()
	})
	return srv
}

func flysimURL(srv *flysim.Server) string { return srv.URL + "/prometheus/" + srv.Sim.Org() }

func flysimClient(t testing.TB, srv *flysim.Server, cfg Config) *Client {
	t.Helper()
	cfg.URL = flysimURL(srv)
	if cfg.AuthHeader == "" {
		cfg.AuthHeader = "Bearer flysim-test-token"
	}
	return newClient(t, cfg)
}

// stats summarises the points of values whose time falls in [from, to).
func stats(w Window, values []float64, from, to time.Time) (mean, maxV float64) {
	sum, n := 0.0, 0
	maxV = math.Inf(-1)
	for i, v := range values {
		at := w.Time(i)
		if at.Before(from) || !at.Before(to) || math.IsNaN(v) {
			continue
		}
		sum += v
		n++
		maxV = math.Max(maxV, v)
	}
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	return sum / float64(n), maxV
}

func seriesNamed(r Result, name string) []float64 {
	for _, s := range r.Series {
		if s.Name == name {
			return s.Values
		}
	}
	return nil
}

// TestFlysimStories checks that the charts tell each simulated app's story
// where flysim put it.
func TestFlysimStories(t *testing.T) {
	t.Parallel()
	srv := startFlysim(t, flysim.Options{})
	c := flysimClient(t, srv, Config{})
	start := srv.Sim.Fleet().Start()
	ctx := context.Background()
	query := func(id ChartID) Query {
		q, ok := Lookup(id)
		if !ok {
			t.Fatalf("no %s query", id)
		}
		return q
	}
	window := func(from, to time.Time) Window {
		w, err := NewWindow(from, to, 360)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}

	t.Run("incident shows as 5xx", func(t *testing.T) {
		t.Parallel()
		app, _ := srv.Sim.Fleet().App(fleet.IncidentApp)
		begin, end := app.StoryTimes["incident_start"], app.StoryTimes["incident_end"]
		w := window(begin.Add(-time.Hour), end.Add(time.Hour))
		r := c.Run(ctx, fleet.IncidentApp, []Query{query("http-status")}, w, 0)[0]
		fiveXX := seriesNamed(r, "5xx")
		if r.Err != nil || fiveXX == nil {
			t.Fatalf("err %v, series %d: want a 5xx series", r.Err, len(r.Series))
		}
		during, _ := stats(w, fiveXX, begin.Add(5*time.Minute), end)
		before, _ := stats(w, fiveXX, w.Start, begin)
		after, _ := stats(w, fiveXX, end.Add(5*time.Minute), w.End)
		if !(during > 5*before && during > 5*after) {
			t.Errorf("5xx req/s: %.3g before, %.3g during, %.3g after the incident", before, during, after)
		}
	})

	t.Run("regional regression shows in one region", func(t *testing.T) {
		t.Parallel()
		app, _ := srv.Sim.Fleet().App(fleet.RegionalLatencyApp)
		slow, regress := app.SlowRegion, app.StoryTimes["regression_start"]
		w := window(regress.Add(-time.Hour), regress.Add(time.Hour))
		r := c.Run(ctx, fleet.RegionalLatencyApp, []Query{query("region-latency")}, w, 0)[0]
		if r.Err != nil || len(r.Series) < 2 {
			t.Fatalf("err %v, %d series", r.Err, len(r.Series))
		}
		for _, s := range r.Series {
			before, _ := stats(w, s.Values, w.Start, regress)
			after, _ := stats(w, s.Values, regress.Add(10*time.Minute), w.End)
			regressed := after > 2*before
			if regressed != (s.Name == slow) {
				t.Errorf("p95 in %s: %.3g s before, %.3g s after the regression (slow region %s)", s.Name, before, after, slow)
			}
		}
	})

	t.Run("OOM kill shows as a memory drop", func(t *testing.T) {
		t.Parallel()
		app, _ := srv.Sim.Fleet().App(fleet.OOMApp)
		oom := app.StoryTimes["oom"]
		w := window(oom.Add(-time.Hour), oom.Add(time.Hour))
		r := c.Run(ctx, fleet.OOMApp, []Query{query("memory")}, w, 0)[0]
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		dropped := false
		for _, s := range r.Series {
			if s.Limit {
				continue
			}
			_, peak := stats(w, s.Values, oom.Add(-10*time.Minute), oom)
			low, _ := stats(w, s.Values, oom.Add(2*time.Minute), oom.Add(10*time.Minute))
			if peak > 1.5*low {
				dropped = true
			}
		}
		if !dropped {
			t.Errorf("no machine's memory fell after the OOM kill at %s", oom.Format(time.TimeOnly))
		}
	})

	t.Run("a worker has machines but no HTTP", func(t *testing.T) {
		t.Parallel()
		w := window(start.Add(-time.Hour), start)
		for _, r := range c.Run(ctx, fleet.NoHTTPApp, Catalog(), w, 0) {
			switch {
			case r.Err != nil:
				t.Errorf("%s: %v", r.Query.ID, r.Err)
			case r.Query.HTTP && len(r.Series) != 0:
				t.Errorf("%s: %d series for an app without HTTP", r.Query.ID, len(r.Series))
			case !r.Query.HTTP && len(r.Series) == 0:
				t.Errorf("%s: no series", r.Query.ID)
			}
		}
	})

	t.Run("compare lines up a day later", func(t *testing.T) {
		t.Parallel()
		w := window(start.Add(-2*time.Hour), start)
		q := query("region-requests")
		now := c.Run(ctx, fleet.HealthyApp, []Query{q}, w, 24*time.Hour)[0]
		yesterday, _ := NewWindow(w.Start.Add(-24*time.Hour), w.End.Add(-24*time.Hour), 360)
		then := c.Run(ctx, fleet.HealthyApp, []Query{q}, yesterday, 0)[0]
		if now.Err != nil || then.Err != nil || len(now.Series) == 0 || len(now.Series) != len(then.Series) {
			t.Fatalf("offset: %v, %d series; a day back: %v, %d series", now.Err, len(now.Series), then.Err, len(then.Series))
		}
		for i := range now.Series {
			a, b := now.Series[i].Values, then.Series[i].Values
			for j := range a {
				if math.Abs(a[j]-b[j]) > 1e-9*math.Max(1, math.Abs(b[j])) {
					t.Fatalf("%s at point %d: %g with offset 1d, %g a day back", now.Series[i].Name, j, a[j], b[j])
				}
			}
		}
	})
}

func TestFlysimFaults(t *testing.T) {
	t.Parallel()
	w, _ := NewWindow(time.Now().Add(-time.Hour), time.Now(), 360)
	for _, tc := range []struct {
		name    string
		opts    flysim.Options
		cfg     Config
		kind    error
		explain string
	}{
		{"hang", flysim.Options{PromFault: flysim.FaultHang}, Config{Timeout: 300 * time.Millisecond},
			ErrTimeout, "Prometheus did not answer within 300 ms."},
		{"slow", flysim.Options{PromLatency: time.Minute}, Config{Timeout: 250 * time.Millisecond},
			ErrTimeout, "Prometheus did not answer within 250 ms."},
		{"garbage", flysim.Options{PromFault: flysim.FaultGarbage}, Config{},
			ErrBadResponse, "Prometheus answered with something that is not a query result."},
		{"503", flysim.Options{PromErrorRate: 1}, Config{},
			ErrUnavailable, "Prometheus answered with an error (503)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := startFlysim(t, tc.opts)
			c := flysimClient(t, srv, tc.cfg)
			for _, r := range c.Run(context.Background(), fleet.HealthyApp, Catalog(), w, 0) {
				if !errors.Is(r.Err, tc.kind) || Explain(r.Err) != tc.explain {
					t.Errorf("%s: %v (%q), want %q", r.Query.ID, r.Err, Explain(r.Err), tc.explain)
				}
			}
		})
	}

	t.Run("no token", func(t *testing.T) {
		t.Parallel()
		srv := startFlysim(t, flysim.Options{})
		c := newClient(t, Config{URL: flysimURL(srv)})
		r := c.Run(context.Background(), fleet.HealthyApp, Catalog()[:1], w, 0)[0]
		if !errors.Is(r.Err, ErrUnauthorized) {
			t.Errorf("err = %v, want ErrUnauthorized", r.Err)
		}
	})

	t.Run("another org", func(t *testing.T) {
		t.Parallel()
		srv := startFlysim(t, flysim.Options{})
		c := newClient(t, Config{URL: srv.URL + "/prometheus/not-mine", AuthHeader: "Bearer x"})
		r := c.Run(context.Background(), fleet.HealthyApp, Catalog()[:1], w, 0)[0]
		if !errors.Is(r.Err, ErrUnavailable) || Explain(r.Err) != "Prometheus answered with an error (404)." {
			t.Errorf("err = %v (%q)", r.Err, Explain(r.Err))
		}
	})
}

// TestFlysimIdenticalRunsSendOneQuery counts at the simulator itself:
// however the callers interleave, each of them either joins the query in
// flight or finds its result in the cache.
func TestFlysimIdenticalRunsSendOneQuery(t *testing.T) {
	t.Parallel()
	srv := startFlysim(t, flysim.Options{PromLatency: 100 * time.Millisecond})
	c := flysimClient(t, srv, Config{CacheTTL: func(time.Duration) time.Duration { return time.Hour }})
	w, _ := NewWindow(time.Now().Add(-time.Hour), time.Now(), 720)
	const callers = 10
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for _, r := range c.Run(context.Background(), fleet.HealthyApp, Catalog(), w, 0) {
				if r.Err != nil {
					t.Errorf("%s: %v", r.Query.ID, r.Err)
				}
			}
		})
	}
	wg.Wait()
	_, prom := srv.Sim.Counts()
	s := c.Stats()
	if prom != 6 || s.Upstream != 6 || s.Coalesced+s.CacheHits != (callers-1)*6 {
		t.Errorf("flysim saw %d queries; stats %+v; want 6 sent and the rest shared", prom, s)
	}
}

// TestFlysimOverviewCostIsFlat: the list's queries do not grow with the org.
// 30 apps rather than 500 keeps the test quick: flysim synthesises samples
// per query, and the count is the point here, not the engine's speed.
func TestFlysimOverviewCostIsFlat(t *testing.T) {
	t.Parallel()
	for _, apps := range []int{5, 30} {
		srv := startFlysim(t, flysim.Options{Apps: apps})
		// flysim computes every sample on demand; under -race on two cores
		// that can take longer than Fly would.
		c := flysimClient(t, srv, Config{Timeout: 2 * time.Minute})
		start := srv.Sim.Fleet().Start()
		w, _ := NewWindow(start.Add(-5*time.Minute), start, 120)
		ov, err := c.Overview(context.Background(), w)
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range Columns() {
			if ov.Err(col) != nil {
				t.Errorf("%d apps, %s: %v", apps, col, ov.Err(col))
			}
		}
		_, prom := srv.Sim.Counts()
		if prom != 9 || len(ov.Apps) < apps {
			t.Errorf("%d apps: %d queries, %d rows; want 9 queries and a row per app", apps, prom, len(ov.Apps))
		}
	}
}
