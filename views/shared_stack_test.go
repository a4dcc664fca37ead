package views

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/apispec"
)

// shared is one default stack for the tests that only read pages and
// files of the default org: they share its query cache and flysim's, so a
// chart or an app's timeline another test drew is not drawn again. Under
// -race that is most of the package's time. Its clock stands still at its
// start, so every test sees the org as a stack of its own made at that
// moment would, whenever it runs and in any order.
var shared struct {
	once sync.Once
	s    *stack
	stop func()
	err  error

	mu       sync.Mutex
	specErrs []error // Machines API answers that do not fit Fly's spec
}

// sharedStack returns the shared stack. A Machines API answer that does
// not fit Fly's spec fails the test that is running when it comes.
func sharedStack(t *testing.T) *stack {
	t.Helper()
	shared.once.Do(func() {
		v, err := apispec.Shared()
		if err != nil {
			shared.err = fmt.Errorf("Machines API spec: %w", err)
			return
		}
		at := time.Now()
		now := func() time.Time { return at }
		shared.s, shared.stop, shared.err = startStack(stackOptions{
			Sim: flysim.Options{Now: now, MachinesMiddleware: v.Middleware(func(err error) {
				shared.mu.Lock()
				defer shared.mu.Unlock()
				shared.specErrs = append(shared.specErrs, err)
			})},
			// With the clock still, an answer never goes stale.
			PromCacheTTL: func(time.Duration) time.Duration { return time.Hour },
			Configure:    func(c *Config) { c.Now = now },
		})
	})
	if shared.err != nil {
		t.Fatalf("shared stack: %v", shared.err)
	}
	shared.mu.Lock()
	seen := len(shared.specErrs)
	shared.mu.Unlock()
	t.Cleanup(func() {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		for _, err := range shared.specErrs[seen:] {
			t.Errorf("Machines API response does not fit Fly's spec: %v", err)
		}
	})
	return shared.s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	os.Exit(code)
}
