package flyapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/internal/breaker"
)

// newLogsClient is a client whose Machines API and logs API are both the
// flysim started with o.
func newLogsClient(t *testing.T, o flysim.Options, readTimeout time.Duration) (*flyapi.Client, *flysim.Server) {
	t.Helper()
	o.Addr = "127.0.0.1:0"
	srv, err := flysim.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := flyapi.New(context.Background(), flyapi.Config{
		Token: "FlyV1 fm2_lJPECAAAAAAAAMRY_secret_part", Org: srv.Sim.Org(),
		BaseURL: srv.URL, APIBaseURL: srv.URL, ReadTimeout: readTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestAppLogsReadsForwardWithFlysCursor(t *testing.T) {
	t.Parallel()
	c, srv := newLogsClient(t, flysim.Options{}, 0)
	ctx := t.Context()
	latest, err := c.AppLogs(ctx, fleet.CrashLoopApp, flyapi.LogsQuery{})
	if err != nil {
		t.Fatalf("latest lines: %v", err)
	}
	if len(latest.Entries) == 0 || latest.Next.IsZero() {
		t.Fatalf("latest lines: %d entries, next %v; want some and a cursor", len(latest.Entries), latest.Next)
	}
	from := srv.Sim.Fleet().Now().Add(-time.Hour)
	page, err := c.AppLogs(ctx, fleet.CrashLoopApp, flyapi.LogsQuery{After: from})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != flyapi.LogsPageSize {
		t.Fatalf("a page from an hour ago has %d entries, want a full page of %d", len(page.Entries), flyapi.LogsPageSize)
	}
	last, err := time.Parse(time.RFC3339Nano, page.Entries[len(page.Entries)-1].Timestamp)
	if err != nil || !last.Equal(page.Next) {
		t.Fatalf("Next %v, want the last entry's time %v (%v)", page.Next, last, err)
	}
	next, err := c.AppLogs(ctx, fleet.CrashLoopApp, flyapi.LogsQuery{After: page.Next})
	if err != nil {
		t.Fatal(err)
	}
	if first, _ := time.Parse(time.RFC3339Nano, next.Entries[0].Timestamp); !first.After(last) {
		t.Errorf("the next page starts at %v, not after the last line read (%v)", first, last)
	}

	m := srv.Sim.Fleet().Apps()
	var machine, region string
	for _, a := range m {
		if a.Name == fleet.CrashLoopApp {
			machine, region = a.Machines[0].ID, a.Machines[0].Region
		}
	}
	one, err := c.AppLogs(ctx, fleet.CrashLoopApp, flyapi.LogsQuery{After: from, Instance: machine, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range one.Entries {
		if e.Instance != machine || e.Region != region {
			t.Fatalf("filtered by %s in %s, got a line of %s in %s", machine, region, e.Instance, e.Region)
		}
	}
}

func TestAppLogsFailuresAreTyped(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, tc := range []struct {
		name      string
		opts      flysim.Options
		app       string
		q         flyapi.LogsQuery
		kind      error
		transport bool
		status    int
		requests  int64
	}{
		{name: "unknown app", app: "no-such-app", kind: flyapi.ErrNotFound, status: 404, requests: 1},
		{name: "not an app name", app: "Bad_Name", kind: flyapi.ErrNotFound},
		{name: "not a machine id", app: "blog", q: flyapi.LogsQuery{Instance: "../../v1"}, kind: flyapi.ErrInvalid},
		{name: "token refused", opts: flysim.Options{LogsFault: flysim.FaultUnauthorized}, app: "blog", kind: flyapi.ErrUnauthorized, status: 401, requests: 1},
		// fly-go retries a 503 three times, as flaps does.
		{name: "down", opts: flysim.Options{LogsErrorRate: 1}, app: "blog", kind: flyapi.ErrUnavailable, status: 503, requests: 4},
		{name: "garbage", opts: flysim.Options{LogsFault: flysim.FaultGarbage}, app: "blog", kind: flyapi.ErrUnavailable, transport: true, requests: 1},
	} {
		c, srv := newLogsClient(t, tc.opts, 0)
		_, err := c.AppLogs(ctx, tc.app, tc.q)
		var e *flyapi.Error
		if !errors.Is(err, tc.kind) || !errors.As(err, &e) || e.Status != tc.status || e.Transport != tc.transport {
			t.Errorf("%s: %#v, want kind %v, status %d, transport %t", tc.name, err, tc.kind, tc.status, tc.transport)
			continue
		}
		if tc.transport && e.Detail != flyapi.DetailNotJSON {
			t.Errorf("%s: detail %q, want %q", tc.name, e.Detail, flyapi.DetailNotJSON)
		}
		if strings.Contains(err.Error(), "secret_part") {
			t.Errorf("%s: the token is in the error: %v", tc.name, err)
		}
		if n := srv.Sim.LogsRequests(); n != tc.requests {
			t.Errorf("%s: %d requests reached the logs API, want %d", tc.name, n, tc.requests)
		}
	}
}

func TestAppLogsHangCostsTheReadTimeout(t *testing.T) {
	t.Parallel()
	const wait = 300 * time.Millisecond
	c, _ := newLogsClient(t, flysim.Options{LogsFault: flysim.FaultHang}, wait)
	began := time.Now()
	_, err := c.AppLogs(t.Context(), "blog", flyapi.LogsQuery{})
	var e *flyapi.Error
	if !errors.Is(err, flyapi.ErrTimeout) || !errors.As(err, &e) || e.After != wait {
		t.Fatalf("hung logs API: %v, want a timeout after %v", err, wait)
	}
	if took := time.Since(began); took < wait {
		t.Errorf("gave up after %v, before the %v deadline", took, wait)
	}
}

// TestHungLogsAPIFailsFast: after three reads of a hung logs API time out,
// the next fails at once, as a timeout, without sending anything; the
// Machines API, another upstream, is still asked.
func TestHungLogsAPIFailsFast(t *testing.T) {
	t.Parallel()
	c, _ := newLogsClient(t, flysim.Options{LogsFault: flysim.FaultHang}, 300*time.Millisecond)
	for i := range 3 {
		if _, err := c.AppLogs(t.Context(), "blog", flyapi.LogsQuery{}); !errors.Is(err, flyapi.ErrTimeout) {
			t.Fatalf("read %d of a hung logs API: %v, want a timeout", i+1, err)
		}
	}
	ctx, waits := breaker.WithWaits(t.Context())
	_, err := c.AppLogs(ctx, "blog", flyapi.LogsQuery{})
	if !errors.Is(err, flyapi.ErrTimeout) {
		t.Errorf("with the logs API known hung: %v, want a timeout", err)
	}
	if w := waits.Of(flyapi.LogsUpstream); w.Sent != 0 || w.FailedFast != 1 {
		t.Errorf("with the logs API known hung the read was %+v, want failed fast without sending", w)
	}
	if _, err := c.Machines(ctx, "blog"); err != nil {
		t.Errorf("the Machines API, which answers, failed too: %v", err)
	}
	if w := waits.Of(flyapi.MachinesUpstream); w.Sent == 0 {
		t.Errorf("the Machines API was not asked: %+v", w)
	}
}
