package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
)

// Fly deploys two machines, and its proxy sends each request to either.
// These tests run two dashboard processes, built from this package, on one
// flysim org, sharing nothing but Fly and SESSION_SECRET, and check that a
// person cannot tell which one answered.

// buildDashboard builds this package's binary into the test's directory.
func buildDashboard(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dashboard")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is one dashboard process listening on loopback.
type process struct {
	URL  string
	cmd  *exec.Cmd
	logs *logBuffer
	done chan struct{}
}

// startProcess runs the dashboard binary with env, and waits until it
// says where it listens.
func startProcess(t *testing.T, bin string, env map[string]string) *process {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir() // no .env file
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: &logBuffer{}, done: make(chan struct{})}
	urls := make(chan string, 1)
	listening := regexp.MustCompile(`msg="dashboard listening" url=(http://127\.0\.0\.1:\d+)`)
	go func() {
		defer close(p.done)
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			p.logs.Write([]byte(lines.Text() + "\n"))
			if m := listening.FindStringSubmatch(lines.Text()); m != nil {
				urls <- m[1]
			}
		}
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("dashboard %s log:\n%s", p.URL, p.logs)
		}
	})
	select {
	case p.URL = <-urls:
	case <-p.done:
		t.Fatalf("the dashboard exited before listening:\n%s", p.logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("the dashboard did not start:\n%s", p.logs)
	}
	return p
}

// stop sends SIGTERM, as Fly does, and waits for the process to exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Error("the dashboard did not stop within 30 s of SIGTERM")
	}
}

// stepFault sits between the dashboards and flysim and, while set, fails
// every address assignment with 503 as an unavailable Machines API does:
// a fault injected in one launch step only.
type stepFault struct {
	URL      string
	failIPs  atomic.Bool
	assigned atomic.Int64 // assignments that reached flysim
}

func newStepFault(t *testing.T, upstream string) *stepFault {
	t.Helper()
	target, _ := url.Parse(upstream)
	rp := httputil.NewSingleHostReverseProxy(target)
	f := &stepFault{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/ip_assignments") {
			if f.failIPs.Load() {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, `{"error":"service temporarily unavailable (injected fault)"}`)
				return
			}
			f.assigned.Add(1)
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	f.URL = "http://" + ln.Addr().String()
	return f
}

// dashboardEnv is one machine's environment: the same secrets on every
// machine, as `fly secrets set` gives them.
func dashboardEnv(sim *flysim.Server, via string) map[string]string {
	env := realTokenEnv(sim, via, "FlyV1 fm2_twomachines")
	delete(env, "METRICS_ADDR")
	env["LISTEN_ADDR"] = "127.0.0.1:0"
	return env
}

// liveMachineCount counts the app's machines Fly has not destroyed.
func liveMachineCount(t *testing.T, sim *flysim.Server, app string) int {
	t.Helper()
	a, err := sim.Sim.Fleet().App(app)
	if err != nil {
		t.Fatalf("%s in Fly: %v", app, err)
	}
	n := 0
	for _, m := range a.Machines {
		if m.DestroyedAt.IsZero() {
			n++
		}
	}
	return n
}

// followLaunch reloads the progress page, as its refresh does, until it
// sends the person to the app.
func followLaunch(t *testing.T, b *browser, app string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, body, hdr := b.get(t, "/apps/"+app+"/launch")
		if status == http.StatusSeeOther && hdr.Get("Location") == "/apps/"+app {
			return
		}
		if status != http.StatusOK || strings.Contains(body, `class="step failed"`) || time.Now().After(deadline) {
			t.Fatalf("following the launch of %s on %s: %d\n%s", app, b.base, status, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signedInOn is a browser for base carrying the session cookie value: the
// same person, with the proxy picking another machine.
func signedInOn(t *testing.T, base, cookie string) *browser {
	t.Helper()
	b := newBrowser(base)
	u, _ := url.Parse(base)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "flydash_session", Value: cookie}})
	return b
}

func sessionCookie(t *testing.T, b *browser) string {
	t.Helper()
	u, _ := url.Parse(b.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "flydash_session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie after signing in")
	return ""
}

