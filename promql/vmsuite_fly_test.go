package promql_test

import (
	"context"
	"math"
	"slices"
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
		// Throttled time alone; machines never throttled are left out.
		if app.Name == fleet.ThrottledApp {
			for _, m := range running {
				need = append(need, machineName(m))
			}
		}
		for _, s := range res.Series {
			if s.Limit || s.Labels["kind"] != promql.KindThrottled {
				t.Errorf("%s: cpu-quota series %q (kind %q, limit %v), want throttled time only", app.Name, s.Name, s.Labels["kind"], s.Limit)
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
			if !(last30(s.Values) >= 10) {
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
		// The last deploy was 8 h ago; crashes and OOM kills restart
		// machines with an exit code, which is no rollout.
		if slices.ContainsFunc(g.Fly.Rollouts, func(v float64) bool { return !math.IsNaN(v) }) {
			t.Errorf("%s: every machine restarted cleanly at once in the last 6 h, by VictoriaMetrics: %v", name, g.Fly.Rollouts)
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

// checkRollouts runs the list's columns on the timeline's grid around
// billing-api's deploy, on both engines: the restart of every machine is
// seen at the same point, within RolloutSpan after the deploy, and an app
// whose machine crashed or was OOM-killed shows no rollout.
func (env vmEnv) checkRollouts(t *testing.T) {
	dep, err := env.fleet.App(fleet.DeployApp)
	if err != nil {
		t.Fatal(err)
	}
	at := dep.StoryTimes["deploy"]
	end := at.Add(time.Hour).Truncate(promql.TimelineStep)
	if end.After(env.now) {
		t.Fatalf("the deploy at %s is too recent for a window to show both sides of it", at)
	}
	// The timeline's step: RolloutSpan is two of them, which is what makes
	// a restart whole at some point under Prometheus' rules as under
	// VictoriaMetrics' (which also reads the sample before the span).
	w := promql.Window{Start: end.Add(-2 * time.Hour), End: end, Step: promql.TimelineStep}
	cols := []promql.Column{promql.ColMemory}
	for _, e := range []struct {
		name string
		run  func(context.Context, promql.Window, string, []promql.Column) (promql.Overview, error)
	}{{"VictoriaMetrics", env.vm.OverviewOf}, {"flysim", env.sim.OverviewOf}} {
		ov, err := e.run(context.Background(), w, "", cols)
		if err != nil {
			t.Fatalf("%s: %v", e.name, err)
		}
		if err := ov.Err(promql.ColMemory); err != nil {
			t.Fatalf("%s rejected the memory column: %v", e.name, err)
		}
		for _, name := range vmApps {
			row, _ := ov.App(name)
			var runs []time.Time
			for i, v := range row.Fly.Rollouts {
				if !math.IsNaN(v) && (i == 0 || math.IsNaN(row.Fly.Rollouts[i-1])) {
					runs = append(runs, w.Start.Add(time.Duration(i)*w.Step))
				}
			}
			if name != fleet.DeployApp {
				if len(runs) > 0 {
					t.Errorf("%s: %s sees every machine of %s restart at %v; none did", e.name, name, name, runs)
				}
				continue
			}
			if len(runs) != 1 || runs[0].Before(at) || runs[0].Sub(at) > promql.RolloutSpan {
				t.Errorf("%s: rollouts of %s start at %v, want one within %s after the deploy at %s", e.name, name, runs, promql.RolloutSpan, at.Format("15:04:05"))
			}
		}
	}
}
