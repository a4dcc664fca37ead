package scale

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/apispec"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/views"
)

// listNow is the tests' fixed clock; the org's stories start 2h50m later,
// as in views' list tests.
var listNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

const incidentLead = 2*time.Hour + 50*time.Minute

// pageSize is how many apps the list shows a page.
const pageSize = 50

// queryTimeout guards against a hang, not a speed: flysim evaluates 500
// apps' day-long timeline in seconds on an idle machine, minutes under
// -race beside other test binaries.
const queryTimeout = 10 * time.Minute

// stack is the dashboard in-process over flysim on loopback, through the
// real flyapi and promql clients.
type stack struct {
	sim    *flysim.Server
	url    string
	client *http.Client
}

// newStack serves an org of apps; the query cache keeps answers of a step
// for ttl(step).
func newStack(tb testing.TB, apps int, ttl func(step time.Duration) time.Duration) *stack {
	tb.Helper()
	ctx := context.Background()
	now := func() time.Time { return listNow }
	o := flysim.Options{Addr: "127.0.0.1:0", Apps: apps, Start: listNow.Add(incidentLead), Now: now, QueryTimeout: queryTimeout}
	if t, ok := tb.(*testing.T); ok {
		// Tests, not benchmarks, check every Machines API answer against
		// Fly's spec.
		o.MachinesMiddleware = apispec.ForTest(t)
	}
	sim, err := flysim.Start(ctx, o)
	if err != nil {
		tb.Fatalf("start flysim: %v", err)
	}
	tb.Cleanup(sim.Close)
	org := sim.Sim.Org()
	fly, err := flyapi.New(ctx, flyapi.Config{Token: "test-token", Org: org, BaseURL: sim.URL, APIBaseURL: sim.URL, Timeout: queryTimeout})
	if err != nil {
		tb.Fatal(err)
	}
	prom, err := promql.NewClient(promql.Config{
		URL: sim.URL + "/prometheus/" + org, AuthHeader: "Bearer test-token", Timeout: queryTimeout,
		CacheTTL: ttl,
	})
	if err != nil {
		tb.Fatal(err)
	}
	h, err := views.New(views.Config{Fly: fly, Prom: prom, Demo: true, Now: now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return &stack{sim: sim, url: srv.URL, client: &http.Client{Timeout: 15 * time.Minute}}
}

func (s *stack) get(tb testing.TB, path string) (int, string) {
	tb.Helper()
	resp, err := s.client.Get(s.url + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: reading the body: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

var (
	appRow   = regexp.MustCompile(`<th scope="row"><a class="app-name" href="/apps/`)
	appCount = regexp.MustCompile(`<span class="count v-[a-z]+">(\d+) [^<]+</span>`)
)

// listed is how many app rows a list page shows and how many apps its
// summary counts.
func listed(body string) (rows, counted int) {
	for _, m := range appCount.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[1])
		counted += n
	}
	return len(appRow.FindAllStringIndex(body, -1)), counted
}

// faults is the page's account of an upstream that failed, "" if none: a
// column that failed is not cached, so later pages would query again and a
// count of queries would blame the wrong thing.
func faults(body string) string {
	n := strings.Count(body, ">unavailable<")
	notice := ""
	if i := strings.Index(body, `class="panel error notice"`); i >= 0 {
		notice = body[i:min(len(body), i+400)]
	}
	if n == 0 && notice == "" {
		return ""
	}
	return strconv.Itoa(n) + " cells unavailable; the page's notice: " + notice
}
