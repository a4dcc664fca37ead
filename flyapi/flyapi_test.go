package flyapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/apispec"
)

func newClient(t *testing.T, o flysim.Options, timeout time.Duration) (*flyapi.Client, *flysim.Server) {
	t.Helper()
	o.Addr = "127.0.0.1:0"
	if o.StartDelay == 0 {
		o.StartDelay = 50 * time.Millisecond
	}
	// Every answer flyapi reads here must fit Fly's published spec.
	o.MachinesMiddleware = apispec.ForTest(t)
	srv, err := flysim.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := flyapi.New(context.Background(), flyapi.Config{Token: "test", Org: srv.Sim.Org(), BaseURL: srv.URL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestAppsAndMachines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := newClient(t, flysim.Options{}, 0)
	apps, err := c.ListApps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != len(srv.Sim.Fleet().Apps()) {
		t.Fatalf("listed %d apps, the org has %d", len(apps), len(srv.Sim.Fleet().Apps()))
	}
	for _, a := range apps {
		if a.MachineCount < 1 || a.Org != "demo" || a.Hostname() != a.Name+".fly.dev" {
			t.Errorf("app %+v", a)
		}
	}
	ms, err := c.Machines(ctx, "image-resizer")
	if err != nil {
		t.Fatal(err)
	}
	var oom bool
	for _, m := range ms {
		if m.State != "started" || m.Region == "" || m.Image == "" || !m.HTTPService {
			t.Errorf("machine %+v", m)
		}
		for i, e := range m.Events {
			if i > 0 && e.At.After(m.Events[i-1].At) {
				t.Errorf("events not newest first")
			}
			oom = oom || (e.Type == "exit" && e.OOMKilled && e.ExitCode == 137)
		}
	}
	if !oom {
		t.Error("the OOM kill is not among image-resizer's events")
	}
	worker, err := c.Machines(ctx, "queue-worker")
	if err != nil || len(worker) == 0 || worker[0].HTTPService {
		t.Errorf("queue-worker machines: %v %+v", err, worker)
	}
}

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t, flysim.Options{}, 0)
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"unknown app", func() error { _, err := c.GetApp(ctx, "no-such-app"); return err }(), flyapi.ErrNotFound},
		{"other org", func() error { _, err := c.GetApp(ctx, "not-yours"); return err }(), flyapi.ErrForbidden},
		{"name taken", func() error { _, err := c.CreateApp(ctx, "storefront"); return err }(), flyapi.ErrNameTaken},
		{"invalid name", func() error { _, err := c.CreateApp(ctx, "Not_Valid"); return err }(), flyapi.ErrInvalid},
		{"machines of unknown app", func() error { _, err := c.Machines(ctx, "no-such-app"); return err }(), flyapi.ErrNotFound},
	}
	for _, tc := range cases {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
		var fe *flyapi.Error
		if !errors.As(tc.err, &fe) || fe.Op == "" {
			t.Errorf("%s: not an *flyapi.Error naming its operation: %v", tc.name, tc.err)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// flaps retries a 502/503 three times with up to ~0.7 s of backoff: the
	// 5xx case gets a deadline that outlasts the retries.
	cases := []struct {
		name    string
		o       flysim.Options
		timeout time.Duration
		want    error
	}{
		{"5xx", flysim.Options{MachinesErrorRate: 1}, 3 * time.Second, flyapi.ErrUnavailable},
		{"hang", flysim.Options{MachinesFault: "hang"}, 300 * time.Millisecond, flyapi.ErrTimeout},
		{"garbage", flysim.Options{MachinesFault: "garbage"}, 300 * time.Millisecond, flyapi.ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newClient(t, tc.o, tc.timeout)
			start := time.Now()
			_, err := c.ListApps(ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
			if took := time.Since(start); took > tc.timeout+time.Second {
				t.Errorf("took %v with a %v deadline", took, tc.timeout)
			}
		})
	}
	// A refused token: fly.io itself cannot run here, so a stand-in answers
	// 401 the way the Machines API does.
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"unauthorized"}`))
	}))
	defer refuse.Close()
	c, err := flyapi.New(ctx, flyapi.Config{Token: "bad", Org: "demo", BaseURL: refuse.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListApps(ctx); !errors.Is(err, flyapi.ErrUnauthorized) {
		t.Errorf("401: %v", err)
	}
}

// TestErrorsNeverCarryTheToken: even an upstream that echoes the request's
// credentials in its error (an injected fault; Fly does not) yields an
// error without the token or its parts.
func TestErrorsNeverCarryTheToken(t *testing.T) {
	t.Parallel()
	const token = "FlyV1 fm2_canaryAAAAAAAAAAAAAAAA,fm2_canaryBBBBBBBBBBBBBBBB"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"error":"cannot use ` + r.Header.Get("Authorization") + `"}`))
	}))
	defer echo.Close()
	c, err := flyapi.New(context.Background(), flyapi.Config{Token: token, Org: "demo", BaseURL: echo.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateApp(context.Background(), "echo")
	if !errors.Is(err, flyapi.ErrInvalid) {
		t.Fatalf("%v, want ErrInvalid", err)
	}
	for _, secret := range []string{"canaryAAAA", "canaryBBBB"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error carries the token: %v", err)
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error lost Fly's message instead of redacting it: %v", err)
	}
}

// TestReadsAreSharedAndWritesSeen: concurrent pages reading the same
// listing cost one Machines API call; a write through the client is seen
// by the next read.
func TestReadsAreSharedAndWritesSeen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := newClient(t, flysim.Options{MachinesLatency: 100 * time.Millisecond}, 0)
	srv.Sim.ResetCounts()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Machines(ctx, "storefront"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if _, err := c.Machines(ctx, "storefront"); err != nil {
		t.Fatal(err)
	}
	if machines, _ := srv.Sim.Counts(); machines != 1 {
		t.Errorf("21 reads of one app's machines made %d Machines API calls, want 1", machines)
	}
	before, err := c.ListApps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateApp(ctx, "cache-test"); err != nil {
		t.Fatal(err)
	}
	after, err := c.ListApps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+1 {
		t.Errorf("the list after creating an app has %d apps, before %d", len(after), len(before))
	}
	// A caller that gives up does not fail the others sharing its read.
	srv.Sim.ResetCounts()
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := c.Machines(ctx, "blog"); done <- err }()
	if _, err := c.Machines(short, "blog"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the impatient caller got %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("the patient caller got %v", err)
	}
}

