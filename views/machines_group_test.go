package views

import (
	"math"
	"slices"
	"testing"

	"github.com/flydash/dashboard/flyapi"
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
