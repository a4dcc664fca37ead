package views

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// pageCSP is the policy of every page: no script at all, styles and images
// only from the dashboard itself (data: for the favicon fallback and inline
// SVG markers), no framing, no <base>, forms post only here.
const pageCSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'none'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// exploreCSP adds what the explore view's script needs: its own file from
// /static and fetching chart data from here. Nothing inline, nothing remote.
const exploreCSP = "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// routeCSP loosens the policy per route pattern (gin's FullPath), so one
// page's needs never weaken the others.
var routeCSP = map[string]string{
	"/apps/:name/explore/:chart": exploreCSP,
}

// securityHeaders sets the headers every response carries. Handlers may
// replace the CSP for what they serve (the standalone chart SVG does) and
// Cache-Control for what may be cached.
func (s *server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	csp, ok := routeCSP[c.FullPath()]
	if !ok {
		csp = pageCSP
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// A private dashboard: no page, image or data file belongs in a search
	// index, wherever a crawler found the link (see robots.go).
	h.Set("X-Robots-Tag", "noindex, nofollow")
	if s.secureCookies {
		// Browsers honour it only over HTTPS, which is when cookies are
		// Secure: Fly's proxy terminates TLS in front of us.
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	// Pages show an org's apps: no copy should outlive the session, nor
	// reappear with the back button after signing out. Static assets are
	// public and cacheable.
	p := c.Request.URL.Path
	if !strings.HasPrefix(p, "/static/") && p != "/static-charts.css" {
		h.Set("Cache-Control", "no-store")
	}
	c.Next()
}

// crossOrigin refuses state-changing requests sent by another site's page,
// using net/http's CrossOriginProtection (Sec-Fetch-Site, else Origin against
// Host). It runs as middleware rather than wrapping the handler so the
// refusal is a proper page with the same headers and metrics as any other.
func (s *server) crossOrigin(c *gin.Context) {
	if err := s.cop.Check(c.Request); err != nil {
		s.log.Warn("cross-origin request refused", "method", c.Request.Method, "path", c.Request.URL.Path)
		s.publicFail(c, http.StatusForbidden, "Cross-origin request refused",
			"This form was sent from another site, so the dashboard refused it. Nothing was changed.")
		c.Abort()
		return
	}
	c.Next()
}

// maxBodyBytes bounds request bodies: the dashboard's forms are a few short
// fields, and the sign-in form is open to anyone.
const maxBodyBytes = 64 << 10

// limitBody makes reading past maxBodyBytes fail; the form then reads as
// empty and the handler refuses it like any other bad input.
func limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
	}
	c.Next()
}
