package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestMain(m *testing.M) {
	// Hashing DASHBOARD_PASSWORD at the production cost would dominate
	// these tests; what is tested is the wiring, not bcrypt.
	passwordCost = bcrypt.MinCost
	// A test's outcome must not turn on the machine's speed: under -race
	// beside other test binaries an answer can take far longer than the 5 s
	// a person is asked to wait. Tests of a hang set their own deadline.
	pageTimeout, upstreamTimeout = 2*time.Minute, 2*time.Minute
	os.Exit(m.Run())
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const testPassword = "a long enough password"

// sessionSecret is a SESSION_SECRET long enough to be accepted.
const sessionSecret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		// want: the variable the one-line error must name.
		want string
	}{
		{"public bind without password", map[string]string{"LISTEN_ADDR": "0.0.0.0:8080"}, "DASHBOARD_PASSWORD"},
		{"all interfaces without password", map[string]string{"LISTEN_ADDR": ":8080"}, "DASHBOARD_PASSWORD"},
		{"IPv6 wildcard without password", map[string]string{"LISTEN_ADDR": "[::]:8080"}, "DASHBOARD_PASSWORD"},
		{"LAN address without password", map[string]string{"LISTEN_ADDR": "192.168.1.10:8080"}, "DASHBOARD_PASSWORD"},
		{"host name without password", map[string]string{"LISTEN_ADDR": "example.com:8080"}, "DASHBOARD_PASSWORD"},
		{"bad listen address", map[string]string{"LISTEN_ADDR": "8080"}, "LISTEN_ADDR"},
		{"bad listen port", map[string]string{"LISTEN_ADDR": "127.0.0.1:http-alt"}, "LISTEN_ADDR"},
		{"both LISTEN_ADDR and PORT", map[string]string{"LISTEN_ADDR": "127.0.0.1:8080", "PORT": "8081"}, "PORT"},
		{"bad port", map[string]string{"PORT": "80800"}, "PORT"},
		{"password and hash", map[string]string{"DASHBOARD_PASSWORD": testPassword, "DASHBOARD_PASSWORD_HASH": string(hash)}, "DASHBOARD_PASSWORD_HASH"},
		{"short password", map[string]string{"DASHBOARD_PASSWORD": "hunter2"}, "DASHBOARD_PASSWORD"},
		{"over-long password", map[string]string{"DASHBOARD_PASSWORD": strings.Repeat("p", 73)}, "DASHBOARD_PASSWORD"},
		{"not a bcrypt hash", map[string]string{"DASHBOARD_PASSWORD_HASH": "5f4dcc3b5aa765d61d8327deb882cf99"}, "DASHBOARD_PASSWORD_HASH"},
		{"short session secret", map[string]string{"DASHBOARD_PASSWORD": testPassword, "SESSION_SECRET": "short"}, "SESSION_SECRET"},
		// Deployed (a public address) means several machines: each would
		// sign sessions with its own random key.
		{"password, public, no session secret", map[string]string{"DASHBOARD_PASSWORD": testPassword}, "set SESSION_SECRET"},
		{"hash, public, no session secret", map[string]string{"DASHBOARD_PASSWORD_HASH": string(hash), "LISTEN_ADDR": "0.0.0.0:8080"}, "set SESSION_SECRET"},
		{"session secret without password", map[string]string{"SESSION_SECRET": strings.Repeat("s", 32)}, "SESSION_SECRET"},
		{"bad metrics address", map[string]string{"METRICS_ADDR": "9091"}, "METRICS_ADDR"},
		{"bad log format", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{"org without token", map[string]string{"FLY_ORG": "acme"}, "FLY_API_TOKEN"},
		{"token without org", map[string]string{"FLY_API_TOKEN": "FlyV1 fm2_abcdefgh"}, "FLY_ORG"},
		{"bad prometheus URL", map[string]string{"FLY_API_TOKEN": "FlyV1 fm2_abcdefgh", "FLY_ORG": "acme", "FLY_PROMETHEUS_URL": "ftp://x"}, "FLY_PROMETHEUS_URL"},
	} {
		_, err := loadConfig(envOf(tc.env))
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: %q should be one line naming %s", tc.name, msg, tc.want)
		}
		if strings.Contains(msg, testPassword) {
			t.Errorf("%s: the error repeats the password", tc.name)
		}
	}
}

