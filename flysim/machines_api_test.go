package flysim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	fly "github.com/superfly/fly-go"
	"github.com/superfly/fly-go/flaps"

	"github.com/flydash/dashboard/flysim/fleet"
)

func TestListAppsWithFlaps(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	c := newFlaps(t, srv, "x")

	apps, err := c.ListApps(t.Context(), flaps.ListAppsRequest{OrgSlug: "demo"})
	if err != nil {
		t.Fatalf("ListApps: %v", err)
	}
	var names []string
	for _, a := range apps {
		names = append(names, a.Name)
		truth, err := srv.Sim.Fleet().App(a.Name)
		if err != nil {
			t.Fatalf("listed app %q unknown to the fleet: %v", a.Name, err)
		}
		if a.ID != truth.ID || int(a.MachineCount) != len(truth.Machines) {
			t.Errorf("%s: id %q machine_count %d, fleet has id %q and %d machines", a.Name, a.ID, a.MachineCount, truth.ID, len(truth.Machines))
		}
	}
	want := []string{"billing-api", "blog", "chat-gateway", "image-resizer", "notify-api", "old-landing", "orders-db", "pdf-render", "queue-worker", "search-api", "storefront"}
	if !slices.Equal(names, want) {
		t.Errorf("apps = %v, want %v", names, want)
	}
	if slices.Contains(names, fleet.ForeignApp) {
		t.Errorf("another org's app %q is listed", fleet.ForeignApp)
	}
}

