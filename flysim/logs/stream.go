package logs

import (
	"fmt"
	"slices"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
)

// stream is one machine's lines: those its events cause and those its
// traffic does.
type stream struct {
	a      *App
	idx    int
	m      *fleet.Machine
	events []fleet.Event // oldest first
	key    uint64
}

func newStream(a *App, idx int, m *fleet.Machine) *stream {
	events := slices.Clone(m.Events)
	slices.SortStableFunc(events, func(x, y fleet.Event) int { return x.At.Compare(y.At) })
	return &stream{a: a, idx: idx, m: m, events: events, key: hashKey(a.app.Name, m.ID)}
}

// eventReach is how far before and after its event a line it causes can
// be: stderr before an exit, the restart and health lines after.
const (
	eventLead  = 5 * time.Second
	eventTrail = 15 * time.Second
)

// minute appends the lines of [m, m+1 minute).
func (s *stream) minute(out []Entry, m time.Time) []Entry {
	end := m.Add(minute)
	for i, e := range s.events {
		if e.At.Add(eventTrail).Before(m) || !e.At.Add(-eventLead).Before(end) {
			continue
		}
		for _, l := range s.eventLines(i) {
			if !l.At.Before(m) && l.At.Before(end) {
				out = append(out, l)
			}
		}
	}
	return s.traffic(out, m)
}

// line makes an entry of this machine in second t: at a moment of the
// second that depends on it, plus 7 ms per position n, so lines written
// together keep their order. The last three digits of the nanoseconds are
// the machine's index.
func (s *stream) line(t time.Time, n int, provider, level, msg string) Entry {
	base := time.Duration(unit(s.key, uint64(t.Unix()), 9)*9e5) * time.Microsecond
	at := t.Truncate(time.Second).Add(base + time.Duration(n)*7*time.Millisecond + time.Duration(s.idx%1000))
	return Entry{At: at, Provider: provider, Level: level, Instance: s.m.ID, Region: s.m.Region, Message: msg}
}

// eventLines are the lines event i causes, in Fly's words for each step.
func (s *stream) eventLines(i int) []Entry {
	e := s.events[i]
	var prev fleet.Event
	if i > 0 {
		prev = s.events[i-1]
	}
	switch {
	case e.Type == "launch":
		return s.pull(e.At, 0)
	case e.Type == "update":
		return append(s.pull(e.At, 0), s.shutdown(e.At, 2, s.bootAt(i))...)
	case e.Type == "start":
		return s.boot(e.At, prev)
	case e.Type == "exit" && e.OOMKilled:
		return s.oom(e.At, s.bootAt(i))
	case e.Type == "exit" && e.ExitCode != 0:
		return s.crash(e.At, e.ExitCode, s.bootAt(i))
	case e.Type == "exit", e.Type == "destroy" && e.Status == "destroying", e.Type == "stop":
		lines := s.shutdown(e.At, 0, s.bootAt(i))
		return append(lines, s.line(e.At.Add(time.Second), 0, ProviderRunner, LevelInfo, "machine exited with exit code 0, not restarting"))
	}
	return nil
}

// bootAt is when the machine last started before event i: the kernel's
// uptime on its lines counts from there.
func (s *stream) bootAt(i int) time.Time {
	for j := i - 1; j >= 0; j-- {
		if s.events[j].Type == "start" {
			return s.events[j].At
		}
	}
	return s.m.CreatedAt
}

func (s *stream) app(t time.Time, n int, msg string) Entry {
	return s.line(t, n, ProviderApp, LevelInfo, msg)
}

// kernel is a line of the guest kernel, with its uptime.
func (s *stream) kernel(t time.Time, n int, boot time.Time, msg string) Entry {
	up := t.Sub(boot).Seconds() + 0.9 + unit(s.key, uint64(t.Unix()), 3)
	return s.app(t, n, fmt.Sprintf("[%12.6f] %s", up, msg))
}

// pull is flyd fetching the image and preparing the VM.
func (s *stream) pull(t time.Time, n int) []Entry {
	took := 0.6 + unit(s.key, uint64(t.Unix()), 4)
	return []Entry{
		s.line(t, n, ProviderRunner, LevelInfo, "Pulling container image "+s.m.Image),
		s.line(t.Add(time.Second), n, ProviderRunner, LevelInfo, fmt.Sprintf("Successfully prepared image %s (%.9fs)", s.m.Image, took)),
		s.line(t.Add(time.Second), n+1, ProviderRunner, LevelInfo, "Configuring firecracker"),
	}
}

