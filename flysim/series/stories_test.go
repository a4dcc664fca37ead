package series_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/promapi"
	"github.com/flydash/dashboard/flysim/series"
)

// testStart anchors the stories; it is a whole minute, so story moments
// fall on the 15 s grid.
var testStart = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// storyFleet is shared by the read-only tests: the fleet never changes.
var storyFleet = sync.OnceValue(func() *fleet.Fleet {
	return fleet.New(fleet.Config{Seed: 7, Start: testStart, Now: func() time.Time { return testStart }})
})

// serve mounts the Prometheus API of src where Fly has it and returns the
// real client_golang API talking to it over loopback.
func serve(t *testing.T, src series.Source) v1.API {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/prometheus/demo/", http.StripPrefix("/prometheus/demo", promapi.NewHandler("demo", series.NewQueryable(src), src.Now, promapi.WithTimeout(5*time.Minute))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client, err := api.NewClient(api.Config{Address: srv.URL + "/prometheus/demo"})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(client)
}

func instant(t *testing.T, prom v1.API, q string, at time.Time) model.Vector {
	t.Helper()
	v, warnings, _, err := prom.Query(t.Context(), q, at)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(warnings) > 0 {
		t.Errorf("%s: warnings %v", q, warnings)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		t.Fatalf("%s: got %s, want a vector", q, v.Type())
	}
	return vec
}

func ranged(t *testing.T, prom v1.API, q string, start, end time.Time, step time.Duration) model.Matrix {
	t.Helper()
	v, warnings, _, err := prom.QueryRange(t.Context(), q, v1.Range{Start: start, End: end, Step: step})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if len(warnings) > 0 {
		t.Errorf("%s: warnings %v", q, warnings)
	}
	m, ok := v.(model.Matrix)
	if !ok {
		t.Fatalf("%s: got %s, want a matrix", q, v.Type())
	}
	return m
}

// scalarAt reads the only sample of a one-series instant query.
func scalarAt(t *testing.T, prom v1.API, q string, at time.Time) float64 {
	t.Helper()
	vec := instant(t, prom, q, at)
	if len(vec) != 1 {
		t.Fatalf("%s at %s: %d series, want 1", q, at.Format(time.TimeOnly), len(vec))
	}
	return float64(vec[0].Value)
}

func storyApp(t *testing.T, f *fleet.Fleet, story fleet.Story) fleet.App {
	t.Helper()
	for _, a := range f.Snapshot() {
		if a.Story == story {
			return a
		}
	}
	t.Fatalf("no %s app in the fleet", story)
	return fleet.App{}
}

func TestIncidentFiveXXShare(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryIncident)
	from, to := app.StoryTimes["incident_start"], app.StoryTimes["incident_end"]
	q := `sum(rate(fly_edge_http_responses_count{app="` + app.Name + `",status=~"5.."}[5m])) / sum(rate(fly_edge_http_responses_count{app="` + app.Name + `"}[5m]))`
	m := ranged(t, prom, q, testStart.Add(-24*time.Hour), testStart, time.Minute)
	if len(m) != 1 {
		t.Fatalf("got %d series, want 1", len(m))
	}
	minInside, maxOutside := math.Inf(1), 0.0
	for _, p := range m[0].Values {
		at := p.Timestamp.Time()
		switch {
		case !at.Before(from.Add(5*time.Minute)) && at.Before(to):
			minInside = min(minInside, float64(p.Value))
		case at.Before(from) || !at.Before(to.Add(5*time.Minute)):
			maxOutside = max(maxOutside, float64(p.Value))
		}
	}
	t.Logf("5xx share: min %.3f inside the incident, max %.4f outside", minInside, maxOutside)
	if minInside <= 0.10 {
		t.Errorf("5xx share inside the incident dips to %.3f, want > 10%%", minInside)
	}
	if maxOutside >= 0.01 {
		t.Errorf("5xx share outside the incident reaches %.4f, want < 1%%", maxOutside)
	}
}

