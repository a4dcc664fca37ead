package views

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/flyapi"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// layout is what every page shows around its content.
type layout struct {
	Title string
	Demo  bool
	Org   string
	Flash string
	// Refresh, when set, reloads the page after that many seconds, without
	// JavaScript (a meta refresh).
	Refresh int
	// Nav marks the current section for aria-current.
	Nav string
	// SignedIn shows the logout button.
	SignedIn bool
	// Bare hides the navigation, on pages shown before sign-in.
	Bare bool
	// Notices say once, at the top, which upstream failed and how
	// (upstream_status.go).
	Notices []notice
}

// templates holds one parsed set per page: the shared layout plus the page.
type templates map[string]*template.Template

var funcs = template.FuncMap{
	"ago":         ago,
	"utc":         func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"rfc3339":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join":        strings.Join,
	"lower":       strings.ToLower,
	"add":         func(a, b int) int { return a + b },
	"rfc3339nano": func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
	"logTime":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") },
	// Log links of the app page's machines and events (logs_href.go).
	"machineLogs": func(app, id string) string { return logsHref(app, time.Time{}, "", id) },
	"eventLogs":   func(app string, at time.Time, id string) string { return logsHref(app, at, "", id) },
}

func loadTemplates() (templates, error) {
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := templates{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		tmpl, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", p)
		if err != nil {
			return nil, fmt.Errorf("views: parse %s: %w", p, err)
		}
		t[name] = tmpl
	}
	return t, nil
}

// render executes the page into a buffer first, so a template error becomes
// an error page instead of half a page.
func (s *server) render(c *gin.Context, status int, page string, data any) {
	tmpl, ok := s.tmpl[page]
	if !ok {
		s.log.Error("unknown template", "page", page)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := tmpl.Execute(buf, data); err != nil {
		s.log.Error("render", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "internal error: the page could not be drawn")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// errorPage is the page every refusal and failure gets.
type errorPage struct {
	layout
	Status  int
	Heading string
	Message string
	// Retry is a link that may work now (the same URL, usually).
	Retry string
	// Back leads to where the person was: the app, at its default range,
	// for anything under /apps/{name}; the list otherwise.
	Back, BackTo string
}

// fail answers with an error page linking back to the app the URL names.
func (s *server) fail(c *gin.Context, status int, heading, message string) {
	p := errorPage{layout: s.layout(c, heading), Status: status, Heading: heading, Message: message, Back: "/", BackTo: "apps"}
	if name := c.Param("name"); flyapi.ValidAppName(name) {
		p.Back, p.BackTo = "/apps/"+name, name
	}
	s.failWith(c, p)
}

// failNoApp is fail for a URL naming an app that does not exist: back to
// the list, never to the missing app.
func (s *server) failNoApp(c *gin.Context, status int, heading, message string) {
	s.failWith(c, errorPage{layout: s.layout(c, heading), Status: status, Heading: heading, Message: message, Back: "/", BackTo: "apps"})
}

func (s *server) failWith(c *gin.Context, p errorPage) {
	if p.Status >= 500 || p.Status == http.StatusGatewayTimeout {
		p.Retry = c.Request.URL.RequestURI()
	}
	s.render(c, p.Status, "error", p)
}

func (s *server) layout(c *gin.Context, title string) layout {
	l := layout{Title: title, Demo: s.demo, Org: s.org}
	if f, err := c.Cookie(flashCookie); err == nil && f != "" {
		if v, err := url.QueryUnescape(f); err == nil {
			l.Flash = v
		}
		c.SetCookie(flashCookie, "", -1, "/", "", s.secureCookies, true)
	}
	if v, ok := c.Get(signedInKey); ok {
		l.SignedIn, _ = v.(bool)
	}
	return l
}

const flashCookie = "flash"

// signedInKey is set in the gin context by the authentication middleware.
const signedInKey = "signed_in"

// flash leaves a one-line message for the next page.
func (s *server) flash(c *gin.Context, msg string) {
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(flashCookie, url.QueryEscape(msg), 60, "/", "", s.secureCookies, true)
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	d := time.Since(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}
