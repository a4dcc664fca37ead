package logs_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/logs"
)

var start = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func storyApp(t *testing.T, name string) fleet.App {
	t.Helper()
	f := fleet.New(fleet.Config{Start: start, Now: func() time.Time { return start }})
	a, err := f.App(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Lines are made, not stored: two generators of one app agree to the
// nanosecond, and reading three pages by cursor gives what one read of
// three pages' worth does.
func TestLinesAreTheSameHoweverRead(t *testing.T) {
	t.Parallel()
	a, b := storyApp(t, fleet.IncidentApp), storyApp(t, fleet.IncidentApp)
	from := a.StoryTimes["incident_start"].Add(-time.Minute)
	whole := logs.New(&a).After(from, start, logs.Filter{}, 3*logs.PageSize)
	if len(whole) != 3*logs.PageSize {
		t.Fatalf("%d lines in the incident's first minutes, want %d", len(whole), 3*logs.PageSize)
	}
	var paged []logs.Entry
	gen := logs.New(&b)
	cursor := from
	for range 3 {
		page := gen.After(cursor, start, logs.Filter{}, logs.PageSize)
		paged = append(paged, page...)
		cursor = page[len(page)-1].At
	}
	if !slices.EqualFunc(whole, paged, func(x, y logs.Entry) bool { return x == y }) {
		t.Fatal("three pages read by cursor differ from one read of the same lines")
	}
	failed := 0
	for i, e := range whole {
		if i > 0 && !e.At.After(whole[i-1].At) {
			t.Fatalf("line %d at %s does not follow line %d at %s", i, e.At, i-1, whole[i-1].At)
		}
		if e.Provider == logs.ProviderApp && e.At.After(a.StoryTimes["incident_start"]) && (strings.Contains(e.Message, " 500 ") || strings.Contains(e.Message, "status=500 ")) {
			failed++
		}
	}
	if failed == 0 {
		t.Error("no request failed with 500 in the first minutes of the 5xx incident")
	}
}

// Fly keeps about 7 days: a read from a month ago starts 7 days back, and
// without a cursor the latest lines end at now.
func TestLinesKeepSevenDays(t *testing.T) {
	t.Parallel()
	a := storyApp(t, fleet.HealthyApp)
	gen := logs.New(&a)
	first := gen.After(start.Add(-30*24*time.Hour), start, logs.Filter{}, 1)
	if len(first) != 1 || first[0].At.Before(start.Add(-logs.Retention)) || first[0].At.After(start.Add(-logs.Retention+time.Hour)) {
		t.Errorf("the first line from a month ago: %+v, want one within the first hour of the 7 days kept", first)
	}
	last := gen.Last(start, logs.Filter{}, logs.PageSize, logs.DefaultWindow)
	if len(last) != logs.PageSize || last[len(last)-1].At.After(start) || last[len(last)-1].At.Before(start.Add(-time.Hour)) {
		t.Errorf("latest lines: %d, the last at %v; want %d ending just before %v", len(last), last[len(last)-1].At, logs.PageSize, start)
	}
	if after := gen.After(start, start, logs.Filter{}, 10); len(after) != 0 {
		t.Errorf("%d lines after now", len(after))
	}
}

// Machines without an HTTP service write too: a worker its jobs, the
// database its slow statements.
func TestWorkersAndDatabasesWrite(t *testing.T) {
	t.Parallel()
	for _, name := range []string{fleet.NoHTTPApp, fleet.VolumeFillingApp} {
		a := storyApp(t, name)
		lines := logs.New(&a).Last(start, logs.Filter{}, logs.PageSize, time.Hour)
		if len(lines) != logs.PageSize {
			t.Errorf("%s wrote %d lines in the last hour, want at least a page", name, len(lines))
		}
	}
}
