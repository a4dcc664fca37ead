package flyapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// A launch is the four steps `fly launch` takes for a new web app. Each
// step is done at most once per launch and a retry resumes at the first
// step Fly does not show done, so a double submit or a retry never creates
// a second app, machine or set of addresses (see launch_state.go for how
// the progress is read and docs/deploy.md for the races).
const (
	StepCreateApp  = "Create app"
	StepAssignIPs  = "Assign public addresses"
	StepLaunch     = "Launch machine"
	StepWaitStarts = "Machine started"
)

// Steps lists a launch's steps in order.
var Steps = []string{StepCreateApp, StepAssignIPs, StepLaunch, StepWaitStarts}

// LaunchState is a snapshot of one launch, safe to render.
type LaunchState struct {
	App       string
	Spec      LaunchSpec
	Done      []string // completed steps, in order
	Running   string   // the step in progress, "" when none
	Failed    string   // the step that failed or stopped, "" if none
	Err       error
	MachineID string
	IPs       []IP
	// StartedAt is when the launch's machine was created, or when this
	// process first saw the launch before there was one.
	StartedAt time.Time
}

// Finished reports whether every step completed.
func (s LaunchState) Finished() bool { return len(s.Done) == len(Steps) && s.Failed == "" }

// Stopped reports whether the launch failed or stopped before a step: a
// person has to retry it or destroy what was made.
func (s LaunchState) Stopped() bool { return s.Failed != "" && s.Running == "" }

// Launcher runs launches' steps and reads their progress from Fly. What it
// keeps in memory is a cache for the app list (Active, State) and the one
// thing Fly cannot say: which step this process is doing right now.
type Launcher struct {
	c *Client
	// PollEvery is how often a request that found another one's launch
	// under way looks again.
	PollEvery time.Duration
	// StartTimeout is how long a launched machine may take to start before
	// the launch is reported as failed.
	StartTimeout time.Duration
	// WaitOther bounds how long a double submit waits for the request that
	// created the app to launch its machine.
	WaitOther time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	reads singleflight.Group // Progress's shared reads

	mu      sync.Mutex
	seen    map[string]*cached
	running map[string]string // app -> step this process is doing
}

// cached is the last state this process read or made, with the error of
// its own last failed step (the words Fly gave, which Fly does not keep).
type cached struct {
	st      LaunchState
	ownErr  error
	ownStep string
	seenAt  time.Time
}

// activeFor is how long a launch read once stays on the app list's banner
// without being read again: the list shows what this process last saw.
const activeFor = 10 * time.Minute

// NewLauncher returns a launcher using c.
func NewLauncher(c *Client) *Launcher {
	return &Launcher{
		c: c, PollEvery: 250 * time.Millisecond, StartTimeout: 2 * time.Minute, WaitOther: 10 * time.Second,
		seen: map[string]*cached{}, running: map[string]string{},
	}
}

// ErrLaunchInProgress is returned by Start when another request (on this
// dashboard machine or another) created the app for its own launch.
var ErrLaunchInProgress = errors.New("a launch of this app is already in progress")

func (l *Launcher) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Start launches app: it creates the app, assigns its addresses and
// launches its machine before returning, so a failure is reported to the
// person who asked, with the step it stopped at; Fly starts the machine on
// its own and Observe follows it. The steps run on a context that outlives
// the request (a closed tab must not leave an app half-made), each under
// the client's deadline.
//
// A name that is taken by a launch of this dashboard (a double submit, on
// this machine or another) is not launched twice: Start waits, within
// WaitOther, for the request that created the app to launch its machine,
// and returns ErrLaunchInProgress. Creating the app is the one step Fly
// lets only one request win, so only that request runs the steps.
func (l *Launcher) Start(ctx context.Context, app string, spec LaunchSpec) (LaunchState, error) {
	ctx = context.WithoutCancel(ctx)
	l.setRunning(app, StepCreateApp)
	_, err := l.c.CreateApp(ctx, app)
	l.setRunning(app, "")
	if errors.Is(err, ErrNameTaken) {
		st, oerr := l.waitForOther(ctx, app, spec)
		if oerr != nil {
			// Someone else's app, in this org or another.
			return LaunchState{}, err
		}
		return st, ErrLaunchInProgress
	}
	if err != nil {
		return LaunchState{}, err
	}
	l.mu.Lock()
	l.seen[app] = &cached{st: LaunchState{App: app, Spec: spec, Done: []string{StepCreateApp}, StartedAt: l.now()}, seenAt: l.now()}
	l.mu.Unlock()
	return l.resume(ctx, app, spec, LaunchState{App: app, Spec: spec, Done: []string{StepCreateApp}})
}

