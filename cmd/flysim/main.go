// Command flysim serves a simulated Fly.io org: the Machines REST API under
// /v1, the Prometheus HTTP API under /prometheus/<org>/ and the logs API
// flyctl polls under /api/v1/apps/<app>/logs, for the
// dashboard's demo, tests and benchmarks when fly.io is out of reach.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/flydash/dashboard/flysim"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	var o flysim.Options
	flag.StringVar(&o.Addr, "addr", flysim.DefaultAddr, "listen address")
	flag.StringVar(&o.Org, "org", "demo", "slug of the simulated org")
	flag.IntVar(&o.Apps, "apps", 0, "number of apps: the story apps first, then generated ones (0 = just the story apps)")
	flag.Int64Var(&o.Seed, "seed", 0, "seed for the org's IDs and generated apps (0 matches flysim.Options{})")
	flag.DurationVar(&o.PromLatency, "prom-latency", 0, "latency added to every Prometheus API response")
	flag.DurationVar(&o.MachinesLatency, "machines-latency", 0, "latency added to every Machines API response")
	flag.DurationVar(&o.Jitter, "jitter", 0, "up to this much extra latency, varying per request")
	flag.Float64Var(&o.PromErrorRate, "prom-error-rate", 0, "fraction of Prometheus API requests answered 503")
	flag.Float64Var(&o.MachinesErrorRate, "machines-error-rate", 0, "fraction of Machines API requests answered 503")
	flag.StringVar(&o.PromFault, "prom-fault", "", `make the Prometheus API "hang", answer "garbage" or "cancel" every query (499)`)
	flag.StringVar(&o.MachinesFault, "machines-fault", "", `make the Machines API "hang" or answer "garbage"`)
	flag.DurationVar(&o.LogsLatency, "logs-latency", 0, "latency added to every logs API response")
	flag.Float64Var(&o.LogsErrorRate, "logs-error-rate", 0, "fraction of logs API requests answered 503")
	flag.StringVar(&o.LogsFault, "logs-fault", "", `make the logs API "hang", answer "garbage" or refuse the token ("unauthorized")`)
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	began := time.Now()
	srv, err := flysim.Start(ctx, o)
	if err != nil {
		return err
	}
	org := srv.Sim.Org()
	slog.Info("flysim listening",
		"url", srv.URL,
		"org", org,
		"apps", len(srv.Sim.Fleet().Apps()),
		"machines_api", srv.URL+"/v1/apps?org_slug="+org,
		"prometheus", srv.URL+"/prometheus/"+org,
		"logs", srv.URL+"/api/v1/apps/<app>/logs",
		"startup", time.Since(began).Round(time.Millisecond))
	<-ctx.Done()
	slog.Info("flysim shutting down")
	srv.Close()
	return nil
}
