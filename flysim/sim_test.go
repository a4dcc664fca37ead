package flysim

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	fly "github.com/superfly/fly-go"
	"github.com/superfly/fly-go/flaps"
)

// bearer adds the token the way Fly's Prometheus wants it.
type bearer struct{ next http.RoundTripper }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer x")
	return b.next.RoundTrip(r)
}

func newProm(t *testing.T, srv *Server) v1.API {
	t.Helper()
	c, err := api.NewClient(api.Config{
		Address:      srv.URL + "/prometheus/" + srv.Sim.Org(),
		RoundTripper: bearer{http.DefaultTransport},
	})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(c)
}

func TestBothAPIsOnOneListener(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{Now: func() time.Time { return testStart }})
	prom := newProm(t, srv)

	storefront, err := srv.Sim.Fleet().App("storefront")
	if err != nil {
		t.Fatal(err)
	}
	regions := map[string]bool{}
	for _, m := range storefront.Machines {
		regions[m.Region] = true
	}
	end := testStart
	v, _, _, err := prom.QueryRange(t.Context(),
		`sum by (region) (rate(fly_edge_http_responses_count{app="storefront"}[5m]))`,
		v1.Range{Start: end.Add(-time.Hour), End: end, Step: time.Minute})
	if err != nil {
		t.Fatalf("QueryRange: %v", err)
	}
	matrix := v.(model.Matrix)
	if len(matrix) != len(regions) {
		t.Errorf("%d series, want one per region %v", len(matrix), regions)
	}
	for _, s := range matrix {
		if !regions[string(s.Metric["region"])] || len(s.Values) != 61 {
			t.Errorf("series %v with %d points, want a storefront region with 61", s.Metric, len(s.Values))
		}
	}
	if m, p := srv.Sim.Counts(); m != 0 || p != 1 {
		t.Errorf("counts = machines %d, prom %d; want 0 and 1", m, p)
	}
}

func TestLaunchedAndDestroyedAppsInMetrics(t *testing.T) {
	t.Parallel()
	clk := newClock(testStart)
	srv := startSim(t, Options{Now: clk.Now, StartDelay: time.Second})
	c := newFlaps(t, srv, "x")
	prom := newProm(t, srv)
	ctx := t.Context()

	upAt := func(app string, at time.Time) int {
		t.Helper()
		v, _, _, err := prom.Query(ctx, `count(fly_instance_up{app="`+app+`"})`, at)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		return len(v.(model.Vector))
	}
	up := func(app string) int { t.Helper(); return upAt(app, clk.Now()) }

	if _, err := c.CreateApp(ctx, flaps.CreateAppRequest{Name: "fresh", Org: "demo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Launch(ctx, "fresh", fly.LaunchMachineInput{Region: "ams", Config: &fly.MachineConfig{Image: "nginx"}}); err != nil {
		t.Fatal(err)
	}
	if upAt("fresh", clk.Now().Add(-15*time.Second)) != 0 {
		t.Error("a just-launched machine has samples from before its launch")
	}
	clk.Advance(2 * time.Minute)
	if up("fresh") != 1 {
		t.Error("a launched machine has no fly_instance_up two minutes later")
	}
	v, _, _, err := prom.Query(ctx, `count_over_time(fly_instance_up{app="fresh"}[1h])`, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if vec := v.(model.Vector); len(vec) != 1 || vec[0].Value > 9 {
		t.Errorf("launched machine's history = %v, want at most 2 minutes of 15 s samples", vec)
	}

	if up("blog") != 1 {
		t.Fatal("blog has no fly_instance_up")
	}
	if err := c.DeleteApp(ctx, "fresh"); err == nil {
		t.Fatal("deleting an app with a machine needs force")
	}
	if r := do(t, http.MethodDelete, srv.URL+"/v1/apps/blog?force=true", "Bearer x", ""); r.StatusCode != http.StatusAccepted {
		t.Fatalf("force delete = %d %s", r.StatusCode, r.body)
	}
	clk.Advance(2 * time.Minute)
	if up("blog") != 0 {
		t.Error("a destroyed app still reports fly_instance_up")
	}
}
