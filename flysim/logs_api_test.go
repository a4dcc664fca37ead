package flysim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	fly "github.com/superfly/fly-go"

	"github.com/flydash/dashboard/flysim/fleet"
)

// newFlyClient is fly-go's API client, the one whose GetAppLogs flyctl
// polls, talking to srv.
func newFlyClient(t *testing.T, srv *Server) *fly.Client {
	t.Helper()
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return fly.NewClientFromOptions(fly.ClientOptions{
		AccessToken: "FlyV1 fm2_test",
		Transport:   &fly.Transport{UnderlyingTransport: redirect{base: base, next: http.DefaultTransport}},
	})
}

// readLogs pages forward from t with fly-go until pages lines are read or
// the API has no more.
func readLogs(t *testing.T, c *fly.Client, app, region, instance string, from time.Time, pages int) []fly.LogEntry {
	t.Helper()
	var all []fly.LogEntry
	token := strconv.FormatInt(from.UnixNano(), 10)
	for range pages {
		entries, next, err := c.GetAppLogs(t.Context(), app, token, region, instance)
		if err != nil {
			t.Fatalf("GetAppLogs(%s, next_token=%s): %v", app, token, err)
		}
		if len(entries) == 0 {
			break
		}
		all = append(all, entries...)
		if next == token {
			t.Fatalf("next_token did not move after a page of %d entries", len(entries))
		}
		token = next
	}
	return all
}

func TestLogsPageForwardThroughFlyGo(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{Now: func() time.Time { return testStart }})
	c := newFlyClient(t, srv)

	// No cursor: the most recent lines of the last 24 hours.
	latest, next, err := c.GetAppLogs(t.Context(), fleet.HealthyApp, "", "", "")
	if err != nil {
		t.Fatalf("GetAppLogs without a cursor: %v", err)
	}
	if len(latest) == 0 || len(latest) > 100 {
		t.Fatalf("first page has %d entries, want 1 to 100", len(latest))
	}
	last, err := time.Parse(time.RFC3339Nano, latest[len(latest)-1].Timestamp)
	if err != nil {
		t.Fatalf("timestamp %q does not parse as RFC 3339: %v", latest[len(latest)-1].Timestamp, err)
	}
	if next != strconv.FormatInt(last.UnixNano(), 10) {
		t.Errorf("next_token %s, want the last entry's time in ns, %d", next, last.UnixNano())
	}
	if last.After(testStart) || last.Before(testStart.Add(-24*time.Hour)) {
		t.Errorf("latest entry at %s, want within the 24 h before %s", last, testStart)
	}

	// Forward from two hours ago: full pages of 100, in time order, none twice.
	from := testStart.Add(-2 * time.Hour)
	all := readLogs(t, c, fleet.HealthyApp, "", "", from, 4)
	if len(all) < 300 {
		t.Fatalf("four pages forward from %s held %d entries, want at least three full pages", from, len(all))
	}
	prev := from
	seen := map[string]bool{}
	for i, e := range all {
		at, err := time.Parse(time.RFC3339Nano, e.Timestamp)
		if err != nil {
			t.Fatalf("entry %d: timestamp %q: %v", i, e.Timestamp, err)
		}
		if !at.After(prev) {
			t.Fatalf("entry %d at %s is not after the one before (%s): paging must read strictly forward", i, at, prev)
		}
		prev = at
		if seen[e.Timestamp+e.Instance] {
			t.Fatalf("entry %d (%s %s) came twice", i, e.Timestamp, e.Instance)
		}
		seen[e.Timestamp+e.Instance] = true
		if e.Meta.Event.Provider == "" || e.Level == "" || e.Instance == "" || e.Region == "" || e.Meta.Instance != e.Instance {
			t.Fatalf("entry %d lacks Fly's fields: %+v", i, e)
		}
	}
}

