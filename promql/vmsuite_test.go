package promql_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/promql/internal/vmtest"
)

// The VictoriaMetrics suite runs every canned query against the engine Fly's
// managed Prometheus really is, over the simulated org's own samples, and
// holds the answers to two standards: the shape the dashboard expects (the
// series and labels each chart needs) and the values the simulator's engine
// gives for the same query (the fidelity check: a chart must not change when
// the dashboard moves from the simulator to Fly).

// vmHistory is how much of the org's history is imported: back to an hour
// before the oldest story moment (the deploy, 8 h before the anchor), so
// every story shows both sides; the 24 h window is partly empty. About four
// million samples: 4-6 s to generate and load on two cores.
const vmHistory = 9 * time.Hour

// vmMetrics are the metric families the dashboard's queries read. The
// generator makes more (app-level HTTP metrics, load, network); importing
// them would only slow the suite.
var vmMetrics = []string{
	series.EdgeResponses,
	series.EdgeResponseTime + "_bucket",
	series.InstanceCPU,
	series.InstanceMemTotal,
	series.InstanceMemAvailable,
	series.InstanceUp,
	// The Machines group and the list's Fly-native columns.
	series.InstanceCPUBaseline,
	series.InstanceCPUBalance,
	series.InstanceCPUThrottle,
	series.InstanceExitCode,
	series.AppConcurrency,
	series.AppSoftLimit,
	series.AppHardLimit,
	series.VolumeUsedPct,
	"fly_edge_data_out",
}

// vmAnchor is the simulated org's "now" in this suite: in the past (so
// VictoriaMetrics takes the samples), on a Monday afternoon, 20 minutes
// after the daily peak, so the throttled and concurrency stories are on.
var vmAnchor = time.Date(2026, 1, 5, 15, 20, 0, 0, time.UTC)

// vmApps are the apps imported and checked: one per story, and a worker
// without HTTP (the idle and healthy apps add nothing but import time).
var vmApps = []string{fleet.IncidentApp, fleet.RegionalLatencyApp, fleet.OOMApp, fleet.DeployApp, fleet.NoHTTPApp,
	fleet.ThrottledApp, fleet.ConcurrencyApp, fleet.CrashLoopApp, fleet.VolumeFillingApp}

// vmWindows are the ranges checked, as the app page asks for them (720 px
// charts): the step and rate window differ for each.
var vmWindows = []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour}

// vmEnv is the org loaded into both engines.
type vmEnv struct {
	now   time.Time
	fleet *fleet.Fleet
	vm    *promql.Client // VictoriaMetrics, at /prometheus/demo as at Fly
	sim   *promql.Client // flysim's engine over the same fleet
}

