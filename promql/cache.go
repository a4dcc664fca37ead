package promql

import (
	"container/list"
	"sync"
	"time"
)

// resultCache keeps recent results for about one step. It is bounded by
// the bytes its answers hold (points, labels and their headers), not by
// entries, because one entry can be a 6-point sparkline or 500 apps x 361
// points: least recently used entries go first once the budget is
// exceeded, and expired entries go within a second of expiring.
type resultCache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	order    *list.List // of *cacheEntry, most recently used at the front
	byKey    map[string]*list.Element
	swept    time.Time // when put last removed every expired entry
}

// sweepEvery is how often put walks the whole cache for expired entries.
// A short range's window moves on every few seconds, and each move leaves
// answers nobody will ask for again: they would sit in the budget, still
// reachable, until pushed out (12 MB of a 20 MB live heap under 50 users).
const sweepEvery = time.Second

type cacheEntry struct {
	key     string
	answer  *answer
	cost    int
	expires time.Time
}

func newResultCache(maxBytes int) *resultCache {
	return &resultCache{maxBytes: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

// size estimates the heap an answer holds: 8 bytes a point, each label's
// text, and the headers of its slices, maps and map entries.
func (a *answer) size() int {
	n := 64
	for _, w := range a.warnings {
		n += 16 + len(w)
	}
	for _, s := range a.series {
		n += 96 + 8*len(s.values)
		for k, v := range s.labels {
			n += 48 + len(k) + len(v)
		}
	}
	return n
}

func (c *resultCache) get(key string, now time.Time) (*answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.remove(el)
		return nil, false
	}
	c.order.MoveToFront(el)
	return e.answer, true
}

// put keeps a until expires. Expired entries go first, all of them at
// most once per sweepEvery: a window that moved on is never asked for
// again.
func (c *resultCache) put(key string, a *answer, now, expires time.Time) {
	cost := len(key) + a.size()
	if cost > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, answer: a, cost: cost, expires: expires})
	c.bytes += cost
	if now.Sub(c.swept) >= sweepEvery {
		c.swept = now
		for el := c.order.Back(); el != nil; {
			prev := el.Prev()
			if !now.Before(el.Value.(*cacheEntry).expires) {
				c.remove(el)
			}
			el = prev
		}
	}
	for c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
}

func (c *resultCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*cacheEntry)
	delete(c.byKey, e.key)
	c.bytes -= e.cost
}

// len is the number of entries, for tests.
func (c *resultCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// size is the bytes the cache holds, for /metrics.
func (c *resultCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}
