// Package secure sets the headers every dashboard response carries and
// bounds request bodies.
package secure

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// PageCSP is the policy of every page: no script at all, styles and images
// only from the dashboard itself (data: for the favicon fallback and inline
// SVG markers), no framing, no <base>, forms post only here.
const PageCSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'none'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// ExploreCSP adds what the explore view's script needs: its own file from
// /static and fetching chart data from here. Nothing inline, nothing remote.
const ExploreCSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Headers are the headers every response carries. Handlers may replace the
// CSP for what they serve (the standalone chart SVG does) and
// Cache-Control for what may be cached.
type Headers struct {
	// RouteCSP loosens the policy per route pattern (gin's FullPath), so
	// one page's needs never weaken the others.
	RouteCSP map[string]string
	// HSTS sends Strict-Transport-Security: browsers honour it only over
	// HTTPS, which is when cookies are Secure (Fly's proxy terminates TLS).
	HSTS bool
}

// Set writes the headers for a response to route (a pattern) at path.
func (s Headers) Set(h http.Header, route, path string) {
	csp, ok := s.RouteCSP[route]
	if !ok {
		csp = PageCSP
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// A private dashboard: no page, image or data file belongs in a search
	// index, wherever a crawler found the link (see robots.txt).
	h.Set("X-Robots-Tag", "noindex, nofollow")
	if s.HSTS {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	// Pages show an org's apps: no copy should outlive the session, nor
	// reappear with the back button after signing out. Static assets are
	// public and cacheable.
	if !strings.HasPrefix(path, "/static/") && path != "/static-charts.css" {
		h.Set("Cache-Control", "no-store")
	}
}

// Handler is Set as gin middleware.
func (s Headers) Handler(c *gin.Context) {
	s.Set(c.Writer.Header(), c.FullPath(), c.Request.URL.Path)
	c.Next()
}

// MaxBody bounds request bodies: the dashboard's forms are a few short
// fields, and the sign-in form is open to anyone.
const MaxBody = 64 << 10

// LimitBody makes reading past MaxBody fail; the form then reads as empty
// and the handler refuses it like any other bad input.
func LimitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody)
	}
	c.Next()
}
