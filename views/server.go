// Package views is the dashboard's web layer: Gin handlers, one file per page
// or action, rendering embedded html/template views. It reads the request,
// makes the calls to flyapi and promql, and draws with charts.
package views

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/internal/auth"
	"github.com/flydash/dashboard/internal/breaker"
	"github.com/flydash/dashboard/internal/web/admission"
	"github.com/flydash/dashboard/internal/web/compress"
	"github.com/flydash/dashboard/internal/web/reqmetrics"
	"github.com/flydash/dashboard/internal/web/secure"
	"github.com/flydash/dashboard/promql"
)

// Config is what the web layer needs.
type Config struct {
	Fly  *flyapi.Client
	Prom *promql.Client
	// Demo marks the simulated org: every page says so.
	Demo   bool
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SecureCookies sets the Secure flag on cookies; on for anything but
	// plain-HTTP loopback use.
	SecureCookies bool
	// Auth is the dashboard's own sign-in (internal/auth); its zero value
	// leaves every page open.
	Auth auth.Config
	// Metrics, when set, gets the request histogram and is served at
	// /metrics (behind sign-in like any page).
	Metrics *prometheus.Registry
	// Admission bounds the pages and chart files in flight; its zero value
	// is sized from the machine.
	Admission admission.Config
}

type server struct {
	fly           *flyapi.Client
	launcher      *flyapi.Launcher
	prom          *promql.Client
	demo          bool
	org           string
	log           *slog.Logger
	now           func() time.Time
	tmpl          templates
	secureCookies bool
	auth          *auth.Sessions
	cop           *http.CrossOriginProtection
	requests      *reqmetrics.Metrics
	headers       secure.Headers
	metrics       *prometheus.Registry
	admission     *admission.Limiter
	static        *compress.Files
	busy          busyPages
}

// New returns the dashboard's HTTP handler.
func New(cfg Config) (http.Handler, error) {
	tmpl, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	s := &server{
		fly:           cfg.Fly,
		launcher:      flyapi.NewLauncher(cfg.Fly),
		prom:          cfg.Prom,
		demo:          cfg.Demo,
		org:           cfg.Fly.Org(),
		log:           cfg.Logger,
		now:           cfg.Now,
		tmpl:          tmpl,
		secureCookies: cfg.SecureCookies,
		admission:     admission.New(cfg.Admission),
		static:        compress.NewFiles(staticFiles()),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.auth, err = auth.New(cfg.Auth, cfg.SecureCookies, s.now); err != nil {
		return nil, err
	}
	if s.busy, err = s.drawBusyPages(); err != nil {
		return nil, err
	}
	s.cop = http.NewCrossOriginProtection()
	s.headers = secure.Headers{RouteCSP: routeCSP, HSTS: cfg.SecureCookies}
	if cfg.Metrics != nil {
		if s.requests, err = reqmetrics.New(cfg.Metrics); err != nil {
			return nil, err
		}
		s.metrics = cfg.Metrics
		for _, c := range s.admission.Collectors() {
			if err = cfg.Metrics.Register(c); err != nil {
				return nil, err
			}
		}
	}
	a := s.admission.Config()
	s.log.Info("admission", "pages_in_flight", a.Limit, "queue", a.Queue, "retry_after", a.RetryAfter)
	health := http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
	s.headers.Set(health, "/healthz", "/healthz")
	return healthz(health, s.routes()), nil
}

func (s *server) routes() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	if s.requests != nil {
		r.Use(s.requests.Observe)
	}
	r.Use(s.recoverPanics, s.logRequests, s.headers.Handler, secure.LimitBody, s.crossOrigin, s.requireSession)
	r.NoRoute(func(c *gin.Context) {
		s.publicFail(c, http.StatusNotFound, "Page not found", "There is nothing at "+truncateInput(c.Request.URL.Path)+".")
	})
	r.NoMethod(func(c *gin.Context) {
		s.publicFail(c, http.StatusMethodNotAllowed, "Method not allowed", c.Request.Method+" is not accepted here.")
	})

	r.GET("/static/*filepath", s.staticFile)
	r.GET("/static-charts.css", s.chartsCSS)
	r.GET("/robots.txt", s.robots)
	if s.auth.Enabled() {
		r.GET("/login", s.showLogin)
		r.POST("/login", s.login)
		r.POST("/logout", s.logout)
	}
	if s.metrics != nil {
		r.GET("/metrics", gin.WrapH(reqmetrics.Handler(s.metrics)))
	}

	// Pages and chart files pass admission (admission.go); the health
	// check, static files and the forms above do not.
	r.GET("/", s.admit, s.listApps)
	r.GET("/apps/new", s.newApp)
	r.POST("/apps", s.createApp)
	r.GET("/apps/:name", s.admit, s.showApp)
	r.GET("/apps/:name/launch", s.showLaunch)
	r.POST("/apps/:name/launch", s.retryLaunch)
	r.GET("/apps/:name/destroy", s.confirmDestroy)
	r.POST("/apps/:name/destroy", s.destroyApp)
	r.GET("/apps/:name/logs", s.admit, s.showLogs)
	r.GET("/apps/:name/charts/:file", s.admit, s.showChartFile)
	r.GET("/apps/:name/explore/:chart", s.admit, s.showExplore)
	return compress.Handler(r)
}

func (s *server) logRequests(c *gin.Context) {
	start := time.Now()
	ctx, waits := breaker.WithWaits(c.Request.Context())
	c.Request = c.Request.WithContext(ctx)
	c.Next()
	// The query string can carry anything a person pasted; the path and
	// status are enough to follow a request. The token is never in either.
	// What it waited on each upstream says where its time went, and that
	// an upstream known to be down cost it none.
	attrs := append([]slog.Attr{slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()), slog.Time("start", start), slog.Int64("duration_ms", time.Since(start).Milliseconds())},
		waits.Attrs()...)
	s.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", attrs...)
}

func (s *server) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic", "path", c.Request.URL.Path, "panic", v)
			if !c.Writer.Written() {
				s.fail(c, http.StatusInternalServerError, "Something broke", "The dashboard hit a bug drawing this page. It has been logged.")
			}
			c.Abort()
		}
	}()
	c.Next()
}