// Resume retries a stopped launch from its first step not done, with spec
// (the retry form may correct the image). A machine that never started is
// destroyed and launched again. A launch that is finished or whose machine
// is starting is left alone.
func (l *Launcher) Resume(ctx context.Context, app string, spec LaunchSpec) (LaunchState, error) {
	ctx = context.WithoutCancel(ctx)
	st, err := l.Observe(ctx, app, spec)
	if err != nil {
		return st, err
	}
	if st.Finished() || (st.Failed == "" && st.Running != "") || l.isRunning(app) {
		return st, nil
	}
	return l.resume(ctx, app, spec, st)
}

func (l *Launcher) resume(ctx context.Context, app string, spec LaunchSpec, st LaunchState) (LaunchState, error) {
	if !contains(st.Done, StepAssignIPs) {
		if err := l.step(app, StepAssignIPs, func() error { _, err := l.c.AssignPublicIPs(ctx, app); return err }); err != nil {
			return l.failed(ctx, app, spec, StepAssignIPs, err)
		}
	}
	if st.MachineID != "" && st.Failed == StepWaitStarts {
		// It never started: a new machine (with the retry's image) replaces it.
		if err := l.step(app, StepLaunch, func() error { return l.c.destroyMachine(ctx, app, st.MachineID) }); err != nil {
			return l.failed(ctx, app, spec, StepLaunch, err)
		}
		st.MachineID = ""
	}
	if st.MachineID == "" {
		if err := l.step(app, StepLaunch, func() error { return l.launchOnce(ctx, app, spec) }); err != nil {
			return l.failed(ctx, app, spec, StepLaunch, err)
		}
	}
	l.forgetOwnErr(app)
	return l.Observe(ctx, app, spec)
}

// launchOnce launches the launch's machine unless one exists. Requests
// racing here may all see none and all launch one. On Fly the machine name
// closes most of that: each attempt's name is computed alike by every
// racer and Fly refuses a second machine of the same name. For whatever
// gets through, each racer lists the machines after its own launch and
// destroys every viable one but the first in launchMachines' order. That
// order is fixed per machine, and of any two racers the one that lists
// last sees both machines, so the first of all is never destroyed and
// every other one is: exactly one machine remains.
func (l *Launcher) launchOnce(ctx context.Context, app string, spec LaunchSpec) error {
	ever, err := l.c.machinesEver(ctx, app)
	if err != nil {
		return err
	}
	attempts := 0
	for _, m := range ever {
		if m.Metadata[MarkLaunch] == "" {
			continue
		}
		if viable(m) {
			return nil // a racing request launched it
		}
		attempts++
	}
	marks := map[string]string{MarkLaunch: newLaunchID(), MarkImage: spec.Image, MarkRegion: spec.Region}
	_, err = l.c.launchMachine(ctx, app, "launch-"+strconv.Itoa(attempts+1), spec, marks)
	if err != nil && !errors.Is(err, ErrNameTaken) {
		return err
	}
	ms, lerr := l.c.machines(ctx, app)
	if lerr != nil {
		return lerr
	}
	var keep []Machine
	for _, m := range launchMachines(ms) {
		if viable(m) {
			keep = append(keep, m)
		}
	}
	if len(keep) == 0 {
		if err != nil {
			return err
		}
		return &Error{Op: "launch machine in " + app, Kind: ErrUnavailable, Detail: "the machine Fly accepted is not listed"}
	}
	for _, dup := range keep[1:] {
		if derr := l.c.destroyMachine(ctx, app, dup.ID); derr != nil {
			return fmt.Errorf("remove duplicate machine %s: %w", dup.ID, derr)
		}
	}
	return nil
}

