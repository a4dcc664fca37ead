package views

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLaunchAndDestroy walks the launch journey end to end against the
// simulated org: launch, follow the progress page, see the app listed,
// refuse a wrong confirmation, destroy, and see it gone.
func TestLaunchAndDestroy(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	// The form offers Fly's presets with shared-cpu-1x chosen.
	_, newForm, _ := s.get(t, "/apps/new")
	for _, want := range []string{`<option value="shared-cpu-1x" selected>shared-cpu-1x · 1 shared vCPU, 256 MB</option>`, `<option value="performance-2x" >performance-2x · 2 performance vCPUs, 4 GB</option>`} {
		if !strings.Contains(newForm, want) {
			t.Errorf("the launch form lacks %s", want)
		}
	}
	form := url.Values{"name": {"hello-e2e"}, "image": {"flyio/hellofly:latest"}, "region": {"ams"}, "size": {"performance-2x"}}

	const progress = "/apps/hello-e2e/launch?image=flyio%2Fhellofly%3Alatest&region=ams&size=performance-2x"
	status, _, hdr := s.post(t, "/apps", form)
	if status != http.StatusSeeOther || hdr.Get("Location") != progress {
		t.Fatalf("POST /apps: %d to %q, want 303 to the progress page", status, hdr.Get("Location"))
	}
	// A double submit must not create a second app: it lands on the same
	// progress page.
	status, _, hdr = s.post(t, "/apps", form)
	if status != http.StatusSeeOther || hdr.Get("Location") != progress {
		t.Fatalf("second POST /apps: %d to %q", status, hdr.Get("Location"))
	}

	var sawProgress bool
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, body, hdr := s.get(t, progress)
		if status == http.StatusSeeOther {
			if hdr.Get("Location") != "/apps/hello-e2e" {
				t.Fatalf("finished launch redirects to %q", hdr.Get("Location"))
			}
			break
		}
		if status != http.StatusOK {
			t.Fatalf("progress page: %d\n%s", status, body)
		}
		if strings.Contains(body, "failed") && strings.Contains(body, "Retry from this step") {
			t.Fatalf("launch failed:\n%s", body)
		}
		if !strings.Contains(body, `http-equiv="refresh"`) {
			t.Fatal("progress page does not refresh itself")
		}
		sawProgress = true
		if time.Now().After(deadline) {
			t.Fatalf("launch did not finish:\n%s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !sawProgress {
		t.Log("launch finished before the first progress poll")
	}

	// The app has one started machine and both addresses.
	f := s.Sim.Sim.Fleet()
	var found bool
	for _, a := range f.Snapshot() {
		if a.Name != "hello-e2e" {
			continue
		}
		found = true
		if len(a.Machines) != 1 || a.Machines[0].Region != "ams" || a.Machines[0].Image != "flyio/hellofly:latest" {
			t.Errorf("machines of the launched app: %+v", a.Machines)
		} else if m := a.Machines[0]; m.CPUKind != "performance" || m.CPUs != 2 || m.MemoryMB != 4096 {
			t.Errorf("the launched machine is %s %d CPUs %d MB, want the performance-2x asked for (performance, 2, 4096)", m.CPUKind, m.CPUs, m.MemoryMB)
		}
		if len(a.IPs) != 2 {
			t.Errorf("launched app has %d addresses, want a v6 and a shared v4", len(a.IPs))
		}
	}
	if !found {
		t.Fatal("the launched app is not in the simulated org")
	}

	status, body, _ := s.get(t, "/apps/hello-e2e")
	if status != http.StatusOK || !strings.Contains(body, "Launched hello-e2e") {
		t.Fatalf("app page after launch: %d, flash missing", status)
	}
	if _, body, _ = s.get(t, "/"); !strings.Contains(body, `href="/apps/hello-e2e"`) {
		t.Fatal("the launched app is not listed")
	}

	status, body, _ = s.post(t, "/apps/hello-e2e/destroy", url.Values{"confirm": {"hello-e2"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Nothing was destroyed") {
		t.Fatalf("wrong confirmation: %d", status)
	}
	if _, body, _ = s.get(t, "/"); !strings.Contains(body, `href="/apps/hello-e2e"`) {
		t.Fatal("a wrong confirmation destroyed the app")
	}

	status, _, hdr = s.post(t, "/apps/hello-e2e/destroy", url.Values{"confirm": {"hello-e2e"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/" {
		t.Fatalf("destroy: %d to %q", status, hdr.Get("Location"))
	}
	_, body, _ = s.get(t, "/")
	if strings.Contains(body, `href="/apps/hello-e2e"`) {
		t.Fatal("the destroyed app is still listed")
	}
	if !strings.Contains(body, "Destroyed hello-e2e") {
		t.Fatal("no flash message after destroying")
	}
}

func TestLaunchRejectsBadInput(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	cases := []struct {
		name       string
		form       url.Values
		status     int
		wantInBody string
	}{
		{"uppercase name", url.Values{"name": {"Hello"}, "region": {"ams"}}, 422, "lowercase letters"},
		{"empty name", url.Values{"name": {""}, "region": {"ams"}}, 422, "Give the app a name"},
		{"too long", url.Values{"name": {strings.Repeat("a", 64)}, "region": {"ams"}}, 422, "at most 63"},
		{"unknown region", url.Values{"name": {"ok-name"}, "region": {"xxx"}}, 422, "Pick one of the listed regions"},
		{"bad image", url.Values{"name": {"ok-name"}, "region": {"ams"}, "image": {"evil image\n"}}, 422, "image reference"},
		{"unknown size", url.Values{"name": {"ok-name"}, "region": {"ams"}, "size": {"a100-80gb"}}, 422, "Pick one of the listed sizes"},
		{"taken name", url.Values{"name": {"storefront"}, "region": {"ams"}}, 422, "already taken"},
		{"other org's name", url.Values{"name": {"not-yours"}, "region": {"ams"}}, 422, "already taken"},
	}
	for _, tc := range cases {
		status, body, _ := s.post(t, "/apps", tc.form)
		if status != tc.status || !strings.Contains(body, tc.wantInBody) {
			t.Errorf("%s: %d, want %d with %q", tc.name, status, tc.status, tc.wantInBody)
		}
	}
	// Nothing was created by any of them.
	for _, a := range s.Sim.Sim.Fleet().Snapshot() {
		if a.Name == "ok-name" || a.Name == "hello" {
			t.Errorf("a rejected launch created %s", a.Name)
		}
	}
}

func TestUnknownAppsAndRoutes(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	for _, path := range []string{
		"/apps/no-such-app",
		"/apps/Bad_Name",
		"/apps/not-yours",
		"/apps/no-such-app/launch",
		"/apps/storefront/charts/nope.svg",
		"/apps/no-such-app/charts/cpu.svg",
		"/apps/storefront/charts/cpu.png",
		"/nowhere",
	} {
		status, body, _ := s.get(t, path)
		if status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
		if !strings.Contains(body, "<h1>") {
			t.Errorf("GET %s: no explanation page", path)
		}
	}
	status, body, _ := s.post(t, "/apps/no-such-app/destroy", url.Values{"confirm": {"no-such-app"}})
	if status != http.StatusNotFound || !strings.Contains(body, "no such app") {
		t.Errorf("destroy unknown app: %d", status)
	}
}

// TestLaunchStoppedAndRetried: an app with nothing but its name (a launch
// whose request died after creating it, on any dashboard machine) shows as
// stopped at its addresses, with retry and destroy; the retry finishes it.
// Apps with machines of their own are not launches.
func TestLaunchStoppedAndRetried(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	if _, err := s.Sim.Sim.Fleet().CreateApp(s.Sim.Sim.Org(), "half-made"); err != nil {
		t.Fatal(err)
	}
	status, body, _ := s.get(t, "/apps/half-made/launch?image=nginx%3Alatest&region=fra")
	if status != http.StatusOK {
		t.Fatalf("progress of a stopped launch: %d", status)
	}
	for _, want := range []string{
		`class="step done"`, `class="step failed"`, "Assign public addresses",
		"This step did not complete", `action="/apps/half-made/launch"`, `id="retry-image" name="image" value="nginx:latest"`,
		`name="region" value="fra"`, `href="/apps/half-made/destroy"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("stopped launch page lacks %s", want)
		}
	}
	if strings.Contains(body, `http-equiv="refresh"`) {
		t.Error("a stopped launch page keeps reloading itself")
	}
	if status, _, _ := s.post(t, "/apps/half-made/launch", url.Values{"image": {"nginx:latest"}, "region": {"nowhere"}}); status != http.StatusUnprocessableEntity {
		t.Errorf("retry with an unknown region: %d, want 422", status)
	}
	status, _, hdr := s.post(t, "/apps/half-made/launch", url.Values{"image": {"nginx:latest"}, "region": {"fra"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/apps/half-made/launch?image=nginx%3Alatest&region=fra&size=shared-cpu-1x" {
		t.Fatalf("retry: %d to %q", status, hdr.Get("Location"))
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, body, hdr := s.get(t, "/apps/half-made/launch")
		if status == http.StatusSeeOther && hdr.Get("Location") == "/apps/half-made" {
			break
		}
		if status != http.StatusOK || time.Now().After(deadline) {
			t.Fatalf("after retry: %d\n%s", status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	a, err := s.Sim.Sim.Fleet().App("half-made")
	if err != nil || len(a.Machines) != 1 || a.Machines[0].Image != "nginx:latest" || a.Machines[0].Region != "fra" || len(a.IPs) != 2 {
		t.Fatalf("retried launch in Fly: %v %+v", err, a)
	}
	// An app running machines of its own has no launch to show or retry.
	if status, _, hdr := s.get(t, "/apps/storefront/launch"); status != http.StatusSeeOther || hdr.Get("Location") != "/apps/storefront" {
		t.Errorf("progress of an app that is not a launch: %d to %q", status, hdr.Get("Location"))
	}
	if status, _, hdr := s.post(t, "/apps/storefront/launch", url.Values{"image": {"nginx"}, "region": {"fra"}}); status != http.StatusSeeOther || hdr.Get("Location") != "/apps/storefront" {
		t.Errorf("retrying an app that is not a launch: %d to %q", status, hdr.Get("Location"))
	}
}
