package signals

import (
	"testing"
	"time"

	"github.com/flydash/dashboard/flyapi"
)

func TestRestartsIn(t *testing.T) {
	t.Parallel()
	at := func(m int) time.Time { return time.Date(2026, 11, 20, 12, m, 0, 0, time.UTC) }
	// Newest first, as Fly lists them: a launch, a crash and its restart,
	// a deploy (update then start: not a restart), a second crash.
	events := []flyapi.Event{
		{Type: "start", At: at(50)}, {Type: "exit", ExitCode: 1, At: at(49)},
		{Type: "start", At: at(31)}, {Type: "update", At: at(30)},
		{Type: "start", At: at(21)}, {Type: "exit", ExitCode: 1, At: at(20)},
		{Type: "start", At: at(1)}, {Type: "launch", At: at(0)},
	}
	if n, atLeast := Restarts(events, at(0), at(59)); n != 2 || atLeast {
		t.Errorf("%d restarts (at least %v), want 2 exactly", n, atLeast)
	}
	if n, _ := Restarts(events, at(40), at(59)); n != 1 {
		t.Errorf("%d restarts in the last 20 min, want 1", n)
	}
	// Fly kept only the latest events: the count is a floor.
	if n, atLeast := Restarts(events[:6], at(0), at(59)); n != 2 || !atLeast {
		t.Errorf("%d restarts (at least %v) from a cut list, want at least 2", n, atLeast)
	}
}
