// Command bench measures the dashboard against its goals (BENCHMARKS.md): page
// time against the slowest upstream query, the list page's upstream cost,
// coalescing under many viewers, page weight, CPU per view, and memory and
// throughput under load. Micro-benchmarks are testing.B in their packages
// (charts' rendering, the app page's drawing in views). Everything runs on flysim with injected latency,
// through the real stack (flysim → flyapi/promql → views → HTTP).
//
// Usage (from the repository root):
//
//	go run ./cmd/bench                       # everything, about 8 minutes
//	go run ./cmd/bench -run floor,weight     # some of: floor list viewers weight rss cpu overload mix
//	go run ./cmd/bench -run overload         # 200 clients for 60 s: errors, peak RSS, /healthz p99
//	go run ./cmd/bench -run mix              # 200 clients for 60 s of every kind of request: RSS, p50/p99 per kind, shed
//
// It prints each figure as it goes and a Markdown table at the end, with
// the date, the machine and its load, for BENCHMARKS.md. See BENCHMARKS.md
// for what each figure means and the goals.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"time"
)

// config is the command line.
type config struct {
	run        []string
	latency    time.Duration
	floorIters int
	viewers    int
	viewersFor time.Duration
	users      int
	usersFor   time.Duration
	dashEnv    []string
	listApps   int
	// The overload run (overload.go).
	overloadClients int
	overloadFor     time.Duration
	// The mix run (mix.go).
	mixClients int
	mixFor     time.Duration
}

var measurements = []string{"floor", "list", "viewers", "weight", "rss", "cpu", "overload", "mix"}

func main() {
	var cfg config
	var run string
	flag.StringVar(&run, "run", "all", "comma-separated measurements: "+strings.Join(measurements, ",")+" (or all)")
	flag.DurationVar(&cfg.latency, "latency", 100*time.Millisecond, "latency flysim adds to every Prometheus response")
	flag.IntVar(&cfg.floorIters, "floor-iterations", 15, "app page loads (and single-query rounds) per range for the floor ratio")
	flag.IntVar(&cfg.viewers, "viewers", 100, "concurrent viewers of one app page")
	flag.DurationVar(&cfg.viewersFor, "viewers-for", 30*time.Second, "how long the viewers keep reloading")
	flag.IntVar(&cfg.users, "users", 50, "concurrent users for the memory and throughput run")
	flag.DurationVar(&cfg.usersFor, "users-for", 60*time.Second, "how long the users browse")
	dashEnv := flag.String("dashboard-env", "", "space-separated VAR=value pairs for the dashboard processes of the rss run (e.g. GOMEMLIMIT=40MiB)")
	flag.IntVar(&cfg.listApps, "list-apps", 500, "apps in the large org of the list-cost measurement")
	flag.IntVar(&cfg.overloadClients, "overload-clients", 200, "concurrent clients of the overload run")
	flag.DurationVar(&cfg.overloadFor, "overload-for", 60*time.Second, "how long the overload run lasts")
	flag.IntVar(&cfg.mixClients, "mix-clients", 200, "concurrent clients of the mix run")
	flag.DurationVar(&cfg.mixFor, "mix-for", 60*time.Second, "how long the mix run lasts")
	flag.Parse()
	cfg.dashEnv = strings.Fields(*dashEnv)
	if cfg.floorIters < 1 || cfg.viewers < 1 || cfg.users < 1 || cfg.overloadClients < 1 {
		fmt.Fprintln(os.Stderr, "bench: iterations, viewers and users must be at least 1")
		os.Exit(2)
	}
	if run == "all" {
		cfg.run = measurements
	} else {
		for m := range strings.SplitSeq(run, ",") {
			m = strings.TrimSpace(m)
			if !slices.Contains(measurements, m) {
				fmt.Fprintf(os.Stderr, "bench: unknown measurement %q; want some of %s\n", m, strings.Join(measurements, ","))
				os.Exit(2)
			}
			cfg.run = append(cfg.run, m)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r := &report{}
	r.machine()
	fmt.Printf("bench: %s, %s, %d CPUs (GOMAXPROCS %d), load %s\n", r.date, r.model, r.cpus, runtime.GOMAXPROCS(0), loadAvg())

	failed := false
	for _, m := range cfg.run {
		fmt.Printf("\n== %s (load %s)\n", m, loadAvg())
		var err error
		switch m {
		case "floor":
			err = runFloor(ctx, cfg, r)
		case "list":
			err = runList(ctx, cfg, r)
		case "viewers":
			err = runViewers(ctx, cfg, r)
		case "weight":
			err = runWeight(ctx, r)
		case "rss":
			err = runRSS(ctx, cfg, r)
		case "cpu":
			err = runCPU(ctx, cfg, r)
		case "overload":
			err = runOverload(ctx, cfg, r)
		case "mix":
			err = runMix(ctx, cfg, r)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", m, err)
			failed = true
		}
		if ctx.Err() != nil {
			break
		}
	}
	r.print(os.Stdout)
	if failed {
		os.Exit(1)
	}
}
