// Package views is the dashboard's web layer: Gin handlers, one file per page
// or action, rendering embedded html/template views. It reads the request,
// makes the calls to flyapi and promql, and draws with charts.
package views

import (
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flydash/dashboard/flyapi"
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
	// Auth is the dashboard's own sign-in (auth.go); its zero value leaves
	// every page open.
	Auth Auth
	// Metrics, when set, gets the request histogram and is served at
	// /metrics (behind sign-in like any page).
	Metrics *prometheus.Registry
	// Admission bounds the pages and chart files in flight (admission.go);
	// its zero value is sized from the machine.
	Admission Admission
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
	auth          *authenticator
	cop           *http.CrossOriginProtection
	requests      *requestMetrics
	metrics       *prometheus.Registry
	admission     *admitter
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
		admission:     newAdmitter(cfg.Admission),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.auth, err = newAuthenticator(cfg.Auth, cfg.SecureCookies, s.now); err != nil {
		return nil, err
	}
	s.cop = http.NewCrossOriginProtection()
	if cfg.Metrics != nil {
		if s.requests, err = newRequestMetrics(cfg.Metrics); err != nil {
			return nil, err
		}
		s.metrics = cfg.Metrics
		if err = s.admission.register(cfg.Metrics); err != nil {
			return nil, err
		}
	}
	a := s.admission.cfg
	s.log.Info("admission", "pages_in_flight", a.Limit, "queue", a.Queue, "wait", a.Wait, "retry_after", a.RetryAfter)
	return s.routes(), nil
}

func (s *server) routes() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	if s.requests != nil {
		r.Use(s.requests.observe)
	}
	r.Use(gzipResponses)
	r.Use(s.recoverPanics, s.logRequests, s.securityHeaders, limitBody, s.crossOrigin, s.requireSession)
	r.NoRoute(func(c *gin.Context) {
		s.publicFail(c, http.StatusNotFound, "Page not found", "There is nothing at "+truncateInput(c.Request.URL.Path)+".")
	})
	r.NoMethod(func(c *gin.Context) {
		s.publicFail(c, http.StatusMethodNotAllowed, "Method not allowed", c.Request.Method+" is not accepted here.")
	})

	static, _ := fs.Sub(staticFS, "static")
	r.StaticFS("/static", http.FS(static))
	r.GET("/static-charts.css", s.chartsCSS)
	r.GET("/healthz", s.healthz)
	r.GET("/robots.txt", s.robots)
	if s.auth.enabled() {
		r.GET("/login", s.showLogin)
		r.POST("/login", s.login)
		r.POST("/logout", s.logout)
	}
	if s.metrics != nil {
		r.GET("/metrics", metricsHandler(s.metrics))
	}

	// Pages and chart files pass admission (admission.go); the health
	// check, static files and the forms above do not.
	r.GET("/", s.admit, s.listApps)
	r.GET("/apps/new", s.newApp)
	r.POST("/apps", s.createApp)
	r.GET("/apps/:name", s.admit, s.showApp)
	r.GET("/apps/:name/launch", s.showLaunch)
	r.POST("/apps/:name/launch", s.retryLaunch)
	r.POST("/apps/:name/destroy", s.destroyApp)
	r.GET("/apps/:name/charts/:file", s.admit, s.showChartFile)
	r.GET("/apps/:name/explore/:chart", s.admit, s.showExplore)
	return r
}

func (s *server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	// The query string can carry anything a person pasted; the path and
	// status are enough to follow a request. The token is never in either.
	s.log.Info("request", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds())
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