// boot is the VM coming up: Firecracker, init, the app's command, and
// flyd saying how long it took.
func (s *stream) boot(t time.Time, prev fleet.Event) []Entry {
	fc := t.Add(-time.Second)
	// A restart takes flyd a second or two; a launch or deploy, since
	// the image was asked for.
	started := fmt.Sprintf("Machine started in %.3fs", 1.1+unit(s.key, uint64(t.Unix()), 5)*0.6)
	switch prev.Type {
	case "launch":
		started = fmt.Sprintf("Machine created and started in %.3fs", t.Sub(prev.At).Seconds()+unit(s.key, uint64(t.Unix()), 5)*0.2)
	case "update":
		started = fmt.Sprintf("Machine started in %.3fs", t.Sub(prev.At).Seconds()+unit(s.key, uint64(t.Unix()), 5)*0.2)
	}
	firecracker := s.app(fc, 5, "")
	firecracker.Message = firecracker.At.UTC().Format("2006-01-02T15:04:05.000000000") + " [" + s.m.InstanceID + ":main] Running Firecracker v1.14.4"
	lines := []Entry{firecracker, s.app(t, 0, " INFO Starting init (commit: 3040ac0)...")}
	if len(s.m.Mounts) > 0 {
		mt := s.m.Mounts[0]
		lines = append(lines, s.app(t, 1, " INFO Mounting /dev/vdc at "+mt.Path+" w/ uid: 0, gid: 0 and chmod 0755"))
	}
	lines = append(lines,
		s.app(t, 2, " INFO Preparing to run: `"+s.a.rt.command+"` as root"),
		s.app(t, 3, " INFO [fly api proxy] listening at /.fly/api"),
		s.line(t, 4, ProviderRunner, LevelInfo, started),
		s.app(t, 5, t.UTC().Format("2006/01/02 15:04:05")+" INFO SSH listening listen_address=["+s.m.PrivateIP+"]:22"),
		s.app(t.Add(time.Second), 0, s.a.rt.ready(s.m)),
	)
	if s.m.Services {
		lines = append(lines, s.line(t.Add(5*time.Second), 0, ProviderHealth, LevelInfo, s.check()+" is now passing."))
	}
	return lines
}

func (s *stream) check() string {
	return fmt.Sprintf("Health check 'servicecheck-00-http-%d' on port %d", s.m.InternalPort, s.m.InternalPort)
}

// cleanup is init's end: unmounting, then the reboot that ends a Fly VM.
func (s *stream) cleanup(t time.Time, n int, boot time.Time) []Entry {
	lines := []Entry{s.app(t, n, " INFO Starting clean up.")}
	for _, mt := range s.m.Mounts {
		lines = append(lines, s.app(t, n+1, " INFO Umounting /dev/vdc from "+mt.Path))
	}
	return append(lines,
		s.app(t, n+2, " WARN could not unmount /rootfs: EINVAL: Invalid argument"),
		s.kernel(t, n+3, boot, "reboot: Restarting system"),
	)
}

// shutdown is a stop asked for: SIGINT, a clean exit, clean up.
func (s *stream) shutdown(t time.Time, n int, boot time.Time) []Entry {
	lines := []Entry{
		s.app(t, n, fmt.Sprintf(" INFO Sending signal SIGINT to main child process w/ PID %d", s.pid())),
		s.app(t, n+1, " INFO Main child exited normally with code: 0"),
	}
	return append(lines, s.cleanup(t, n+2, boot)...)
}

// crash is the app dying on its own: its stderr, init seeing the exit
// code at the exit event's second, and flyd restarting it.
func (s *stream) crash(t time.Time, code int, boot time.Time) []Entry {
	var lines []Entry
	for j, msg := range s.a.rt.crash {
		lines = append(lines, s.app(t.Add(-2*time.Second), j, msg))
	}
	lines = append(lines, s.app(t, 0, fmt.Sprintf(" INFO Main child exited normally with code: %d", code)))
	lines = append(lines, s.cleanup(t, 1, boot)...)
	return append(lines, s.afterExit(t)...)
}

// oom is the kernel killing the app: its OOM line, then init.
func (s *stream) oom(t time.Time, boot time.Time) []Entry {
	kb := s.m.MemoryMB * 1024
	lines := []Entry{
		s.kernel(t.Add(-2*time.Second), 0, boot, fmt.Sprintf("Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:4kB, shmem-rss:0kB, UID:0 pgtables:%dkB oom_score_adj:0",
			s.pid(), s.a.rt.process, kb*2+183412, kb*9/10, kb/512+96)),
		s.app(t, 0, " INFO Main child exited with signal (with signal 'SIGKILL', core dumped? false)"),
		s.app(t, 1, " INFO Process appears to have been OOM killed!"),
	}
	lines = append(lines, s.cleanup(t, 2, boot)...)
	return append(lines, s.afterExit(t)...)
}

// afterExit is what follows an unplanned exit: the proxy losing the
// request in flight, flyd's restart decision, the failing health check.
func (s *stream) afterExit(t time.Time) []Entry {
	lines := []Entry{s.line(t.Add(time.Second), 0, ProviderRunner, LevelInfo, "machine did not have a restart policy, defaulting to restart")}
	if s.m.Services {
		p := s.line(t, 9, ProviderProxy, LevelError, "[PU02] could not complete HTTP request to instance: connection closed before message completed")
		p.Method, p.RequestID = "GET", requestID(s.key, uint64(t.Unix()), s.m.Region)
		lines = append(lines, p,
			s.line(t.Add(8*time.Second), 0, ProviderHealth, LevelError, s.check()+" has failed. Your app is not responding properly. Services exposed on ports [80, 443] will have intermittent failures until the health check passes."))
	}
	return lines
}

// pid of the app's main process: init's children start low.
func (s *stream) pid() int { return 300 + int(s.key%300) }