func TestRegionalLatencyRegression(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryRegionalLatency)
	q := `histogram_quantile(0.95, sum by (le, region) (rate(fly_edge_http_response_time_seconds_bucket{app="` + app.Name + `"}[10m])))`
	ratio := func(at time.Time) float64 {
		slow, others := 0.0, 0.0
		vec := instant(t, prom, q, at)
		for _, s := range vec {
			if string(s.Metric["region"]) == app.SlowRegion {
				slow = float64(s.Value)
			} else {
				others = max(others, float64(s.Value))
			}
		}
		if slow == 0 || others == 0 || len(vec) < 2 {
			t.Fatalf("p95 by region at %s: %v", at, vec)
		}
		return slow / others
	}
	regression := app.StoryTimes["regression_start"]
	before, after := ratio(regression.Add(-time.Minute)), ratio(testStart)
	t.Logf("p95 %s / slowest other region: %.2f before the regression, %.2f after", app.SlowRegion, before, after)
	if after <= 3 {
		t.Errorf("p95 in %s is %.2fx the other regions' after the regression, want > 3x", app.SlowRegion, after)
	}
	if before >= 1.5 {
		t.Errorf("p95 in %s is already %.2fx the others' before the regression", app.SlowRegion, before)
	}
}

// oomKilled is the ID of the OOM story's machine that the kernel killed.
func oomKilled(t *testing.T, app fleet.App) string {
	t.Helper()
	for _, m := range app.Machines {
		for _, e := range m.Events {
			if e.OOMKilled {
				return m.ID
			}
		}
	}
	t.Fatal("no machine of the OOM app has an oom_killed exit")
	return ""
}

func TestOOMKillAndRestart(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryOOM)
	oom := app.StoryTimes["oom"]
	killed := oomKilled(t, app)
	sel := `{app="` + app.Name + `",instance="` + killed + `"}`
	used := `(fly_instance_memory_mem_total` + sel + ` - fly_instance_memory_mem_available` + sel + `) / fly_instance_memory_mem_total` + sel
	hoursBefore := scalarAt(t, prom, used, oom.Add(-5*time.Hour))
	justBefore := scalarAt(t, prom, used, oom.Add(-15*time.Second))
	afterRestart := scalarAt(t, prom, used, oom.Add(time.Minute))
	later := scalarAt(t, prom, used, testStart)
	t.Logf("memory used: %.2f 5h before the kill, %.3f just before, %.2f after the restart, %.2f now", hoursBefore, justBefore, afterRestart, later)
	if justBefore < 0.95 || hoursBefore > justBefore-0.3 {
		t.Errorf("memory should climb to ~mem_total before the kill: %.2f 5h before, %.3f just before", hoursBefore, justBefore)
	}
	if afterRestart > 0.6 {
		t.Errorf("memory after the restart is %.2f of mem_total, want a drop", afterRestart)
	}
	if later < afterRestart+0.1 {
		t.Errorf("memory should climb again after the restart: %.2f then %.2f", afterRestart, later)
	}

	if got := scalarAt(t, prom, `fly_instance_exit_oom`+sel, oom); got != 1 {
		t.Errorf("fly_instance_exit_oom at the kill = %v, want 1", got)
	}
	if got := scalarAt(t, prom, `sum(sum_over_time(fly_instance_exit_oom{app="`+app.Name+`"}[24h]))`, testStart); got < 1 || got > 2 {
		t.Errorf("fly_instance_exit_oom reads 1 in %v samples over the day, want 1-2 around the kill", got)
	}
	if got := scalarAt(t, prom, `min_over_time(fly_instance_up`+sel+`[30s])`, oom.Add(15*time.Second)); got != 0 {
		t.Errorf("fly_instance_up while the machine is down = %v, want 0", got)
	}
	// The reboot restarts the instance's counters, as the kernel's do.
	if got := scalarAt(t, prom, `sum(resets(fly_instance_cpu`+sel+`[10m]))`, oom.Add(5*time.Minute)); got == 0 {
		t.Error("fly_instance_cpu did not reset at the restart")
	}
}

