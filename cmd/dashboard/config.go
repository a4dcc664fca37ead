package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/joho/godotenv"
	"golang.org/x/crypto/bcrypt"
)

// Limits on the dashboard password. bcrypt reads at most 72 bytes; a
// dashboard holding an org token deserves more than a short word.
const (
	minPasswordLen   = 12
	maxPasswordBytes = 72
	minSecretLen     = 32
)

// noSimulator is why a build without flysim (-tags nosim) will not start
// without a token.
const noSimulator = "FLY_API_TOKEN is not set, and this build has no simulated org: set FLY_API_TOKEN (fly tokens create org -o <org>) and FLY_ORG, or run `go run ./cmd/dashboard` for the simulated org"

// passwordCost is bcrypt's cost for DASHBOARD_PASSWORD; tests lower it.
var passwordCost = bcrypt.DefaultCost

// config is the dashboard's configuration, read from the environment and an
// optional .env file (real environment variables win).
type config struct {
	Token         string // FLY_API_TOKEN; empty means demo mode
	Org           string // FLY_ORG
	PrometheusURL string // FLY_PROMETHEUS_URL
	FlapsBaseURL  string // FLY_FLAPS_BASE_URL (fly-go's own variable)

	// ListenAddr is LISTEN_ADDR, or PORT on loopback (no password) or on
	// every interface (with one).
	ListenAddr string
	// Loopback: ListenAddr only accepts connections from this machine.
	Loopback bool
	// MetricsAddr (METRICS_ADDR) serves /metrics alone, without sign-in,
	// for Fly's scraper on the private network; empty means none.
	MetricsAddr string

	// PasswordHash is the bcrypt hash of DASHBOARD_PASSWORD (hashed here)
	// or DASHBOARD_PASSWORD_HASH; empty means no sign-in.
	PasswordHash []byte
	// SessionKey signs session cookies. It derives from SESSION_SECRET and
	// the password, so changing either signs everyone out; without
	// SESSION_SECRET (allowed on loopback only) it is random and sessions
	// end with the process.
	SessionKey          []byte
	SessionKeyEphemeral bool
	// OnFly is set when FLY_APP_NAME is (Fly sets it in every machine):
	// requests then come through Fly's proxy, which names the client in
	// Fly-Client-IP.
	OnFly bool

	LogFormat string // LOG_FORMAT: text (default) or json

	// secrets are values no log line may contain.
	secrets []string
}

func (c config) Demo() bool { return c.Token == "" }

// loadConfig reads the configuration. Every error names the variable to
// set, in one line, so a misconfigured deploy says what to fix.
func loadConfig(getenv func(string) string) (config, error) {
	env := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := config{
		Token:         env("FLY_API_TOKEN"),
		Org:           env("FLY_ORG"),
		PrometheusURL: env("FLY_PROMETHEUS_URL"),
		FlapsBaseURL:  env("FLY_FLAPS_BASE_URL"),
		MetricsAddr:   env("METRICS_ADDR"),
		LogFormat:     env("LOG_FORMAT"),
		OnFly:         env("FLY_APP_NAME") != "",
	}
	c.secrets = secretsOf(c.Token)
	if err := c.loadUpstreams(); err != nil {
		return c, err
	}
	// The password is not trimmed: spaces may be part of it.
	password, passwordHash := getenv("DASHBOARD_PASSWORD"), env("DASHBOARD_PASSWORD_HASH")
	if password != "" {
		c.secrets = append(c.secrets, password)
	}
	if err := c.loadPassword(password, passwordHash); err != nil {
		return c, err
	}
	secret := env("SESSION_SECRET")
	if secret != "" {
		c.secrets = append(c.secrets, secret)
	}
	if err := c.loadSessionKey(secret, password, passwordHash); err != nil {
		return c, err
	}
	if err := c.loadListen(env("LISTEN_ADDR"), env("PORT")); err != nil {
		return c, err
	}
	// Reached beyond this machine means deployed, and Fly deploys two
	// machines: a random key per machine would sign a person out whenever
	// the proxy picks the other one. One shared secret or no start.
	if c.SessionKeyEphemeral && !c.Loopback {
		return c, fmt.Errorf("DASHBOARD_PASSWORD is set and LISTEN_ADDR=%s is public, but SESSION_SECRET is not: set SESSION_SECRET (e.g. openssl rand -hex 32) so every machine accepts the same sessions, or listen on 127.0.0.1", c.ListenAddr)
	}
	if c.MetricsAddr != "" {
		if _, err := parseAddr(c.MetricsAddr); err != nil {
			return c, fmt.Errorf("METRICS_ADDR=%q is not host:port: set METRICS_ADDR to e.g. :9091, or unset it", c.MetricsAddr)
		}
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		return c, fmt.Errorf("LOG_FORMAT=%q is not text or json: set LOG_FORMAT to text or json", c.LogFormat)
	}
	return c, nil
}