func TestVictoriaMetrics(t *testing.T) {
	t.Parallel()
	// The data is months old: keep it.
	server := vmtest.Start(t, vmtest.Options{ExtraFlags: []string{"-retentionPeriod=100y"}})

	// A fixed clock: both engines see exactly the same org, with no samples
	// appearing on one side between import and query, and every run has
	// the same samples, so a failure reproduces.
	now := vmAnchor
	clock := func() time.Time { return now }
	cfg := fleet.Config{Start: now, Now: clock}
	env := vmEnv{now: now, fleet: fleet.New(cfg)}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	began := time.Now()
	if err := importFleet(ctx, server, env.fleet, now.Add(-vmHistory), now); err != nil {
		t.Fatalf("importing the simulated org into VictoriaMetrics: %v\n%s", err, server.Logs())
	}
	t.Logf("imported %s of %v in %s", vmHistory, vmApps, time.Since(began).Round(time.Millisecond))

	// Its own context: the subtests run after this function returns.
	sim, err := flysim.Start(context.Background(), flysim.Options{Addr: "127.0.0.1:0", Start: cfg.Start, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)

	// No cache: each check must reach the engine it names.
	noCache := func(time.Duration) time.Duration { return 0 }
	env.vm, err = promql.NewClient(promql.Config{URL: server.URL, CacheTTL: noCache, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	env.sim, err = promql.NewClient(promql.Config{URL: sim.URL + "/prometheus/" + sim.Sim.Org(), AuthHeader: "Bearer test-token", CacheTTL: noCache, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range vmApps {
		app, err := env.fleet.App(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storyChecked := false
			for _, span := range vmWindows {
				t.Run(windowName(span), func(t *testing.T) {
					if env.checkApp(t, app, span, 0) {
						storyChecked = true
					}
				})
			}
			if hasStoryCheck(app) && !storyChecked {
				t.Errorf("no window showed both sides of %s's story moment: widen vmHistory or vmWindows", app.Name)
			}
			// The compare lines (?compare=) shift every selector with
			// offset; the engine must take it in every query.
			t.Run("1h offset 1h", func(t *testing.T) {
				env.checkApp(t, app, time.Hour, time.Hour)
			})
		})
	}
	t.Run("overview", func(t *testing.T) {
		t.Parallel()
		env.checkOverview(t)
	})
	t.Run("machines group", func(t *testing.T) {
		t.Parallel()
		env.checkMachinesGroup(t)
	})
	t.Run("fly overview", func(t *testing.T) {
		t.Parallel()
		env.checkFlyOverview(t)
	})
}

// windowName is "1h", "6h", "24h".
func windowName(d time.Duration) string {
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

// checkApp runs every canned query for app over the last span on both
// engines and checks VictoriaMetrics' answers. It reports whether the app's
// story was checked.
func (env vmEnv) checkApp(t *testing.T, app fleet.App, span, offset time.Duration) (storyChecked bool) {
	w, err := promql.NewWindow(env.now.Add(-span), env.now, 720)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	qs := promql.Catalog()
	got := env.vm.Run(ctx, app.Name, qs, w, offset)
	want := env.sim.Run(ctx, app.Name, qs, w, offset)
	for i, q := range qs {
		t.Run(q.Slug, func(t *testing.T) {
			res := got[i]
			if res.Err != nil {
				t.Fatalf("VictoriaMetrics rejected the query: %v\nPromQL: %s", res.Err, res.PromQL)
			}
			if want[i].Err != nil {
				t.Fatalf("flysim rejected the query: %v\nPromQL: %s", want[i].Err, want[i].PromQL)
			}
			if len(res.Warnings) > 0 {
				t.Errorf("VictoriaMetrics warned: %v", res.Warnings)
			}
			checkShape(t, app, q, w, offset, res)
			if offset == 0 && checkStory(t, app, q, w, res) {
				storyChecked = true
			}
			compareSeries(t, comparison{
				w:       w,
				settled: env.now.Add(-vmHistory).Add(offset + w.RateWindow() + w.Step),
				exits:   appExits(app, offset),
				exact:   q.Slug == "memory",
				events:  q.Unit == promql.UnitReqPerSec,
			}, res.Series, want[i].Series)
		})
	}
	return storyChecked
}

// checkShape holds a result to what its chart needs, from the fleet's
// ground truth: which series exist and what they are called.
func checkShape(t *testing.T, app fleet.App, q promql.Query, w promql.Window, offset time.Duration, res promql.Result) {
	t.Helper()
	names := seriesNames(res.Series)
	for _, s := range res.Series {
		if len(s.Values) != w.Points() {
			t.Errorf("series %q has %d points, want %d (one per step of %s)", s.Name, len(s.Values), w.Points(), w)
		}
		if countValues(s.Values) == 0 {
			t.Errorf("series %q has no value at all", s.Name)
		}
	}
	if q.HTTP && !app.HTTP {
		if len(res.Series) != 0 {
			t.Errorf("%s has no HTTP service, yet %s returned %v", app.Name, q.Slug, names)
		}
		return
	}
	var want []string
	switch q.Slug {
	case "http-status":
		// Every HTTP app answers with codes of all four classes.
		want = []string{"2xx", "3xx", "4xx", "5xx"}
	case "latency":
		want = []string{"p50", "p95", "p99"}
	case "region-latency", "region-requests":
		want = appRegions(app)
	case "cpu":
		for _, m := range runningMachines(app, w, offset) {
			want = append(want, machineName(m))
		}
	case "memory":
		sizes := map[int]bool{}
		for _, m := range runningMachines(app, w, offset) {
			want = append(want, machineName(m)+" used")
			sizes[m.MemoryMB] = true
		}
		// Equal sizes collapse into one limit line; the story apps have
		// one size each.
		if len(sizes) == 1 {
			want = append(want, "total")
		}
	default:
		t.Fatalf("no expectation for the canned query %q: add one to this suite", q.Slug)
	}
	slices.Sort(want)
	sorted := slices.Sorted(slices.Values(names))
	if !slices.Equal(sorted, want) {
		t.Errorf("%s on %s: series %v, want %v\nPromQL: %s", q.Slug, app.Name, sorted, want, res.PromQL)
	}
	for _, s := range res.Series {
		if s.Labels["__name__"] != "" {
			t.Errorf("series %q keeps a metric name", s.Name)
		}
		switch q.Slug {
		case "cpu":
			for i, v := range s.Values {
				if v < 0 || v > 100 {
					t.Errorf("%s at %s: CPU %.2f%% outside 0..100", s.Name, w.Time(i).Format(time.TimeOnly), v)
					break
				}
			}
		case "memory":
			if s.Limit != (s.Labels["kind"] == "total") {
				t.Errorf("series %q: Limit %v for kind %q", s.Name, s.Limit, s.Labels["kind"])
			}
		}
	}
}

// checkStory holds VictoriaMetrics' answers to what the generator implies:
// each story must be as visible on Fly's engine as on the simulator, with
// margins well inside the story's own multipliers. A window that does not
// hold both sides of a story moment checks nothing here; the result says
// whether a check ran.
func checkStory(t *testing.T, app fleet.App, q promql.Query, w promql.Window, res promql.Result) bool {
	t.Helper()
	byName := map[string][]float64{}
	for _, s := range res.Series {
		byName[s.Name] = s.Values
	}
	// ratio compares a series' mean over two intervals; ok is false when
	// either holds fewer than three points.
	ratio := func(name string, after, before [2]time.Time) (float64, bool) {
		a, na := meanBetween(w, byName[name], after[0], after[1])
		b, nb := meanBetween(w, byName[name], before[0], before[1])
		if na < 3 || nb < 3 {
			return 0, false
		}
		return a / b, true
	}
	// Samples start vmHistory before the end; the first rate window is
	// still filling.
	dataFrom := w.End.Add(-vmHistory).Add(w.RateWindow())
	at := app.StoryTimes
	switch {
	case app.Name == fleet.IncidentApp && q.Slug == "http-status":
		// 5xx are 60 times as frequent during the incident.
		start, end := at["incident_start"], at["incident_end"]
		r, ok := ratio("5xx", [2]time.Time{start.Add(5 * time.Minute), end}, [2]time.Time{start.Add(-2 * time.Hour), start.Add(-5 * time.Minute)})
		if ok && r < 10 {
			t.Errorf("storefront's incident: 5xx only %.1f times as frequent as before it", r)
		}
		return ok
	case app.Name == fleet.RegionalLatencyApp && q.Slug == "region-latency":
		// The slow region's latency is five times what it was; the others
		// do not move.
		from := at["regression_start"]
		checked := false
		for _, region := range appRegions(app) {
			r, ok := ratio(region, [2]time.Time{from.Add(15 * time.Minute), w.End}, [2]time.Time{dataFrom, from.Add(-5 * time.Minute)})
			if !ok {
				continue
			}
			checked = checked || region == app.SlowRegion
			if region == app.SlowRegion && r < 3 {
				t.Errorf("search-api's regression: p95 in %s only %.2f times what it was", region, r)
			}
			if region != app.SlowRegion && (r > 1.5 || r < 0.67) {
				t.Errorf("search-api: p95 in %s moved %.2f times, yet only %s regressed", region, r, app.SlowRegion)
			}
		}
		return checked
	case app.Name == fleet.OOMApp && q.Slug == "memory":
		// The killed machine filled its memory before the kill and starts
		// low again after the restart.
		oom := at["oom"]
		var killed *fleet.Machine
		for _, m := range app.Machines {
			for _, e := range m.Events {
				if e.OOMKilled && e.At.Equal(oom) {
					killed = m
				}
			}
		}
		if killed == nil {
			t.Fatal("image-resizer has no OOM-killed machine")
		}
		used := machineName(killed) + " used"
		totalName := "total"
		if _, ok := byName[totalName]; !ok {
			totalName = machineName(killed) + " total"
		}
		total, _ := meanBetween(w, byName[totalName], w.Start, w.End)
		before, nb := meanBetween(w, byName[used], oom.Add(-10*time.Minute), oom.Add(-time.Second))
		after, na := meanBetween(w, byName[used], oom.Add(time.Minute), oom.Add(10*time.Minute))
		if nb == 0 || na == 0 || math.IsNaN(total) {
			return false
		}
		if before < 0.95*total || after > 0.75*total {
			t.Errorf("image-resizer's OOM kill: machine %s used %.0f%% of its memory before the kill and %.0f%% after, want >= 95%% and <= 75%%",
				machineName(killed), 100*before/total, 100*after/total)
		}
		return true
	case app.Name == fleet.DeployApp && q.Slug == "latency":
		// The deploy made every request 2.5 times as slow.
		deploy := at["deploy"]
		r, ok := ratio("p50", [2]time.Time{deploy.Add(15 * time.Minute), deploy.Add(2 * time.Hour)}, [2]time.Time{dataFrom, deploy.Add(-5 * time.Minute)})
		if ok && r < 1.8 {
			t.Errorf("billing-api's deploy: p50 only %.2f times what it was", r)
		}
		return ok
	}
	return false
}

// hasStoryCheck reports whether checkStory knows app's story.
func hasStoryCheck(app fleet.App) bool {
	switch app.Name {
	case fleet.IncidentApp, fleet.RegionalLatencyApp, fleet.OOMApp, fleet.DeployApp:
		return true
	}
	return false
}

// meanBetween averages the points of values within [from, to].
func meanBetween(w promql.Window, values []float64, from, to time.Time) (float64, int) {
	sum, n := 0.0, 0
	for i, v := range values {
		at := w.Time(i)
		if at.Before(from) || at.After(to) || math.IsNaN(v) {
			continue
		}
		sum += v
		n++
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

func seriesNames(ss []promql.Series) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}

func countValues(vs []float64) int {
	n := 0
	for _, v := range vs {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

func appRegions(app fleet.App) []string {
	var out []string
	for _, m := range app.Machines {
		if !slices.Contains(out, m.Region) {
			out = append(out, m.Region)
		}
	}
	return out
}

// runningMachines are the app's machines alive somewhere in the window.
func runningMachines(app fleet.App, w promql.Window, offset time.Duration) []*fleet.Machine {
	from, to := w.Start.Add(-offset), w.End.Add(-offset)
	var out []*fleet.Machine
	for _, m := range app.Machines {
		if m.CreatedAt.After(to) || (!m.DestroyedAt.IsZero() && m.DestroyedAt.Before(from)) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// appExits lists when the app's machines stopped, shifted by a compare
// offset to the window's time.
func appExits(app fleet.App, offset time.Duration) []time.Time {
	var out []time.Time
	for _, m := range app.Machines {
		for _, e := range m.Events {
			// The events after which flysim's generator stops a machine's
			// series until its next start.
			switch e.Type {
			case "exit", "update", "stop", "suspend", "destroy":
				out = append(out, e.At.Add(offset))
			}
		}
		if !m.DestroyedAt.IsZero() {
			out = append(out, m.DestroyedAt.Add(offset))
		}
	}
	return out
}

func machineName(m *fleet.Machine) string {
	return m.Region + "/" + m.ID[:8]
}

// The fidelity check holds VictoriaMetrics' series to flysim's for the same
// query. The engines differ by design in how rate() reads a window:
// Prometheus extrapolates the samples inside it, VictoriaMetrics starts
// from the sample before it. On noisy counters with a few samples per window
// single points therefore differ by 5-10% (up to 100% for a stream of a few
// errors a minute), while both estimate the same rate. So the check compares
// what a reader of the chart sees: the level over the whole range, and the
// shape in half-hour blocks, and it demands equality point by point where no
// rate is involved (gauges).
const (
	// meanTolerance bounds the difference of the means over the range.
	// Beyond counting noise (see comparison.events), the engines were
	// measured within 3.2% over eight anchors, the worst being the p95 of
	// a quiet region over one hour (quantiles of a few hundred requests).
	meanTolerance = 0.05
	// blockTolerance bounds the difference of half-hour means, relative to
	// the larger of them plus a floor of blockFloor times the series' peak
	// (a handful of 5xx a minute is all noise); measured within 8% over
	// eight anchors. Both bounds are about twice what was measured.
	blockTolerance = 0.15
	blockFloor     = 0.05
	blockSpan      = 30 * time.Minute
)

// comparison says which points of a window to compare.
type comparison struct {
	w promql.Window
	// settled is the first point both engines must agree on: the data's
	// first rate window is skipped (Prometheus extrapolates back to the
	// window's start, VictoriaMetrics has no sample before the data starts).
	settled time.Time
	// exits are the moments machines stopped. Prometheus ends a series with
	// a staleness marker; VictoriaMetrics' JSON import cannot carry one, so
	// it keeps the last value for up to a step, and the engines may
	// disagree on whether a point exists for a step after each.
	exits []time.Time
	// exact asks for point-by-point equality (no rate in the query).
	exact bool
	// events marks a rate of discrete events (requests per second), whose
	// estimates differ between the engines by counting noise: a stream of
	// one 5xx a minute is a few hundred events over six hours, and which
	// of them fall into two overlapping windows is chance. The tolerance
	// grows by three standard deviations of that noise.
	events bool
}

func (c comparison) nearExit(t time.Time) bool {
	for _, e := range c.exits {
		if !t.Before(e) && t.Before(e.Add(c.w.Step+promql.ScrapeInterval)) {
			return true
		}
	}
	return false
}

// compareSeries matches VictoriaMetrics' series (got) to flysim's (want)
// by name and checks each pair.
func compareSeries(t *testing.T, c comparison, got, want []promql.Series) {
	t.Helper()
	byName := map[string]promql.Series{}
	for _, s := range want {
		byName[s.Name] = s
	}
	for _, g := range got {
		s, ok := byName[g.Name]
		if !ok {
			t.Errorf("series %q: only VictoriaMetrics has it", g.Name)
			continue
		}
		delete(byName, g.Name)
		if err := c.check(g.Values, s.Values); err != nil {
			t.Errorf("series %q: %v", g.Name, err)
		}
	}
	for name := range byName {
		t.Errorf("series %q: only flysim has it", name)
	}
}

// check compares one pair of series on c's window.
func (c comparison) check(got, want []float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d points from VictoriaMetrics, %d from flysim", len(got), len(want))
	}
	var (
		sumGot, sumWant, peak float64
		points                []int
	)
	for i := range got {
		at := c.w.Time(i)
		if at.Before(c.settled) {
			continue
		}
		a, b := got[i], want[i]
		if math.IsNaN(a) != math.IsNaN(b) {
			if c.nearExit(at) {
				continue
			}
			return fmt.Errorf("at %s VictoriaMetrics has %v, flysim %v", at.Format(time.TimeOnly), a, b)
		}
		if math.IsNaN(a) {
			continue
		}
		if c.exact && math.Abs(a-b) > 1e-9*math.Max(math.Abs(a), math.Abs(b)) {
			return fmt.Errorf("at %s VictoriaMetrics %.9g, flysim %.9g (a gauge: no engine difference excuses it)", at.Format(time.TimeOnly), a, b)
		}
		points = append(points, i)
		sumGot += a
		sumWant += b
		peak = math.Max(peak, math.Max(math.Abs(a), math.Abs(b)))
	}
	if len(points) == 0 {
		return errors.New("no point to compare")
	}
	if d := relDiff(sumGot, sumWant, c.noise(sumGot, len(points), meanTolerance)); d > meanTolerance {
		return fmt.Errorf("mean over the range: VictoriaMetrics %.6g, flysim %.6g (%.1f%% apart, at most %.0f%%)",
			sumGot/float64(len(points)), sumWant/float64(len(points)), 100*d, 100*meanTolerance)
	}
	perBlock := max(int(blockSpan/c.w.Step), 1)
	for from := 0; from+perBlock <= len(points); from += perBlock {
		var bg, bw float64
		for _, i := range points[from : from+perBlock] {
			bg += got[i]
			bw += want[i]
		}
		if d := relDiff(bg, bw, max(blockFloor*peak*float64(perBlock), c.noise(bg, perBlock, blockTolerance))); d > blockTolerance {
			return fmt.Errorf("from %s for %s: mean VictoriaMetrics %.6g, flysim %.6g (%.1f%% apart, at most %.0f%%)",
				c.w.Time(points[from]).Format(time.TimeOnly), blockSpan, bg/float64(perBlock), bw/float64(perBlock), 100*d, 100*blockTolerance)
		}
	}
	return nil
}

// noise is the counting noise of a sum of n rate points, expressed as the
// floor relDiff adds under the tolerance: three standard deviations of a
// Poisson count over the points' span, scaled so that floor*tolerance is
// that deviation.
func (c comparison) noise(sum float64, n int, tolerance float64) float64 {
	if !c.events || n == 0 {
		return 0
	}
	seconds := float64(n) * c.w.Step.Seconds()
	count := math.Abs(sum) / float64(n) * seconds
	sd := math.Sqrt(count) / seconds * float64(n) // in units of the sum
	return 3 * sd / tolerance
}

// relDiff is |a-b| relative to the larger magnitude plus floor.
func relDiff(a, b, floor float64) float64 {
	d := math.Abs(a - b)
	if d == 0 {
		return 0
	}
	return d / (math.Max(math.Abs(a), math.Abs(b)) + floor)
}

// checkOverview runs the app list's queries on both engines.
func (env vmEnv) checkOverview(t *testing.T) {
	w, err := promql.NewWindow(env.now.Add(-6*time.Hour), env.now, 120)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got, err := env.vm.Overview(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	want, err := env.sim.Overview(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	for i, col := range promql.Columns() {
		if err := got.Err(col); err != nil {
			t.Errorf("column %s: VictoriaMetrics rejected the query: %v\nPromQL: %s", col, err, got.Results[i].PromQL)
		}
		if err := want.Err(col); err != nil {
			t.Errorf("column %s: flysim rejected the query: %v", col, err)
		}
	}
	apps := slices.Sorted(slices.Values(vmApps))
	var gotApps []string
	for _, a := range got.Apps {
		gotApps = append(gotApps, a.App)
	}
	if !slices.Equal(gotApps, apps) {
		t.Errorf("overview apps %v, want %v", gotApps, apps)
	}
	settled := env.now.Add(-vmHistory).Add(w.RateWindow() + w.Step)
	for _, name := range apps {
		g, ok := got.App(name)
		if !ok {
			continue
		}
		a, err := env.fleet.App(name)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := want.App(a.Name)
		t.Run(a.Name, func(t *testing.T) {
			cols := []struct {
				name      string
				got, want []float64
				http      bool
			}{
				{"requests", g.Requests, s.Requests, true},
				{"error-rate", g.ErrorRate, s.ErrorRate, true},
				{"latency", g.Latency, s.Latency, true},
				{"cpu", g.CPU, s.CPU, false},
				{"machines", g.Machines, s.Machines, false},
			}
			for _, c := range cols {
				if c.http && !a.HTTP {
					if c.got != nil {
						t.Errorf("%s: column %s has data for an app without HTTP", a.Name, c.name)
					}
					continue
				}
				if c.got == nil {
					t.Errorf("%s: column %s has no data", a.Name, c.name)
					continue
				}
				cmp := comparison{w: w, settled: settled, exits: appExits(a, 0), exact: c.name == "machines", events: c.name == "requests"}
				compareSeries(t, cmp, []promql.Series{{Name: c.name, Values: c.got}}, []promql.Series{{Name: c.name, Values: c.want}})
			}
			if a.HTTP {
				regions := slices.Sorted(func(yield func(string) bool) {
					for r := range g.LatencyByRg {
						if !yield(r) {
							return
						}
					}
				})
				want := appRegions(a)
				sort.Strings(want)
				if !slices.Equal(regions, want) {
					t.Errorf("%s: p95 by region for %v, want %v", a.Name, regions, want)
				}
			}
			if n := g.Recent.Machines; n != float64(len(runningMachines(a, w, 0))) {
				t.Errorf("%s: %v machines reporting at the end, want %d", a.Name, n, len(runningMachines(a, w, 0)))
			}
		})
	}
}

// importFleet copies the samples of vmApps' dashboard metrics over
// [from, to] from flysim's generator (series.ExportJSONLines, exactly what
// the simulator serves) into VictoriaMetrics, through /api/v1/import and
// /internal/force_flush, as Fly's own data would arrive. Two streams, one
// per core, each generating while VictoriaMetrics ingests.
func importFleet(ctx context.Context, server *vmtest.Server, f *fleet.Fleet, from, to time.Time) error {
	return importApps(ctx, server, f, vmApps, vmMetrics, from, to)
}

// importApps is importFleet for the given apps and metric names.
func importApps(ctx context.Context, server *vmtest.Server, f *fleet.Fleet, apps, metrics []string, from, to time.Time) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wanted := func(metric string) bool { return slices.Contains(metrics, metric) }
	var parts [2][]fleet.App
	for _, a := range f.Snapshot() {
		if i := slices.Index(apps, a.Name); i >= 0 {
			parts[i%len(parts)] = append(parts[i%len(parts)], a)
		}
	}
	var (
		wg   sync.WaitGroup
		errs [len(parts)]error
	)
	for i, part := range parts {
		wg.Go(func() {
			pr, pw := io.Pipe()
			go func() {
				pw.CloseWithError(series.ExportJSONLines(pw, part, from, to, promql.ScrapeInterval, wanted))
			}()
			errs[i] = postImport(ctx, server.URL+"/api/v1/import", pr)
			// Unblocks the writer if the request ended early.
			pr.CloseWithError(errors.New("import request ended"))
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	return server.Flush(ctx)
}

func postImport(ctx context.Context, url string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, b)
	}
	return nil
}
