package series

import "sync"

// DefaultCacheFloats is the size of a Queryable's row cache, in float64s
// (8 bytes each, so 16 MiB): enough for the histogram rows of a 7-day or
// 24-hour app page of an app in up to six regions, and of the last few
// pages viewed.
const DefaultCacheFloats = 2 << 20

// blockKey names a block of rows: which stream (by its parameters), from
// which kb, at which stride, which block.
type blockKey struct {
	stream     uint64
	kb, res, b int64
}

const blockFloats = len(rowBlock{})

// blockCache keeps the row blocks queries computed, so that the selectors
// of one query, concurrent queries and the next viewer of the same chart
// share them. Rows are functions of the stream and the grid index only, so
// a block never goes stale; past or future, it is the same numbers.
//
// It evicts by generations: blocks go into the current map; when that is
// full it becomes the previous one and the previous one is dropped; a hit
// in the previous map moves the block back. That is an LRU to within a
// factor of two, with a map operation per 64 rows as its whole cost.
type blockCache struct {
	mu        sync.Mutex
	cur, prev map[blockKey]*rowBlock
	perGen    int // blocks per generation
	maxFloats int
	hits, all int64
}

func newBlockCache(maxFloats int) *blockCache {
	perGen := maxFloats / blockFloats / 2
	if perGen < 1 {
		return nil
	}
	return &blockCache{cur: map[blockKey]*rowBlock{}, perGen: perGen, maxFloats: maxFloats}
}

// admits reports whether a Select needing about floats of rows should use
// the cache: one that would fill half of it would only push out what the
// others need and find none of its own blocks again.
func (c *blockCache) admits(floats int) bool {
	return c != nil && floats <= c.maxFloats/2
}

func (c *blockCache) get(k blockKey) *rowBlock {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all++
	if b, ok := c.cur[k]; ok {
		c.hits++
		return b
	}
	if b, ok := c.prev[k]; ok {
		c.hits++
		delete(c.prev, k)
		c.insert(k, b)
		return b
	}
	return nil
}

func (c *blockCache) put(k blockKey, b *rowBlock) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.insert(k, b)
}

func (c *blockCache) insert(k blockKey, b *rowBlock) {
	if len(c.cur) >= c.perGen {
		c.prev, c.cur = c.cur, make(map[blockKey]*rowBlock, c.perGen)
	}
	c.cur[k] = b
}

// stats returns the lookups so far and how many found their block.
func (c *blockCache) stats() (hits, lookups int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.all
}