func (c *config) loadUpstreams() error {
	if c.Demo() {
		if c.Org != "" || c.PrometheusURL != "" {
			return errors.New("FLY_ORG or FLY_PROMETHEUS_URL is set but FLY_API_TOKEN is not: set FLY_API_TOKEN (fly tokens create org -o <org>), or unset them to use the simulated org")
		}
		if !simulated {
			return errors.New(noSimulator)
		}
		return nil
	}
	if c.Org == "" {
		return errors.New("FLY_API_TOKEN is set but FLY_ORG is not: set FLY_ORG to your org slug (fly orgs list)")
	}
	if c.PrometheusURL == "" {
		c.PrometheusURL = "https://api.fly.io/prometheus/" + url.PathEscape(c.Org)
	}
	if err := checkURL("FLY_PROMETHEUS_URL", c.PrometheusURL); err != nil {
		return err
	}
	if c.FlapsBaseURL == "" {
		c.FlapsBaseURL = "https://api.machines.dev"
	}
	return checkURL("FLY_FLAPS_BASE_URL", c.FlapsBaseURL)
}

func (c *config) loadPassword(password, hash string) error {
	switch {
	case password != "" && hash != "":
		return errors.New("both DASHBOARD_PASSWORD and DASHBOARD_PASSWORD_HASH are set: set only one of them")
	case password != "":
		if len([]rune(password)) < minPasswordLen {
			return fmt.Errorf("DASHBOARD_PASSWORD is shorter than %d characters: set a longer one (e.g. openssl rand -base64 18)", minPasswordLen)
		}
		if len(password) > maxPasswordBytes {
			return fmt.Errorf("DASHBOARD_PASSWORD is longer than %d bytes, more than bcrypt reads: set a shorter one", maxPasswordBytes)
		}
		h, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
		if err != nil {
			return fmt.Errorf("DASHBOARD_PASSWORD could not be hashed (%v): set another one", err)
		}
		c.PasswordHash = h
	case hash != "":
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return errors.New("DASHBOARD_PASSWORD_HASH is not a bcrypt hash: set it to the output of htpasswd -nbBC 12 '' 'your password' | cut -d: -f2")
		}
		c.PasswordHash = []byte(hash)
		c.secrets = append(c.secrets, hash)
	}
	return nil
}

func (c *config) loadSessionKey(secret, password, hash string) error {
	if c.PasswordHash == nil {
		if secret != "" {
			return errors.New("SESSION_SECRET is set but there is no password to sign in with: set DASHBOARD_PASSWORD too, or unset SESSION_SECRET")
		}
		return nil
	}
	if secret == "" {
		c.SessionKey = make([]byte, 32)
		_, _ = rand.Read(c.SessionKey) // crypto/rand.Read never fails
		c.SessionKeyEphemeral = true
		return nil
	}
	if len(secret) < minSecretLen {
		return fmt.Errorf("SESSION_SECRET is shorter than %d characters: set it to e.g. the output of openssl rand -hex 32", minSecretLen)
	}
	// Mixing in the password means a new password ends every session. The
	// plain password only ever enters an HMAC keyed by the secret, so a
	// stolen cookie gives no shortcut to guessing it.
	fingerprint := sha256.Sum256([]byte("password\x00" + password + "\x00hash\x00" + hash))
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("flydash session key v1\x00"))
	m.Write(fingerprint[:])
	c.SessionKey = m.Sum(nil)
	return nil
}

func (c *config) loadListen(listen, port string) error {
	if listen != "" && port != "" {
		return errors.New("both LISTEN_ADDR and PORT are set: set only one of them")
	}
	if listen == "" {
		p := "8080"
		if port != "" {
			n, err := strconv.Atoi(port)
			if err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("PORT=%q is not a port number: set PORT to a number from 1 to 65535", port)
			}
			p = strconv.Itoa(n)
		}
		// With a password the dashboard is meant to be reached: every
		// interface, IPv4 and IPv6 (Fly's proxy and its private network).
		// Without one, only this machine.
		listen = "127.0.0.1:" + p
		if c.PasswordHash != nil {
			listen = ":" + p
		}
	}
	host, err := parseAddr(listen)
	if err != nil {
		return fmt.Errorf("LISTEN_ADDR=%q is not host:port: set LISTEN_ADDR to e.g. 127.0.0.1:8080 or 0.0.0.0:8080", listen)
	}
	c.ListenAddr = listen
	c.Loopback = isLoopback(host)
	if !c.Loopback && c.PasswordHash == nil {
		return fmt.Errorf("LISTEN_ADDR=%s would serve the dashboard, and its Fly token, beyond this machine without a password: set DASHBOARD_PASSWORD (or DASHBOARD_PASSWORD_HASH), or listen on 127.0.0.1", listen)
	}
	return nil
}

// parseAddr checks a host:port listen address and returns the host.
func parseAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", errors.New("bad port")
	}
	return host, nil
}

// isLoopback: "localhost" or a loopback IP. An empty host, a wildcard or
// any other name is reachable from elsewhere.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s=%q is not an http(s) URL: set %s to e.g. https://host/path", name, raw, name)
	}
	return nil
}

// secretsOf is the token and its pieces as they may appear alone: without
// its scheme, and each comma-separated macaroon.
func secretsOf(token string) []string {
	if token == "" {
		return nil
	}
	out := []string{token}
	cred := token
	if _, rest, ok := strings.Cut(token, " "); ok {
		cred = strings.TrimSpace(rest)
		out = append(out, cred)
	}
	for part := range strings.SplitSeq(cred, ",") {
		if part = strings.TrimSpace(part); len(part) >= 8 {
			out = append(out, part)
		}
	}
	return out
}

// loadDotEnv reads .env when present; a missing file is not an error.
func loadDotEnv() error {
	err := godotenv.Load()
	if err != nil && errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf(".env: %w", err)
	}
	return nil
}