func TestLogsFollowTheCrashLoop(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{Now: func() time.Time { return testStart }})
	app, err := srv.Sim.Fleet().App(fleet.CrashLoopApp)
	if err != nil {
		t.Fatal(err)
	}
	m := app.Machines[0]
	c := newFlyClient(t, srv)
	exits := 0
	for _, ev := range m.Events {
		if ev.Type != "exit" || ev.At.Before(testStart.Add(-2*time.Hour)) {
			continue
		}
		exits++
		lines := readLogs(t, c, app.Name, "", m.ID, ev.At.Add(-10*time.Second), 1)
		var stderr, exit, restart bool
		for _, e := range lines {
			at, _ := time.Parse(time.RFC3339Nano, e.Timestamp)
			if at.After(ev.At.Add(15 * time.Second)) {
				break // the next exit is another story
			}
			switch {
			case strings.Contains(e.Message, "ECONNREFUSED") && at.Before(ev.At):
				stderr = true
			case e.Message == " INFO Main child exited normally with code: 1":
				if !at.Truncate(time.Second).Equal(ev.At.Truncate(time.Second)) {
					t.Errorf("exit line at %s, want the exit event's second %s", at, ev.At)
				}
				exit = e.Meta.Event.Provider == "app"
			case e.Meta.Event.Provider == "runner" && strings.Contains(e.Message, "restart"):
				restart = exit
			}
		}
		if !stderr || !exit || !restart {
			t.Errorf("logs around %s's exit at %s: stderr %t, exit code 1 from app %t, runner restart after %t; want all", m.ID, ev.At, stderr, exit, restart)
		}
	}
	if exits < 5 {
		t.Fatalf("%d exits in the crash loop's last two hours, want about 12", exits)
	}
}

func TestLogsFollowTheOOMKill(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{Now: func() time.Time { return testStart }})
	app, _ := srv.Sim.Fleet().App(fleet.OOMApp)
	at := app.StoryTimes["oom"]
	lines := readLogs(t, newFlyClient(t, srv), app.Name, "", app.Machines[0].ID, at.Add(-10*time.Second), 1)
	var kernel, init bool
	for _, e := range lines {
		kernel = kernel || strings.Contains(e.Message, "] Out of memory: Killed process ") && strings.Contains(e.Message, "(python3)")
		init = init || kernel && e.Message == " INFO Process appears to have been OOM killed!"
	}
	if !kernel || !init {
		t.Errorf("logs of %s around %s: kernel OOM line %t, then init's %t; want both", app.Machines[0].ID, at, kernel, init)
	}
}

func TestLogsShowTheProxyAtTheHardLimit(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{Now: func() time.Time { return testStart }})
	app, _ := srv.Sim.Fleet().App(fleet.ConcurrencyApp)
	peak := app.StoryTimes["peak"]
	c := newFlyClient(t, srv)
	for _, region := range []string{"fra", "sin"} {
		lines := readLogs(t, c, app.Name, region, "", peak.Add(-time.Minute), 3)
		found := false
		for _, e := range lines {
			if e.Meta.Event.Provider == "proxy" && e.Level == "error" && strings.HasPrefix(e.Message, "[PR04] could not find a good candidate") {
				found = true
				if e.Region != region {
					t.Errorf("a PR04 line from %s came with the region filter %s", e.Region, region)
				}
			}
		}
		if !found {
			t.Errorf("no [PR04] proxy line in %s within 300 lines from a minute before the peak %s", region, peak)
		}
	}
	// iad's three machines share its traffic and stay under the limit.
	for _, e := range readLogs(t, c, app.Name, "iad", "", peak.Add(-time.Minute), 3) {
		if strings.HasPrefix(e.Message, "[PR04]") {
			t.Fatalf("iad logged %q at %s, but its machines stay under the hard limit", e.Message, e.Timestamp)
		}
	}
}

