package views

import (
	"net/http"
	"strings"
	"testing"
)

// TestRobots: a private dashboard asks not to be indexed. /robots.txt
// disallows everything and is reachable without signing in (a crawler has
// no session); every response, pages and chart images alike, carries
// X-Robots-Tag for crawlers that skip robots.txt.
func TestRobots(t *testing.T) {
	t.Parallel()
	s := newAuthStack(t, authStackOptions{})
	status, body, h := s.get(t, "/robots.txt")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("/robots.txt: %d %q, want 200 text/plain without a session", status, h.Get("Content-Type"))
	}
	if !strings.Contains(body, "User-agent: *\n") || !strings.Contains(body, "Disallow: /\n") {
		t.Errorf("/robots.txt is %q, want every agent disallowed from /", body)
	}
	s.signIn(t)
	for _, path := range []string{"/robots.txt", "/login", "/?range=1h", "/apps/blog/charts/cpu.svg?range=1h", "/static/app.css", "/nowhere"} {
		_, _, h := s.get(t, path)
		if got := h.Get("X-Robots-Tag"); got != "noindex, nofollow" {
			t.Errorf("GET %s: X-Robots-Tag %q, want noindex, nofollow", path, got)
		}
	}
}
