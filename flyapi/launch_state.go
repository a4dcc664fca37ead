package flyapi

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// A launch's truth lives in Fly, so any dashboard machine, or one just
// restarted, reads the same progress: the app exists (step 1), it has a v6
// and a shared v4 (step 2), it has a live machine carrying the launch marks
// below (step 3), and that machine has started (step 4). Nothing else is
// needed: an app with no machine and no addresses is a launch stopped
// after step 1.
//
// The marks live in the machine's config.metadata, which Fly keeps and
// returns with the machine: MarkLaunch says this dashboard launched it
// (its value is the launch's id, for logs), MarkImage and MarkRegion what
// the form asked for, since Fly reports the image as a resolved reference.
const (
	MarkLaunch = "flydash_launch"
	MarkImage  = "flydash_image"
	MarkRegion = "flydash_region"
)

// ErrNotALaunch is returned for an app that has machines this dashboard
// did not launch: its progress is not a launch's, and it is not resumed.
var ErrNotALaunch = errors.New("the app has machines that were not launched from this dashboard")

// ErrStepStopped is the failure of a step no request is doing any more: it
// failed or was interrupted, possibly on another dashboard machine, which
// alone knew Fly's words.
var ErrStepStopped = errors.New("this step did not complete")

// ErrNotStarted is the failure of a launched machine that never started:
// it exited, or took longer than the launcher's StartTimeout.
var ErrNotStarted = errors.New("the machine did not start")

// Observe reads app's launch from Fly. asked is what the caller knows was
// asked for (from the progress page's URL); the machine's marks win once
// it exists. Observe fails with ErrNotFound when there is no app, and
// ErrNotALaunch when the app runs machines of its own.
func (l *Launcher) Observe(ctx context.Context, app string, asked LaunchSpec) (LaunchState, error) {
	if _, err := l.c.getApp(ctx, app); err != nil {
		return LaunchState{}, err
	}
	ips, err := l.c.IPs(ctx, app)
	if err != nil {
		return LaunchState{}, err
	}
	ms, err := l.c.machines(ctx, app)
	if err != nil {
		return LaunchState{}, err
	}
	st, err := derive(app, asked, ips, ms, l.now(), l.StartTimeout)
	if err != nil {
		return LaunchState{}, err
	}
	return l.remember(st), nil
}

// Progress is Observe for the progress page: every page reading the same
// launch at once shares one read of Fly, so the Machines API calls per
// refresh do not grow with the people watching. Writers use Observe, which
// never returns a read that began before their write.
func (l *Launcher) Progress(ctx context.Context, app string, asked LaunchSpec) (LaunchState, error) {
	key := app + "\x00" + asked.Image + "\x00" + asked.Region
	v, err, _ := l.reads.Do(key, func() (any, error) {
		// Its own context: the page that started the read may leave.
		return l.Observe(context.WithoutCancel(ctx), app, asked)
	})
	st, _ := v.(LaunchState)
	return cloneState(st), err
}