func TestLogsKeepSevenDaysAndAnswerLikeFly(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{Now: func() time.Time { return testStart }})
	c := newFlyClient(t, srv)
	lines := readLogs(t, c, fleet.HealthyApp, "", "", testStart.Add(-30*24*time.Hour), 1)
	if len(lines) == 0 {
		t.Fatal("no lines forward from a month ago")
	}
	if first, _ := time.Parse(time.RFC3339Nano, lines[0].Timestamp); first.Before(testStart.Add(-7 * 24 * time.Hour)) {
		t.Errorf("first line at %s, older than the 7 days Fly keeps", first)
	}

	for _, tc := range []struct {
		name, path, auth string
		status           int
	}{
		{"no token", "/api/v1/apps/blog/logs?next_token=", "", http.StatusUnauthorized},
		{"unknown app", "/api/v1/apps/no-such-app/logs?next_token=", "Bearer x", http.StatusNotFound},
		{"bad cursor", "/api/v1/apps/blog/logs?next_token=yesterday", "Bearer x", http.StatusBadRequest},
	} {
		resp := do(t, http.MethodGet, srv.URL+tc.path, tc.auth, "")
		var doc struct{ Errors []struct{ Detail string } }
		if resp.StatusCode != tc.status || json.Unmarshal(resp.body, &doc) != nil || len(doc.Errors) != 1 {
			t.Errorf("%s: %d %s, want %d with a JSON:API error", tc.name, resp.StatusCode, resp.body, tc.status)
		}
	}
	if _, _, err := c.GetAppLogs(t.Context(), "no-such-app", "", "", ""); !fly.IsNotFoundError(err) {
		t.Errorf("fly-go on an unknown app: %v, want its not-found error", err)
	}
}

func TestLogsFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts   Options
		status int
	}{
		{Options{LogsFault: FaultUnauthorized}, http.StatusUnauthorized},
		{Options{LogsErrorRate: 1}, http.StatusServiceUnavailable},
		{Options{LogsFault: FaultGarbage}, http.StatusOK},
	} {
		srv := startSim(t, tc.opts)
		resp := do(t, http.MethodGet, srv.URL+"/api/v1/apps/blog/logs?next_token=", "Bearer x", "")
		var doc map[string]any
		if resp.StatusCode != tc.status || (tc.status == http.StatusOK) != (json.Unmarshal(resp.body, &doc) != nil) {
			t.Errorf("%+v: %d %q, want %d (garbage only when 200)", tc.opts, resp.StatusCode, resp.body, tc.status)
		}
		if srv.Sim.LogsRequests() != 1 {
			t.Errorf("%+v: logs requests counted %d, want 1", tc.opts, srv.Sim.LogsRequests())
		}
		if m, p := srv.Sim.Counts(); m != 0 || p != 0 {
			t.Errorf("a logs request counted as Machines (%d) or Prometheus (%d)", m, p)
		}
	}
	if _, err := New(Options{LogsFault: FaultCancel}); err == nil {
		t.Error("the cancel fault is Prometheus'; the logs API must refuse it")
	}
}

func TestLogsFollowTheDeploy(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{Now: func() time.Time { return testStart }})
	app, _ := srv.Sim.Fleet().App(fleet.DeployApp)
	at := app.StoryTimes["deploy"]
	c := newFlyClient(t, srv)
	for _, m := range app.Machines {
		var startAt time.Time
		for _, ev := range m.Events {
			if ev.Type == "start" && ev.At.After(at) && (startAt.IsZero() || ev.At.Before(startAt)) {
				startAt = ev.At
			}
		}
		var pulled, started bool
		for _, e := range readLogs(t, c, app.Name, "", m.ID, at.Add(-time.Second), 1) {
			ts, _ := time.Parse(time.RFC3339Nano, e.Timestamp)
			if e.Meta.Event.Provider != "runner" {
				continue
			}
			switch {
			case e.Message == "Pulling container image "+m.Image:
				pulled = ts.Truncate(time.Second).Equal(at)
			case strings.HasPrefix(e.Message, "Machine started in "):
				started = pulled && ts.Truncate(time.Second).Equal(startAt)
			}
		}
		if !pulled || !started {
			t.Errorf("%s's deploy at %s: runner pulled %s at that second %t, then said the machine started at its start event %t", m.ID, at, m.Image, pulled, started)
		}
	}
}