func TestConfigListenRule(t *testing.T) {
	t.Parallel()
	hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	for _, tc := range []struct {
		name     string
		env      map[string]string
		addr     string
		loopback bool
	}{
		{"default: loopback", nil, "127.0.0.1:8080", true},
		{"PORT: loopback", map[string]string{"PORT": "9000"}, "127.0.0.1:9000", true},
		{"localhost", map[string]string{"LISTEN_ADDR": "localhost:8080"}, "localhost:8080", true},
		{"IPv6 loopback", map[string]string{"LISTEN_ADDR": "[::1]:8080"}, "[::1]:8080", true},
		{"password: every interface", map[string]string{"DASHBOARD_PASSWORD": testPassword, "SESSION_SECRET": sessionSecret}, ":8080", false},
		{"hash: every interface", map[string]string{"DASHBOARD_PASSWORD_HASH": string(hash), "SESSION_SECRET": sessionSecret}, ":8080", false},
		{"password: explicit bind", map[string]string{"DASHBOARD_PASSWORD": testPassword, "LISTEN_ADDR": "0.0.0.0:8080", "SESSION_SECRET": sessionSecret}, "0.0.0.0:8080", false},
		{"password: loopback needs no session secret", map[string]string{"DASHBOARD_PASSWORD": testPassword, "LISTEN_ADDR": "127.0.0.1:8080"}, "127.0.0.1:8080", true},
		{"password: loopback still loopback", map[string]string{"DASHBOARD_PASSWORD": testPassword, "LISTEN_ADDR": "127.0.0.1:0"}, "127.0.0.1:0", true},
	} {
		c, err := loadConfig(envOf(tc.env))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if c.ListenAddr != tc.addr || c.Loopback != tc.loopback {
			t.Errorf("%s: listen %q loopback %v, want %q %v", tc.name, c.ListenAddr, c.Loopback, tc.addr, tc.loopback)
		}
	}
}

func TestConfigPasswordAndSessionKey(t *testing.T) {
	t.Parallel()
	c, err := loadConfig(envOf(map[string]string{"DASHBOARD_PASSWORD": testPassword, "LISTEN_ADDR": "127.0.0.1:8080"}))
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword(c.PasswordHash, []byte(testPassword)) != nil {
		t.Error("the stored hash does not match DASHBOARD_PASSWORD")
	}
	if !c.SessionKeyEphemeral || len(c.SessionKey) != 32 {
		t.Errorf("without SESSION_SECRET: ephemeral %v, key %d bytes; want a random 32-byte key", c.SessionKeyEphemeral, len(c.SessionKey))
	}

	secret := sessionSecret
	key := func(env map[string]string) []byte {
		t.Helper()
		c, err := loadConfig(envOf(env))
		if err != nil {
			t.Fatal(err)
		}
		if c.SessionKeyEphemeral {
			t.Fatal("SESSION_SECRET set, yet the key is ephemeral")
		}
		return c.SessionKey
	}
	a := key(map[string]string{"DASHBOARD_PASSWORD": testPassword, "SESSION_SECRET": secret})
	b := key(map[string]string{"DASHBOARD_PASSWORD": testPassword, "SESSION_SECRET": secret})
	if string(a) != string(b) {
		t.Error("the same secret and password give different keys: sessions would not survive a restart")
	}
	if string(a) == string(key(map[string]string{"DASHBOARD_PASSWORD": testPassword + "!", "SESSION_SECRET": secret})) {
		t.Error("a new password keeps the old sessions valid")
	}
	if string(a) == string(key(map[string]string{"DASHBOARD_PASSWORD": testPassword, "SESSION_SECRET": secret + "x"})) {
		t.Error("a new secret keeps the old sessions valid")
	}

	// The secrets to keep out of logs: token, its parts, password, secret.
	c, err = loadConfig(envOf(map[string]string{
		"FLY_API_TOKEN": "FlyV1 fm2_first-macaroon,fm2_second-macaroon", "FLY_ORG": "acme",
		"DASHBOARD_PASSWORD": testPassword, "SESSION_SECRET": secret,
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FlyV1 fm2_first-macaroon,fm2_second-macaroon", "fm2_first-macaroon,fm2_second-macaroon",
		"fm2_first-macaroon", "fm2_second-macaroon", testPassword, secret} {
		found := false
		for _, s := range c.secrets {
			found = found || s == want
		}
		if !found {
			t.Errorf("%q is not among the values kept out of logs", want)
		}
	}
}

func TestLoggerRedacts(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	log := newLogger(&b, "json", []string{"FlyV1 fm2_secret-token", "fm2_secret-token"})
	log.Info("calling with FlyV1 fm2_secret-token", "err", errString("header fm2_secret-token refused"), "auth", "fm2_secret-token")
	if strings.Contains(b.String(), "secret-token") || strings.Count(b.String(), "[redacted]") != 3 {
		t.Errorf("log line not redacted: %s", b.String())
	}
}

type errString string

func (e errString) Error() string { return string(e) }
