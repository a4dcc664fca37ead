package views

import (
	"context"
	"strconv"
	"time"

	"github.com/flydash/dashboard/flyapi"
)

// logsExcerpt is what a machine wrote just before it crashed or was
// OOM-killed: the evidence a crash-loop or OOM finding shows inline, with
// a link to the lines around it.
type logsExcerpt struct {
	What            string // "Crash, exit code 1" or "OOM kill"
	Machine, Region string
	At              time.Time
	Lines           []logLine
	Err             string // who failed and how
	Href            string
	// InFinding is set when a finding shows it (findings.go): the side
	// column then leaves it out.
	InFinding bool
}

const (
	// excerptLines is "the last few lines": a stack trace's head and
	// init's exit lines.
	excerptLines = 16
	// excerptTimeout bounds the excerpt's read on its own: it is evidence
	// for the page, never worth holding the page for.
	excerptTimeout = 2 * time.Second
	// excerptLead is how far before the exit the read starts.
	excerptLead = time.Minute
)

// linesBefore returns the last lines machine wrote up to the second of at,
// that second included, where init reports the exit. The findings of a
// crash loop or an OOM kill place them under their words.
func (s *server) linesBefore(ctx context.Context, app, machine string, at time.Time) ([]logLine, error) {
	ctx, cancel := context.WithTimeout(ctx, excerptTimeout)
	defer cancel()
	page, err := s.fly.AppLogs(ctx, app, flyapi.LogsQuery{After: at.Add(-excerptLead), Instance: machine})
	if err != nil {
		return nil, err
	}
	end := at.Truncate(time.Second).Add(time.Second)
	var out []logLine
	for _, e := range page.Entries {
		l := newLogLine(app, e)
		if !l.At.Before(end) {
			break
		}
		out = append(out, l)
	}
	return out[max(0, len(out)-excerptLines):], nil
}

// lastCrash is the newest exit with an error code or an OOM kill within
// [from, to], and its machine.
func lastCrash(ms []flyapi.Machine, from, to time.Time) (flyapi.Machine, flyapi.Event, bool) {
	var (
		m  flyapi.Machine
		ev flyapi.Event
		ok bool
	)
	for _, mc := range ms {
		for _, e := range mc.Events {
			crash := e.Type == "exit" && (e.OOMKilled || e.ExitCode != 0)
			if crash && !e.At.Before(from) && !e.At.After(to) && (!ok || e.At.After(ev.At)) {
				m, ev, ok = mc, e, true
			}
		}
	}
	return m, ev, ok
}

// startExcerpt reads, while the charts are drawn, the lines before the
// range's last crash; the function it returns waits for them. Without a
// crash it reads nothing and returns nil.
func (s *server) startExcerpt(ctx context.Context, app string, ms []flyapi.Machine, r timeRange) func() *logsExcerpt {
	m, ev, ok := lastCrash(ms, r.From, r.To)
	if !ok {
		return nil
	}
	x := &logsExcerpt{What: "Crash, exit code " + strconv.Itoa(ev.ExitCode), Machine: m.ID, Region: m.Region, At: ev.At,
		Href: logsHref(app, ev.At, "", m.ID)}
	if ev.OOMKilled {
		x.What = "OOM kill"
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		lines, err := s.linesBefore(ctx, app, m.ID, ev.At)
		if err != nil {
			s.log.Warn("logs", "app", app, "err", err)
			x.Err = explainLogs(err)
			return
		}
		x.Lines = lines
	}()
	return func() *logsExcerpt { <-done; return x }
}
