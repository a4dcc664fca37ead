package promql

import (
	"container/list"
	"sync"
	"time"
)

// resultCache keeps recent results for about one step. It is bounded by
// the number of values it holds (sum of series x points), not by entries,
// because one entry can be a 6-point sparkline or 500 apps x 361 points:
// least recently used entries go first once the budget is exceeded, and
// expired entries go as soon as they are seen.
type resultCache struct {
	mu        sync.Mutex
	maxValues int
	values    int
	order     *list.List // of *cacheEntry, most recently used at the front
	byKey     map[string]*list.Element
}

type cacheEntry struct {
	key     string
	answer  *answer
	cost    int
	expires time.Time
}

func newResultCache(maxValues int) *resultCache {
	return &resultCache{maxValues: maxValues, order: list.New(), byKey: map[string]*list.Element{}}
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

func (c *resultCache) put(key string, a *answer, expires time.Time) {
	cost := 1 // an empty result is worth remembering too
	for _, s := range a.series {
		cost += len(s.values)
	}
	if cost > c.maxValues {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.remove(el)
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, answer: a, cost: cost, expires: expires})
	c.values += cost
	for c.values > c.maxValues {
		c.remove(c.order.Back())
	}
}

func (c *resultCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*cacheEntry)
	delete(c.byKey, e.key)
	c.values -= e.cost
}

// len is the number of entries, for tests.
func (c *resultCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
