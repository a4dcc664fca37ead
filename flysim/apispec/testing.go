package apispec

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
)

var shared struct {
	once sync.Once
	v    *Validator
	path string
	err  error
}

// ForTest returns a middleware failing t on every response that does not fit
// Fly's spec. Without the spec file it fails t under CI=true; elsewhere it
// says so loudly on stderr and lets responses through unchecked.
func ForTest(t testing.TB) func(http.Handler) http.Handler {
	t.Helper()
	v, err := sharedValidator()
	if err != nil {
		if os.Getenv("CI") == "true" || !os.IsNotExist(err) {
			t.Fatalf("Machines API spec: %v", err)
		}
		warnOnce.Do(func() {
			fmt.Fprintf(os.Stderr, "\n*** apispec: %v: Machines API responses are NOT validated against Fly's spec ***\n\n", err)
		})
		t.Logf("Machines API responses not validated: %v", err)
		return func(next http.Handler) http.Handler { return next }
	}
	return v.Middleware(func(err error) {
		t.Errorf("Machines API response does not fit Fly's spec: %v", err)
	})
}

var warnOnce sync.Once

// Shared is the spec loaded once per test binary, for tests that check
// responses themselves.
func Shared() (*Validator, error) { return sharedValidator() }

func sharedValidator() (*Validator, error) {
	shared.once.Do(func() {
		shared.path, shared.err = FindSpec()
		if shared.err != nil {
			return
		}
		if _, err := os.Stat(shared.path); err != nil {
			shared.err = err
			return
		}
		shared.v, shared.err = Load(shared.path)
	})
	return shared.v, shared.err
}
