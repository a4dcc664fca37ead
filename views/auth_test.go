package views

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/flydash/dashboard/flysim"

	"github.com/flydash/dashboard/internal/web/secure"
)

const authTestPassword = "correct horse battery staple"

// authTestHash is computed once: bcrypt at its minimum cost still takes a
// few milliseconds, and every auth stack needs it.
var authTestHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte(authTestPassword), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return h
})

// testClock is a clock a test moves by hand.
type testClock struct{ t atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.t.Store(time.Now().UnixNano())
	return c
}
func (c *testClock) Now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *testClock) Advance(d time.Duration) { c.t.Add(int64(d)) }

type authStackOptions struct {
	stackOptions
	Auth  func(*Auth)
	Clock *testClock
}

// newAuthStack is the in-process stack with the dashboard password on.
func newAuthStack(t testing.TB, o authStackOptions) *stack {
	t.Helper()
	configure := o.Configure
	o.Configure = func(c *Config) {
		c.Auth = Auth{PasswordHash: authTestHash(), SessionKey: []byte(strings.Repeat("k", 32))}
		if o.Auth != nil {
			o.Auth(&c.Auth)
		}
		if o.Clock != nil {
			c.Now = o.Clock.Now
		}
		if configure != nil {
			configure(c)
		}
	}
	return newStack(t, o.stackOptions)
}

// signIn posts the password and checks a session starts.
func (s *stack) signIn(t testing.TB) {
	t.Helper()
	status, body, hdr := s.post(t, "/login", url.Values{"password": {authTestPassword}, "next": {"/"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/" {
		t.Fatalf("sign in: %d to %q\n%s", status, hdr.Get("Location"), body)
	}
}

func (s *stack) sessionCookie(t testing.TB) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(s.URL)
	for _, c := range s.Client.Jar.Cookies(u) {
		if c.Name == sessionCookiePlain {
			return c
		}
	}
	return nil
}

func TestSignInRequired(t *testing.T) {
	t.Parallel()
	const org = "secret-org-slug"
	s := newAuthStack(t, authStackOptions{stackOptions: stackOptions{Sim: flysim.Options{Org: org}}})

	// Every page, and paths that do not exist (which must not tell), go to
	// the sign-in page and come back afterwards.
	for path, next := range map[string]string{
		"/":                                 "/",
		"/apps/storefront?range=6h":         "/apps/storefront?range=6h",
		"/apps/new":                         "/apps/new",
		"/apps/storefront/charts/cpu.svg":   "/apps/storefront/charts/cpu.svg",
		"/apps/storefront/charts/cpu.csv":   "/apps/storefront/charts/cpu.csv",
		"/apps/storefront/launch":           "/apps/storefront/launch",
		"/nowhere":                          "/nowhere",
		"/metrics":                          "/metrics",
		"/apps/storefront/explore/requests": "/apps/storefront/explore/requests",
	} {
		status, body, hdr := s.get(t, path)
		want := "/login?next=" + url.QueryEscape(next)
		if status != http.StatusSeeOther || hdr.Get("Location") != want {
			t.Errorf("GET %s without a session: %d to %q, want 303 to %q", path, status, hdr.Get("Location"), want)
		}
		if strings.Contains(body, org) {
			t.Errorf("GET %s without a session names the org", path)
		}
	}
	// What the sign-in page and Fly's health check need stays public.
	for _, path := range []string{"/healthz", "/static/app.css", "/static/favicon.svg", "/static-charts.css", "/login"} {
		if status, _, _ := s.get(t, path); status != http.StatusOK {
			t.Errorf("GET %s without a session: %d, want 200", path, status)
		}
	}
	_, body, _ := s.get(t, "/login?next=%2Fapps%2Fstorefront")
	if !strings.Contains(body, `type="password"`) || !strings.Contains(body, `name="next" value="/apps/storefront"`) {
		t.Errorf("sign-in page lacks the form or the way back:\n%s", body)
	}
	if strings.Contains(body, org) {
		t.Errorf("the sign-in page names the org %q to anyone", org)
	}
	if strings.Contains(body, "Sign out") {
		t.Error("the sign-in page offers to sign out")
	}

	// Refusals do not name the org either, whoever asks.
	_, body, _ = s.post(t, "/apps/blog/destroy", url.Values{"confirm": {"blog"}})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/apps/blog/destroy", strings.NewReader("confirm=blog"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := s.Client.Do(req); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body += string(b)
	}
	if strings.Contains(body, org) {
		t.Errorf("a refusal names the org %q to anyone", org)
	}

}

