package flyapi_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
)

// Two launchers on one client stand for two dashboard processes: they
// share nothing but Fly.
func twoLaunchers(c *flyapi.Client) (*flyapi.Launcher, *flyapi.Launcher) {
	a, b := flyapi.NewLauncher(c), flyapi.NewLauncher(c)
	for _, l := range []*flyapi.Launcher{a, b} {
		l.PollEvery = 20 * time.Millisecond
		l.WaitOther = 3 * time.Second
	}
	return a, b
}

// observeUntil reads the launch from Fly until done says so.
func observeUntil(t *testing.T, l *flyapi.Launcher, app string, done func(flyapi.LaunchState) bool) flyapi.LaunchState {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := l.Observe(context.Background(), app, flyapi.LaunchSpec{})
		if err != nil {
			t.Fatalf("observe %s: %v", app, err)
		}
		if done(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("launch of %s never got there: %+v", app, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// liveMachines are the app's machines Fly has not destroyed.
func liveMachines(t *testing.T, srv *flysim.Server, app string) []fleet.Machine {
	t.Helper()
	a, err := srv.Sim.Fleet().App(app)
	if err != nil {
		t.Fatal(err)
	}
	var out []fleet.Machine
	for _, m := range a.Machines {
		if m.DestroyedAt.IsZero() {
			out = append(out, *m)
		}
	}
	return out
}

// TestLauncher: a launch creates the app, assigns both addresses and
// launches a marked machine before Start returns; another launcher (another
// dashboard process) reads the same progress from Fly and follows it to
// started; a second submit there makes nothing new.
func TestLauncher(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := newClient(t, flysim.Options{StartDelay: 300 * time.Millisecond}, 0)
	a, b := twoLaunchers(c)
	spec := flyapi.LaunchSpec{Image: "flyio/hellofly:latest", Region: "fra", Size: flyapi.DefaultSize}
	st, err := a.Start(ctx, "launch-test", spec)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{flyapi.StepCreateApp, flyapi.StepAssignIPs, flyapi.StepLaunch}
	if !slices.Equal(st.Done, want) || st.Running != flyapi.StepWaitStarts || st.MachineID == "" || len(st.IPs) != 2 {
		t.Fatalf("after Start: %+v, want the first three steps done and the machine starting", st)
	}
	other, err := b.Observe(ctx, "launch-test", flyapi.LaunchSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(other.Done, st.Done) || other.Running != st.Running || other.MachineID != st.MachineID || other.Spec != spec {
		t.Errorf("the other process reads %+v, the launching one %+v", other, st)
	}
	if _, err := b.Start(ctx, "launch-test", spec); !errors.Is(err, flyapi.ErrLaunchInProgress) {
		t.Fatalf("second submit on the other process: %v, want ErrLaunchInProgress", err)
	}
	done := observeUntil(t, b, "launch-test", flyapi.LaunchState.Finished)
	if done.MachineID != st.MachineID {
		t.Errorf("finished with machine %s, launched %s", done.MachineID, st.MachineID)
	}
	ms := liveMachines(t, srv, "launch-test")
	if len(ms) != 1 || ms[0].State != "started" || ms[0].Metadata[flyapi.MarkImage] != spec.Image || ms[0].Metadata[flyapi.MarkRegion] != "fra" || ms[0].Metadata[flyapi.MarkLaunch] == "" {
		t.Fatalf("machines in Fly: %+v", ms)
	}
	if app, _ := srv.Sim.Fleet().App("launch-test"); len(app.IPs) != 2 {
		t.Errorf("%d addresses, want a v6 and a shared v4", len(app.IPs))
	}

	// Names that are not launches of this dashboard.
	if _, err := a.Start(ctx, "storefront", spec); !errors.Is(err, flyapi.ErrNameTaken) {
		t.Errorf("launching a taken name: %v", err)
	}
	if _, err := a.Observe(ctx, "storefront", spec); !errors.Is(err, flyapi.ErrNotALaunch) {
		t.Errorf("observing an app with its own machines: %v, want ErrNotALaunch", err)
	}
	if _, err := a.Observe(ctx, "no-such-app", spec); !errors.Is(err, flyapi.ErrNotFound) {
		t.Errorf("observing no app: %v, want ErrNotFound", err)
	}
	if _, err := a.Start(ctx, "not-yours", spec); !errors.Is(err, flyapi.ErrNameTaken) {
		t.Errorf("launching another org's name: %v", err)
	}
}

// TestLauncherFailureAndRetry: a step that fails is reported with Fly's
// words by the process that ran it, and as stopped at the same step by any
// other; a retry from the other one resumes there without a second app or
// second addresses.
func TestLauncherFailureAndRetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := newClient(t, flysim.Options{}, 0)
	a, b := twoLaunchers(c)
	// The Machines API refuses a machine without an image.
	st, err := a.Start(ctx, "half-made", flyapi.LaunchSpec{Region: "ams"})
	if !errors.Is(err, flyapi.ErrInvalid) || st.Failed != flyapi.StepLaunch || !errors.Is(st.Err, flyapi.ErrInvalid) || len(st.IPs) != 2 {
		t.Fatalf("failed launch: %v, %+v", err, st)
	}
	if again, _ := a.Observe(ctx, "half-made", flyapi.LaunchSpec{}); !errors.Is(again.Err, flyapi.ErrInvalid) {
		t.Errorf("the launching process forgot Fly's words: %v", again.Err)
	}
	other, err := b.Observe(ctx, "half-made", flyapi.LaunchSpec{})
	if err != nil || other.Failed != flyapi.StepLaunch || !errors.Is(other.Err, flyapi.ErrStepStopped) || !other.Stopped() {
		t.Fatalf("the other process reads %v, %+v; want stopped at %q", err, other, flyapi.StepLaunch)
	}
	if active := a.Active(); len(active) != 1 || active[0].App != "half-made" {
		t.Errorf("the stopped launch is not listed as unfinished: %+v", active)
	}
	if _, err := b.Resume(ctx, "half-made", flyapi.LaunchSpec{Image: "flyio/hellofly:latest", Region: "ams"}); err != nil {
		t.Fatal(err)
	}
	observeUntil(t, a, "half-made", flyapi.LaunchState.Finished)
	app, err := srv.Sim.Fleet().App("half-made")
	if err != nil || len(liveMachines(t, srv, "half-made")) != 1 || len(app.IPs) != 2 {
		t.Fatalf("after retry: %v, %d machines, %d addresses", err, len(app.Machines), len(app.IPs))
	}
	if _, err := a.Resume(ctx, "storefront", flyapi.LaunchSpec{Image: "nginx", Region: "ams"}); !errors.Is(err, flyapi.ErrNotALaunch) {
		t.Errorf("resuming an app that is not a launch: %v", err)
	}
}

// TestLauncherRaces: submits racing on two processes make one app, one
// machine and one set of addresses; retries racing at the machine step
// leave one machine too.
func TestLauncherRaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := newClient(t, flysim.Options{}, 0)
	a, b := twoLaunchers(c)
	spec := flyapi.LaunchSpec{Image: "flyio/hellofly:latest", Region: "ams"}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		l := a
		if i%2 == 1 {
			l = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := l.Start(ctx, "raced", spec)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	won := 0
	for err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, flyapi.ErrLaunchInProgress):
			t.Errorf("racing submit: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d submits ran the launch, want exactly 1", won)
	}
	if ms := liveMachines(t, srv, "raced"); len(ms) != 1 {
		t.Errorf("racing submits made %d machines", len(ms))
	}
	if app, _ := srv.Sim.Fleet().App("raced"); len(app.IPs) != 2 {
		t.Errorf("racing submits made %d addresses", len(app.IPs))
	}

	// Retries racing from step 2: an app with nothing but its name (its
	// launch stopped after creating it), resumed by six requests on two
	// processes at once.
	if _, err := c.CreateApp(ctx, "raced-retry"); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		l := a
		if i%2 == 1 {
			l = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.Resume(ctx, "raced-retry", spec); err != nil {
				t.Errorf("racing retry: %v", err)
			}
		}()
	}
	wg.Wait()
	if ms := liveMachines(t, srv, "raced-retry"); len(ms) != 1 {
		t.Errorf("racing retries left %d machines, want 1", len(ms))
	}
	app, _ := srv.Sim.Fleet().App("raced-retry")
	var types []string
	for _, ip := range app.IPs {
		types = append(types, ip.Type)
	}
	if slices.Sort(types); !slices.Equal(types, []string{"shared_v4", "v6"}) {
		t.Errorf("racing retries left addresses %v, want one v6 and one shared v4", types)
	}
	t.Logf("racing retries launched %d machines and kept one", len(app.Machines))
	observeUntil(t, b, "raced-retry", flyapi.LaunchState.Finished)
}