func TestAppAndMachineLifecycleWithFlaps(t *testing.T) {
	t.Parallel()
	clk := newClock(testStart)
	srv := startSim(t, Options{Now: clk.Now, StartDelay: 4 * time.Second})
	c := newFlaps(t, srv, "FlyV1 fm2_x")
	ctx := t.Context()

	created, err := c.CreateApp(ctx, flaps.CreateAppRequest{Name: "hello-fly", Org: "demo"})
	if err != nil {
		t.Fatalf("CreateApp: %v", err)
	}
	if created.Name != "hello-fly" || created.ID == "" {
		t.Fatalf("CreateApp = %+v", created)
	}
	app, err := c.GetApp(ctx, "hello-fly")
	if err != nil {
		t.Fatalf("GetApp: %v", err)
	}
	if app.Status != "pending" || app.Organization.Slug != "demo" || app.MachineCount != 0 {
		t.Errorf("new app = %+v, want pending, org demo, no machines", app)
	}

	m, err := c.Launch(ctx, "hello-fly", fly.LaunchMachineInput{
		Region: "cdg",
		Config: &fly.MachineConfig{
			Image: "nginx:1.27",
			Guest: &fly.MachineGuest{CPUKind: "shared", CPUs: 1, MemoryMB: 512},
			Services: []fly.MachineService{{
				Protocol:     "tcp",
				InternalPort: 80,
				Ports:        []fly.MachinePort{{Port: fly.IntPointer(443), Handlers: []string{"tls", "http"}}},
			}},
		},
	})
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	if len(m.ID) != 14 || m.Region != "cdg" || m.State != "created" {
		t.Errorf("launched machine = id %q region %q state %q", m.ID, m.Region, m.State)
	}
	if m.Config == nil || m.Config.Image != "nginx:1.27" || m.Config.Guest.MemoryMB != 512 || len(m.Config.Services) != 1 || m.Config.Services[0].InternalPort != 80 {
		t.Errorf("launched config = %+v", m.Config)
	}
	if _, err := time.Parse(time.RFC3339, m.CreatedAt); err != nil {
		t.Errorf("created_at %q: %v", m.CreatedAt, err)
	}

	clk.Advance(4 * time.Second)
	got, err := c.Get(ctx, "hello-fly", m.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.State != "started" {
		t.Errorf("state after StartDelay = %q, want started", got.State)
	}
	var types []string
	for _, e := range got.Events {
		types = append(types, e.Type)
	}
	if !slices.Equal(types, []string{"start", "launch"}) {
		t.Errorf("events newest first = %v, want [start launch]", types)
	}
	if got.Events[0].Time().Sub(got.Events[1].Time()) != 4*time.Second {
		t.Errorf("start came %v after launch, want 4s", got.Events[0].Time().Sub(got.Events[1].Time()))
	}
	if app, _ := c.GetApp(ctx, "hello-fly"); app == nil || app.Status != "deployed" {
		t.Errorf("app with a started machine: %+v, want status deployed", app)
	}
	if a, _ := srv.Sim.Fleet().App("hello-fly"); a.Story != fleet.StoryLaunched || !a.HTTP {
		t.Errorf("fleet app = story %q http %v, want launched with HTTP", a.Story, a.HTTP)
	}

	for _, typ := range []string{"v6", "shared_v4"} {
		ip, err := c.AssignIP(ctx, "hello-fly", flaps.AssignIPRequest{Type: typ})
		if err != nil {
			t.Fatalf("AssignIP %s: %v", typ, err)
		}
		if ip.IP == "" || ip.Shared != (typ == "shared_v4") {
			t.Errorf("AssignIP %s = %+v", typ, ip)
		}
	}
	ips, err := c.GetIPAssignments(ctx, "hello-fly")
	if err != nil {
		t.Fatalf("GetIPAssignments: %v", err)
	}
	if len(ips.IPs) != 2 || !strings.Contains(ips.IPs[0].IP, ":") || ips.IPs[1].CreatedAt.IsZero() {
		t.Errorf("ips = %+v, want a v6 then a shared v4", ips.IPs)
	}

	err = c.Destroy(ctx, "hello-fly", fly.RemoveMachineInput{ID: m.ID}, "")
	if flapsStatus(err) != http.StatusPreconditionFailed || !strings.Contains(err.Error(), "not currently stopped") {
		t.Errorf("destroying a started machine without kill: %v (status %d), want 412", err, flapsStatus(err))
	}
	if err := c.Destroy(ctx, "hello-fly", fly.RemoveMachineInput{ID: m.ID, Kill: true}, ""); err != nil {
		t.Fatalf("Destroy with kill: %v", err)
	}
	if got, _ := c.Get(ctx, "hello-fly", m.ID); got == nil || got.State != "destroying" {
		t.Errorf("right after destroy: %+v, want destroying", got)
	}
	clk.Advance(4 * time.Second)
	if got, _ := c.Get(ctx, "hello-fly", m.ID); got == nil || got.State != "destroyed" || got.Events[0].Type != "destroy" {
		t.Errorf("after the delay: %+v, want destroyed with a destroy event", got)
	}
	list, err := c.List(ctx, "hello-fly", "")
	if err != nil || len(list) != 0 {
		t.Errorf("List after destroy = %d machines, %v; want none", len(list), err)
	}

	if err := c.DeleteApp(ctx, "hello-fly"); err != nil {
		t.Fatalf("DeleteApp: %v", err)
	}
	if _, err := c.GetApp(ctx, "hello-fly"); flapsStatus(err) != http.StatusNotFound {
		t.Errorf("GetApp of a deleted app: %v, want 404", err)
	}
	var kept *fleet.App
	for _, a := range srv.Sim.Fleet().Snapshot() {
		if a.Name == "hello-fly" {
			kept = &a
		}
	}
	if kept == nil || kept.DestroyedAt.IsZero() || len(kept.Machines) != 1 {
		t.Errorf("Snapshot should keep the deleted app with DestroyedAt set: %+v", kept)
	}
	// The name is free again once the app is gone.
	if _, err := c.CreateApp(ctx, flaps.CreateAppRequest{Name: "hello-fly", Org: "demo"}); err != nil {
		t.Errorf("re-creating a deleted app's name: %v", err)
	}
}

func TestDeleteAppWithMachinesNeedsForce(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	c := newFlaps(t, srv, "x")

	err := c.DeleteApp(t.Context(), "blog")
	if flapsStatus(err) != http.StatusConflict {
		t.Fatalf("DeleteApp of an app with machines: %v (status %d), want 409", err, flapsStatus(err))
	}
	resp := do(t, http.MethodDelete, srv.URL+"/v1/apps/blog?force=true", "Bearer x", "")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("DELETE ?force=true = %d, want 202", resp.StatusCode)
	}
	if _, err := c.GetApp(t.Context(), "blog"); flapsStatus(err) != http.StatusNotFound {
		t.Errorf("GetApp after forced delete: %v, want 404", err)
	}
	for _, a := range srv.Sim.Fleet().Snapshot() {
		if a.Name != "blog" {
			continue
		}
		for _, m := range a.Machines {
			if m.DestroyedAt.IsZero() || m.State != "destroying" && m.State != "destroyed" {
				t.Errorf("machine %s after forced delete: state %q, destroyed at %v", m.ID, m.State, m.DestroyedAt)
			}
		}
	}
}

