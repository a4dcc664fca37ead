package fleet

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"
)

var start = time.Date(2026, 11, 20, 12, 0, 30, 0, time.UTC)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestEachStoryOnceInTheDefaultOrg(t *testing.T) {
	t.Parallel()
	f := New(Config{Start: start, Now: fixed(start)})
	if f.Org() != "demo" {
		t.Errorf("org = %q, want demo", f.Org())
	}
	seen := map[Story]int{}
	for _, a := range f.Snapshot() {
		seen[a.Story]++
		if a.Org != "demo" {
			t.Errorf("%s in org %q", a.Name, a.Org)
		}
	}
	stories := []Story{StoryHealthy, StoryIncident, StoryRegionalLatency, StoryOOM, StoryDeploy, StoryNoHTTP, StoryIdle,
		StoryThrottled, StoryVolumeFilling, StoryConcurrency, StoryCrashLoop}
	for _, s := range stories {
		if seen[s] != 1 {
			t.Errorf("story %q appears %d times, want once", s, seen[s])
		}
	}
	if len(seen) != len(stories) {
		t.Errorf("stories = %v, want exactly the %d", seen, len(stories))
	}
}

var (
	hex14 = regexp.MustCompile(`^[0-9a-f]{14}$`)
	hex4  = regexp.MustCompile(`^[0-9a-f]{4}$`)
)

func TestStoryAppsLookLikeFly(t *testing.T) {
	t.Parallel()
	f := New(Config{Start: start, Now: fixed(start)})
	anchor := f.Start()
	if !anchor.Equal(start.Truncate(time.Minute)) {
		t.Errorf("Start = %v, want %v rounded down to the minute", anchor, start)
	}
	for _, a := range f.Snapshot() {
		regions := map[string]int{}
		for _, m := range a.Machines {
			regions[m.Region]++
			if !hex14.MatchString(m.ID) || !hex4.MatchString(m.Host) || !KnownRegion(m.Region) {
				t.Errorf("%s: machine id %q host %q region %q", a.Name, m.ID, m.Host, m.Region)
			}
			if m.State != "started" || m.Services != a.HTTP {
				t.Errorf("%s/%s: state %q services %v, app HTTP %v", a.Name, m.ID, m.State, m.Services, a.HTTP)
			}
			if m.Events[0].Type != "launch" || !m.Events[0].At.Equal(m.CreatedAt) {
				t.Errorf("%s/%s: first event %+v, want the launch at creation", a.Name, m.ID, m.Events[0])
			}
		}
		if len(regions) < 2 || len(regions) > 6 {
			t.Errorf("%s spans %d regions, want 2-6", a.Name, len(regions))
		}
		for r, n := range regions {
			if n < 1 || n > 3 {
				t.Errorf("%s has %d machines in %s, want 1-3", a.Name, n, r)
			}
		}
		if anchor.Sub(a.CreatedAt) < 7*24*time.Hour {
			t.Errorf("%s created %v before Start, want at least 7 days", a.Name, anchor.Sub(a.CreatedAt))
		}
		if a.HTTP != (len(a.IPs) > 0) {
			t.Errorf("%s: HTTP %v with %d IPs", a.Name, a.HTTP, len(a.IPs))
		}
		for k, at := range a.StoryTimes {
			if ago := anchor.Sub(at); ago <= 0 || ago > 24*time.Hour {
				t.Errorf("%s: %s is %v before Start, want within the last 24 h", a.Name, k, ago)
			}
		}
	}
}

