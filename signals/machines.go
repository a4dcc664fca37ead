package signals

import (
	"slices"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
)

// WithMachines adds what the app page's Machines API listing knows and the
// overview does not: the machine count, whether the app is brand new or
// serves HTTP at all, its deploys, its machines' sizes and its volumes'.
func WithMachines(s health.Signals, machines []flyapi.Machine, machinesErr error) health.Signals {
	if machinesErr != nil {
		s.Unavailable.MachineCount = true
		return s
	}
	s.Machines = len(machines)
	created, http := time.Time{}, false
	for _, m := range machines {
		http = http || m.HTTPService
		if !m.CreatedAt.IsZero() && (created.IsZero() || m.CreatedAt.Before(created)) {
			created = m.CreatedAt
		}
		for _, e := range m.Events {
			if e.Type == "update" {
				s.Deploys = appendOnce(s.Deploys, e.At)
			}
		}
	}
	s.NoHTTP = len(machines) > 0 && !http
	if end := s.History.Requests.Start.Add(time.Duration(max(len(s.History.Requests.Values)-1, 0)) * s.History.Requests.Step); !created.IsZero() && !end.IsZero() && end.Sub(created) < s.Span {
		s.JustLaunched = true
	}
	for _, m := range machines {
		if c := m.Concurrency; c != nil && slices.Contains(s.Fly.HardLimitIDs, m.ID) && c.HardLimit > s.Fly.HardLimit {
			s.Fly.HardLimit, s.Fly.HardLimitType = c.HardLimit, c.Type
		}
	}
	sizes := map[string]int{}
	for _, m := range machines {
		for _, mt := range m.Mounts {
			sizes[mt.Volume] = mt.SizeGB
		}
	}
	for i, v := range s.Fly.Volumes {
		s.Fly.Volumes[i].SizeGB = sizes[v.Name]
	}
	return s
}

// Restarts counts the starts that follow an exit (a crash, an OOM kill, a
// deploy's stop) within [from, to], from the machine's events: the one
// restart counter the pages use. atLeast says the events Fly keeps begin
// after from, so there may have been more.
func Restarts(events []flyapi.Event, from, to time.Time) (n int, atLeast bool) {
	// Events come newest first; walk them oldest first.
	for i := len(events) - 1; i > 0; i-- {
		prev, e := events[i], events[i-1]
		if e.Type == "start" && prev.Type == "exit" && !e.At.Before(from) && !e.At.After(to) {
			n++
		}
	}
	if len(events) > 0 {
		oldest := events[len(events)-1]
		atLeast = n > 0 && oldest.Type != "launch" && oldest.At.After(from)
	}
	return n, atLeast
}

// appendOnce adds t unless a deploy within a minute is there: a deploy
// updates every machine within seconds of each other.
func appendOnce(ts []time.Time, t time.Time) []time.Time {
	for _, x := range ts {
		if x.Sub(t).Abs() < time.Minute {
			return ts
		}
	}
	return append(ts, t)
}
