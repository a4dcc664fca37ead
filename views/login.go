package views

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

type loginPage struct {
	layout
	Next  string
	Error string
	// PlainHTTP warns that the Secure session cookie will not be kept
	// because the page arrived over plain HTTP.
	PlainHTTP bool
}

// showLogin shows the sign-in form; someone already signed in goes on to
// where they were heading.
func (s *server) showLogin(c *gin.Context) {
	next := localPath(c.Query("next"))
	if _, ok := s.auth.Session(c.Request); ok {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	s.renderLogin(c, http.StatusOK, next, "")
}

// login checks the password and starts a session. Attempts are limited per
// client before the password is even looked at.
func (s *server) login(c *gin.Context) {
	next := localPath(c.PostForm("next"))
	client := s.clientKey(c.Request)
	if ok, wait := s.auth.AllowLogin(client); !ok {
		secs := max(1, int(wait.Round(time.Second).Seconds()))
		s.log.Warn("sign-in rate limited", "client", client)
		c.Header("Retry-After", strconv.Itoa(secs))
		s.publicFail(c, http.StatusTooManyRequests, "Too many sign-in attempts",
			"Wait "+strconv.Itoa(secs)+" seconds, then try again.")
		return
	}
	if !s.auth.CheckPassword(c.PostForm("password")) {
		s.log.Warn("sign-in failed", "client", client)
		s.renderLogin(c, http.StatusUnauthorized, next, "That password is not right.")
		return
	}
	value, maxAge := s.auth.Issue()
	s.auth.SetCookie(c.Writer, value, maxAge)
	s.log.Info("signed in", "client", client)
	c.Redirect(http.StatusSeeOther, next)
}

func (s *server) renderLogin(c *gin.Context, status int, next, msg string) {
	l := s.layout(c, "Sign in")
	l.Org, l.Bare = "", true
	p := loginPage{layout: l, Next: next, Error: msg, PlainHTTP: s.auth.Secure() && !overHTTPS(c.Request)}
	s.render(c, status, "login", p)
}

// overHTTPS says whether the browser will keep a Secure cookie from this
// page: the connection was HTTPS, here or at the proxy in front, or the
// page is on localhost, which browsers treat as secure. The header is only
// a hint for a warning, never trusted for a decision.
func overHTTPS(r *http.Request) bool {
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.IsLoopback()
}

// clientKey is the rate-limit bucket of a request: its address, or its
// /64 for IPv6, where one host commonly owns the whole prefix.
func (s *server) clientKey(r *http.Request) string {
	raw := ""
	if h := s.auth.ClientIPHeader(); h != "" {
		raw = strings.TrimSpace(r.Header.Get(h))
	}
	if raw == "" {
		raw = r.RemoteAddr
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			raw = host
		}
	}
	addr, err := netip.ParseAddr(raw)
	if err != nil {
		// Everyone with an unreadable address shares one bucket.
		return "unknown"
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
