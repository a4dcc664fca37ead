// Package logs generates a simulated app's log lines the way Fly's logs
// API returns them: the machine's own output, init and the kernel
// (provider app), flyd (runner), fly-proxy (proxy) and health checks
// (health), in Fly's wording. Lines are made on demand from the app's
// machine events and its metrics model, never stored: the same fleet gives
// the same lines to the nanosecond, and memory does not grow with time.
package logs

import (
	"slices"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
)

// Fly's logs API: pages of at most 100 entries, about 7 days kept, and
// without a cursor the most recent entries of the last 24 hours.
const (
	PageSize      = 100
	Retention     = 7 * 24 * time.Hour
	DefaultWindow = 24 * time.Hour
)

// Providers and levels, as Fly's entries carry them in meta.event.provider
// and level.
const (
	ProviderApp    = "app"
	ProviderRunner = "runner"
	ProviderProxy  = "proxy"
	ProviderHealth = "health"

	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"
)

// Entry is one log line.
type Entry struct {
	At       time.Time
	Provider string
	Level    string
	Instance string // machine id
	Region   string
	Message  string
	// Method and RequestID are the request a proxy line is about.
	Method, RequestID string
}

// Filter narrows the lines as the API's region and instance parameters do;
// empty fields match every line.
type Filter struct {
	Region, Instance string
}

func (f Filter) keeps(e *Entry) bool {
	return (f.Region == "" || e.Region == f.Region) && (f.Instance == "" || e.Instance == f.Instance)
}

// App generates one app's lines. Build one per request: it reads a
// snapshot of the app.
type App struct {
	app     *fleet.App
	act     *series.Activity
	streams []*stream
	rt      runtime
	// limited are the machines that reach their hard limit some time of
	// the day: only theirs are checked for it.
	limited map[string]bool
}

// New models app. It keeps app: do not change it afterwards.
func New(app *fleet.App) *App {
	a := &App{app: app, act: series.NewActivity(app), rt: runtimeOf(app), limited: map[string]bool{}}
	for i, m := range app.Machines {
		a.streams = append(a.streams, newStream(a, i, m))
		a.limited[m.ID] = a.act.MayReachHardLimit(m.ID)
	}
	return a
}

const minute = time.Minute

// After returns up to n lines strictly after t, oldest first, none after
// now nor older than the retention.
func (a *App) After(t, now time.Time, f Filter, n int) []Entry {
	oldest := now.Add(-Retention)
	if t.Before(oldest) {
		t = oldest.Add(-time.Nanosecond)
	}
	var out []Entry
	for m := t.Truncate(minute); !m.After(now); m = m.Add(minute) {
		start := len(out)
		out = a.bucket(out, m, f)
		out = slices.DeleteFunc(out, func(e Entry) bool { return !e.At.After(t) || e.At.After(now) })
		if len(out) > start {
			slices.SortFunc(out[start:], byTime)
		}
		// Buckets are whole minutes in order, so once n lines are in hand
		// no later minute can come before them.
		if len(out) >= n {
			return out[:n]
		}
	}
	return out
}

// Last returns the last n lines of the window before now, oldest first.
func (a *App) Last(now time.Time, f Filter, n int, window time.Duration) []Entry {
	from := now.Add(-min(window, Retention))
	var out []Entry
	for m := now.Truncate(minute); !m.Before(from.Truncate(minute)); m = m.Add(-minute) {
		b := a.bucket(nil, m, f)
		b = slices.DeleteFunc(b, func(e Entry) bool { return e.At.After(now) || e.At.Before(from) })
		slices.SortFunc(b, byTime)
		out = append(b, out...)
		if len(out) >= n {
			return out[len(out)-n:]
		}
	}
	return out
}

// bucket appends the lines of minute m that f keeps.
func (a *App) bucket(out []Entry, m time.Time, f Filter) []Entry {
	for _, s := range a.streams {
		if f.Instance != "" && s.m.ID != f.Instance {
			continue
		}
		if f.Region != "" && s.m.Region != f.Region {
			continue
		}
		from := len(out)
		out = s.minute(out, m)
		// Lines of one machine carry its index in the nanoseconds, so two
		// machines never share a timestamp; within one, later lines move
		// on by a microsecond where two would meet (the cursor is a time).
		slices.SortFunc(out[from:], byTime)
		for i := from + 1; i < len(out); i++ {
			if !out[i].At.After(out[i-1].At) {
				out[i].At = out[i-1].At.Add(time.Microsecond)
			}
		}
		kept := slices.DeleteFunc(out[from:], func(e Entry) bool { return !f.keeps(&e) })
		out = out[:from+len(kept)]
	}
	return out
}

func byTime(x, y Entry) int { return x.At.Compare(y.At) }