func TestDeployChangesLatencyAndCPU(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryDeploy)
	deploy := app.StoryTimes["deploy"]
	p95 := `histogram_quantile(0.95, sum by (le) (rate(fly_app_http_response_time_seconds_bucket{app="` + app.Name + `"}[30m])))`
	cpu := `sum(rate(fly_instance_cpu{app="` + app.Name + `",mode!="idle"}[30m]))`
	latencyRatio := scalarAt(t, prom, p95, deploy.Add(30*time.Minute)) / scalarAt(t, prom, p95, deploy)
	cpuRatio := scalarAt(t, prom, cpu, deploy.Add(30*time.Minute)) / scalarAt(t, prom, cpu, deploy)
	t.Logf("30 min after the deploy / 30 min before: p95 x%.2f, CPU x%.2f", latencyRatio, cpuRatio)
	if latencyRatio < 2 {
		t.Errorf("p95 changed x%.2f across the deploy, want >= x2", latencyRatio)
	}
	if cpuRatio < 1.4 {
		t.Errorf("CPU changed x%.2f across the deploy, want >= x1.4", cpuRatio)
	}
}

func TestNoHTTPAppHasOnlyInstanceMetrics(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryNoHTTP)
	series, _, _, err := prom.Series(t.Context(), []string{`{app="` + app.Name + `"}`}, testStart.Add(-7*24*time.Hour), testStart)
	if err != nil {
		t.Fatal(err)
	}
	instance := 0
	for _, s := range series {
		name := string(s[model.MetricNameLabel])
		if !strings.HasPrefix(name, "fly_instance_") {
			t.Errorf("worker app has series %s", s)
		}
		instance++
	}
	if instance == 0 {
		t.Error("worker app has no instance series")
	}
	if got := scalarAt(t, prom, `count(fly_instance_up{app="`+app.Name+`"} == 1)`, testStart); got != float64(len(app.Machines)) {
		t.Errorf("%v machines up, want %d", got, len(app.Machines))
	}
}

func TestIdleAppIsUpWithNextToNoTraffic(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryIdle)
	rate := scalarAt(t, prom, `sum(rate(fly_edge_http_responses_count{app="`+app.Name+`"}[1h]))`, testStart)
	t.Logf("idle app: %.4f req/s", rate)
	if rate >= 0.05 {
		t.Errorf("idle app serves %.3f req/s, want < 0.05", rate)
	}
	if got := scalarAt(t, prom, `min(fly_instance_up{app="`+app.Name+`"})`, testStart); got != 1 {
		t.Errorf("idle app's machines up = %v, want 1", got)
	}
}

func TestDailyTrafficCycle(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryHealthy)
	q := `sum(rate(fly_edge_http_responses_count{app="` + app.Name + `"}[5m]))`
	day := testStart.Truncate(24 * time.Hour)
	peak, trough := scalarAt(t, prom, q, day.Add(15*time.Hour-24*time.Hour)), scalarAt(t, prom, q, day.Add(3*time.Hour))
	t.Logf("%s: %.1f req/s at 15:00 UTC, %.1f at 03:00", app.Name, peak, trough)
	if peak < 2*trough {
		t.Errorf("afternoon peak %.1f req/s is not twice the night's %.1f", peak, trough)
	}
}