func TestMachinesAPIErrorsWithFlaps(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	c := newFlaps(t, srv, "x")
	ctx := t.Context()

	t.Run("no token is 401", func(t *testing.T) {
		_, err := newFlaps(t, srv, "").ListApps(ctx, flaps.ListAppsRequest{OrgSlug: "demo"})
		if flapsStatus(err) != http.StatusUnauthorized {
			t.Errorf("got %v, want 401", err)
		}
	})
	t.Run("unknown app is 404", func(t *testing.T) {
		_, err := c.GetApp(ctx, "no-such-app")
		if flapsStatus(err) != http.StatusNotFound || err.Error() != "app not found" {
			t.Errorf("got %v (status %d), want 404 app not found", err, flapsStatus(err))
		}
		if _, err := c.List(ctx, "no-such-app", ""); flapsStatus(err) != http.StatusNotFound {
			t.Errorf("List: %v, want 404", err)
		}
	})
	t.Run("another org's app is 403", func(t *testing.T) {
		_, err := c.GetApp(ctx, fleet.ForeignApp)
		if flapsStatus(err) != http.StatusForbidden {
			t.Errorf("got %v, want 403", err)
		}
		if _, err := c.ListApps(ctx, flaps.ListAppsRequest{OrgSlug: fleet.OtherOrg}); flapsStatus(err) != http.StatusForbidden {
			t.Errorf("ListApps of another org: %v, want 403", err)
		}
	})
	t.Run("unknown org is 404", func(t *testing.T) {
		if _, err := c.ListApps(ctx, flaps.ListAppsRequest{OrgSlug: "nope"}); flapsStatus(err) != http.StatusNotFound {
			t.Errorf("got %v, want 404", err)
		}
	})
	t.Run("name taken", func(t *testing.T) {
		for _, name := range []string{"blog", fleet.ForeignApp} {
			_, err := c.CreateApp(ctx, flaps.CreateAppRequest{Name: name, Org: "demo"})
			var fe *flaps.FlapsError
			if !errors.As(err, &fe) || fe.ResponseStatusCode != http.StatusUnprocessableEntity || fe.StatusCode() == nil || *fe.StatusCode() != "name_taken" {
				t.Errorf("CreateApp(%q): %v, want 422 name_taken", name, err)
			}
		}
	})
	t.Run("invalid name", func(t *testing.T) {
		for _, name := range []string{"Bad_Name", "-dash", "dash-", strings.Repeat("a", 64), "spa ce"} {
			_, err := c.CreateApp(ctx, flaps.CreateAppRequest{Name: name, Org: "demo"})
			if flapsStatus(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "lowercase") {
				t.Errorf("CreateApp(%q): %v, want 422 explaining the rules", name, err)
			}
		}
	})
	t.Run("unknown machine is 404", func(t *testing.T) {
		if _, err := c.Get(ctx, "blog", "00000000000000"); flapsStatus(err) != http.StatusNotFound {
			t.Errorf("got %v, want 404", err)
		}
	})
	t.Run("bad launch config is 400", func(t *testing.T) {
		for name, in := range map[string]fly.LaunchMachineInput{
			"no image":       {Region: "ams", Config: &fly.MachineConfig{}},
			"unknown region": {Region: "xxx", Config: &fly.MachineConfig{Image: "nginx"}},
			"no config":      {Region: "ams"},
		} {
			if _, err := c.Launch(ctx, "blog", in); flapsStatus(err) != http.StatusBadRequest {
				t.Errorf("%s: %v, want 400", name, err)
			}
		}
	})
	t.Run("unknown ip type is 400", func(t *testing.T) {
		if _, err := c.AssignIP(ctx, "blog", flaps.AssignIPRequest{Type: "v5"}); flapsStatus(err) != http.StatusBadRequest {
			t.Errorf("got %v, want 400", err)
		}
	})
}