// TestUnauthenticatedActionsRefused: no POST changes anything without a
// valid session, whatever cookie it brings.
func TestUnauthenticatedActionsRefused(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := newAuthStack(t, authStackOptions{Clock: clock})
	fleet := s.Sim.Sim.Fleet()

	s.signIn(t)
	good := s.sessionCookie(t)
	if good == nil {
		t.Fatal("no session cookie after signing in")
	}
	tampered := *good
	tampered.Value = strings.Replace(good.Value, "v1.", "v1.9", 1) // a later expiry, same MAC
	forged := *good
	forged.Value = "v1.99999999999.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

	u, _ := url.Parse(s.URL)
	for _, tc := range []struct {
		name   string
		cookie *http.Cookie
	}{
		{"no cookie", nil},
		{"tampered expiry", &tampered},
		{"forged", &forged},
		{"garbage", &http.Cookie{Name: sessionCookiePlain, Value: "%%%.."}},
	} {
		s.Client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookiePlain, Value: "", MaxAge: -1}})
		if tc.cookie != nil {
			s.Client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookiePlain, Value: tc.cookie.Value}})
		}
		status, body, _ := s.post(t, "/apps/storefront/destroy", url.Values{"confirm": {"storefront"}})
		if status != http.StatusForbidden || !strings.Contains(body, "Sign in first") {
			t.Errorf("%s: destroy answered %d, want 403 with a sign-in message", tc.name, status)
		}
		status, _, _ = s.post(t, "/apps", url.Values{"name": {"sneaky-app"}, "image": {"flyio/hellofly:latest"}, "region": {"ams"}})
		if status != http.StatusForbidden {
			t.Errorf("%s: launch answered %d, want 403", tc.name, status)
		}
	}
	if _, err := fleet.App("storefront"); err != nil {
		t.Fatalf("storefront was destroyed without a session: %v", err)
	}
	if _, err := fleet.App("sneaky-app"); err == nil {
		t.Fatal("an app was created without a session")
	}

	// An oversized form is not read at all: this launch is valid but for
	// its padding, and creates nothing.
	s.Client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookiePlain, Value: good.Value}})
	status, _, _ := s.post(t, "/apps", url.Values{"name": {"padded-app"}, "image": {"flyio/hellofly:latest"}, "region": {"ams"},
		"pad": {strings.Repeat("x", secure.MaxBody)}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("oversized launch form: %d, want 422", status)
	}
	if _, err := fleet.App("padded-app"); err == nil {
		t.Error("an oversized form launched an app")
	}

	// A session past its expiry is refused too.
	s.Client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookiePlain, Value: good.Value}})
	if status, _, _ := s.get(t, "/"); status != http.StatusOK {
		t.Fatalf("the good session does not work: %d", status)
	}
	clock.Advance(DefaultSessionTTL + time.Minute)
	if status, _, hdr := s.get(t, "/"); status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/login") {
		t.Errorf("expired session: %d to %q, want a redirect to sign in", status, hdr.Get("Location"))
	}
	if status, _, _ := s.post(t, "/apps/storefront/destroy", url.Values{"confirm": {"storefront"}}); status != http.StatusForbidden {
		t.Errorf("expired session destroy: %d, want 403", status)
	}
	if _, err := fleet.App("storefront"); err != nil {
		t.Fatalf("storefront was destroyed with an expired session: %v", err)
	}
}

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := newAuthStack(t, authStackOptions{Clock: clock})

	status, body, hdr := s.post(t, "/login", url.Values{"password": {"not the password"}, "next": {"/apps/blog"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "That password is not right.") {
		t.Errorf("wrong password: %d, want 401 saying so", status)
	}
	if hdr.Get("Set-Cookie") != "" && strings.Contains(hdr.Get("Set-Cookie"), sessionCookiePlain) {
		t.Error("a wrong password set a session cookie")
	}
	if !strings.Contains(body, `name="next" value="/apps/blog"`) {
		t.Error("the retry form lost where the person was going")
	}

	status, _, hdr = s.post(t, "/login", url.Values{"password": {authTestPassword}, "next": {"/apps/blog?range=6h"}})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/apps/blog?range=6h" {
		t.Fatalf("sign in: %d to %q, want 303 back to the page", status, hdr.Get("Location"))
	}
	set := hdr.Get("Set-Cookie")
	for _, attr := range []string{sessionCookiePlain + "=", "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age="} {
		if !strings.Contains(set, attr) {
			t.Errorf("session cookie %q lacks %s", set, attr)
		}
	}
	stolen := s.sessionCookie(t)

	status, body, _ = s.get(t, "/")
	if status != http.StatusOK || !strings.Contains(body, `action="/logout"`) || !strings.Contains(body, "storefront") {
		t.Fatalf("list after signing in: %d, want the apps and a sign-out button", status)
	}
	// Already signed in: the sign-in page moves on.
	if status, _, hdr := s.get(t, "/login?next=%2Fapps%2Fnew"); status != http.StatusSeeOther || hdr.Get("Location") != "/apps/new" {
		t.Errorf("sign-in page when signed in: %d to %q", status, hdr.Get("Location"))
	}

	status, _, hdr = s.post(t, "/logout", nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/login" {
		t.Fatalf("sign out: %d to %q", status, hdr.Get("Location"))
	}
	if status, _, _ := s.get(t, "/"); status != http.StatusSeeOther {
		t.Errorf("after signing out, / answers %d, want a redirect", status)
	}
	_, body, _ = s.get(t, "/login")
	if !strings.Contains(body, "Signed out.") {
		t.Error("the sign-in page does not say the person signed out")
	}
	// Sessions are stateless, so every machine sharing SESSION_SECRET
	// answers the same: a copy of the cookie taken before signing out
	// works until it expires (docs/deploy.md),
	// and not after.
	u, _ := url.Parse(s.URL)
	s.Client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookiePlain, Value: stolen.Value}})
	if status, _, _ := s.get(t, "/"); status != http.StatusOK {
		t.Errorf("a copied session cookie answers %d after sign-out, want 200 until it expires", status)
	}
	clock.Advance(DefaultSessionTTL + time.Second)
	if status, _, _ := s.get(t, "/"); status != http.StatusSeeOther {
		t.Errorf("an expired session cookie still opens /: %d", status)
	}
}