// TestTwoMachines: a session from one machine works on the other, and
// signing out behaves the same on both; a launch posted to one is followed
// to started on the other, submitted again there makes no second machine,
// and survives the first one restarting mid-launch; a step that failed on
// one is retried from the other.
func TestTwoMachines(t *testing.T) {
	t.Parallel()
	// Machines take 4 s to start: long enough to restart a dashboard while
	// one is starting.
	sim := startSim(t, flysim.Options{StartDelay: 4 * time.Second})
	fault := newStepFault(t, sim.URL)
	env := dashboardEnv(sim, fault.URL)
	bin := buildDashboard(t)
	a, b := startProcess(t, bin, env), startProcess(t, bin, env)

	// Sessions: signed in on a, the same cookie opens pages on b.
	onA := newBrowser(a.URL)
	onA.signIn(t, testPassword)
	cookie := sessionCookie(t, onA)
	onB := signedInOn(t, b.URL, cookie)
	if status, body, _ := onB.get(t, "/?range=1h"); status != http.StatusOK || !strings.Contains(body, "storefront") {
		t.Fatalf("a session from one machine on the other: %d, want the app list", status)
	}

	// A launch posted to a, followed on b.
	form := url.Values{"name": {"two-machines"}, "image": {"flyio/hellofly:latest"}, "region": {"fra"}}
	status, _, hdr := onA.post(t, "/apps", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/apps/two-machines/launch") {
		t.Fatalf("launch on a: %d to %q", status, hdr.Get("Location"))
	}
	// b has never heard of it and gets no image or region in the URL.
	status, body, _ := onB.get(t, "/apps/two-machines/launch")
	if status != http.StatusOK || strings.Count(body, `class="step done"`) != 3 || !strings.Contains(body, `class="step running"`) || !strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("the launch seen from b: %d, want three steps done and the machine starting\n%s", status, body)
	}
	// Submitted again on b: the same progress, no second app or machine.
	status, _, hdr = onB.post(t, "/apps", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/apps/two-machines/launch") {
		t.Fatalf("the same launch submitted on b: %d to %q, want its progress page", status, hdr.Get("Location"))
	}
	if n := liveMachineCount(t, sim, "two-machines"); n != 1 {
		t.Fatalf("after submitting on both machines the app has %d machines, want 1", n)
	}

	// a restarts while the machine is starting: the new process shows the
	// launch where it is, and follows it to started.
	a.stop(t)
	a = startProcess(t, bin, env)
	onA = signedInOn(t, a.URL, cookie)
	status, body, _ = onA.get(t, "/apps/two-machines/launch")
	if status != http.StatusOK || strings.Count(body, `class="step done"`) != 3 || !strings.Contains(body, `class="step running"`) {
		t.Fatalf("the launch after a restart: %d, want it still starting\n%s", status, body)
	}
	followLaunch(t, onA, "two-machines")
	followLaunch(t, onB, "two-machines")
	if n := liveMachineCount(t, sim, "two-machines"); n != 1 {
		t.Errorf("the launched app has %d machines, want 1", n)
	}
	if app, _ := sim.Sim.Fleet().App("two-machines"); len(app.IPs) != 2 {
		t.Errorf("the launched app has %d addresses, want a v6 and a shared v4", len(app.IPs))
	}

	// A step fails on a (the Machines API refuses addresses, and flaps'
	// retries get the same 503)...
	fault.failIPs.Store(true)
	retry := url.Values{"name": {"retried"}, "image": {"nginx:latest"}, "region": {"ams"}}
	status, body, _ = onA.post(t, "/apps", retry)
	if status != http.StatusBadGateway || !strings.Contains(body, `class="step failed"`) || !strings.Contains(body, "The Fly Machines API answered with an error (503).") || !strings.Contains(body, "Retry from this step") {
		t.Fatalf("a launch whose addresses fail: %d, want 502 naming the step, Fly's words and a retry\n%s", status, body)
	}
	// ...b shows it stopped at the same step, with retry and destroy...
	status, body, _ = onB.get(t, "/apps/retried/launch?image=nginx%3Alatest&region=ams")
	if status != http.StatusOK || !strings.Contains(body, `class="step failed"`) || !strings.Contains(body, "Assign public addresses") ||
		!strings.Contains(body, `action="/apps/retried/launch"`) || !strings.Contains(body, `href="/apps/retried/destroy"`) {
		t.Fatalf("the failed launch seen from b: %d\n%s", status, body)
	}
	// ...and the retry from b, once Fly answers again, finishes it.
	fault.failIPs.Store(false)
	status, _, hdr = onB.post(t, "/apps/retried/launch", url.Values{"image": {"nginx:latest"}, "region": {"ams"}})
	if status != http.StatusSeeOther {
		t.Fatalf("retry on b: %d to %q", status, hdr.Get("Location"))
	}
	followLaunch(t, onA, "retried")
	if n := liveMachineCount(t, sim, "retried"); n != 1 {
		t.Errorf("the retried launch has %d machines, want 1", n)
	}
	if app, _ := sim.Sim.Fleet().App("retried"); len(app.IPs) != 2 || app.Machines[0].Image != "nginx:latest" || app.Machines[0].Region != "ams" {
		t.Errorf("the retried launch in Fly: %d addresses, machine %+v", len(app.IPs), app.Machines[0])
	}

	// Signing out on b: the browser is signed out whichever machine it
	// reaches next. A copy of the cookie taken before is accepted by both
	// machines alike until it expires: no machine keeps a revocation the
	// other lacks (docs/deploy.md says what that costs).
	if status, _, hdr := onB.post(t, "/logout", nil); status != http.StatusSeeOther || !strings.Contains(hdr.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign out on b: %d, Set-Cookie %q", status, hdr.Get("Set-Cookie"))
	}
	for _, base := range []string{a.URL, b.URL} {
		onB.base = base
		if status, _, _ := onB.get(t, "/?range=1h"); status != http.StatusSeeOther {
			t.Errorf("signed out on b, %s answers %d, want the sign-in redirect", base, status)
		}
		if status, _, _ := signedInOn(t, base, cookie).get(t, "/?range=1h"); status != http.StatusOK {
			t.Errorf("a copied cookie on %s answers %d; both machines must answer alike", base, status)
		}
	}
}
