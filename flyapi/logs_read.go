package flyapi

import (
	"context"
	"slices"
	"sync"
	"time"

	fly "github.com/superfly/fly-go"
)

// MaxLogsInstances bounds the machines one ReadLogs follows: each is a
// call to Fly.
const MaxLogsInstances = 8

// ReadLogs reads one page forward from after (zero: Fly's latest lines)
// of the given machines' lines, or of the whole app without any. Fly's
// API filters by one machine a call, so several machines are read at once
// and merged in time order; the page keeps the first LogsPageSize lines,
// and Next, the time of its last one, is a cursor for all of them. Any
// failure fails the read: half the machines would look like the answer.
func (c *Client) ReadLogs(ctx context.Context, app string, after time.Time, region string, instances []string) (LogsPage, error) {
	if len(instances) <= 1 {
		q := LogsQuery{After: after, Region: region}
		if len(instances) == 1 {
			q.Instance = instances[0]
		}
		return c.AppLogs(ctx, app, q)
	}
	instances = instances[:min(len(instances), MaxLogsInstances)]
	pages := make([]LogsPage, len(instances))
	errs := make([]error, len(instances))
	var wg sync.WaitGroup
	for i, id := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pages[i], errs[i] = c.AppLogs(ctx, app, LogsQuery{After: after, Region: region, Instance: id})
		}()
	}
	wg.Wait()
	var out LogsPage
	for i := range pages {
		if errs[i] != nil {
			return LogsPage{}, errs[i]
		}
		out.Entries = append(out.Entries, pages[i].Entries...)
	}
	// Fly's timestamps are RFC 3339 in UTC with nanoseconds; as flyctl
	// does, they are compared as parsed times.
	slices.SortStableFunc(out.Entries, func(a, b fly.LogEntry) int { return EntryTime(a).Compare(EntryTime(b)) })
	if after.IsZero() && len(out.Entries) > LogsPageSize {
		// Fly's latest lines: keep the newest.
		out.Entries = out.Entries[len(out.Entries)-LogsPageSize:]
	}
	// Merging pages: machine a's page may end long before machine b's, so
	// only lines up to the earliest page end are surely complete.
	if !after.IsZero() {
		out.Entries = completeUpTo(out.Entries, pages)
	}
	out.Entries = out.Entries[:min(len(out.Entries), LogsPageSize)]
	if n := len(out.Entries); n > 0 {
		out.Next = EntryTime(out.Entries[n-1])
	}
	return out, nil
}

// EntryTime is when a line was written; zero if Fly's timestamp does not
// parse.
func EntryTime(e fly.LogEntry) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, e.Timestamp)
	return t
}

// completeUpTo drops the lines after the earliest end of a full page: a
// machine whose page filled up may have more lines before the others'
// later ones.
func completeUpTo(entries []fly.LogEntry, pages []LogsPage) []fly.LogEntry {
	var end time.Time
	for _, p := range pages {
		if len(p.Entries) >= LogsPageSize && (end.IsZero() || p.Next.Before(end)) {
			end = p.Next
		}
	}
	if end.IsZero() {
		return entries
	}
	i, _ := slices.BinarySearchFunc(entries, end, func(e fly.LogEntry, t time.Time) int {
		if EntryTime(e).After(t) {
			return 1
		}
		return -1
	})
	return entries[:i]
}