// TestLauncherMachineThatNeverStarts: a launched machine that stops before
// it starts fails the last step, as every process reads it from its
// events; a retry replaces it with one machine.
func TestLauncherMachineThatNeverStarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := newClient(t, flysim.Options{StartDelay: time.Hour}, 0)
	a, b := twoLaunchers(c)
	a.StartTimeout = 200 * time.Millisecond
	b.StartTimeout = 200 * time.Millisecond
	spec := flyapi.LaunchSpec{Image: "flyio/hellofly:latest", Region: "ams"}
	if _, err := a.Start(ctx, "slow-start", spec); err != nil {
		t.Fatal(err)
	}
	st := observeUntil(t, b, "slow-start", flyapi.LaunchState.Stopped)
	if st.Failed != flyapi.StepWaitStarts || !errors.Is(st.Err, flyapi.ErrNotStarted) {
		t.Fatalf("a machine that never starts: %+v", st)
	}
	first := st.MachineID
	st, err := b.Resume(ctx, "slow-start", spec)
	if err != nil {
		t.Fatal(err)
	}
	ms := liveMachines(t, srv, "slow-start")
	if len(ms) != 1 || ms[0].ID == first || st.MachineID != ms[0].ID || st.Running != flyapi.StepWaitStarts {
		t.Errorf("after retry: %+v; machines %+v (the first was %s)", st, ms, first)
	}
}

// TestProgressReadsAreShared: people watching one launch at once share
// one read of Fly (app, addresses, machines), however many they are.
func TestProgressReadsAreShared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := newClient(t, flysim.Options{MachinesLatency: 50 * time.Millisecond, StartDelay: time.Hour}, 0)
	l := flyapi.NewLauncher(c)
	if _, err := l.Start(ctx, "watched", flyapi.LaunchSpec{Image: "nginx", Region: "ams"}); err != nil {
		t.Fatal(err)
	}
	srv.Sim.ResetCounts()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := l.Progress(ctx, "watched", flyapi.LaunchSpec{})
			if err != nil || st.Running != flyapi.StepWaitStarts {
				t.Errorf("progress: %v %+v", err, st)
			}
		}()
	}
	wg.Wait()
	if machines, _ := srv.Sim.Counts(); machines > 6 {
		t.Errorf("20 people watching one launch made %d Machines API calls, want one read (3 calls), two at most", machines)
	}
}
