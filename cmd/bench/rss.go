package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// process is a binary of this repository running on its own.
type process struct {
	cmd *exec.Cmd
	log string
}

func (p *process) Stop() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

func startProcess(bin, dir string, env []string, args ...string) (*process, error) {
	logFile, err := os.CreateTemp(dir, filepath.Base(bin)+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	// A directory of its own: the dashboard reads a .env file from its
	// working directory, and the repository's must not leak in.
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &process{cmd: cmd, log: logFile.Name()}, nil
}

// procStatus reads a field of /proc/<pid>/status in kB.
func procStatus(pid int, field string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// cpuTime is the user and system time the process has used.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name can hold spaces: fields start after the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clkTck, nil
}

// loadResult is what the users got and what the dashboard used.
type loadResult struct {
	pages, failed    int64
	elapsed          time.Duration
	idleRSS, peakRSS int // kB: before the load, VmHWM at its end
	meanRSS          int
	fileRSS          int // kB of the binary's own pages (RssFile) at the end
	cpu, upstreamCPU time.Duration
	latencies        []float64
}

// browse has n users browse the dashboard at base for d, as fast as pages
// come back: the app list, then an app page of a random story app over a
// random range, and again.
func browse(ctx context.Context, base string, n int, d time.Duration, pid, upstreamPid int) (loadResult, error) {
	var res loadResult
	var err error
	if res.idleRSS, err = procStatus(pid, "VmRSS"); err != nil {
		return res, err
	}
	cpu0, _ := cpuTime(pid)
	var up0 time.Duration
	if upstreamPid != 0 {
		up0, _ = cpuTime(upstreamPid)
	}
	client := newLoadClient(n)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		samples []int
	)
	wg.Go(func() {
		for ctx.Err() == nil {
			if rss, err := procStatus(pid, "VmRSS"); err == nil {
				mu.Lock()
				samples = append(samples, rss)
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	})
	ranges := []string{"1h", "6h", "24h", "7d"}
	rngs := make([]*rand.Rand, n)
	for u := range rngs {
		rngs[u] = rand.New(rand.NewPCG(uint64(u), 8))
	}
	load := loadPages(ctx, client, n, func(u, i int) string {
		if i%2 == 0 {
			return base + "/"
		}
		rng := rngs[u]
		return base + "/apps/" + storyApps[rng.IntN(len(storyApps))] + "?range=" + ranges[rng.IntN(len(ranges))]
	})
	cancel() // stops the RSS sampler
	wg.Wait()
	res.pages, res.failed, res.elapsed, res.latencies = load.pages, load.failed, load.elapsed, load.latencies
	if res.peakRSS, err = procStatus(pid, "VmHWM"); err != nil {
		return res, err
	}
	res.fileRSS, _ = procStatus(pid, "RssFile")
	total := 0
	for _, s := range samples {
		total += s
	}
	if len(samples) > 0 {
		res.meanRSS = total / len(samples)
	}
	cpu1, _ := cpuTime(pid)
	res.cpu = cpu1 - cpu0
	if upstreamPid != 0 {
		up1, _ := cpuTime(upstreamPid)
		res.upstreamCPU = up1 - up0
	}
	return res, nil
}

// buildBinaries builds the dashboard as deployed (without the simulated
// org, as the Dockerfile does) and the flysim command into dir.
func buildBinaries(ctx context.Context, dir string) (dashboard, sim string, err error) {
	dashboard, sim = filepath.Join(dir, "dashboard"), filepath.Join(dir, "flysim")
	// Built as the Dockerfile builds it.
	deployed := []string{"-tags", "nosim,nomsgpack", "-trimpath", "-ldflags=-s -w", "./cmd/dashboard"}
	for bin, args := range map[string][]string{dashboard: deployed, sim: {"./cmd/flysim"}} {
		pkg := args[len(args)-1]
		cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", bin}, args...)...)
		if bin == dashboard {
			// Static, as the Dockerfile builds it: no libc mapped in.
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
		}
	}
	return dashboard, sim, nil
}

// processStack is the binaries of this repository built into a temporary
// directory, with cmd/flysim running from it as its own process.
type processStack struct {
	dir, dashBin string
	sim          *process
	simEnv       []string // points a dashboard process at sim
}

// startProcessStack builds into a new directory named from prefix and
// starts cmd/flysim with simArgs (its latency flags).
func startProcessStack(ctx context.Context, prefix string, simArgs ...string) (*processStack, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	dashBin, simBin, err := buildBinaries(ctx, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	sim, simEnv, err := startSimProcess(ctx, simBin, dir, simArgs...)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &processStack{dir: dir, dashBin: dashBin, sim: sim, simEnv: simEnv}, nil
}

func (p *processStack) Close() {
	p.sim.Stop()
	os.RemoveAll(p.dir)
}

func runRSS(ctx context.Context, cfg config, r *report) error {
	// The dashboard as deployed: its own process, talking HTTP to an org
	// (cmd/flysim in a process of its own, with the injected latency).
	ps, err := startProcessStack(ctx, "bench-rss-", "-prom-latency", cfg.latency.String())
	if err != nil {
		return err
	}
	defer ps.Close()
	dashBin, dir := ps.dashBin, ps.dir
	res, err := measureDashboard(ctx, cfg, dashBin, dir, ps.simEnv, ps.sim.cmd.Process.Pid)
	if err != nil {
		return err
	}
	reportLoad(r, cfg, "dashboard process against cmd/flysim in another process ("+cfg.latency.String()+" latency)", res)
	return nil
}

// startSimProcess runs cmd/flysim on a free port with args and returns the
// environment that points a dashboard process at it: all three of Fly's
// APIs, so no request leaves the machine.
func startSimProcess(ctx context.Context, simBin, dir string, args ...string) (*process, []string, error) {
	simPort, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(simPort)
	sim, err := startProcess(simBin, dir, nil, append([]string{"-addr", addr}, args...)...)
	if err != nil {
		return nil, nil, err
	}
	if err := waitListening(ctx, addr, 60*time.Second); err != nil {
		sim.Stop()
		log, _ := os.ReadFile(sim.log)
		return nil, nil, fmt.Errorf("flysim did not start: %w\n%s", err, lastLines(string(log), 20))
	}
	simURL := "http://" + addr
	return sim, []string{
		"FLY_API_TOKEN=" + benchToken, "FLY_ORG=demo",
		"FLY_FLAPS_BASE_URL=" + simURL, "FLY_API_BASE_URL=" + simURL, "FLY_PROMETHEUS_URL=" + simURL + "/prometheus/demo",
	}, nil
}

// waitListening waits until something accepts connections on addr.
func waitListening(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func measureDashboard(ctx context.Context, cfg config, bin, dir string, env []string, upstreamPid int) (loadResult, error) {
	p, base, err := startDashboard(ctx, cfg, bin, dir, env)
	if err != nil {
		return loadResult{}, err
	}
	defer p.Stop()
	return browse(ctx, base, cfg.users, cfg.usersFor, p.cmd.Process.Pid, upstreamPid)
}

// startDashboard runs the dashboard binary on a free port with env (and
// -dashboard-env) and waits until it answers.
func startDashboard(ctx context.Context, cfg config, bin, dir string, env []string) (*process, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	env = append(append(env, cfg.dashEnv...), "PORT="+strconv.Itoa(port))
	p, err := startProcess(bin, dir, env)
	if err != nil {
		return nil, "", err
	}
	if err := waitHTTP(ctx, base+"/healthz", 60*time.Second); err != nil {
		p.Stop()
		log, _ := os.ReadFile(p.log)
		return nil, "", fmt.Errorf("the dashboard did not start: %w\n%s", err, lastLines(string(log), 20))
	}
	return p, base, nil
}

func reportLoad(r *report, cfg config, label string, res loadResult) {
	peakMB := float64(res.peakRSS) / 1024
	if len(cfg.dashEnv) > 0 {
		label += ", " + strings.Join(cfg.dashEnv, " ")
	}
	r.add("7", fmt.Sprintf("peak RSS (VmHWM), %d users for %s: %s", cfg.users, cfg.usersFor, label),
		fmt.Sprintf("%.1f MB (idle %.1f MB, mean under load %.1f MB; the binary's own pages %.1f MB at the end)",
			peakMB, float64(res.idleRSS)/1024, float64(res.meanRSS)/1024, float64(res.fileRSS)/1024), "<= 60 MB", ptr(peakMB <= 60))
	perPage := ms(res.cpu) / float64(res.pages)
	line := fmt.Sprintf("%.0f pages/s (p50 %.0f ms, p95 %.0f ms, %d failed); dashboard CPU %.2f ms/page",
		float64(res.pages)/res.elapsed.Seconds(), median(res.latencies), quantile(res.latencies, 0.95), res.failed, perPage)
	if res.upstreamCPU > 0 {
		line += fmt.Sprintf(", flysim %.2f ms/page", ms(res.upstreamCPU)/float64(res.pages))
	}
	r.add("7", "  same run: pages per second on this machine", line, "", nil)
}
