package views

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/promql"
)

// closedURL is an address nothing listens on: connecting is refused.
func closedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return u
}

// promFaults are Prometheus' failures, as flysim's fault flags make them
// (and a closed port for "down"), with the words each must read as. Only
// the hang has a short deadline: the others must fail for their own reason,
// not because a loaded machine ran out a short timeout first.
func promFaults(t *testing.T) []struct {
	name string
	opts stackOptions
	want string
} {
	return []struct {
		name string
		opts stackOptions
		want string
	}{
		{"5xx", stackOptions{Sim: flysim.Options{PromErrorRate: 1}}, "Prometheus answered with an error (503)."},
		{"hang", stackOptions{Sim: flysim.Options{PromFault: flysim.FaultHang}, PromTimeout: 500 * time.Millisecond}, "Prometheus did not answer within 500 ms."},
		{"garbage", stackOptions{Sim: flysim.Options{PromFault: flysim.FaultGarbage}}, "Prometheus answered with something that is not a query result."},
		{"cancelled by Prometheus", stackOptions{Sim: flysim.Options{PromFault: flysim.FaultCancel}}, "Prometheus cancelled the query before answering (499)."},
		{"down", stackOptions{PromURL: closedURL(t)}, "The dashboard could not connect to Prometheus (connection refused)."},
	}
}

// TestExploreUnderPrometheusFaults: the explore view degrades like the app
// page: 200, its range controls and links kept, the chart area saying what
// failed with a retry, and no interactive chart to build.
func TestExploreUnderPrometheusFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range promFaults(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, tc.opts)
			const path = "/apps/storefront/explore/latency?range=1h"
			status, body, _ := s.get(t, path)
			if status != http.StatusOK {
				t.Fatalf("explore: %d, want 200", status)
			}
			state := `<div class="chart-state error" role="alert"><p>` + tc.want + `</p><p><a href="` + strings.ReplaceAll(path, "&", "&amp;") + `">Retry</a></p></div>`
			if !strings.Contains(body, state) {
				t.Errorf("the chart area does not say %q with a retry link", tc.want)
			}
			if !strings.Contains(body, `<nav class="range-nav"`) || !strings.Contains(body, `href="/apps/storefront/explore/latency?range=24h"`) {
				t.Error("the range controls are gone")
			}
			for _, link := range []string{`>App page</a>`, `/charts/latency.svg?range=1h">SVG</a>`, `/charts/latency.csv?range=1h">CSV</a>`, `/charts/latency.json?range=1h">JSON</a>`} {
				if !strings.Contains(body, link) {
					t.Errorf("link %s missing", link)
				}
			}
			if strings.Contains(body, `id="chart-option"`) {
				t.Error("an interactive chart is built from a failed query")
			}
		})
	}
}

// TestAppPageSaysEachPrometheusCauseOnce: with Prometheus failing, the
// cause is said once at the top and the panels refer to it; a cancel on
// Prometheus' side is not a rejected query.
func TestAppPageSaysEachPrometheusCauseOnce(t *testing.T) {
	t.Parallel()
	saysCauseOnce(t, "/apps/storefront?range=1h", func(t *testing.T, _ *stack, body string) {
		if n := strings.Count(body, `<div class="panel error notice" role="alert">`); n != 1 {
			t.Errorf("%d notices at the top, want 1", n)
		}
		// Every chart and the region map, which is drawn from two of them.
		if n, want := strings.Count(body, seeAbove), len(promql.Catalog())+len(promql.MachinesCatalog())+1; n != want {
			t.Errorf("%d panels refer to the notice, want %d", n, want)
		}
		if strings.Contains(body, "rejected the query") {
			t.Error("a failure that is not a refusal reads as a rejected query")
		}
		// Prometheus is missing, the Machines API is not.
		doc, _ := html.Parse(strings.NewReader(body))
		v := find(doc, func(n *html.Node) bool { return hasClass(n, "app-verdict") })
		if v == nil || !strings.Contains(text(v), "metrics unavailable") || strings.Contains(text(v), "Machines API") {
			t.Error("the verdict does not say the metrics are what is missing")
		}
	})
}

// TestListSaysPrometheusCauseOnce: with Prometheus down, the list says the
// cause once at the top, not in a banner per column and every cell.
func TestListSaysPrometheusCauseOnce(t *testing.T) {
	t.Parallel()
	saysCauseOnce(t, "/", func(t *testing.T, s *stack, body string) {
		if n := strings.Count(body, `role="alert"`); n != 1 {
			t.Errorf("%d alerts, want the one notice", n)
		}
		if n, want := len(parseList(t, body)), len(s.Sim.Sim.Fleet().Apps()); n != want {
			t.Errorf("%d apps listed, want the org's %d", n, want)
		}
	})
}

