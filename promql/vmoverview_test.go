package promql_test

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/flydash/dashboard/promql"
)

// overviews runs the app list's queries over the last six hours on both
// engines: VictoriaMetrics' answer, then flysim's.
func (env vmEnv) overviews(t *testing.T) (promql.Window, promql.Overview, promql.Overview) {
	t.Helper()
	w, err := promql.NewWindow(env.now.Add(-6*time.Hour), env.now, 120)
	if err != nil {
		t.Fatal(err)
	}
	cols := append(promql.Columns(), promql.ColCPUBaseline)
	got, err := env.vm.OverviewOf(context.Background(), w, "", cols)
	if err != nil {
		t.Fatal(err)
	}
	want, err := env.sim.OverviewOf(context.Background(), w, "", cols)
	if err != nil {
		t.Fatal(err)
	}
	return w, got, want
}

// checkOverview runs the app list's queries on both engines.
func (env vmEnv) checkOverview(t *testing.T) {
	w, got, want := env.overviews(t)
	for i, col := range append(promql.Columns(), promql.ColCPUBaseline) {
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
				{"cpu-baseline", g.CPUBaseline, s.CPUBaseline, false},
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
