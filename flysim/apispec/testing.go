package apispec

import (
	"net/http"
	"sync"
	"testing"
)

var shared struct {
	once sync.Once
	v    *Validator
	err  error
}

// ForTest returns a middleware failing t on every response that does not fit
// Fly's spec.
func ForTest(t testing.TB) func(http.Handler) http.Handler {
	t.Helper()
	v, err := sharedValidator()
	if err != nil {
		t.Fatalf("Machines API spec: %v", err)
	}
	return v.Middleware(func(err error) {
		t.Errorf("Machines API response does not fit Fly's spec: %v", err)
	})
}

// Shared is the spec loaded once per test binary, for tests that check
// responses themselves.
func Shared() (*Validator, error) { return sharedValidator() }

func sharedValidator() (*Validator, error) {
	shared.once.Do(func() {
		shared.v, shared.err = Load(SpecJSON)
	})
	return shared.v, shared.err
}
