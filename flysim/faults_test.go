package flysim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superfly/fly-go/flaps"
)

func TestErrorRateOneFailsEveryRequest(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{MachinesErrorRate: 1, PromErrorRate: 1})

	// flaps retries a 503 three times, so one call costs exactly four requests.
	_, err := newFlaps(t, srv, "x").ListApps(t.Context(), flaps.ListAppsRequest{OrgSlug: "demo"})
	if flapsStatus(err) != http.StatusServiceUnavailable {
		t.Fatalf("ListApps: %v, want 503", err)
	}
	if machines, prom := srv.Sim.Counts(); machines != 4 || prom != 0 {
		t.Errorf("counts = machines %d, prom %d; want 4 (one call, three retries) and 0", machines, prom)
	}

	resp := do(t, http.MethodGet, srv.URL+"/prometheus/demo/api/v1/query?query=up", "Bearer x", "")
	var body struct{ Status, ErrorType, Error string }
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Fatalf("prometheus error body %q: %v", resp.body, err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || body.Status != "error" || body.ErrorType != "unavailable" {
		t.Errorf("prometheus with error rate 1 = %d %s, want 503 unavailable", resp.StatusCode, resp.body)
	}

	srv.Sim.ResetCounts()
	if machines, prom := srv.Sim.Counts(); machines != 0 || prom != 0 {
		t.Errorf("counts after reset = %d, %d", machines, prom)
	}
}

func TestErrorRateIsAFraction(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{MachinesErrorRate: 0.3})
	failed := 0
	const n = 200
	for range n {
		if do(t, http.MethodGet, srv.URL+"/v1/apps/blog", "Bearer x", "").StatusCode == http.StatusServiceUnavailable {
			failed++
		}
	}
	// A fair coin per request; 30% of 200 lands well inside 15-45%.
	if failed < n*15/100 || failed > n*45/100 {
		t.Errorf("%d of %d requests failed, want about 30%%", failed, n)
	}
}

func TestHangEndsWithTheClient(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{MachinesFault: FaultHang, PromFault: FaultHang})
	for _, path := range []string{"/v1/apps?org_slug=demo", "/prometheus/demo/api/v1/query?query=up"} {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s answered %d, want it to hang until the client gave up", path, resp.StatusCode)
		} else if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want the client's deadline", path, err)
		}
	}
}

func TestGarbageIsNotJSON(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{MachinesFault: FaultGarbage, PromFault: FaultGarbage})

	_, err := newFlaps(t, srv, "x").GetApp(t.Context(), "blog")
	if err == nil || !strings.Contains(err.Error(), "decoding") {
		t.Errorf("flaps GetApp over garbage: %v, want a decoding error", err)
	}
	resp := do(t, http.MethodGet, srv.URL+"/prometheus/demo/api/v1/query?query=up", "Bearer x", "")
	if resp.StatusCode != http.StatusOK || json.Valid(resp.body) {
		t.Errorf("prometheus garbage = %d %q, want 200 with invalid JSON", resp.StatusCode, resp.body)
	}
}

// TestCancelIsPrometheusOwn: the cancel fault answers as Prometheus does
// for a query it cancelled itself (499, errorType canceled), and only the
// Prometheus API has it.
func TestCancelIsPrometheusOwn(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{PromFault: FaultCancel})
	resp := do(t, http.MethodGet, srv.URL+"/prometheus/demo/api/v1/query?query=up", "Bearer x", "")
	var body struct{ Status, ErrorType, Error string }
	if err := json.Unmarshal(resp.body, &body); err != nil || resp.StatusCode != 499 || body.Status != "error" || body.ErrorType != "canceled" {
		t.Errorf("prometheus cancel = %d %s, want 499 canceled", resp.StatusCode, resp.body)
	}
	if resp := do(t, http.MethodGet, srv.URL+"/v1/apps?org_slug=demo", "Bearer x", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("Machines API under the Prometheus fault = %d", resp.StatusCode)
	}
	if _, err := New(Options{MachinesFault: FaultCancel}); err == nil {
		t.Error("the Machines API accepted the cancel fault")
	}
}

func TestPrometheusRouting(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	for _, tc := range []struct {
		name, path, auth string
		want             int
		errorType        string
	}{
		{"no token", "/prometheus/demo/api/v1/query?query=up", "", 401, "unauthorized"},
		{"wrong scheme", "/prometheus/demo/api/v1/query?query=up", "Basic eDp4", 401, "unauthorized"},
		{"another org", "/prometheus/other-org/api/v1/query?query=up", "Bearer x", 404, "not_found"},
		{"bare prefix", "/prometheus/", "FlyV1 fm2_x", 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, http.MethodGet, srv.URL+tc.path, tc.auth, "")
			var body struct{ Status, ErrorType, Error string }
			if err := json.Unmarshal(resp.body, &body); err != nil {
				t.Fatalf("body %q: %v", resp.body, err)
			}
			if resp.StatusCode != tc.want || body.Status != "error" || body.ErrorType != tc.errorType || body.Error == "" {
				t.Errorf("GET %s = %d %s, want %d %s", tc.path, resp.StatusCode, resp.body, tc.want, tc.errorType)
			}
		})
	}
}

func TestOptionsAreValidated(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]Options{
		"error rate above 1": {PromErrorRate: 1.5},
		"negative rate":      {MachinesErrorRate: -0.1},
		"unknown fault":      {PromFault: "explode"},
		"bad org":            {Org: "Not An Org"},
		"negative apps":      {Apps: -1},
		"negative latency":   {MachinesLatency: -time.Second},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}

func TestLatencyAppliesPerAPI(t *testing.T) {
	t.Parallel()
	// An hour of latency on the Machines API only: its request outlives the
	// client, while Prometheus answers at once.
	srv := startSim(t, Options{MachinesLatency: time.Hour, Now: func() time.Time { return testStart }})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1/apps?org_slug=demo", nil)
	req.Header.Set("Authorization", "Bearer x")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("Machines API answered %d despite an hour of latency", resp.StatusCode)
	}
	if resp := do(t, http.MethodGet, srv.URL+"/prometheus/demo/api/v1/query?query=up", "Bearer x", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("Prometheus = %d %s, want 200", resp.StatusCode, resp.body)
	}
}