// TestReadTimeoutBoundsReadsOnly: a page's reads give up after
// ReadTimeout and say how long they waited; a write keeps Timeout, so a
// slow create is not reported as failed while it succeeds.
func TestReadTimeoutBoundsReadsOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, err := flysim.Start(ctx, flysim.Options{Addr: "127.0.0.1:0", MachinesLatency: 600 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := flyapi.New(ctx, flyapi.Config{Token: "test", Org: srv.Sim.Org(), BaseURL: srv.URL,
		Timeout: 5 * time.Second, ReadTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListApps(ctx)
	var fe *flyapi.Error
	if !errors.Is(err, flyapi.ErrTimeout) || !errors.As(err, &fe) || fe.After != 200*time.Millisecond {
		t.Errorf("list apps: %v (%+v), want ErrTimeout after 200ms", err, fe)
	}
	if _, err := c.CreateApp(ctx, "slow-but-fine"); err != nil {
		t.Errorf("create app within Timeout: %v", err)
	}
}

// TestTransportErrorsAreMarked: what Fly never said is not Fly's message.
func TestTransportErrorsAreMarked(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	c, err := flyapi.New(context.Background(), flyapi.Config{Token: "t", Org: "demo", BaseURL: closed.URL, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListApps(context.Background())
	var fe *flyapi.Error
	if !errors.As(err, &fe) || !fe.Transport || fe.Detail != "connection refused" || fe.Status != 0 {
		t.Errorf("refused: %v (%+v), want a transport error saying connection refused", err, fe)
	}
	g, _ := newClient(t, flysim.Options{MachinesFault: "garbage"}, time.Second)
	_, err = g.ListApps(context.Background())
	if !errors.As(err, &fe) || !fe.Transport || fe.Detail != flyapi.DetailNotJSON {
		t.Errorf("garbage: %v (%+v), want a transport error saying not JSON", err, fe)
	}
}
