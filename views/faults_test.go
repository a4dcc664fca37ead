package views

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/promql"
)

// TestMachinesAPIFaults: when Fly's Machines API fails or hangs, the list
// and the app page still answer, within the timeout, saying what happened.
func TestMachinesAPIFaults(t *testing.T) {
	t.Parallel()
	// Only the hang and the slow answer get a short deadline (zero is the
	// stack's generous one): the 5xx must outlast flaps' three retries and
	// the garbage must be read, however loaded the machine.
	cases := []struct {
		name    string
		sim     flysim.Options
		timeout time.Duration
		want    string
	}{
		{"5xx", flysim.Options{MachinesErrorRate: 1}, 0, "The Fly Machines API answered with an error (503). Fly said: service temporarily unavailable (injected fault)."},
		{"hang", flysim.Options{MachinesFault: "hang"}, 700 * time.Millisecond, "The Fly Machines API did not answer within 700 ms."},
		{"slow", flysim.Options{MachinesLatency: 3 * time.Second}, 700 * time.Millisecond, "The Fly Machines API did not answer within 700 ms."},
		{"garbage", flysim.Options{MachinesFault: "garbage"}, 0, "The Fly Machines API answered with something that is not an API response."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			timeout := tc.timeout
			s := newStack(t, stackOptions{Sim: tc.sim, FlyTimeout: timeout})
			// The hang never ends and the slow answer comes after 3 s: a page
			// saying the deadline's words proves the deadline, not the
			// upstream, ended the wait (no wall-clock bound, which a loaded
			// CI machine would make flaky).
			status, body, _ := s.get(t, "/")
			if status != http.StatusOK {
				t.Fatalf("list: %d, want 200 with a banner", status)
			}
			if !strings.Contains(body, tc.want) || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, ">Retry<") {
				t.Errorf("list: no error banner saying %q with a retry link", tc.want)
			}

			status, body, _ = s.get(t, "/apps/storefront?range=1h")
			if status != http.StatusOK {
				t.Fatalf("app page: %d, want 200 with the charts", status)
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("app page does not say %q", tc.want)
			}
			traffic, _, _ := strings.Cut(body, `id="machines-group"`)
			if n := strings.Count(traffic, "<figure>"); n != len(promql.Catalog())+1 {
				t.Errorf("app page shows %d traffic charts, want all %d and the region map despite the Machines API", n, len(promql.Catalog()))
			}
		})
	}
}

// TestPrometheusFaults: a failing Prometheus degrades each panel, not the
// page, and each panel says why and offers a retry.
func TestPrometheusFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		sim  flysim.Options
		want string
	}{
		{"5xx", flysim.Options{PromErrorRate: 1}, "answered with an error (503)"},
		{"hang", flysim.Options{PromFault: "hang"}, "did not answer within"},
		{"garbage", flysim.Options{PromFault: "garbage"}, "not a query result"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Only the hang needs a short deadline; the others fail for
			// their own reason on any machine.
			var timeout time.Duration
			if tc.sim.PromFault == "hang" {
				timeout = 500 * time.Millisecond
			}
			s := newStack(t, stackOptions{Sim: tc.sim, PromTimeout: timeout})
			status, body, _ := s.get(t, "/apps/storefront?range=1h")
			if status != http.StatusOK {
				t.Fatalf("app page: %d", status)
			}
			if n, want := strings.Count(body, `class="chart-state error"`), len(promql.Catalog())+len(promql.MachinesCatalog())+1; n != want {
				t.Errorf("%d panels show an error, want %d (both groups and the region map)", n, want)
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("panels do not say %q", tc.want)
			}
			// The machines still show.
			if !strings.Contains(body, `<ul class="machine-list">`) {
				t.Error("machines list missing while only Prometheus fails")
			}
			// A standalone chart image still draws, with the reason.
			status, svg, hdr := s.get(t, "/apps/storefront/charts/cpu.svg?range=1h")
			if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "image/svg+xml") {
				t.Fatalf("chart svg during a fault: %d %s", status, hdr.Get("Content-Type"))
			}
			if !strings.Contains(svg, tc.want) {
				t.Errorf("the chart image does not say %q", tc.want)
			}
			if _, svg, _ := s.get(t, "/apps/storefront/charts/map.svg?range=1h"); !strings.Contains(svg, tc.want) {
				t.Errorf("the map image does not say %q", tc.want)
			}
			// Data downloads fail plainly.
			if status, _, _ := s.get(t, "/apps/storefront/charts/cpu.csv?range=1h"); status != http.StatusBadGateway {
				t.Errorf("csv during a fault: %d, want 502", status)
			}
		})
	}
}