// The acceptance query: one series per region of the app.
func TestRateByRegionHasOneSeriesPerRegion(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryIncident)
	want := appRegions(app)
	slices.Sort(want)
	m := ranged(t, prom, `sum by (region) (rate(fly_edge_http_responses_count{app="`+app.Name+`"}[5m]))`, testStart.Add(-6*time.Hour), testStart, time.Minute)
	var got []string
	for _, s := range m {
		got = append(got, string(s.Metric["region"]))
		if n := len(s.Values); n != 361 {
			t.Errorf("region %s: %d points, want 361", s.Metric["region"], n)
		}
		for _, p := range s.Values {
			if !(p.Value > 0) {
				t.Fatalf("region %s: rate %v at %s", s.Metric["region"], p.Value, p.Timestamp)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("regions %v, want %v", got, want)
	}
}

func TestCountersAreMonotonicAndConsistent(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryRegionalLatency)
	incident, deploy := storyApp(t, f, fleet.StoryIncident), storyApp(t, f, fleet.StoryDeploy)
	// No proxy-side counter goes down over the day, whatever the stories
	// do to rates and latencies (a deploy restarts machines, not proxies).
	for _, sel := range []string{
		`fly_edge_http_responses_count{app=~"` + incident.Name + `|` + deploy.Name + `|` + app.Name + `"}`,
		`fly_app_http_responses_count{app=~"` + incident.Name + `|` + deploy.Name + `"}`,
		`fly_app_http_response_time_seconds_sum{app="` + deploy.Name + `"}`,
		`fly_edge_http_response_time_seconds_bucket{app="` + app.Name + `",region="` + app.SlowRegion + `"}`,
	} {
		if got := instant(t, prom, `sum(resets(`+sel+`[24h])) > 0`, testStart); len(got) != 0 {
			t.Errorf("%s resets %v times in 24 h", sel, got[0].Value)
		}
	}
	// Raw samples, one series at a time, for a closer look.
	m := ranged(t, prom, `fly_edge_http_responses_count{app="`+app.Name+`"}`, testStart.Add(-2*time.Hour), testStart, 15*time.Second)
	for _, s := range m {
		for i := 1; i < len(s.Values); i++ {
			if s.Values[i].Value < s.Values[i-1].Value {
				t.Fatalf("%s drops from %v to %v at %s", s.Metric, s.Values[i-1].Value, s.Values[i].Value, s.Values[i].Timestamp)
			}
		}
	}
	// The +Inf bucket, _count and the responses counter count the same
	// responses; every bucket holds at most the next one's.
	sel := `{app="` + app.Name + `",region="` + app.SlowRegion + `",status="2xx"}`
	total := scalarAt(t, prom, `fly_edge_http_responses_count`+sel, testStart)
	if got := scalarAt(t, prom, `fly_edge_http_response_time_seconds_count`+sel, testStart); got != total {
		t.Errorf("_count %v != responses %v", got, total)
	}
	buckets := instant(t, prom, `fly_edge_http_response_time_seconds_bucket`+sel, testStart)
	slices.SortFunc(buckets, func(a, b *model.Sample) int {
		x, _ := parseLE(string(a.Metric["le"]))
		y, _ := parseLE(string(b.Metric["le"]))
		return cmpFloat(x, y)
	})
	for i := 1; i < len(buckets); i++ {
		if buckets[i].Value < buckets[i-1].Value {
			t.Errorf("bucket le=%s (%v) < le=%s (%v)", buckets[i].Metric["le"], buckets[i].Value, buckets[i-1].Metric["le"], buckets[i-1].Value)
		}
	}
	if last := buckets[len(buckets)-1]; last.Metric["le"] != "+Inf" || float64(last.Value) != total {
		t.Errorf("last bucket %s = %v, want le=+Inf = %v", last.Metric["le"], last.Value, total)
	}
}

func parseLE(s string) (float64, error) {
	if s == "+Inf" {
		return math.Inf(1), nil
	}
	return strconv.ParseFloat(s, 64)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// A sample is a function of its series and time only: asking for it in a
// different range, at a different step or among other series gives the
// same value.
func TestSamplesDoNotDependOnTheQuery(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryRegionalLatency)
	sel := `fly_edge_http_response_time_seconds_bucket{app="` + app.Name + `",region="` + app.SlowRegion + `"}`
	at := testStart.Add(-90 * time.Minute)
	key := func(s model.Metric) string { return s.String() }
	want := map[string]model.SampleValue{}
	for _, s := range instant(t, prom, sel, at) {
		want[key(s.Metric)] = s.Value
	}
	if len(want) == 0 {
		t.Fatal("no series")
	}
	for _, r := range []struct{ start, end time.Time }{
		{at.Add(-3 * time.Hour), at.Add(time.Hour)},
		{at.Add(-7 * time.Minute), at},
		{at, at.Add(15 * time.Minute)},
	} {
		for _, step := range []time.Duration{15 * time.Second, 7 * time.Minute} {
			m := ranged(t, prom, `{__name__=~"fly_edge_http_response_time_seconds_(bucket|count)",app="`+app.Name+`",region="`+app.SlowRegion+`"}`, r.start, r.end, step)
			for _, s := range m {
				w, ok := want[key(s.Metric)]
				if !ok {
					continue
				}
				for _, p := range s.Values {
					if p.Timestamp.Time().Equal(at) && p.Value != w {
						t.Errorf("%s at %s: %v in range %s..%s step %s, %v alone", s.Metric, at, p.Value, r.start, r.end, step, w)
					}
				}
			}
		}
	}
}
