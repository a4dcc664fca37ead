package promql_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
	"github.com/flydash/dashboard/internal/units"
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
	t.Run("rollouts", func(t *testing.T) {
		t.Parallel()
		env.checkRollouts(t)
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
	qs := append(promql.Catalog(), promql.RegionErrors())
	got := env.vm.Run(ctx, app.Name, qs, w, offset)
	want := env.sim.Run(ctx, app.Name, qs, w, offset)
	for i, q := range qs {
		t.Run(string(q.ID), func(t *testing.T) {
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
				exact:   q.ID == promql.Memory,
				events:  q.Unit == units.ReqPerSec,
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
			t.Errorf("%s has no HTTP service, yet %s returned %v", app.Name, q.ID, names)
		}
		return
	}
	var want []string
	switch q.ID {
	case promql.HTTPStatus:
		// Every HTTP app answers with codes of all four classes.
		want = []string{"2xx", "3xx", "4xx", "5xx"}
	case promql.Latency:
		want = []string{"p50", "p95", "p99"}
	case promql.RegionLatency, promql.RegionRequests, promql.Region5xx:
		want = appRegions(app)
	case promql.CPU:
		kinds := map[string]bool{}
		for _, m := range runningMachines(app, w, offset) {
			want = append(want, machineName(m))
			kinds[m.CPUKind] = true
		}
		// Machines of one kind share one baseline line; the story apps
		// have one kind each.
		if len(kinds) == 1 {
			want = append(want, "baseline")
			baseline := 100.0
			if kinds["shared"] {
				baseline = 6.25
			}
			for _, s := range res.Series {
				if s.Name == "baseline" && math.Abs(lastOf(s.Values)-baseline) > 1e-9 {
					t.Errorf("%s: baseline %v, want %v", app.Name, lastOf(s.Values), baseline)
				}
			}
		}
	case promql.Memory:
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
		t.Fatalf("no expectation for the canned query %q: add one to this suite", q.ID)
	}
	slices.Sort(want)
	sorted := slices.Sorted(slices.Values(names))
	if !slices.Equal(sorted, want) {
		t.Errorf("%s on %s: series %v, want %v\nPromQL: %s", q.ID, app.Name, sorted, want, res.PromQL)
	}
	for _, s := range res.Series {
		if s.Labels["__name__"] != "" {
			t.Errorf("series %q keeps a metric name", s.Name)
		}
		switch q.ID {
		case promql.CPU:
			if s.Limit != (s.Name == "baseline") {
				t.Errorf("series %q: Limit %v", s.Name, s.Limit)
			}
			for i, v := range s.Values {
				if v < 0 || v > 100 {
					t.Errorf("%s at %s: CPU %.2f%% outside 0..100", s.Name, w.Time(i).Format(time.TimeOnly), v)
					break
				}
			}
		case promql.Memory:
			if s.Limit != (s.Labels["kind"] == "total") {
				t.Errorf("series %q: Limit %v for kind %q", s.Name, s.Limit, s.Labels["kind"])
			}
		}
	}
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
