package flysim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	fly "github.com/superfly/fly-go"
	"github.com/superfly/fly-go/flaps"

	"github.com/flydash/dashboard/flysim/apispec"
	"github.com/flydash/dashboard/flysim/fleet"
)

// A launch's whole config comes back on every read, as flyd keeps it, and
// the machine reports a status for each of its checks.
func TestMachineConfigRoundTripsWithFlaps(t *testing.T) {
	t.Parallel()
	clk := newClock(testStart)
	srv := startSim(t, Options{Now: clk.Now, StartDelay: 2 * time.Second})
	c := newFlaps(t, srv, "x")
	ctx := t.Context()
	if _, err := c.CreateApp(ctx, flaps.CreateAppRequest{Name: "full-config", Org: "demo"}); err != nil {
		t.Fatal(err)
	}
	swap := 512
	in := &fly.MachineConfig{
		Image: "registry.fly.io/full-config:deployment-01",
		Env:   map[string]string{"PORT": "8080"},
		Init:  fly.MachineInit{Cmd: []string{"serve", "--port", "8080"}, SwapSizeMB: &swap},
		Guest: &fly.MachineGuest{CPUKind: "performance", CPUs: 2, MemoryMB: 4096, MaxMemoryMB: 8192, KernelArgs: []string{"quiet"}, HostDedicationID: "hd-1"},
		Services: []fly.MachineService{{
			Protocol:     "tcp",
			InternalPort: 8080,
			Ports:        []fly.MachinePort{{Port: fly.IntPointer(443), Handlers: []string{"tls", "http"}}},
			Concurrency:  &fly.MachineServiceConcurrency{Type: "requests", SoftLimit: 40, HardLimit: 50},
			Autostop:     fly.Pointer(fly.MachineAutostopStop),
			Autostart:    fly.BoolPointer(true),
			Checks:       []fly.MachineServiceCheck{{Type: fly.StringPointer("http"), HTTPPath: fly.StringPointer("/healthz"), Interval: &fly.Duration{Duration: 10 * time.Second}}},
		}},
		Checks:     map[string]fly.MachineCheck{"db": {Type: fly.StringPointer("tcp"), Port: fly.IntPointer(5432)}},
		Restart:    &fly.MachineRestart{Policy: fly.MachineRestartPolicyOnFailure, MaxRetries: 3},
		StopConfig: &fly.StopConfig{Signal: fly.StringPointer("SIGINT"), Timeout: &fly.Duration{Duration: 30 * time.Second}},
		DNS:        &fly.DNSConfig{SkipRegistration: true},
		Metrics:    &fly.MachineMetrics{Port: 9091, Path: "/metrics"},
		Files:      []*fly.File{{GuestPath: "/etc/app.conf", RawValue: fly.StringPointer("a2V5PXZhbHVl")}},
		Statics:    []*fly.Static{{GuestPath: "/app/public", UrlPrefix: "/static/"}},
		Processes:  []fly.MachineProcess{{CmdOverride: []string{"worker"}}},
		Schedule:   "hourly",
		Standbys:   []string{"148e21ea7e5189"},
		Rootfs:     &fly.MachineRootfs{Persist: fly.MachinePersistRootfsRestart},
		Metadata:   map[string]string{"fly_release_version": "7"},
	}
	launched, err := c.Launch(ctx, "full-config", fly.LaunchMachineInput{Region: "fra", Config: in})
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	clk.Advance(3 * time.Second)
	m, err := c.Get(ctx, "full-config", launched.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config
	g := cfg.Guest
	svc := cfg.Services[0]
	for _, tc := range []struct {
		what string
		ok   bool
	}{
		{"init", slices.Equal(cfg.Init.Cmd, in.Init.Cmd) && cfg.Init.SwapSizeMB != nil && *cfg.Init.SwapSizeMB == swap},
		{"guest (all of it)", g.CPUKind == "performance" && g.CPUs == 2 && g.MemoryMB == 4096 && g.MaxMemoryMB == 8192 && slices.Equal(g.KernelArgs, []string{"quiet"}) && g.HostDedicationID == "hd-1"},
		{"service concurrency", svc.Concurrency != nil && *svc.Concurrency == *in.Services[0].Concurrency},
		{"service autostop/autostart", svc.Autostop != nil && *svc.Autostop == fly.MachineAutostopStop && svc.Autostart != nil && *svc.Autostart},
		{"service checks", len(svc.Checks) == 1 && *svc.Checks[0].HTTPPath == "/healthz" && svc.Checks[0].Interval.Duration == 10*time.Second},
		{"top-level checks", cfg.Checks["db"].Port != nil && *cfg.Checks["db"].Port == 5432},
		{"restart", cfg.Restart != nil && cfg.Restart.Policy == fly.MachineRestartPolicyOnFailure && cfg.Restart.MaxRetries == 3},
		{"stop_config", cfg.StopConfig != nil && *cfg.StopConfig.Signal == "SIGINT" && cfg.StopConfig.Timeout.Duration == 30*time.Second},
		{"dns", cfg.DNS != nil && cfg.DNS.SkipRegistration},
		{"metrics", cfg.Metrics != nil && cfg.Metrics.Port == 9091 && cfg.Metrics.Path == "/metrics"},
		{"files", len(cfg.Files) == 1 && cfg.Files[0].GuestPath == "/etc/app.conf" && *cfg.Files[0].RawValue == "a2V5PXZhbHVl"},
		{"statics", len(cfg.Statics) == 1 && cfg.Statics[0].UrlPrefix == "/static/"},
		{"processes", len(cfg.Processes) == 1 && slices.Equal(cfg.Processes[0].CmdOverride, []string{"worker"})},
		{"schedule and standbys", cfg.Schedule == "hourly" && slices.Equal(cfg.Standbys, in.Standbys)},
		{"rootfs", cfg.Rootfs != nil && cfg.Rootfs.Persist == fly.MachinePersistRootfsRestart},
		{"metadata kept beside Fly's own", cfg.Metadata["fly_release_version"] == "7" && cfg.Metadata["fly_platform_version"] == "v2"},
		{"env", cfg.Env["PORT"] == "8080"},
	} {
		if !tc.ok {
			t.Errorf("%s did not round-trip: %+v", tc.what, cfg)
		}
	}
	var names []string
	for _, ch := range m.Checks {
		names = append(names, ch.Name)
		if ch.Status != "passing" {
			t.Errorf("check %s on a started machine is %q, want passing", ch.Name, ch.Status)
		}
	}
	if want := []string{"servicecheck-00-http-8080", "db"}; !slices.Equal(names, want) {
		t.Errorf("checks = %v, want %v", names, want)
	}
	if launched.Checks[0].Status != "critical" {
		t.Errorf("checks of a machine still booting = %+v, want critical until the first pass", launched.Checks)
	}
	if m.ImageRef.Registry != "registry.fly.io" || m.ImageRef.Repository != "full-config" || m.ImageRef.Tag != "deployment-01" ||
		!regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(m.ImageRef.Digest) {
		t.Errorf("image_ref = %+v, want registry.fly.io/full-config:deployment-01 with a sha256 digest", m.ImageRef)
	}
}

func TestMachineConfigRefusals(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	c := newFlaps(t, srv, "x")
	if resp := do(t, http.MethodPost, srv.URL+"/v1/apps/blog/machines", "Bearer x", `{"config":{"image":"nginx","size":"shared-cpu-3x"}}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown size preset: %d %s, want 400", resp.StatusCode, resp.body)
	}
	for name, cfg := range map[string]*fly.MachineConfig{
		"restart policy":   {Image: "nginx", Restart: &fly.MachineRestart{Policy: "sometimes"}},
		"stop signal":      {Image: "nginx", StopConfig: &fly.StopConfig{Signal: fly.StringPointer("SIGSTOP")}},
		"GPUs":             {Image: "nginx", Guest: &fly.MachineGuest{GPUs: 1, GPUKind: "a100-pcie-40gb"}},
		"max below memory": {Image: "nginx", Guest: &fly.MachineGuest{MemoryMB: 1024, MaxMemoryMB: 512}},
		"soft over hard":   {Image: "nginx", Services: []fly.MachineService{{InternalPort: 80, Concurrency: &fly.MachineServiceConcurrency{Type: "requests", SoftLimit: 30, HardLimit: 20}}}},
		"concurrency type": {Image: "nginx", Services: []fly.MachineService{{InternalPort: 80, Concurrency: &fly.MachineServiceConcurrency{Type: "bytes"}}}},
		"containers":       {Image: "nginx", Containers: []*fly.ContainerConfig{{Name: "sidecar"}}},
	} {
		if _, err := c.Launch(t.Context(), "blog", fly.LaunchMachineInput{Region: "ams", Config: cfg}); flapsStatus(err) != http.StatusBadRequest {
			t.Errorf("%s: %v, want 400", name, err)
		}
	}
}

// A size preset, Fly's older (deprecated) way to ask for a guest, becomes
// the guest. Raw JSON, as fly-go marks the field deprecated.
func TestSizePresetBecomesTheGuest(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	resp := do(t, http.MethodPost, srv.URL+"/v1/apps/blog/machines", "Bearer x", `{"region":"ams","config":{"image":"nginx","size":"performance-2x"}}`)
	var m struct {
		ID     string `json:"id"`
		Config struct {
			Size  string           `json:"size"`
			Guest fly.MachineGuest `json:"guest"`
		} `json:"config"`
	}
	if err := json.Unmarshal(resp.body, &m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("launch: %d %s: %v", resp.StatusCode, resp.body, err)
	}
	if g := m.Config.Guest; g.CPUKind != "performance" || g.CPUs != 2 || g.MemoryMB != 4096 || m.Config.Size != "performance-2x" {
		t.Errorf("guest = %+v, size %q; want performance, 2 CPUs, 4096 MB from performance-2x", g, m.Config.Size)
	}
	truth, _ := srv.Sim.Fleet().Machine("blog", m.ID)
	if truth.CPUKind != "performance" || truth.CPUs != 2 || truth.MemoryMB != 4096 {
		t.Errorf("the fleet's machine is %s %d CPUs %d MB: metrics would not follow the preset", truth.CPUKind, truth.CPUs, truth.MemoryMB)
	}
}

// Story machines carry the config a flyctl deploy writes, and the list
// filters by state as Fly's does.
func TestStoryMachinesAndFilters(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	c := newFlaps(t, srv, "x")
	ctx := t.Context()
	// flaps appends its state argument raw after "?".
	ms, err := c.List(ctx, "storefront", "state=started")
	if err != nil || len(ms) == 0 {
		t.Fatalf("List(state=started) = %d machines, %v", len(ms), err)
	}
	for _, m := range ms {
		if m.State != "started" {
			t.Errorf("state filter let %s (%s) through", m.ID, m.State)
		}
		if m.Config.Restart == nil || m.Config.Restart.Policy != fly.MachineRestartPolicyOnFailure || len(m.Config.Services) != 1 ||
			len(m.Checks) != 1 || !strings.HasPrefix(m.Checks[0].Name, "servicecheck-00-tcp-") {
			t.Errorf("story machine %s: restart %+v, services %d, checks %+v; want a deploy's config", m.ID, m.Config.Restart, len(m.Config.Services), m.Checks)
		}
	}
	if ms, err := c.List(ctx, "storefront", "state=suspended"); err != nil || len(ms) != 0 {
		t.Errorf("List(state=suspended) = %d, %v; want none", len(ms), err)
	}

	app, err := c.GetApp(ctx, "storefront")
	if err != nil {
		t.Fatal(err)
	}
	org := srv.Sim.Fleet().OrgNumericID()
	if int64(app.Organization.InternalNumericID) != org || org < 100000 {
		t.Errorf("organization.internal_numeric_id = %d, want the fleet's %d", app.Organization.InternalNumericID, org)
	}
	other := startSim(t, Options{Seed: 99})
	if got := other.Sim.Fleet().OrgNumericID(); got != org {
		t.Errorf("org numeric ID changed with the seed: %d, then %d", org, got)
	}
	if app.InternalNumericID == 0 {
		t.Errorf("app internal_numeric_id missing")
	}
}

// Event IDs are ULIDs, stable across reads, and the events endpoint takes
// Fly's limit.
func TestMachineEventIDsAndLimit(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	app, err := srv.Sim.Fleet().App(fleet.OOMApp)
	if err != nil {
		t.Fatal(err)
	}
	path := srv.URL + "/v1/apps/" + fleet.OOMApp + "/machines/" + app.Machines[0].ID + "/events"
	type event struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
	}
	var first, again []event
	getJSON(t, path, &first)
	getJSON(t, path, &again)
	ulid := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)
	seen := map[string]bool{}
	for i, e := range first {
		if !ulid.MatchString(e.ID) || seen[e.ID] {
			t.Errorf("event %d id %q: want a fresh ULID", i, e.ID)
		}
		seen[e.ID] = true
	}
	if !slices.Equal(first, again) || len(first) < 3 {
		t.Fatalf("two reads differ or are too short: %v and %v", first, again)
	}
	var two []event
	getJSON(t, path+"?limit=2", &two)
	if len(two) != 2 || two[0].Timestamp != first[0].Timestamp {
		t.Errorf("limit=2 gave %d events, want the newest 2", len(two))
	}
	if resp := do(t, http.MethodGet, path+"?limit=lots", "Bearer x", ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("limit=lots: %d, want 400", resp.StatusCode)
	}
}

// Every flysim test's responses pass the spec check: this proves the check
// is wired in, rather than trusting it.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp := do(t, http.MethodGet, url, "Bearer x", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.body)
	}
	if err := json.Unmarshal(resp.body, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestResponsesAreCheckedAgainstTheSpec(t *testing.T) {
	if _, err := apispec.Shared(); err != nil {
		t.Fatalf("no spec to check against: %v", err)
	}
	before := apispec.Checked()
	srv := startSim(t, Options{})
	do(t, http.MethodGet, srv.URL+"/v1/apps/blog", "Bearer x", "")
	do(t, http.MethodGet, srv.URL+"/v1/apps/nope/volumes", "Bearer x", "")
	if got := apispec.Checked() - before; got < 2 {
		t.Errorf("%d responses checked, want at least the 2 this test caused", got)
	}
}

// Every read the dashboard makes, for every story app, through fly-go and
// so through the spec check: a story's shape (volumes, crash loops,
// concurrency limits) must fit Fly's document as well as the plain ones.
func TestEveryStoryAppReadsThroughTheSpec(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	c := newFlaps(t, srv, "x")
	ctx := t.Context()
	apps, err := c.ListApps(ctx, flaps.ListAppsRequest{OrgSlug: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		if _, err := c.GetApp(ctx, a.Name); err != nil {
			t.Errorf("GetApp(%s): %v", a.Name, err)
		}
		ms, err := c.List(ctx, a.Name, "include_deleted=true")
		if err != nil || len(ms) == 0 {
			t.Errorf("List(%s) = %d machines, %v", a.Name, len(ms), err)
		}
		for _, m := range ms {
			if _, err := c.Get(ctx, a.Name, m.ID); err != nil {
				t.Errorf("Get(%s, %s): %v", a.Name, m.ID, err)
			}
			var events []map[string]any
			getJSON(t, srv.URL+"/v1/apps/"+a.Name+"/machines/"+m.ID+"/events?limit=50", &events)
		}
		vols, err := c.GetAllVolumes(ctx, a.Name)
		if err != nil {
			t.Errorf("GetAllVolumes(%s): %v", a.Name, err)
		}
		if a.VolumeCount != int64(len(vols)) {
			t.Errorf("%s: volume_count %d, but %d volumes listed", a.Name, a.VolumeCount, len(vols))
		}
		if _, err := c.GetIPAssignments(ctx, a.Name); err != nil {
			t.Errorf("GetIPAssignments(%s): %v", a.Name, err)
		}
	}
}
