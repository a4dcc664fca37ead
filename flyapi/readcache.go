package flyapi

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/flydash/dashboard/internal/breaker"
)

// readCache shares the Machines API's answers to reads between the pages
// that ask for them at once, and keeps them for a few seconds: a hundred
// people watching one app page cost a few listings, not two hundred, and
// stay well inside Fly's rate limits. Any write through this client clears
// it, so the person who acted sees the result.
type readCache struct {
	ttl time.Duration
	// down, when set, is the breaker in front of the API: while it is
	// open a read fails at once rather than join one sent before.
	down  *breaker.Transport
	group singleflight.Group

	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	value   any
	expires time.Time
}

func newReadCache(ttl time.Duration) *readCache {
	return &readCache{ttl: ttl, entries: map[string]cacheEntry{}}
}

// get returns the cached value of key, or calls fetch once for every
// concurrent caller. Errors are not kept. The fetch runs on its own context
// (with fetch's own deadline) so one caller leaving does not fail the
// others.
func get[T any](ctx context.Context, c *readCache, key string, fetch func(context.Context) (T, error)) (T, error) {
	if c == nil || c.ttl <= 0 {
		return fetch(ctx)
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.value.(T), nil
	}
	if c.down != nil && c.down.Open() != nil {
		return fetch(ctx)
	}
	sent := false // by this caller; the others joined it
	start := time.Now()
	ch := c.group.DoChan(key, func() (any, error) {
		sent = true
		v, err := fetch(context.WithoutCancel(ctx))
		if err == nil {
			c.mu.Lock()
			c.entries[key] = cacheEntry{value: v, expires: time.Now().Add(c.ttl)}
			c.mu.Unlock()
		}
		return v, err
	})
	select {
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	case r := <-ch:
		if !sent {
			breaker.AddWait(ctx, MachinesUpstream, time.Since(start))
		}
		if r.Err != nil {
			var zero T
			return zero, r.Err
		}
		return r.Val.(T), nil
	}
}

// clear forgets every answer, after a write.
func (c *readCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}
