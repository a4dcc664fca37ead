package flyapi

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"
)

// A launch is the four steps `fly launch` takes for a new web app. Each step
// is done at most once per launch and a retry resumes at the first step
// that has not completed, so a double submit or a retry never creates a
// second app or a second machine.
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
	Running   string   // the step in progress, "" when stopped
	Failed    string   // the step that failed, "" if none
	Err       error
	MachineID string
	IPs       []IP
	StartedAt time.Time
	// CreatedApp is true once this launch created the app, so a failure
	// page can offer to destroy it.
	CreatedApp bool
}

// Finished reports whether every step completed.
func (s LaunchState) Finished() bool { return len(s.Done) == len(Steps) }

// Launcher runs launches in the background, one per app name.
type Launcher struct {
	c *Client
	// PollEvery is how often the machine's state is read while waiting for
	// it to start.
	PollEvery time.Duration
	// StartTimeout bounds the wait for the machine to reach "started".
	StartTimeout time.Duration

	mu       sync.Mutex
	launches map[string]*LaunchState
}

// NewLauncher returns a launcher using c.
func NewLauncher(c *Client) *Launcher {
	return &Launcher{c: c, PollEvery: 500 * time.Millisecond, StartTimeout: 2 * time.Minute, launches: map[string]*LaunchState{}}
}

// ErrLaunchInProgress is returned by Start when the app's launch is running.
var ErrLaunchInProgress = errors.New("a launch of this app is already in progress")

// Start begins, or resumes after a failure, the launch of app. The app is
// created before Start returns, so a taken or invalid name is reported to
// the person who typed it; the other steps run in the background. A launch
// already running or finished is left alone and reported with
// ErrLaunchInProgress, so the caller shows its progress instead.
func (l *Launcher) Start(ctx context.Context, app string, spec LaunchSpec) error {
	l.mu.Lock()
	st, ok := l.launches[app]
	if ok && (st.Failed == "" || st.Running != "") {
		l.mu.Unlock()
		return ErrLaunchInProgress
	}
	if !ok {
		st = &LaunchState{App: app, Spec: spec, StartedAt: time.Now()}
		l.launches[app] = st
	}
	// A retry may correct the form (a bad image, say).
	st.Spec = spec
	st.Failed, st.Err = "", nil
	first := !contains(st.Done, StepCreateApp)
	if first {
		st.Running = StepCreateApp
	}
	l.mu.Unlock()

	if first {
		if err := l.do(ctx, st, StepCreateApp); err != nil {
			l.mu.Lock()
			delete(l.launches, app)
			l.mu.Unlock()
			return err
		}
		l.mu.Lock()
		st.Done = append(st.Done, StepCreateApp)
		st.Running = ""
		l.mu.Unlock()
	}
	// The rest outlives the request that started it: a closed tab must not
	// leave an app half-made.
	go l.run(context.WithoutCancel(ctx), st)
	return nil
}

// State returns the launch of app, if this process started one.
func (l *Launcher) State(app string) (LaunchState, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.launches[app]
	if !ok {
		return LaunchState{}, false
	}
	cp := *st
	cp.Done = append([]string(nil), st.Done...)
	cp.IPs = append([]IP(nil), st.IPs...)
	return cp, true
}

// Active lists launches that have not finished (running or failed), oldest
// first, so the app list can show them.
func (l *Launcher) Active() []LaunchState {
	l.mu.Lock()
	var out []LaunchState
	for _, st := range l.launches {
		if !st.Finished() {
			cp := *st
			out = append(out, cp)
		}
	}
	l.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	return out
}

// Forget drops the record of app's launch, once the app is destroyed.
func (l *Launcher) Forget(app string) {
	l.mu.Lock()
	delete(l.launches, app)
	l.mu.Unlock()
}

func (l *Launcher) run(ctx context.Context, st *LaunchState) {
	for _, step := range Steps {
		l.mu.Lock()
		done := contains(st.Done, step)
		if !done {
			st.Running = step
		}
		l.mu.Unlock()
		if done {
			continue
		}
		if err := l.do(ctx, st, step); err != nil {
			l.mu.Lock()
			st.Running, st.Failed, st.Err = "", step, err
			l.mu.Unlock()
			return
		}
		l.mu.Lock()
		st.Done = append(st.Done, step)
		st.Running = ""
		l.mu.Unlock()
	}
	// The machine has started since the listings were last read.
	l.c.cache.clear()
}

func (l *Launcher) do(ctx context.Context, st *LaunchState, step string) error {
	switch step {
	case StepCreateApp:
		_, err := l.c.CreateApp(ctx, st.App)
		if err == nil {
			l.mu.Lock()
			st.CreatedApp = true
			l.mu.Unlock()
		}
		return err
	case StepAssignIPs:
		ips, err := l.c.AssignPublicIPs(ctx, st.App)
		l.mu.Lock()
		st.IPs = ips
		l.mu.Unlock()
		return err
	case StepLaunch:
		m, err := l.c.LaunchMachine(ctx, st.App, st.Spec)
		if err != nil {
			return err
		}
		l.mu.Lock()
		st.MachineID = m.ID
		l.mu.Unlock()
		return nil
	case StepWaitStarts:
		return l.waitStarted(ctx, st.App, st.MachineID)
	}
	return nil
}

func (l *Launcher) waitStarted(ctx context.Context, app, id string) error {
	ctx, cancel := context.WithTimeout(ctx, l.StartTimeout)
	defer cancel()
	tick := time.NewTicker(l.PollEvery)
	defer tick.Stop()
	for {
		m, err := l.c.Machine(ctx, app, id)
		if err == nil {
			switch m.State {
			case "started":
				return nil
			case "stopped", "destroyed", "destroying", "failed":
				return &Error{Op: "start machine " + id, Kind: ErrConflict, Detail: "the machine is " + m.State}
			}
		} else if !errors.Is(err, ErrUnavailable) && !errors.Is(err, ErrTimeout) {
			return err
		}
		select {
		case <-ctx.Done():
			return &Error{Op: "start machine " + id, Kind: ErrTimeout, Detail: "it was not started after " + l.StartTimeout.String()}
		case <-tick.C:
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
