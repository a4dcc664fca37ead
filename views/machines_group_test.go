package views

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/promql"
)

func TestLimitGroups(t *testing.T) {
	t.Parallel()
	alike := []flyapi.Machine{
		{ID: "3d8d9e2c000001", Region: "iad", Concurrency: &flyapi.Concurrency{Type: "requests", SoftLimit: 200, HardLimit: 250}},
		{ID: "91852e6c000002", Region: "lhr", Concurrency: &flyapi.Concurrency{Type: "requests", SoftLimit: 200, HardLimit: 250}},
		{ID: "00000000000003", Region: "lhr"}, // no service
	}
	if g := limitGroups(alike); len(g) != 1 || g[0].several || !slices.Equal(g[0].names, []string{"iad/3d8d9e2c", "lhr/91852e6c"}) {
		t.Errorf("machines alike: %+v, want one group of two", g)
	}
	alike[1].Concurrency = &flyapi.Concurrency{Type: "connections", SoftLimit: 20, HardLimit: 25}
	if g := limitGroups(alike); len(g) != 2 || !g[0].several {
		t.Errorf("machines apart: %+v, want two groups named by machine", g)
	}
}

func TestRuns(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	// One quiet point inside a run does not split it; three do.
	got := runs([]float64{0, 3, 4, 0, 5, 0, 0, 0, 2, nan}, func(v float64) bool { return v >= 0.5 }, 2)
	want := []run{{from: 1, to: 4, sum: 12}, {from: 8, to: 8, sum: 2}}
	if !slices.Equal(got, want) {
		t.Errorf("runs %+v, want %+v", got, want)
	}
}

func TestRestartsIn(t *testing.T) {
	t.Parallel()
	at := func(m int) time.Time { return time.Date(2026, 11, 20, 12, m, 0, 0, time.UTC) }
	// Newest first, as Fly lists them: a launch, a crash and its restart,
	// a deploy (update then start: not a restart), a second crash.
	events := []flyapi.Event{
		{Type: "start", At: at(50)}, {Type: "exit", ExitCode: 1, At: at(49)},
		{Type: "start", At: at(31)}, {Type: "update", At: at(30)},
		{Type: "start", At: at(21)}, {Type: "exit", ExitCode: 1, At: at(20)},
		{Type: "start", At: at(1)}, {Type: "launch", At: at(0)},
	}
	if n, atLeast := restartsIn(events, at(0), at(59)); n != 2 || atLeast {
		t.Errorf("%d restarts (at least %v), want 2 exactly", n, atLeast)
	}
	if n, _ := restartsIn(events, at(40), at(59)); n != 1 {
		t.Errorf("%d restarts in the last 20 min, want 1", n)
	}
	// Fly kept only the latest events: the count is a floor.
	if n, atLeast := restartsIn(events[:6], at(0), at(59)); n != 2 || !atLeast {
		t.Errorf("%d restarts (at least %v) from a cut list, want at least 2", n, atLeast)
	}
}

func TestMemoryShare(t *testing.T) {
	t.Parallel()
	series := []promql.Series{
		{Labels: map[string]string{"kind": "used", "instance": "a", "region": "iad"}, Values: []float64{100, 200}},
		{Labels: map[string]string{"kind": "used", "instance": "b", "region": "lhr"}, Values: []float64{240, 243}},
		{Labels: map[string]string{"kind": "total"}, Values: []float64{256, 256}},
	}
	got, on := memoryShare(series, 2)
	if math.Abs(got[0]-93.75) > 1e-9 || math.Abs(got[1]-243.0/256*100) > 1e-9 || on != "lhr/b" {
		t.Errorf("memory %v on %q, want the fullest machine's share, lhr/b", got, on)
	}
}

func TestCrashTrend(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	w, err := promql.NewWindow(start, start.Add(time.Hour), 120)
	if err != nil {
		t.Fatal(err)
	}
	var events []flyapi.Event
	for m := 55; m >= 35; m -= 5 { // five crashes, newest first
		events = append(events, flyapi.Event{Type: "start", At: start.Add(time.Duration(m)*time.Minute + 20*time.Second)},
			flyapi.Event{Type: "exit", ExitCode: 1, At: start.Add(time.Duration(m) * time.Minute)})
	}
	c, ok := crashTrend(w, flyapi.Machine{ID: "91852e6c0000aa", Region: "ams", Events: events})
	if !ok || c.Machine != "ams/91852e6c" || c.ExitCode != 1 || c.Restarts.Last() != 5 {
		t.Errorf("crash trend %+v (%v), want 5 restarts in the last 30 min on ams/91852e6c", c, ok)
	}
	if _, ok := crashTrend(w, flyapi.Machine{Events: []flyapi.Event{{Type: "start", At: start}, {Type: "exit", ExitCode: 0, At: start}}}); ok {
		t.Error("a clean exit is a crash")
	}
}

func TestGrafanaURL(t *testing.T) {
	t.Parallel()
	if got := grafanaURL(flyapi.App{Name: "blog", OrgNumericID: 123456}); got != "https://fly-metrics.net/d/fly-app/fly-app?orgId=123456&var-app=blog" {
		t.Errorf("grafana link %q", got)
	}
	if got := grafanaURL(flyapi.App{Name: "blog"}); got != "" {
		t.Errorf("a link %q without the org's id", got)
	}
}

func TestImageTag(t *testing.T) {
	t.Parallel()
	for ref, want := range map[string]string{
		"registry.fly.io/search-api:deployment-01J9ZK":                 "deployment-01J9ZK",
		"registry.fly.io/search-api:deployment-01J9ZK@sha256:432bc64f": "deployment-01J9ZK",
		"flyio/hellofly@sha256:0123456789abcdef0123":                   "@0123456789ab",
		"nginx":                   "nginx",
		"localhost:5000/app:1.27": "1.27",
	} {
		if got := imageTag(ref); got != want {
			t.Errorf("imageTag(%q) = %q, want %q", ref, got, want)
		}
	}
}
