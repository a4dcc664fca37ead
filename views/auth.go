package views

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// requireSession lets a signed-in request through and marks it so for the
// layout. Without a session, a GET goes to the sign-in page and comes back
// afterwards; anything else is refused, since it would change something.
func (s *server) requireSession(c *gin.Context) {
	if !s.auth.Enabled() {
		c.Next()
		return
	}
	if _, ok := s.auth.Session(c.Request); ok {
		c.Set(signedInKey, true)
		c.Next()
		return
	}
	if publicPath(c.Request.Method, c.Request.URL.Path) {
		c.Next()
		return
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead:
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
	default:
		s.publicFail(c, http.StatusForbidden, "Sign in first",
			"Your session has ended or you have not signed in, so nothing was changed. Sign in, then try again.")
	}
	c.Abort()
}

// publicPath is what anyone may reach: the sign-in page, Fly's health
// check, robots.txt (a crawler has no session), the stylesheets and icon
// the sign-in page itself needs, and signing out (a stale page may still
// show the button).
func publicPath(method, p string) bool {
	switch p {
	case "/login", "/healthz", "/static-charts.css", "/robots.txt":
		return true
	case "/logout":
		return method == http.MethodPost
	}
	// Only clean paths: "/static/../apps" is not a static file.
	return strings.HasPrefix(p, "/static/") && path.Clean(p) == p
}

// publicFail is the error page for someone who may not be signed in: it
// names the org only to a signed-in person. The router's not-found and
// method-not-allowed pages use it too, since public paths reach them.
func (s *server) publicFail(c *gin.Context, status int, heading, message string) {
	l := s.layout(c, heading)
	if !l.SignedIn {
		if _, ok := s.auth.Session(c.Request); ok {
			l.SignedIn = true
		} else if s.auth.Enabled() {
			l.Org, l.Bare = "", true
		}
	}
	p := errorPage{layout: l, Status: status, Heading: heading, Message: message, Back: "/"}
	s.render(c, status, "error", p)
}

// localPath returns next when it is a path on this site, else "/". It must
// not become an open redirect: "//evil.example" and "/\evil.example" are
// other hosts to a browser.
func localPath(next string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	if u.Path == "/login" || u.Path == "/logout" {
		return "/"
	}
	return next
}
