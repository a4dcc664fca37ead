// Command dashboard serves the Fly.io dashboard. Without FLY_API_TOKEN it
// starts a simulated Fly org in-process and shows that.
//
// Configuration is from the environment (and a .env file): see config.go and
// the README. Without DASHBOARD_PASSWORD it listens on loopback only.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/superfly/fly-go/tokens"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/internal/auth"
	"github.com/flydash/dashboard/internal/web/reqmetrics"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/views"
)

// Timeouts. A page waits on Fly's APIs in parallel, each read or query
// bounded by pageTimeout: under a hung upstream a page still answers within
// about 5 s, saying what failed, before a person gives up on a blank tab
// (docs/design.md, "Upstream faults"). Writes to the Machines API (create an app,
// launch a machine) keep upstreamTimeout. writeTimeout leaves room for a
// few calls in a row. shutdownTimeout stays under fly.toml's
// kill_timeout (30 s), after which Fly kills the machine anyway; the
// admission queue (two rounds of pages, each within pageTimeout, sooner
// once a breaker knows an upstream is down) drains well inside it.
var (
	// Variables only so that tests can give a slow run's deadlines.
	pageTimeout     = 5 * time.Second
	upstreamTimeout = 10 * time.Second
)

const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 25 * time.Second
)

func main() {
	if err := loadDotEnv(); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
	if err := run(context.Background(), os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "dashboard:", err)
		os.Exit(1)
	}
}

// gcPercent is how far the heap grows past what is live before the next
// collection, unless GOGC says otherwise. Half of the live heap is the
// query cache, which lives for a step and needs no room to grow: 60
// instead of Go's 100 took the peak under 50 users from 61.5 MB to 54.4
// (median of 3) for about 5% more CPU per page (BENCHMARKS.md).
const gcPercent = 60

// run serves the dashboard until ctx ends or the process gets SIGINT or
// SIGTERM (how Fly stops a machine), then lets requests in flight finish.
// Logs go to logw. ready, when set, learns the bound addresses (metrics is
// nil without METRICS_ADDR) once connections are accepted.
func run(ctx context.Context, getenv func(string) string, logw io.Writer, ready func(dashboard, metrics net.Addr)) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(logw, cfg.LogFormat, cfg.secrets)
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	demo := cfg.Demo()
	if demo {
		stopSim, err := startDemo(&cfg, log) // demo.go
		if err != nil {
			return err
		}
		defer stopSim()
	}

	fly, err := flyapi.New(ctx, flyapi.Config{Token: cfg.Token, Org: cfg.Org, BaseURL: cfg.FlapsBaseURL, APIBaseURL: cfg.APIBaseURL, Timeout: upstreamTimeout, ReadTimeout: pageTimeout})
	if err != nil {
		return err
	}
	prom, err := promql.NewClient(promql.Config{URL: cfg.PrometheusURL, AuthHeader: tokens.Parse(cfg.Token).FlapsHeader(), Timeout: pageTimeout})
	if err != nil {
		return err
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	)
	registry.MustRegister(prom.Collectors()...)
	registry.MustRegister(fly.Collectors()...)

	signIn := auth.Config{PasswordHash: cfg.PasswordHash, SessionKey: cfg.SessionKey}
	if cfg.OnFly {
		signIn.ClientIPHeader = "Fly-Client-IP"
	}
	handler, err := views.New(views.Config{
		Fly: fly, Prom: prom, Demo: demo, Logger: log,
		// Browsers keep Secure cookies only over HTTPS: plain HTTP is for
		// this machine alone.
		SecureCookies: !cfg.Loopback,
		Auth:          signIn,
		Metrics:       registry,
	})
	if err != nil {
		return err
	}

	servers := []*http.Server{newServer(handler, log)}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set LISTEN_ADDR or PORT to a free address)", cfg.ListenAddr, err)
	}
	listeners := []net.Listener{ln}
	var metricsAddr net.Addr
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w (set METRICS_ADDR to a free address)", cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", reqmetrics.Handler(registry))
		servers = append(servers, newServer(mux, log))
		listeners = append(listeners, mln)
		metricsAddr = mln.Addr()
	}

	switch {
	case cfg.PasswordHash == nil:
		log.Info("no DASHBOARD_PASSWORD: open to anyone on this machine, and only to them")
	case cfg.SessionKeyEphemeral:
		log.Warn("SESSION_SECRET is not set: sessions are signed with a random key and end when the dashboard restarts")
	}
	log.Info("dashboard listening", "url", "http://"+ln.Addr().String(), "org", cfg.Org, "demo", demo,
		"sign_in", cfg.PasswordHash != nil, "metrics", addrString(metricsAddr))

	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	if ready != nil {
		ready(ln.Addr(), metricsAddr)
	}
	select {
	case err := <-errc:
		for _, srv := range servers {
			srv.Close()
		}
		return err
	case <-ctx.Done():
	}

	// Stop listening at once (new connections are refused), let every
	// request accepted finish, those queued for admission included.
	log.Info("shutting down: finishing requests in flight", "within", shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var cut atomic.Bool
	for _, srv := range servers {
		wg.Go(func() {
			if err := srv.Shutdown(shutdownCtx); err != nil {
				srv.Close()
				cut.Store(true)
			}
		})
	}
	wg.Wait()
	if cut.Load() {
		log.Warn("requests still running after the shutdown timeout were cut off", "timeout", shutdownTimeout)
	}
	log.Info("stopped")
	return nil
}

func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func addrString(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}

// newLogger writes text or JSON lines to w. Whatever a log line carries,
// the token, the password and the session secret come out as [redacted]:
// a safety net under code that already never logs them.
func newLogger(w io.Writer, format string, secrets []string) *slog.Logger {
	opts := &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if len(secrets) == 0 {
			return a
		}
		var s string
		switch v := a.Value.Any().(type) {
		case string:
			s = v
		case error:
			s = v.Error()
		case fmt.Stringer:
			s = v.String()
		default:
			return a
		}
		if r := redact(s, secrets); r != s {
			return slog.String(a.Key, r)
		}
		return a
	}}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}
