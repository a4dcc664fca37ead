// Command dashboard serves the Fly.io dashboard. Without FLY_API_TOKEN it
// starts a simulated Fly org in-process and shows that.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/superfly/fly-go/tokens"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/views"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	if err := loadDotEnv(); err != nil {
		return err
	}
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	demo := cfg.Demo()
	if demo {
		sim, err := flysim.Start(ctx, flysim.Options{Addr: "127.0.0.1:0"})
		if err != nil {
			return fmt.Errorf("start the simulated org: %w", err)
		}
		defer sim.Close()
		cfg.Token, cfg.Org = "demo-token", sim.Sim.Fleet().Org()
		cfg.FlapsBaseURL = sim.URL
		cfg.PrometheusURL = sim.URL + "/prometheus/" + cfg.Org
		log.Info("demo mode: simulated Fly org", "org", cfg.Org, "url", sim.URL)
	}

	fly, err := flyapi.New(ctx, flyapi.Config{Token: cfg.Token, Org: cfg.Org, BaseURL: cfg.FlapsBaseURL})
	if err != nil {
		return err
	}
	prom, err := promql.NewClient(promql.Config{URL: cfg.PrometheusURL, AuthHeader: tokens.Parse(cfg.Token).FlapsHeader()})
	if err != nil {
		return err
	}
	handler, err := views.New(views.Config{Fly: fly, Prom: prom, Demo: demo, Logger: log})
	if err != nil {
		return err
	}

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.Port))
	srv := &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set PORT to a free port)", addr, err)
	}
	log.Info("dashboard listening", "url", "http://"+ln.Addr().String(), "org", cfg.Org, "demo", demo)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Fly sends SIGINT/SIGTERM before stopping a machine: let requests in
	// flight finish.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