func TestMachinesAPIRawRequests(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
		wantError                string
	}{
		{"malformed JSON", http.MethodPost, "/v1/apps", `{"name": "x",`, 400, "invalid JSON"},
		{"empty body", http.MethodPost, "/v1/apps", ``, 400, "empty"},
		{"app_name is accepted", http.MethodPost, "/v1/apps", `{"app_name":"raw-app","org_slug":"demo"}`, 201, ""},
		{"missing org", http.MethodPost, "/v1/apps", `{"name":"raw-app-2"}`, 422, "org_slug"},
		{"malformed launch", http.MethodPost, "/v1/apps/blog/machines", `[]`, 400, "invalid JSON"},
		{"bad force", http.MethodDelete, "/v1/apps/blog?force=maybe", ``, 400, "force"},
		{"missing org_slug", http.MethodGet, "/v1/apps", ``, 400, "org_slug"},
		{"unknown route", http.MethodGet, "/v1/volumes", ``, 404, "no route"},
		{"method flysim does not serve", http.MethodPut, "/v1/apps/blog/volumes/vol_x", `{}`, 404, "no route"},
		{"malformed volume", http.MethodPost, "/v1/apps/blog/volumes", `{"name":"x","size_gb":"big"}`, 400, "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, tc.method, srv.URL+tc.path, "Bearer x", tc.body)
			var body errorBody
			if err := json.Unmarshal(resp.body, &body); err != nil {
				t.Fatalf("body %q is not JSON: %v", resp.body, err)
			}
			if resp.StatusCode != tc.want || !strings.Contains(body.Error, tc.wantError) {
				t.Errorf("%s %s = %d %s, want %d with %q", tc.method, tc.path, resp.StatusCode, resp.body, tc.want, tc.wantError)
			}
		})
	}
}

func TestMachineEventsEndpoint(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	app, err := srv.Sim.Fleet().App(fleet.OOMApp)
	if err != nil {
		t.Fatal(err)
	}
	killed := app.Machines[0]
	resp := do(t, http.MethodGet, srv.URL+"/v1/apps/"+fleet.OOMApp+"/machines/"+killed.ID+"/events", "Bearer x", "")
	var events []fly.MachineEvent
	if err := json.Unmarshal(resp.body, &events); err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %d %s: %v", resp.StatusCode, resp.body, err)
	}
	if len(events) != 4 || events[0].Type != "start" || events[1].Type != "exit" {
		t.Fatalf("events = %+v, want start, exit, start, launch", events)
	}
	exit := events[1]
	if exit.Request == nil || exit.Request.ExitEvent == nil || !exit.Request.ExitEvent.OOMKilled || exit.Request.ExitEvent.ExitCode != 137 {
		t.Errorf("exit event = %+v, want oom_killed with exit code 137", exit.Request)
	}
	if !exit.Time().Equal(app.StoryTimes["oom"]) || events[0].Time().Sub(exit.Time()) != 20*time.Second {
		t.Errorf("exit at %v, restart at %v; want the story's oom time %v and a restart 20 s later", exit.Time(), events[0].Time(), app.StoryTimes["oom"])
	}
}

type response struct {
	*http.Response
	body []byte
}

func do(t *testing.T, method, url, auth, body string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp, b}
}