// TestListWithMachinesAPIHanging: the apps come from their metrics, with
// verdicts and sparklines; one notice says what is missing; no machine
// count is made up and nothing offers to destroy.
func TestListWithMachinesAPIHanging(t *testing.T) {
	t.Parallel()
	// TestMachinesAPIFaults bounds the time; here Prometheus gets all the
	// time it needs (the race detector slows flysim's engine tenfold), so
	// every verdict can be compared.
	s := newStack(t, stackOptions{Sim: flysim.Options{MachinesFault: flysim.FaultHang}, FlyTimeout: 700 * time.Millisecond, PromTimeout: time.Minute})
	status, body, _ := s.get(t, "/")
	if status != http.StatusOK {
		t.Fatalf("list: %d", status)
	}
	// Listing from metrics asks Prometheus nothing more than the list's
	// overview queries: the timeline's and the range's sparklines'.
	if _, prom := s.Sim.Sim.Counts(); prom != int64(len(promql.Columns())+len(sparkColumns)) {
		t.Errorf("%d Prometheus queries, want the overview's %d", prom, len(promql.Columns())+len(sparkColumns))
	}
	rows := parseList(t, body)
	// The same verdicts as with the Machines API up: every app here has
	// machines reporting, so the count would change none of them.
	_, healthy, _ := newStack(t, stackOptions{PromTimeout: time.Minute}).get(t, "/")
	want := map[string]string{}
	for _, r := range parseList(t, healthy) {
		want[r.Name] = r.Status
	}
	if len(rows) != len(want) {
		t.Fatalf("%d apps listed from metrics, want the %d the Machines API lists", len(rows), len(want))
	}
	for _, r := range rows {
		if w := want[r.Name]; r.Status != w {
			t.Errorf("%s: %s (%s), want %s", r.Name, r.Status, r.Reason, w)
		}
		if r.Sparks == 0 && r.Name != "queue-worker" {
			t.Errorf("%s: no sparklines", r.Name)
		}
		if r.Destroy {
			t.Errorf("%s: a destroy form while the Machines API is down", r.Name)
		}
		if !strings.HasPrefix(r.Machines, "—") {
			t.Errorf("%s: machines cell %q, want unknown", r.Name, r.Machines)
		}
	}
	if n := strings.Count(body, "The Fly Machines API did not answer within 700 ms."); n != 1 {
		t.Errorf("the cause appears %d times, want once", n)
	}
	if !strings.Contains(body, "machine counts, launching and destroying are unavailable") {
		t.Error("the notice does not say what is unavailable")
	}
}

// TestMachinesAPIWords: a refused connection is the dashboard's finding,
// never "Fly said"; a hung Machines API is said once, the machine count is
// not shown as 0, and the verdict names the Machines API, not metrics.
func TestMachinesAPIWords(t *testing.T) {
	t.Parallel()
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		s := newStack(t, stackOptions{FlyURL: closedURL(t), FlyTimeout: 2 * time.Second})
		const want = "The dashboard could not connect to the Fly Machines API (connection refused)."
		for _, path := range []string{"/", "/apps/storefront?range=1h"} {
			status, body, _ := s.get(t, path)
			if status != http.StatusOK {
				t.Fatalf("%s: %d", path, status)
			}
			if n := strings.Count(body, want); n != 1 {
				t.Errorf("%s: %q appears %d times, want once", path, want, n)
			}
			if strings.Contains(body, "Fly said") {
				t.Errorf("%s: a connection error is put in Fly's mouth", path)
			}
		}
	})
	t.Run("hang", func(t *testing.T) {
		t.Parallel()
		s := newStack(t, stackOptions{Sim: flysim.Options{MachinesFault: flysim.FaultHang}, FlyTimeout: 700 * time.Millisecond})
		status, body, _ := s.get(t, "/apps/storefront?range=1h")
		if status != http.StatusOK {
			t.Fatalf("app page: %d", status)
		}
		if n := strings.Count(body, "did not answer within 700 ms"); n != 1 {
			t.Errorf("the cause appears %d times, want once (a notice at the top)", n)
		}
		if strings.Contains(body, "0 machines") {
			t.Error(`"0 machines" while the count is unknown`)
		}
		if strings.Contains(body, `action="/apps/storefront/destroy"`) {
			t.Error("a destroy form while the Machines API is down")
		}
		doc, _ := html.Parse(strings.NewReader(body))
		v := find(doc, func(n *html.Node) bool { return hasClass(n, "app-verdict") })
		if v == nil {
			t.Fatal("no verdict")
		}
		// Prometheus answers and storefront serves: its verdict stands.
		if got := text(v); !strings.HasPrefix(got, "Healthy") || strings.Contains(got, "machines reporting") {
			t.Errorf("verdict %q, want Healthy from the metrics", got)
		}
	})
}

// saysCauseOnce gets path from a stack whose Prometheus fails in each of
// promFaults' ways, wants a 200 that says the cause exactly
// once, and hands the page to check for the rest.
func saysCauseOnce(t *testing.T, path string, check func(t *testing.T, s *stack, body string)) {
	t.Helper()
	for _, tc := range promFaults(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, tc.opts)
			status, body, _ := s.get(t, path)
			if status != http.StatusOK {
				t.Fatalf("%s: %d, want 200", path, status)
			}
			if n := strings.Count(body, tc.want); n != 1 {
				t.Errorf("%q appears %d times, want once", tc.want, n)
			}
			check(t, s, body)
		})
	}
}
