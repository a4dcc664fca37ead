package views

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"
)

// Auth configures the dashboard's own sign-in: one shared password, checked
// against a bcrypt hash, and a signed session cookie. Without a
// PasswordHash the dashboard is open, which cmd/dashboard allows only on a
// loopback address.
type Auth struct {
	// PasswordHash is a bcrypt hash of the dashboard password.
	PasswordHash []byte
	// SessionKey signs session cookies (HMAC-SHA256); at least 32 bytes.
	SessionKey []byte
	// SessionTTL is how long a sign-in lasts; zero means DefaultSessionTTL.
	SessionTTL time.Duration
	// ClientIPHeader names a header carrying the client's address, set by a
	// proxy in front (Fly's proxy sets Fly-Client-IP). Empty means the
	// connection's address. Only set it when every request comes through
	// that proxy: otherwise anyone can pick their own rate-limit bucket.
	ClientIPHeader string
	// LoginEvery and LoginBurst limit sign-in attempts per client: one more
	// every LoginEvery, up to LoginBurst at once. Zero means
	// DefaultLoginEvery and DefaultLoginBurst (5 a minute, 5 at once).
	LoginEvery time.Duration
	LoginBurst int
}

// Defaults for Auth's zero fields.
const (
	DefaultSessionTTL = 12 * time.Hour
	DefaultLoginEvery = 12 * time.Second // 5 a minute
	DefaultLoginBurst = 5
)

// Enabled reports whether a password is required.
func (a Auth) Enabled() bool { return len(a.PasswordHash) > 0 }

const (
	// The __Host- prefix makes browsers refuse the cookie unless it is
	// Secure, host-only and for path /, so a sibling subdomain cannot
	// plant or shadow it.
	sessionCookieSecure = "__Host-flydash_session"
	sessionCookiePlain  = "flydash_session"
	sessionVersion      = "v1"
	// globalLoginEvery bounds attempts from all clients together, so an
	// attacker spreading guesses over many addresses still gets few.
	globalLoginEvery = time.Second
	globalLoginBurst = 20
	// maxLimiters bounds the per-client table; beyond it attempts share
	// the global limiter only.
	maxLimiters = 10_000
)

// authenticator issues and checks sessions and rate-limits sign-ins.
type authenticator struct {
	cfg    Auth
	secure bool
	now    func() time.Time

	mu       sync.Mutex
	limiters map[string]*clientLimiter
	global   *rate.Limiter
	swept    time.Time
}

type clientLimiter struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

func newAuthenticator(cfg Auth, secure bool, now func() time.Time) (*authenticator, error) {
	if !cfg.Enabled() {
		return &authenticator{cfg: cfg, now: now}, nil
	}
	if _, err := bcrypt.Cost(cfg.PasswordHash); err != nil {
		return nil, fmt.Errorf("views: the password hash is not a bcrypt hash: %w", err)
	}
	if len(cfg.SessionKey) < 32 {
		return nil, errors.New("views: the session key must be at least 32 bytes")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.LoginEvery <= 0 {
		cfg.LoginEvery = DefaultLoginEvery
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = DefaultLoginBurst
	}
	return &authenticator{
		cfg:      cfg,
		secure:   secure,
		now:      now,
		limiters: map[string]*clientLimiter{},
		global:   rate.NewLimiter(rate.Every(globalLoginEvery), globalLoginBurst),
	}, nil
}

func (a *authenticator) enabled() bool { return a.cfg.Enabled() }

func (a *authenticator) cookieName() string {
	if a.secure {
		return sessionCookieSecure
	}
	return sessionCookiePlain
}

// checkPassword compares in constant time (bcrypt does).
func (a *authenticator) checkPassword(pw string) bool {
	// bcrypt looks at 72 bytes at most; refusing longer input keeps a
	// password with a different tail from matching.
	if len(pw) == 0 || len(pw) > 72 {
		return false
	}
	return bcrypt.CompareHashAndPassword(a.cfg.PasswordHash, []byte(pw)) == nil
}

// A session cookie is "v1.<expiry unix>.<id>.<mac>": the id names the
// session in logs and tests; the MAC covers everything before it. Nothing
// about a session is kept here, so every machine sharing SESSION_SECRET
// accepts and refuses exactly the same cookies.
func (a *authenticator) mac(payload string) []byte {
	m := hmac.New(sha256.New, a.cfg.SessionKey)
	m.Write([]byte("flydash session\x00" + payload))
	return m.Sum(nil)
}

func (a *authenticator) issue() (value string, maxAge int) {
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails
	exp := a.now().Add(a.cfg.SessionTTL).Unix()
	payload := sessionVersion + "." + strconv.FormatInt(exp, 10) + "." + base64.RawURLEncoding.EncodeToString(id[:])
	return payload + "." + base64.RawURLEncoding.EncodeToString(a.mac(payload)), int(a.cfg.SessionTTL.Seconds())
}

// verify returns the session id when value is a valid, unexpired session.
func (a *authenticator) verify(value string) (string, bool) {
	if len(value) > 200 {
		return "", false
	}
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		return "", false
	}
	payload, sig := value[:i], value[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, a.mac(payload)) {
		return "", false
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 || parts[0] != sessionVersion {
		return "", false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || !a.now().Before(time.Unix(exp, 0)) {
		return "", false
	}
	return parts[2], true
}

// session is the request's valid session id, if any.
func (a *authenticator) session(r *http.Request) (string, bool) {
	if !a.enabled() {
		return "", false
	}
	ck, err := r.Cookie(a.cookieName())
	if err != nil {
		return "", false
	}
	return a.verify(ck.Value)
}

func (a *authenticator) setCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     a.cookieName(),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   a.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// allowLogin spends one attempt for the client, and one from the shared
// budget. It is checked before bcrypt so guessing cannot burn CPU either.
func (a *authenticator) allowLogin(client string) (bool, time.Duration) {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.Sub(a.swept) > time.Minute {
		// A limiter idle long enough to have refilled is the same as a new one.
		idle := a.cfg.LoginEvery * time.Duration(a.cfg.LoginBurst)
		for k, l := range a.limiters {
			if now.Sub(l.lastSeen) > idle {
				delete(a.limiters, k)
			}
		}
		a.swept = now
	}
	l, ok := a.limiters[client]
	if !ok && len(a.limiters) < maxLimiters {
		l = &clientLimiter{lim: rate.NewLimiter(rate.Every(a.cfg.LoginEvery), a.cfg.LoginBurst)}
		a.limiters[client] = l
	}
	if l != nil {
		l.lastSeen = now
		r := l.lim.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			return false, d
		}
	}
	r := a.global.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// requireSession lets a signed-in request through and marks it so for the
// layout. Without a session, a GET goes to the sign-in page and comes back
// afterwards; anything else is refused, since it would change something.
func (s *server) requireSession(c *gin.Context) {
	if !s.auth.enabled() {
		c.Next()
		return
	}
	if _, ok := s.auth.session(c.Request); ok {
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
		if _, ok := s.auth.session(c.Request); ok {
			l.SignedIn = true
		} else if s.auth.enabled() {
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
