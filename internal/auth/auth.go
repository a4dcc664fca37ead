// Package auth is the dashboard's own sign-in: one shared password checked
// against a bcrypt hash, signed session cookies that any machine sharing the
// key accepts, and rate limits on attempts.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"
)

// Config configures the dashboard's own sign-in: one shared password, checked
// against a bcrypt hash, and a signed session cookie. Without a
// PasswordHash the dashboard is open, which cmd/dashboard allows only on a
// loopback address.
type Config struct {
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

// Defaults for Config's zero fields.
const (
	DefaultSessionTTL = 12 * time.Hour
	DefaultLoginEvery = 12 * time.Second // 5 a minute
	DefaultLoginBurst = 5
)

// Enabled reports whether a password is required.
func (a Config) Enabled() bool { return len(a.PasswordHash) > 0 }

const (
	// The __Host- prefix makes browsers refuse the cookie unless it is
	// Secure, host-only and for path /, so a sibling subdomain cannot
	// plant or shadow it.
	CookieSecure   = "__Host-flydash_session"
	CookiePlain    = "flydash_session"
	sessionVersion = "v1"
	// globalLoginEvery bounds attempts from all clients together, so an
	// attacker spreading guesses over many addresses still gets few.
	globalLoginEvery = time.Second
	globalLoginBurst = 20
	// maxLimiters bounds the per-client table; beyond it attempts share
	// the global limiter only.
	maxLimiters = 10_000
)

// Sessions issues and checks sessions and rate-limits sign-ins.
type Sessions struct {
	cfg    Config
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

// New checks cfg and returns its Sessions; secure sets the cookie's Secure
// flag (and its __Host- name).
func New(cfg Config, secure bool, now func() time.Time) (*Sessions, error) {
	if !cfg.Enabled() {
		return &Sessions{cfg: cfg, now: now}, nil
	}
	if _, err := bcrypt.Cost(cfg.PasswordHash); err != nil {
		return nil, fmt.Errorf("auth: the password hash is not a bcrypt hash: %w", err)
	}
	if len(cfg.SessionKey) < 32 {
		return nil, errors.New("auth: the session key must be at least 32 bytes")
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
	return &Sessions{
		cfg:      cfg,
		secure:   secure,
		now:      now,
		limiters: map[string]*clientLimiter{},
		global:   rate.NewLimiter(rate.Every(globalLoginEvery), globalLoginBurst),
	}, nil
}

// Enabled reports whether a password is required.
func (a *Sessions) Enabled() bool { return a.cfg.Enabled() }

// Secure reports whether cookies are sent only over HTTPS.
func (a *Sessions) Secure() bool { return a.secure }

// ClientIPHeader is Config.ClientIPHeader.
func (a *Sessions) ClientIPHeader() string { return a.cfg.ClientIPHeader }

// CookieName is the session cookie's name.
func (a *Sessions) CookieName() string {
	if a.secure {
		return CookieSecure
	}
	return CookiePlain
}

// CheckPassword compares in constant time (bcrypt does).
func (a *Sessions) CheckPassword(pw string) bool {
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
func (a *Sessions) mac(payload string) []byte {
	m := hmac.New(sha256.New, a.cfg.SessionKey)
	m.Write([]byte("flydash session\x00" + payload))
	return m.Sum(nil)
}

// Issue makes a new session cookie value and its lifetime in seconds.
func (a *Sessions) Issue() (value string, maxAge int) {
	var id [16]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails
	exp := a.now().Add(a.cfg.SessionTTL).Unix()
	payload := sessionVersion + "." + strconv.FormatInt(exp, 10) + "." + base64.RawURLEncoding.EncodeToString(id[:])
	return payload + "." + base64.RawURLEncoding.EncodeToString(a.mac(payload)), int(a.cfg.SessionTTL.Seconds())
}

// Verify returns the session id when value is a valid, unexpired session.
func (a *Sessions) Verify(value string) (string, bool) {
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

// Session is the request's valid session id, if any.
func (a *Sessions) Session(r *http.Request) (string, bool) {
	if !a.Enabled() {
		return "", false
	}
	ck, err := r.Cookie(a.CookieName())
	if err != nil {
		return "", false
	}
	return a.Verify(ck.Value)
}

// SetCookie sets (or with maxAge -1 clears) the session cookie.
func (a *Sessions) SetCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     a.CookieName(),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   a.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
}

// AllowLogin spends one attempt for the client, and one from the shared
// budget. It is checked before bcrypt so guessing cannot burn CPU either.
func (a *Sessions) AllowLogin(client string) (bool, time.Duration) {
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