func TestSignInRateLimited(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	s := newAuthStack(t, authStackOptions{Clock: clock, Auth: func(a *Auth) { a.ClientIPHeader = "Fly-Client-IP" }})
	attempt := func(ip, password string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/login",
			strings.NewReader(url.Values{"password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Fly-Client-IP", ip)
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	for i := range DefaultLoginBurst {
		if status, _, _ := attempt("203.0.113.7", "guess"); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, status)
		}
	}
	status, body, hdr := attempt("203.0.113.7", authTestPassword)
	if status != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" || !strings.Contains(body, "Too many sign-in attempts") {
		t.Fatalf("attempt past the burst: %d (Retry-After %q), want 429 even with the right password", status, hdr.Get("Retry-After"))
	}
	if strings.Contains(hdr.Get("Set-Cookie"), sessionCookiePlain) {
		t.Fatal("a rate-limited attempt started a session")
	}
	// Another client is not held back by the first one's guesses; the
	// same /64 counts as the same client.
	if status, _, _ := attempt("198.51.100.1", authTestPassword); status != http.StatusSeeOther {
		t.Errorf("another client: %d, want 303", status)
	}
	for range DefaultLoginBurst {
		attempt("2001:db8:1:2::1", "guess")
	}
	if status, _, _ := attempt("2001:db8:1:2:ffff::9", "guess"); status != http.StatusTooManyRequests {
		t.Errorf("same IPv6 /64: %d, want 429", status)
	}
	// A minute later the first client may try again.
	clock.Advance(time.Minute)
	if status, _, _ := attempt("203.0.113.7", authTestPassword); status != http.StatusSeeOther {
		t.Errorf("after waiting: %d, want 303", status)
	}
}

func TestSecureSessionCookie(t *testing.T) {
	t.Parallel()
	s := newAuthStack(t, authStackOptions{stackOptions: stackOptions{Configure: func(c *Config) { c.SecureCookies = true }}})
	loginPage := func(host, proto string) string {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/login", nil)
		req.Host = host
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		resp, err := s.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	const warning = "only kept over HTTPS"
	if !strings.Contains(loginPage("dash.example.com", ""), warning) {
		t.Error("no warning that a plain-HTTP sign-in cannot keep its cookie")
	}
	if strings.Contains(loginPage("dash.example.com", "https"), warning) || strings.Contains(loginPage("localhost:8080", ""), warning) {
		t.Error("a warning about plain HTTP behind an HTTPS proxy, or on localhost")
	}
	_, _, hdr := s.post(t, "/login", url.Values{"password": {authTestPassword}})
	set := hdr.Get("Set-Cookie")
	if !strings.HasPrefix(set, sessionCookieSecure+"=") || !strings.Contains(set, "; Secure") || !strings.Contains(set, "HttpOnly") {
		t.Errorf("session cookie %q: want the __Host- name, Secure and HttpOnly", set)
	}
	if hdr.Get("Strict-Transport-Security") == "" {
		t.Error("no Strict-Transport-Security with secure cookies")
	}
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                              "/",
		"/":                             "/",
		"/apps/blog?range=6h":           "/apps/blog?range=6h",
		"/apps/blog#x":                  "/apps/blog#x",
		"//evil.example":                "/",
		"//evil.example/apps":           "/",
		`/\evil.example`:                "/",
		"/\t/evil.example":              "/",
		"/\n/evil.example":              "/",
		"https://evil.example/":         "/",
		"javascript:alert(1)":           "/",
		"apps/blog":                     "/",
		"/login?next=//evil.example":    "/",
		"/logout":                       "/",
		"/%2F%2Fevil.example":           "/%2F%2Fevil.example", // a path on this host
		"/" + strings.Repeat("a", 3000): "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
