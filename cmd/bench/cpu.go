package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// cpuViews is how many cached app page views the cpu measurement times:
// enough that the process's CPU clock (10 ms ticks) is read to under 1%.
const cpuViews = 400

// cpuIdleFor is how long the idle process's CPU is read for.
const cpuIdleFor = 5 * time.Second

// runCPU is the server's CPU per cached app page view: the dashboard as
// its own process (against cmd/flysim in another, with the latency), one
// client loading the storefront's page over 24 h, gzipped, again and
// again; the dashboard's user+system time over the views, divided by
// them. The 24 h page keeps its results for one 5-minute step, so after
// the first load the queries come from the cache; views that took longer
// than the latency were not cached and are counted apart.
func runCPU(ctx context.Context, cfg config, r *report) error {
	ps, err := startProcessStack(ctx, "bench-cpu-", "-prom-latency", cfg.latency.String())
	if err != nil {
		return err
	}
	defer ps.Close()
	dash, base, err := startDashboard(ctx, cfg, ps.dashBin, ps.dir, ps.simEnv)
	if err != nil {
		return err
	}
	defer dash.Stop()
	pid := dash.cmd.Process.Pid

	client := newLoadClient(1)
	url := base + "/apps/" + floorApp + "?range=24h"
	gz := http.Header{"Accept-Encoding": {"gzip"}}
	// Warm: the queries, the Machines API reads and the code paths.
	for range 3 {
		if status, _, _, err := fetch(ctx, client, url, gz); err != nil || status != http.StatusOK {
			return fmt.Errorf("GET %s: %d %v", url, status, err)
		}
	}
	// What the process uses with nobody asking (timers, the GC, the
	// runtime), so the figure per view can be read net of it.
	idle0, err := cpuTime(pid)
	if err != nil {
		return err
	}
	time.Sleep(cpuIdleFor)
	cpu0, err := cpuTime(pid)
	if err != nil {
		return err
	}
	idlePerSec := ms(cpu0-idle0) / cpuIdleFor.Seconds()
	var times []float64
	slow := 0
	start := time.Now()
	for range cpuViews {
		t0 := time.Now()
		status, _, _, err := fetch(ctx, client, url, gz)
		d := time.Since(t0)
		if err != nil || status != http.StatusOK {
			return fmt.Errorf("GET %s: %d %v", url, status, err)
		}
		if d >= cfg.latency {
			slow++
		}
		times = append(times, ms(d))
	}
	elapsed := time.Since(start)
	cpu1, err := cpuTime(pid)
	if err != nil {
		return err
	}
	perView := ms(cpu1-cpu0) / cpuViews
	r.add("8", fmt.Sprintf("server CPU per cached app page view, 24h (storefront, gzipped), dashboard process, %d views one after another", cpuViews),
		fmt.Sprintf("%.2f ms (page p50 %.1f ms, p95 %.1f ms; %d views slower than the %v latency; %.1f s in all; idle process %.2f ms of CPU a second)",
			perView, median(times), quantile(times, 0.95), slow, cfg.latency, elapsed.Seconds(), idlePerSec), "", nil)
	return nil
}
