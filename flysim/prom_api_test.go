package flysim

import (
	"slices"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	fly "github.com/superfly/fly-go"
	"github.com/superfly/fly-go/flaps"
)

// newProm (sim_test.go) is client_golang's API for the sim's org, with the
// org's prefix in the address as the dashboard configures it.

func queryRange(t *testing.T, prom v1.API, q string, r v1.Range) model.Matrix {
	t.Helper()
	v, _, _, err := prom.QueryRange(t.Context(), q, r)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v.(model.Matrix)
}

// The acceptance query, through the whole simulator.
func TestPromAPIRateByRegionThroughTheSim(t *testing.T) {
	t.Parallel()
	clk := newClock(testStart)
	srv := startSim(t, Options{Now: clk.Now})
	prom := newProm(t, srv)
	for _, app := range srv.Sim.Fleet().Snapshot() {
		if !app.HTTP {
			continue
		}
		var want []string
		for _, m := range app.Machines {
			if !slices.Contains(want, m.Region) {
				want = append(want, m.Region)
			}
		}
		slices.Sort(want)
		m := queryRange(t, prom, `sum by (region) (rate(fly_edge_http_responses_count{app="`+app.Name+`"}[5m]))`,
			v1.Range{Start: testStart.Add(-time.Hour), End: testStart, Step: time.Minute})
		var got []string
		for _, s := range m {
			got = append(got, string(s.Metric["region"]))
			if len(s.Values) != 61 {
				t.Errorf("%s %s: %d points, want 61", app.Name, s.Metric["region"], len(s.Values))
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: regions %v, want %v", app.Name, got, want)
		}
	}
}

// A launched app has metrics from its creation on and no history; once it
// is deleted, its series stop.
func TestPromAPILaunchedAppLifetime(t *testing.T) {
	t.Parallel()
	clk := newClock(testStart.Add(7 * time.Second)) // off the 15 s grid on purpose
	srv := startSim(t, Options{Now: clk.Now, StartDelay: 2 * time.Second})
	prom := newProm(t, srv)
	c := newFlaps(t, srv, "Bearer x")
	ctx := t.Context()
	if _, err := c.CreateApp(ctx, flaps.CreateAppRequest{Name: "fresh-app", Org: "demo"}); err != nil {
		t.Fatal(err)
	}
	launched, err := c.Launch(ctx, "fresh-app", fly.LaunchMachineInput{
		Region: "fra",
		Config: &fly.MachineConfig{
			Image: "nginx:1.27",
			Services: []fly.MachineService{{
				Protocol: "tcp", InternalPort: 8080,
				Ports: []fly.MachinePort{{Port: fly.IntPointer(443), Handlers: []string{"tls", "http"}}},
			}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	createdAt, err := time.Parse(time.RFC3339, launched.CreatedAt)
	if err != nil {
		t.Fatal(err)
	}
	firstSample := createdAt.Truncate(15 * time.Second).Add(15 * time.Second)

	clk.Advance(20 * time.Minute)
	window := v1.Range{Start: testStart.Add(-2 * time.Hour), End: clk.Now().Truncate(15 * time.Second), Step: 15 * time.Second}
	for _, q := range []string{`fly_instance_up{app="fresh-app"}`, `fly_edge_http_responses_count{app="fresh-app",status="2xx"}`, `fly_app_http_responses_count{app="fresh-app",status="2xx"}`} {
		m := queryRange(t, prom, q, window)
		if len(m) != 1 {
			t.Fatalf("%s: %d series, want 1", q, len(m))
		}
		if first := m[0].Values[0]; !first.Timestamp.Time().Equal(firstSample) {
			t.Errorf("%s starts at %s, want %s (first grid point after the launch)", q, first.Timestamp.Time(), firstSample)
		}
	}
	if m := queryRange(t, prom, `fly_edge_http_responses_count{app="fresh-app",status="2xx"}`, window); m[0].Values[0].Value != 0 {
		t.Errorf("a new app's counter starts at %v, want 0", m[0].Values[0].Value)
	}
	if m := queryRange(t, prom, `sum(rate(fly_edge_http_responses_count{app="fresh-app"}[5m]))`, window); len(m) != 1 || m[0].Values[len(m[0].Values)-1].Value <= 0 {
		t.Errorf("a launched app serves traffic: %v", m)
	}

	// Delete it (with its machine) and let time pass.
	if err := c.Destroy(ctx, "fresh-app", fly.RemoveMachineInput{ID: launched.ID, Kill: true}, ""); err != nil {
		t.Fatal(err)
	}
	destroyedAt := clk.Now()
	clk.Advance(time.Minute)
	if err := c.DeleteApp(ctx, "fresh-app"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Minute)
	window.End = clk.Now().Truncate(15 * time.Second)
	for _, q := range []string{`fly_instance_up{app="fresh-app"}`, `fly_edge_http_responses_count{app="fresh-app",status="2xx"}`} {
		m := queryRange(t, prom, q, window)
		if len(m) != 1 {
			t.Fatalf("%s after deletion: %d series, want the history", q, len(m))
		}
		if last := m[0].Values[len(m[0].Values)-1].Timestamp.Time(); last.After(destroyedAt) {
			t.Errorf("%s still reports at %s, after the machine was destroyed at %s", q, last, destroyedAt)
		}
	}
	v, _, _, err := prom.Query(ctx, `{app="fresh-app"}`, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if vec := v.(model.Vector); len(vec) != 0 {
		t.Errorf("deleted app still has %d live series", len(vec))
	}
}