// step runs one step, marking it as this process's current one.
func (l *Launcher) step(app, name string, do func() error) error {
	l.setRunning(app, name)
	defer l.setRunning(app, "")
	return do()
}

// failed records the words of this process's own failure, then reads the
// launch back from Fly so the page shows what is actually there.
func (l *Launcher) failed(ctx context.Context, app string, spec LaunchSpec, step string, err error) (LaunchState, error) {
	l.mu.Lock()
	c := l.seen[app]
	if c == nil {
		c = &cached{st: LaunchState{App: app, Spec: spec, StartedAt: l.now()}}
		l.seen[app] = c
	}
	c.ownStep, c.ownErr = step, err
	l.mu.Unlock()
	st, oerr := l.Observe(ctx, app, spec)
	if oerr != nil {
		// Fly cannot be read either: say what this process knows.
		st = LaunchState{App: app, Spec: spec, Done: []string{StepCreateApp}, Failed: step, Err: err}
	}
	return st, err
}

// waitForOther follows a launch another request is running until its
// machine is launched or it stops, within WaitOther. It fails when the app
// is not a launch at all.
func (l *Launcher) waitForOther(ctx context.Context, app string, spec LaunchSpec) (LaunchState, error) {
	deadline := l.now().Add(l.WaitOther)
	for {
		st, err := l.Observe(ctx, app, spec)
		if err != nil {
			return st, err
		}
		if st.MachineID != "" || !l.now().Before(deadline) {
			return st, nil
		}
		time.Sleep(l.PollEvery)
	}
}

// remember merges what this process knows into a state read from Fly: the
// step it is doing now, and its own words for a step that failed here.
func (l *Launcher) remember(st LaunchState) LaunchState {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.seen[st.App]
	if c == nil {
		c = &cached{}
		l.seen[st.App] = c
	}
	if st.StartedAt.IsZero() {
		st.StartedAt = c.st.StartedAt
		if st.StartedAt.IsZero() {
			st.StartedAt = l.now()
		}
	}
	if step := l.running[st.App]; step != "" && step == st.Failed {
		st.Failed, st.Err, st.Running = "", nil, step
	}
	if c.ownErr != nil && st.Failed == c.ownStep && errors.Is(st.Err, ErrStepStopped) {
		st.Err = c.ownErr
	}
	c.st, c.seenAt = st, l.now()
	return cloneState(st)
}

func (l *Launcher) setRunning(app, step string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if step == "" {
		delete(l.running, app)
		return
	}
	l.running[app] = step
}

func (l *Launcher) isRunning(app string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.running[app] != ""
}

func (l *Launcher) forgetOwnErr(app string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.seen[app]; c != nil {
		c.ownErr, c.ownStep = nil, ""
	}
}

// State returns the launch of app as this process last read it.
func (l *Launcher) State(app string) (LaunchState, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.seen[app]
	if !ok || c.st.App == "" {
		return LaunchState{}, false
	}
	return cloneState(c.st), true
}

// Active lists the unfinished launches this process read recently, oldest
// first, for the app list's banner. It is a cache: the progress page reads
// Fly.
func (l *Launcher) Active() []LaunchState {
	l.mu.Lock()
	var out []LaunchState
	for _, c := range l.seen {
		if c.st.App != "" && !c.st.Finished() && l.now().Sub(c.seenAt) < activeFor {
			out = append(out, cloneState(c.st))
		}
	}
	l.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	return out
}

// Forget drops what this process remembers of app's launch, once the app
// is destroyed.
func (l *Launcher) Forget(app string) {
	l.mu.Lock()
	delete(l.seen, app)
	l.mu.Unlock()
}

func cloneState(st LaunchState) LaunchState {
	st.Done = append([]string(nil), st.Done...)
	st.IPs = append([]IP(nil), st.IPs...)
	return st
}

func newLaunchID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
