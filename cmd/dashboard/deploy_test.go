package main

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/flydash/dashboard/flysim"
)

// Docker cannot run here, so these tests check what the image relies on:
// the Dockerfile's build command builds and the binary it makes behaves
// under the Dockerfile's environment; fly.toml agrees with both.

const repoRoot = "../.."

// dockerfile is the parts of the Dockerfile the tests read.
type dockerfile struct {
	stages []dockerStage
}

type dockerStage struct {
	from, name string
	env        map[string]string
	runs       [][]string // each RUN, split into words
	user       string
	expose     []string
	copies     []string
}

// parseDockerfile reads the instructions the tests need: continuation
// lines joined, comments dropped, words split the way sh does for the
// plain quoting this Dockerfile uses.
func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var df dockerfile
	var lines []string
	cur := ""
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur == "") {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur += strings.TrimSuffix(trimmed, `\`) + " "
			continue
		}
		lines = append(lines, cur+trimmed)
		cur = ""
	}
	for _, line := range lines {
		op, rest, _ := strings.Cut(line, " ")
		words := shellWords(t, rest)
		if strings.EqualFold(op, "FROM") {
			st := dockerStage{from: words[0], env: map[string]string{}}
			if len(words) == 3 && strings.EqualFold(words[1], "AS") {
				st.name = words[2]
			}
			df.stages = append(df.stages, st)
			continue
		}
		if len(df.stages) == 0 {
			t.Fatalf("Dockerfile: %s before FROM", op)
		}
		st := &df.stages[len(df.stages)-1]
		switch strings.ToUpper(op) {
		case "ENV":
			for _, w := range words {
				k, v, ok := strings.Cut(w, "=")
				if !ok {
					t.Fatalf("Dockerfile: ENV %q: use the KEY=value form", rest)
				}
				st.env[k] = v
			}
		case "RUN":
			st.runs = append(st.runs, words)
		case "USER":
			st.user = rest
		case "EXPOSE":
			st.expose = append(st.expose, words...)
		case "COPY":
			st.copies = append(st.copies, rest)
		}
	}
	return df
}

// shellWords splits like sh for unquoted, "double" and 'single' quoted words.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("Dockerfile: unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// goBuild finds the RUN that builds the dashboard: its leading VAR=value
// words and the go command's arguments.
func (df dockerfile) goBuild(t *testing.T) (env, args []string) {
	t.Helper()
	for _, st := range df.stages {
		for _, run := range st.runs {
			i := 0
			for i < len(run) && strings.Contains(run[i], "=") && !strings.HasPrefix(run[i], "-") {
				i++
			}
			if len(run) > i+1 && run[i] == "go" && run[i+1] == "build" {
				return run[:i], run[i+1:]
			}
		}
	}
	t.Fatal("Dockerfile: no RUN go build")
	return nil, nil
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := parseDockerfile(t)
	if len(df.stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stage(s)", len(df.stages))
	}
	env, args := df.goBuild(t)
	if !strings.HasPrefix(df.stages[len(df.stages)-2].from, "golang:1.26") {
		t.Errorf("the build stage is %q, want golang:1.26", df.stages[len(df.stages)-2].from)
	}
	if strings.Join(env, " ") != "CGO_ENABLED=0" {
		t.Errorf("go build environment %q, want CGO_ENABLED=0 for a static binary", env)
	}
	joined := strings.Join(args, " ")
	for _, want := range []string{"-tags nosim,nomsgpack", "-trimpath", "-ldflags=-s -w", "./cmd/dashboard"} {
		if !strings.Contains(joined, want) {
			t.Errorf("go build %s lacks %s", joined, want)
		}
	}

	final := df.stages[len(df.stages)-1]
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") && !strings.HasPrefix(final.from, "alpine") {
		t.Errorf("final stage from %q, want distroless/static or alpine", final.from)
	}
	if u := strings.Split(final.user, ":")[0]; u == "" || u == "root" || u == "0" {
		t.Errorf("final stage runs as %q, want a non-root user", final.user)
	}
	if len(final.expose) != 1 || final.expose[0] != "8080" {
		t.Errorf("EXPOSE %v, want 8080", final.expose)
	}
	host, port, err := net.SplitHostPort(final.env["LISTEN_ADDR"])
	if err != nil || port != "8080" || isLoopback(host) {
		t.Errorf("ENV LISTEN_ADDR=%q, want every interface on 8080", final.env["LISTEN_ADDR"])
	}
	// The assets stage runs a script that must exist.
	for _, st := range df.stages {
		for _, run := range st.runs {
			for _, w := range run {
				if strings.HasPrefix(w, "scripts/") {
					if _, err := os.Stat(filepath.Join(repoRoot, w)); err != nil {
						t.Errorf("the Dockerfile runs %s: %v", w, err)
					}
				}
			}
		}
	}

	// fly.toml agrees with the image and with run().
	var fly struct {
		KillSignal  string            `toml:"kill_signal"`
		KillTimeout string            `toml:"kill_timeout"`
		Env         map[string]string `toml:"env"`
		HTTPService struct {
			InternalPort int  `toml:"internal_port"`
			ForceHTTPS   bool `toml:"force_https"`
			Checks       []struct {
				Path string `toml:"path"`
			} `toml:"checks"`
		} `toml:"http_service"`
		Metrics struct {
			Port int    `toml:"port"`
			Path string `toml:"path"`
		} `toml:"metrics"`
	}
	data, err := os.ReadFile(filepath.Join(repoRoot, "fly.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := toml.Unmarshal(data, &fly); err != nil {
		t.Fatalf("fly.toml: %v", err)
	}
	if fly.HTTPService.InternalPort != 8080 || !fly.HTTPService.ForceHTTPS {
		t.Errorf("fly.toml http_service: internal_port %d, force_https %v; want 8080, true", fly.HTTPService.InternalPort, fly.HTTPService.ForceHTTPS)
	}
	if len(fly.HTTPService.Checks) == 0 || fly.HTTPService.Checks[0].Path != "/healthz" {
		t.Error("fly.toml: no http_service check on /healthz")
	}
	_, metricsPort, err := net.SplitHostPort(fly.Env["METRICS_ADDR"])
	if err != nil || metricsPort != strconv.Itoa(fly.Metrics.Port) || fly.Metrics.Path != "/metrics" {
		t.Errorf("fly.toml: [metrics] port %d path %q, but METRICS_ADDR=%q", fly.Metrics.Port, fly.Metrics.Path, fly.Env["METRICS_ADDR"])
	}
	if fly.Metrics.Port == fly.HTTPService.InternalPort {
		t.Error("fly.toml: metrics on the public port would be behind sign-in, out of the scraper's reach")
	}
	if kt, err := time.ParseDuration(fly.KillTimeout); err != nil || kt <= shutdownTimeout {
		t.Errorf("fly.toml kill_timeout %q must exceed the %v run() gives requests in flight", fly.KillTimeout, shutdownTimeout)
	}
	if fly.KillSignal != "SIGTERM" && fly.KillSignal != "SIGINT" {
		t.Errorf("fly.toml kill_signal %q: run() stops gracefully on SIGTERM or SIGINT", fly.KillSignal)
	}
	if _, err := loadConfig(envOf(fly.Env)); err != nil {
		t.Errorf("fly.toml [env] alone: %v", err)
	}
}

// TestDockerBuildCommand runs the Dockerfile's own go build command line,
// checks the binary leaves out the simulated org and the Prometheus engine,
// then starts it with the image's environment: without a token it must say
// it needs one; without a password it must refuse the public address, in
// one line each; with both it serves Fly (here flysim, as a real org would
// be), and stops cleanly on SIGTERM. Skipped with -short: a cold -trimpath
// build compiles every dependency again.
func TestDockerBuildCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole binary with the Dockerfile's flags")
	}
	t.Parallel()
	df := parseDockerfile(t)
	env, args := df.goBuild(t)
	bin := filepath.Join(t.TempDir(), "dashboard")
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			args[i+1] = bin
		}
	}
	build := exec.Command("go", args...)
	build.Dir = repoRoot
	build.Env = append(os.Environ(), env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	// The deployed binary carries neither flysim nor the engine it embeds:
	// the packages the same flags build, and the modules the binary records.
	list := exec.Command("go", append([]string{"list", "-deps"}, buildFlags(args)...)...)
	list.Dir = repoRoot
	list.Env = build.Env
	deps, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, deps)
	}
	for _, pkg := range strings.Fields(string(deps)) {
		if strings.HasPrefix(pkg, "github.com/flydash/dashboard/flysim") || pkg == "github.com/prometheus/prometheus/promql" {
			t.Errorf("the deployed binary links %s", pkg)
		}
	}
	mods, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v\n%s", err, mods)
	}
	if strings.Contains(string(mods), "github.com/prometheus/prometheus ") || strings.Contains(string(mods), "github.com/prometheus/prometheus\t") {
		t.Errorf("the deployed binary records the Prometheus server module:\n%s", mods)
	}

	image := df.stages[len(df.stages)-1].env
	imageEnv := func(extra ...string) []string {
		// Only what the image sets: no inherited variables, and a working
		// directory without a .env file.
		var out []string
		for k, v := range image {
			out = append(out, k+"="+v)
		}
		return append(out, extra...)
	}
	empty := t.TempDir()

	// No token: the image has no simulated org to fall back on.
	refuse := exec.Command(bin)
	refuse.Env, refuse.Dir = imageEnv("DASHBOARD_PASSWORD="+testPassword, "SESSION_SECRET="+sessionSecret), empty
	out, err := refuse.CombinedOutput()
	if err == nil {
		t.Fatal("started without FLY_API_TOKEN")
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "set FLY_API_TOKEN") {
		t.Errorf("refusal is not one line naming FLY_API_TOKEN:\n%s", out)
	}

	// A Fly org to serve: flysim on loopback, as a real org would be.
	sim := startSim(t, flysim.Options{})
	fly := realTokenEnv(sim, "", "FlyV1 fm2_deployed-image")
	token := []string{"FLY_API_TOKEN=" + fly["FLY_API_TOKEN"], "FLY_ORG=" + fly["FLY_ORG"],
		"FLY_FLAPS_BASE_URL=" + fly["FLY_FLAPS_BASE_URL"], "FLY_API_BASE_URL=" + fly["FLY_API_BASE_URL"], "FLY_PROMETHEUS_URL=" + fly["FLY_PROMETHEUS_URL"]}

	// No password: refused, in one line that says what to set.
	refuse = exec.Command(bin)
	refuse.Env, refuse.Dir = imageEnv(token...), empty
	out, err = refuse.CombinedOutput()
	if err == nil {
		t.Fatalf("started on %s without a password", image["LISTEN_ADDR"])
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "set DASHBOARD_PASSWORD") {
		t.Errorf("refusal is not one line naming DASHBOARD_PASSWORD:\n%s", out)
	}

	// A password but no SESSION_SECRET: refused too, since Fly runs two
	// machines and each would sign sessions with its own random key.
	refuse = exec.Command(bin)
	refuse.Env, refuse.Dir = imageEnv(append(token, "DASHBOARD_PASSWORD="+testPassword)...), empty
	out, err = refuse.CombinedOutput()
	if err == nil {
		t.Fatalf("started on %s with a password but no SESSION_SECRET", image["LISTEN_ADDR"])
	}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "set SESSION_SECRET") {
		t.Errorf("refusal is not one line naming SESSION_SECRET:\n%s", out)
	}

	// With a password and a secret: serves (on a free port rather than
	// 8080), then stops on SIGTERM with status 0.
	host, _, _ := net.SplitHostPort(image["LISTEN_ADDR"])
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	serve := exec.CommandContext(ctx, bin)
	serve.Env = append(imageEnv(append(token, "DASHBOARD_PASSWORD="+testPassword, "SESSION_SECRET="+sessionSecret)...), "LISTEN_ADDR="+net.JoinHostPort(host, "0"))
	serve.Dir = empty
	stderr, _ := serve.StderrPipe()
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	listening := regexp.MustCompile(`msg="dashboard listening" url=http://\[::\]:(\d+)`)
	var port string
	var logs []string
	for lines.Scan() {
		logs = append(logs, lines.Text())
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			port = m[1]
			break
		}
	}
	if port == "" {
		t.Fatalf("no listening line:\n%s", strings.Join(logs, "\n"))
	}
	rest := make(chan []string, 1)
	go func() {
		var more []string
		for lines.Scan() {
			more = append(more, lines.Text())
		}
		rest <- more
	}()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/": http.StatusSeeOther} {
		resp, err := client.Get("http://127.0.0.1:" + port + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	more := <-rest
	if err := serve.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, strings.Join(append(logs, more...), "\n"))
	}
	if !strings.Contains(strings.Join(more, "\n"), "msg=stopped") {
		t.Errorf("no clean stop logged:\n%s", strings.Join(more, "\n"))
	}
}

// buildFlags keeps the go build arguments that choose what is built (tags
// and the package), for go list.
func buildFlags(args []string) []string {
	var out []string
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-tags" && i+1 < len(args):
			out = append(out, a, args[i+1])
			i++
		case strings.HasPrefix(a, "-tags="), strings.HasPrefix(a, "./"):
			out = append(out, a)
		case a == "-o":
			i++
		}
	}
	return out
}
