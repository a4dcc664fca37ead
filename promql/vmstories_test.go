package promql_test

import (
	"math"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/promql"
)

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
	case app.Name == fleet.IncidentApp && q.ID == promql.HTTPStatus:
		// 5xx are 60 times as frequent during the incident.
		start, end := at["incident_start"], at["incident_end"]
		r, ok := ratio("5xx", [2]time.Time{start.Add(5 * time.Minute), end}, [2]time.Time{start.Add(-2 * time.Hour), start.Add(-5 * time.Minute)})
		if ok && r < 10 {
			t.Errorf("storefront's incident: 5xx only %.1f times as frequent as before it", r)
		}
		return ok
	case app.Name == fleet.RegionalLatencyApp && q.ID == promql.RegionLatency:
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
	case app.Name == fleet.OOMApp && q.ID == promql.Memory:
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
	case app.Name == fleet.DeployApp && q.ID == promql.Latency:
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
