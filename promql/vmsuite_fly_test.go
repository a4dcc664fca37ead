package promql_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/promql"
)

// The Machines group and the list's Fly-native columns on VictoriaMetrics:
// every query accepted without warnings, the series each chart needs, each
// Fly story visible, and the same answers as flysim's engine.

// checkMachinesGroup runs the Machines group's queries for every app.
func (env vmEnv) checkMachinesGroup(t *testing.T) {
	for _, name := range vmApps {
		app, err := env.fleet.App(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, span := range []time.Duration{time.Hour, 6 * time.Hour} {
			t.Run(name+"/"+windowName(span), func(t *testing.T) {
				env.checkMachinesApp(t, app, span)
			})
		}
	}
}

func (env vmEnv) checkMachinesApp(t *testing.T, app fleet.App, span time.Duration) {
	w, err := promql.NewWindow(env.now.Add(-span), env.now, 720)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	qs := promql.MachinesCatalog()
	got := env.vm.Run(ctx, app.Name, qs, w, 0)
	want := env.sim.Run(ctx, app.Name, qs, w, 0)
	for i, q := range qs {
		res := got[i]
		if res.Err != nil {
			t.Errorf("%s: VictoriaMetrics rejected the query: %v\nPromQL: %s", q.ID, res.Err, res.PromQL)
			continue
		}
		if want[i].Err != nil {
			t.Errorf("%s: flysim rejected the query: %v", q.ID, want[i].Err)
			continue
		}
		if len(res.Warnings) > 0 {
			t.Errorf("%s: VictoriaMetrics warned: %v", q.ID, res.Warnings)
		}
		checkMachinesShape(t, app, q, w, res)
		checkMachinesStory(t, app, q, w, res)
		compareSeries(t, comparison{
			w:       w,
			settled: env.now.Add(-vmHistory).Add(w.RateWindow() + w.Step),
			exits:   appExits(app, 0),
			exact:   q.ID == promql.CPUBalance,
			events:  q.ID == promql.Concurrency || q.ID == promql.DataOut,
		}, res.Series, want[i].Series)
	}
}

// checkMachinesShape holds each result to the series its chart needs, from
// the fleet's ground truth.
func checkMachinesShape(t *testing.T, app fleet.App, q promql.Query, w promql.Window, res promql.Result) {
	t.Helper()
	names := slices.Sorted(slices.Values(seriesNames(res.Series)))
	running := runningMachines(app, w, 0)
	shared := app.Machines[0].CPUKind == "shared"
	var need []string
	switch q.ID {
	case promql.CPUQuota:
		for _, m := range running {
			need = append(need, machineName(m)+" used")
		}
		need = append(need, "baseline")
		if app.Name == fleet.ThrottledApp {
			for _, m := range running {
				need = append(need, machineName(m)+" throttled")
			}
		}
		baseline := 100.0
		if shared {
			baseline = 6.25
		}
		for _, s := range res.Series {
			if s.Name == "baseline" && (!s.Limit || math.Abs(lastOf(s.Values)-baseline) > 1e-9) {
				t.Errorf("%s: baseline %v (limit %v), want %v as a limit line", app.Name, lastOf(s.Values), s.Limit, baseline)
			}
		}
	case promql.CPUBalance:
		if !shared {
			if len(res.Series) != 0 {
				t.Errorf("%s: performance CPUs with a burst balance: %v", app.Name, names)
			}
			return
		}
		for _, m := range running {
			need = append(need, machineName(m))
		}
	case promql.Concurrency:
		if !app.HTTP {
			if len(res.Series) != 0 {
				t.Errorf("%s: no HTTP service, yet concurrency %v", app.Name, names)
			}
			return
		}
		for _, m := range running {
			need = append(need, machineName(m))
		}
	case promql.Volumes:
		for _, v := range app.Volumes {
			need = append(need, v.ID, v.ID+" in 24 h")
		}
		if len(app.Volumes) == 0 && len(res.Series) != 0 {
			t.Errorf("%s: no volume, yet %v", app.Name, names)
		}
	case promql.DataOut:
		if !app.HTTP {
			if len(res.Series) != 0 {
				t.Errorf("%s: no HTTP service, yet data out %v", app.Name, names)
			}
			return
		}
		need = appRegions(app)
	default:
		t.Fatalf("no expectation for the Machines query %q: add one to this suite", q.ID)
	}
	for _, n := range need {
		if !slices.Contains(names, n) {
			t.Errorf("%s on %s: no series %q among %v\nPromQL: %s", q.ID, app.Name, n, names, res.PromQL)
		}
	}
}

// checkMachinesStory: the Fly stories as VictoriaMetrics tells them.
func checkMachinesStory(t *testing.T, app fleet.App, q promql.Query, w promql.Window, res promql.Result) {
	t.Helper()
	last30 := func(values []float64) float64 {
		m, _ := meanBetween(w, values, w.End.Add(-30*time.Minute), w.End)
		return m
	}
	switch {
	case app.Name == fleet.ThrottledApp && q.ID == promql.CPUQuota:
		for _, s := range res.Series {
			if strings.HasSuffix(s.Name, " throttled") && !(last30(s.Values) >= 10) {
				t.Errorf("%s: %s only %.1f%% over the last 30 min, want >= 10%% after the peak", app.Name, s.Name, last30(s.Values))
			}
		}
	case app.Name == fleet.ThrottledApp && q.ID == promql.CPUBalance:
		for _, s := range res.Series {
			if b := lastOf(s.Values); !(b < 1) {
				t.Errorf("%s: %s has %.1f s of burst balance after the peak, want none", app.Name, s.Name, b)
			}
		}
	case app.Name == fleet.ConcurrencyApp && q.ID == promql.Concurrency:
		hits := 0.0
		for _, s := range res.Series {
			if s.Moments && s.Labels["kind"] == promql.KindHardHits {
				hits += last30(s.Values)
			}
		}
		if !(hits > 0) {
			t.Errorf("%s: no hard limit reached in the last 30 min at the peak", app.Name)
		}
	case app.Name == fleet.VolumeFillingApp && q.ID == promql.Volumes:
		// 80% used, filling the rest in two days: 10 points a day.
		used, proj := map[string]float64{}, map[string]float64{}
		for _, s := range res.Series {
			if s.Projection {
				proj[s.Labels["id"]] = lastOf(s.Values)
			} else {
				used[s.Labels["id"]] = lastOf(s.Values)
			}
		}
		for id, u := range used {
			if d := proj[id] - u; u < 75 || u > 85 || d < 8 || d > 12 {
				t.Errorf("%s: volume %s %.1f%% used, %.1f%% in 24 h; want about 80%% and 10 points a day", app.Name, id, u, proj[id])
			}
		}
	}
}

func lastOf(values []float64) float64 {
	for i := len(values) - 1; i >= 0; i-- {
		if !math.IsNaN(values[i]) {
			return values[i]
		}
	}
	return math.NaN()
}

// checkFlyOverview runs the list's Fly-native columns on both engines.
func (env vmEnv) checkFlyOverview(t *testing.T) {
	w, got, want := env.overviews(t)
	for _, col := range promql.FlyColumns() {
		if err := got.Err(col); err != nil {
			t.Errorf("column %s: VictoriaMetrics rejected the query: %v", col, err)
		}
		if err := want.Err(col); err != nil {
			t.Errorf("column %s: flysim rejected the query: %v", col, err)
		}
	}
	settled := env.now.Add(-vmHistory).Add(w.RateWindow() + w.Step)
	from := promql.RecentFrom(w)
	recent := func(values []float64) float64 {
		return promql.RecentMean(w, values[:min(len(values), max(from, len(values)))])
	}
	for _, name := range vmApps {
		g, _ := got.App(name)
		s, _ := want.App(name)
		a, err := env.fleet.App(name)
		if err != nil {
			t.Fatal(err)
		}
		cmp := comparison{w: w, settled: settled, exits: appExits(a, 0)}
		pairs := []struct {
			name      string
			got, want []float64
		}{
			{"throttled", g.Fly.Throttled, s.Fly.Throttled},
			{"memory", g.Fly.Memory, s.Fly.Memory},
		}
		for _, p := range pairs {
			if p.want == nil {
				continue
			}
			compareSeries(t, cmp, []promql.Series{{Name: name + " " + p.name, Values: p.got}}, []promql.Series{{Name: name + " " + p.name, Values: p.want}})
		}
		if len(g.Fly.Volumes) != len(a.Volumes) {
			t.Errorf("%s: %d volumes in the list's column, the app has %d", name, len(g.Fly.Volumes), len(a.Volumes))
		}
		switch name {
		case fleet.ThrottledApp:
			if v := recent(g.Fly.Throttled); !(v >= 10) || lastOf(g.Fly.ThrottledVCPUs) != 1 || !(lastOf(g.Fly.ThrottledBalance) < 1) {
				t.Errorf("%s: throttled %.1f%%, vCPUs %v, balance %v; want >= 10%% of a 1x out of balance", name, v, lastOf(g.Fly.ThrottledVCPUs), lastOf(g.Fly.ThrottledBalance))
			}
		case fleet.ConcurrencyApp:
			if v := recent(g.Fly.HardLimitHits); !(v > 0) {
				t.Errorf("%s: hard limit hits %v per s at the peak, want some", name, v)
			}
		case fleet.CrashLoopApp:
			if len(g.Fly.Crashes) != 1 || !(lastOf(g.Fly.Crashes[0].Restarts) >= 3) || lastOf(g.Fly.Crashes[0].ExitCode) != 1 {
				t.Errorf("%s: crashes %+v, want one machine restarting >= 3 times in 30 min with exit code 1", name, g.Fly.Crashes)
			} else if s.Fly.Crashes == nil || math.Abs(lastOf(s.Fly.Crashes[0].Restarts)-lastOf(g.Fly.Crashes[0].Restarts)) > 1 {
				// A restart at the window's edge may fall on either side.
				t.Errorf("%s: restarts %v on VictoriaMetrics, %v on flysim", name, g.Fly.Crashes, s.Fly.Crashes)
			}
		case fleet.HealthyApp, fleet.IncidentApp:
			if len(g.Fly.Crashes) != 0 || recent(g.Fly.Throttled) > 0 {
				t.Errorf("%s: crashes %v, throttled %v; want neither", name, g.Fly.Crashes, recent(g.Fly.Throttled))
			}
		}
	}
}