// derive is the launch's state from what Fly says, as of now.
func derive(app string, asked LaunchSpec, ips []IP, ms []Machine, now time.Time, startTimeout time.Duration) (LaunchState, error) {
	st := LaunchState{App: app, Spec: asked, IPs: ips, Done: []string{StepCreateApp}}
	if hasType(ips, "v6") && hasType(ips, "shared_v4") {
		st.Done = append(st.Done, StepAssignIPs)
	}
	marked := launchMachines(ms)
	for _, m := range ms {
		if live(m) && m.Metadata[MarkLaunch] == "" {
			return LaunchState{}, &Error{Op: "launch of " + app, Kind: ErrNotALaunch, Detail: "machine " + m.ID + " was not launched from this dashboard"}
		}
	}
	if len(marked) == 0 {
		// Nothing is running a step unless this process is (remember
		// adds that): the request that ran it has ended.
		for _, step := range []string{StepAssignIPs, StepLaunch} {
			if !contains(st.Done, step) {
				st.Failed, st.Err = step, ErrStepStopped
				break
			}
		}
		return st, nil
	}
	m := marked[0]
	st.MachineID, st.StartedAt = m.ID, m.CreatedAt
	if img := m.Metadata[MarkImage]; img != "" {
		st.Spec.Image = img
	}
	if r := m.Metadata[MarkRegion]; r != "" {
		st.Spec.Region = r
	}
	if ValidSize(m.Size) {
		st.Spec.Size = m.Size
	}
	st.Done = append(st.Done, StepLaunch)
	if everStarted(m) {
		st.Done = append(st.Done, StepWaitStarts)
		if !contains(st.Done, StepAssignIPs) {
			// Addresses removed since, or a launch that lost its step 2.
			st.Failed, st.Err = StepAssignIPs, ErrStepStopped
		}
		return st, nil
	}
	switch m.State {
	case "created", "starting", "replacing", "":
		if at := launchedAt(m); startTimeout > 0 && !at.IsZero() && now.Sub(at) > startTimeout {
			st.Failed = StepWaitStarts
			st.Err = &Error{Op: "start machine " + m.ID, Kind: ErrNotStarted, Detail: "it was still " + m.State + " " + startTimeout.String() + " after it was launched"}
		} else {
			st.Running = StepWaitStarts
		}
	default: // stopped, suspended, failed: it ended without ever starting
		st.Failed = StepWaitStarts
		st.Err = &Error{Op: "start machine " + m.ID, Kind: ErrNotStarted, Detail: exitDetail(m)}
	}
	if st.Failed == "" && !contains(st.Done, StepAssignIPs) {
		st.Failed, st.Err = StepAssignIPs, ErrStepStopped
	}
	return st, nil
}

// launchMachines are the app's live machines carrying the launch mark:
// those that may still serve first, each group oldest first. The first is
// the launch's machine. Every reader sorts them the same way, by values
// fixed when a machine is made, which is what lets racing requests agree
// on which machine to keep (see launchOnce).
func launchMachines(ms []Machine) []Machine {
	var out []Machine
	for _, m := range ms {
		if live(m) && m.Metadata[MarkLaunch] != "" {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if vi, vj := viable(out[i]), viable(out[j]); vi != vj {
			return vi
		}
		a, b := launchedAt(out[i]), launchedAt(out[j])
		if !a.Equal(b) {
			return a.Before(b)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// viable: the machine is starting or has started at least once; a machine
// that stopped before ever starting is a failed launch, kept only until a
// retry replaces it.
func viable(m Machine) bool {
	if !live(m) {
		return false
	}
	switch m.State {
	case "stopped", "suspended", "failed":
		return everStarted(m)
	}
	return true
}

// launchedAt is the machine's launch event, in milliseconds, or its
// created_at (seconds) when Fly lists no events.
func launchedAt(m Machine) time.Time {
	for _, e := range m.Events {
		if e.Type == "launch" {
			return e.At
		}
	}
	return m.CreatedAt
}

func live(m Machine) bool { return m.State != "destroying" && m.State != "destroyed" }

// everStarted: the machine is started, or was once (Fly's auto-stop may
// have stopped it since, and that is not a failed launch).
func everStarted(m Machine) bool {
	if m.State == "started" {
		return true
	}
	for _, e := range m.Events {
		if e.Type == "start" && e.Status == "started" {
			return true
		}
	}
	return false
}

// exitDetail says how a machine that never started ended, from its events.
func exitDetail(m Machine) string {
	for _, e := range m.Events { // newest first
		if e.Type != "exit" {
			continue
		}
		switch {
		case e.OOMKilled:
			return "it ran out of memory and was killed before it started"
		case e.ExitCode != 0:
			return fmt.Sprintf("it exited with code %d before it started (check the image)", e.ExitCode)
		}
		return "it exited before it started (check the image)"
	}
	return "it is " + m.State + " and never started"
}