func TestStoryTimes(t *testing.T) {
	t.Parallel()
	f := New(Config{Start: start, Now: fixed(start)})
	app := func(name string) App {
		a, err := f.App(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return a
	}

	inc := app(IncidentApp)
	if inc.Story != StoryIncident || !inc.StoryTimes["incident_start"].Before(inc.StoryTimes["incident_end"]) {
		t.Errorf("incident app: %s %v", inc.Story, inc.StoryTimes)
	}
	lat := app(RegionalLatencyApp)
	if _, ok := lat.StoryTimes["regression_start"]; !ok || lat.SlowRegion == "" {
		t.Errorf("regional-latency app: %v slow %q", lat.StoryTimes, lat.SlowRegion)
	}
	inSlow := false
	for _, m := range lat.Machines {
		inSlow = inSlow || m.Region == lat.SlowRegion
	}
	if !inSlow {
		t.Errorf("slow region %q has none of %s's machines", lat.SlowRegion, lat.Name)
	}

	oom := app(OOMApp)
	kills := 0
	for _, m := range oom.Machines {
		for i, e := range m.Events {
			if !e.OOMKilled {
				continue
			}
			kills++
			next := m.Events[i+1]
			if e.Type != "exit" || e.ExitCode != 137 || !e.At.Equal(oom.StoryTimes["oom"]) || next.Type != "start" || next.At.Sub(e.At) != 20*time.Second {
				t.Errorf("oom events %+v then %+v", e, next)
			}
		}
	}
	if kills != 1 {
		t.Errorf("%d OOM kills, want 1", kills)
	}

	dep := app(DeployApp)
	for _, m := range dep.Machines {
		n := len(m.Events)
		upd, st := m.Events[n-2], m.Events[n-1]
		if upd.Type != "update" || !upd.At.Equal(dep.StoryTimes["deploy"]) || st.Type != "start" || !st.At.After(upd.At) {
			t.Errorf("%s: last events %+v, %+v; want update at the deploy, then start", m.ID, upd, st)
		}
	}
	if app(NoHTTPApp).HTTP || !app(IdleApp).HTTP || !app(HealthyApp).HTTP {
		t.Error("only the no-http story app should lack HTTP")
	}
}

func TestDeterministicFromSeed(t *testing.T) {
	t.Parallel()
	a := New(Config{Start: start, Now: fixed(start), Seed: 7, Apps: 40}).Snapshot()
	b := New(Config{Start: start, Now: fixed(start), Seed: 7, Apps: 40}).Snapshot()
	if !reflect.DeepEqual(a, b) {
		t.Error("two fleets from the same seed differ")
	}
	c := New(Config{Start: start, Now: fixed(start), Seed: 8, Apps: 40}).Snapshot()
	if a[0].Machines[0].ID == c[0].Machines[0].ID {
		t.Error("different seeds gave the same machine ID")
	}
}

func TestGeneratedApps(t *testing.T) {
	t.Parallel()
	f := New(Config{Start: start, Now: fixed(start), Apps: 500})
	apps := f.Snapshot()
	if len(apps) != 500 {
		t.Fatalf("%d apps, want 500", len(apps))
	}
	ids := map[string]bool{}
	stories := map[Story]int{}
	for _, a := range apps {
		stories[a.Story]++
		for _, m := range a.Machines {
			if ids[m.ID] {
				t.Errorf("duplicate machine ID %s", m.ID)
			}
			ids[m.ID] = true
		}
	}
	if _, err := f.App("svc-0042"); err != nil {
		t.Errorf("svc-0042: %v", err)
	}
	if stories[StoryHealthy] < 100 || stories[StoryIdle] < 20 || stories[StoryNoHTTP] < 20 {
		t.Errorf("story mix %v, want mostly healthy with some idle and no-http", stories)
	}
	if n := len(New(Config{Start: start, Apps: 3}).Snapshot()); n != 3 {
		t.Errorf("Apps: 3 gave %d apps", n)
	}
}

func TestLaunchLifecycleFollowsTheClock(t *testing.T) {
	t.Parallel()
	now := start
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	f := New(Config{Start: start, Now: clock, StartDelay: 10 * time.Second})

	if _, err := f.CreateApp("demo", "fresh"); err != nil {
		t.Fatal(err)
	}
	m, err := f.Launch("fresh", MachineSpec{Region: "ams", Image: "nginx", InternalPort: 8080})
	if err != nil {
		t.Fatal(err)
	}
	state := func() string {
		got, err := f.Machine("fresh", m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.State
	}
	steps := []struct {
		after time.Duration
		want  string
	}{{0, "created"}, {5 * time.Second, "starting"}, {5 * time.Second, "started"}}
	for _, s := range steps {
		advance(s.after)
		if got := state(); got != s.want {
			t.Errorf("after +%v: %q, want %q", s.after, got, s.want)
		}
	}
	if err := f.DestroyMachine("fresh", m.ID, false); !errors.Is(err, ErrMachineNotStopped) {
		t.Errorf("destroy without kill: %v", err)
	}
	if err := f.DestroyMachine("fresh", m.ID, true); err != nil {
		t.Fatal(err)
	}
	advance(10 * time.Second)
	got, _ := f.Machine("fresh", m.ID)
	var types []string
	for _, e := range got.Events {
		types = append(types, e.Type+"/"+e.Status)
	}
	want := []string{"launch/created", "start/started", "destroy/destroying", "destroy/destroyed"}
	if got.State != "destroyed" || !reflect.DeepEqual(types, want) {
		t.Errorf("state %q events %v, want destroyed with %v", got.State, types, want)
	}
}

func TestStoreErrors(t *testing.T) {
	t.Parallel()
	f := New(Config{Start: start, Now: fixed(start)})
	for name, err := range map[string]error{
		"taken":           second(f.CreateApp("demo", "blog")),
		"foreign taken":   second(f.CreateApp("demo", ForeignApp)),
		"invalid":         second(f.CreateApp("demo", "UPPER")),
		"other org":       second(f.CreateApp(OtherOrg, "mine")),
		"unknown org":     second(f.CreateApp("nope", "mine")),
		"foreign app":     second(f.App(ForeignApp)),
		"missing app":     second(f.App("missing")),
		"has machines":    f.DeleteApp("blog", false),
		"bad ip type":     second(f.AssignIP("blog", "v5", "")),
		"bad region":      second(f.Launch("blog", MachineSpec{Image: "x", Region: "zzz"})),
		"no image":        second(f.Launch("blog", MachineSpec{Region: "ams"})),
		"missing machine": f.DestroyMachine("blog", "nope", true),
	} {
		want := map[string]error{
			"taken": ErrNameTaken, "foreign taken": ErrNameTaken, "invalid": ErrInvalidName,
			"other org": ErrForbidden, "unknown org": ErrOrgNotFound, "foreign app": ErrForbidden,
			"missing app": ErrAppNotFound, "has machines": ErrAppHasMachines, "bad ip type": ErrInvalidIPType,
			"bad region": ErrInvalidRegion, "no image": ErrInvalidConfig, "missing machine": ErrMachineNotFound,
		}[name]
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestSnapshotIsADeepCopy(t *testing.T) {
	t.Parallel()
	f := New(Config{Start: start, Now: fixed(start)})
	s := f.Snapshot()
	s[0].Machines[0].Events[0].Type = "tampered"
	s[0].Machines[0].State = "tampered"
	s[0].StoryTimes["x"] = start
	again := f.Snapshot()
	if again[0].Machines[0].Events[0].Type == "tampered" || again[0].Machines[0].State == "tampered" {
		t.Error("changing a snapshot changed the fleet")
	}
	if _, ok := again[0].StoryTimes["x"]; ok {
		t.Error("changing a snapshot's story times changed the fleet")
	}
}

// TestConcurrentUse is for -race: API mutations while snapshots are read.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	f := New(Config{Start: start, StartDelay: time.Millisecond})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			name := fmt.Sprintf("race-%d", w)
			if _, err := f.CreateApp("demo", name); err != nil {
				t.Error(err)
				return
			}
			for range 20 {
				m, err := f.Launch(name, MachineSpec{Region: "iad", Image: "nginx"})
				if err != nil {
					t.Error(err)
					return
				}
				if err := f.DestroyMachine(name, m.ID, true); err != nil {
					t.Error(err)
				}
			}
			if err := f.DeleteApp(name, true); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			for range 50 {
				for _, a := range f.Snapshot() {
					_ = len(a.Machines)
				}
			}
		})
	}
	wg.Wait()
	if n := len(f.Apps()); n != len(storyApps) {
		t.Errorf("%d live apps after the race apps were deleted, want %d", n, len(storyApps))
	}
}
