package series

import (
	"math"
	"slices"

	"github.com/prometheus/prometheus/promql"
)

// evaluator gives a series' value at grid index k; kb is the grid index the
// series' counters started from (its creation, or the machine's last boot),
// and res the stride, in grid steps, at which the iterator reads it.
// Evaluators keep per-iterator caches, so each iterator gets its own.
type evaluator interface {
	value(k, kb, res int64) float64
}

type gaugeFunc func(k int64) float64

func (g gaugeFunc) value(k, _, _ int64) float64 { return g(k) }

// stream is one status' responses in one group (an edge region or an
// instance): a fast and a slow flow, whose latencies follow regimes.
type stream struct {
	// fp identifies the stream's parameters, hence its rows, across
	// queries; eval computes its rows, once some are needed.
	fp       uint64
	eval     *streamEval
	flows    [2]*flow
	medians  [2]float64
	sigmas   [2]float64
	overhead float64
	regimes  []regime
	bk       *buckets
}

func newStream(key uint64, bk *buckets, rate, median, overhead float64, s status, steps []mstep, regimes []regime) *stream {
	base := rate * s.share
	return &stream{
		bk: bk,
		fp: streamPrint(key, bk, rate, median, overhead, s, steps, regimes),
		flows: [2]*flow{
			newFlow(base*(1-slowShare), 1, dailyWaves(key, fastDaily), steps, key, counterNoise),
			newFlow(base*slowShare, 1, dailyWaves(key^0x5a5a, slowDaily), steps, key^0x5a5a, counterNoise),
		},
		medians:  [2]float64{median * s.latency, median * s.latency * slowFactor},
		sigmas:   [2]float64{fastSigma, slowSigma},
		overhead: overhead,
		regimes:  regimes,
	}
}

// streamPrint hashes everything a stream's rows depend on besides the grid
// index and kb, so that cached rows are never served for a stream that
// has changed (a region added to an app changes every region's share).
func streamPrint(key uint64, bk *buckets, rate, median, overhead float64, s status, steps []mstep, regimes []regime) uint64 {
	h := mix(key ^ 0x73747265616d)
	add := func(x uint64) { h = mix(h ^ x) }
	for _, f := range []float64{rate, median, overhead, s.share, s.latency} {
		add(math.Float64bits(f))
	}
	for _, le := range bk.bounds {
		add(math.Float64bits(le))
	}
	add(hashKey(s.value))
	for _, st := range steps {
		add(uint64(st.k))
		add(math.Float64bits(st.mult))
	}
	add(uint64(len(steps)))
	for _, r := range regimes {
		add(uint64(r.k))
		add(math.Float64bits(r.mult))
	}
	return h
}

// Weights of a stream's flows: what each response adds to a series, given
// the flow (fast or slow) and the latency multiplier in force.
type weightFunc func(st *stream, comp int, mult float64) float64

func sumWeight(st *stream, c int, mult float64) float64 {
	return st.medians[c]*mult*math.Exp(st.sigmas[c]*st.sigmas[c]/2) + st.overhead
}

// cdf is the share of a flow's responses that take at most le.
func (st *stream) cdf(c int, mult, le float64) float64 {
	if math.IsInf(le, 1) {
		return 1
	}
	median := st.medians[c]*mult + st.overhead
	z := (math.Log(le) - math.Log(median)) / st.sigmas[c]
	return 0.5 * math.Erfc(-z/math.Sqrt2)
}

// bandWeight is the share of responses falling in bucket band i, between
// the stream's bounds i-1 (exclusive) and i; 0 past its last bucket.
func bandWeight(i int) weightFunc {
	return func(st *stream, c int, mult float64) float64 {
		b := st.bk.bounds
		if i >= len(b) {
			return 0
		}
		w := st.cdf(c, mult, b[i])
		if i > 0 {
			w -= st.cdf(c, mult, b[i-1])
		}
		return w
	}
}

// Columns of a stream's row: the cumulative bucket counts (as many as its
// family has buckets, the +Inf one last), then the sum in a fixed column.
const (
	sumColumn = maxBuckets
	rowWidth  = maxBuckets + 1
)

// streamEval computes rows of a stream: every bucket count and the sum of
// response times at one grid index. Within a latency regime a weight is
// constant, so each column is a weighted difference of the flows' counters;
// the regimes before k add constant prefixes.
//
// Counts are integers built from the histogram's bands: bucket le is the sum
// of the floored counts of every band up to le. Each band only grows, so the
// buckets are monotonic in time and in le, and the +Inf bucket, _count and
// the responses counter are the same number.
type streamEval struct {
	st      *stream
	cursors [2]cursor

	kb     int64
	ready  bool
	starts []int64 // regime starts from kb on
	nAt    [2][]float64
	// w and prefix are indexed by regime, then column (bands, then the
	// sum) and flow.
	w      [][rowWidth][2]float64
	prefix [][rowWidth]float64
	cur    int // the regime of the last row
}

func newStreamEval(st *stream) *streamEval {
	e := &streamEval{st: st}
	for c := range e.cursors {
		e.cursors[c].f = st.flows[c]
	}
	return e
}

func (e *streamEval) weight(col, c int, mult float64) float64 {
	if col == sumColumn {
		return sumWeight(e.st, c, mult)
	}
	return bandWeight(col)(e.st, c, mult)
}

func (e *streamEval) prepare(kb int64) {
	e.kb, e.ready, e.cur = kb, true, 0
	e.starts = append(e.starts[:0], kb)
	for _, r := range e.st.regimes {
		if r.k > kb {
			e.starts = append(e.starts, r.k)
		}
	}
	n := len(e.starts)
	for c := range e.nAt {
		e.nAt[c] = e.nAt[c][:0]
		for _, k := range e.starts {
			e.nAt[c] = append(e.nAt[c], e.st.flows[c].at(k))
		}
	}
	e.w = slices.Grow(e.w[:0], n)[:n]
	e.prefix = slices.Grow(e.prefix[:0], n)[:n]
	for i, k := range e.starts {
		mult := e.multAt(k)
		for col := range rowWidth {
			for c := range 2 {
				e.w[i][col][c] = e.weight(col, c, mult)
			}
			if i == 0 {
				e.prefix[i][col] = 0
				continue
			}
			p := e.prefix[i-1][col]
			for c := range 2 {
				p += e.w[i-1][col][c] * (e.nAt[c][i] - e.nAt[c][i-1])
			}
			e.prefix[i][col] = p
		}
	}
}

func (e *streamEval) multAt(k int64) float64 {
	mult := 1.0
	for _, r := range e.st.regimes {
		if r.k <= k {
			mult = r.mult
		}
	}
	return mult
}

// regime finds the regime in force at k, starting from the last one:
// iterators mostly move forward.
func (e *streamEval) regime(k int64) int {
	i := e.cur
	if k < e.starts[i] {
		i = 0
	}
	for i+1 < len(e.starts) && e.starts[i+1] <= k {
		i++
	}
	e.cur = i
	return i
}

// row fills row with the stream's values at k.
func (e *streamEval) row(k, kb int64, row *[rowWidth]float64) {
	if !e.ready || kb != e.kb {
		e.prepare(kb)
	}
	if k < kb {
		*row = [rowWidth]float64{}
		return
	}
	i := e.regime(k)
	d0 := e.cursors[0].at(k) - e.nAt[0][i]
	d1 := e.cursors[1].at(k) - e.nAt[1][i]
	w, p := &e.w[i], &e.prefix[i]
	cumulative := 0.0
	for col := range e.st.bk.countColumn() + 1 {
		cumulative += math.Floor(p[col] + w[col][0]*d0 + w[col][1]*d1)
		row[col] = cumulative
	}
	row[sumColumn] = p[sumColumn] + w[sumColumn][0]*d0 + w[sumColumn][1]*d1
}

// blockRows is how many rows a block holds: the unit in which rows are
// computed, shared between a stream's columns and cached across queries.
const blockRows = 64

// rowBlock is a stream's rows at grid indexes (b*blockRows + i) * res,
// i in [0, blockRows), for one kb.
type rowBlock [blockRows * rowWidth]float64

// rowCache hands a Select's columns the rows of their stream. The engine
// reads series one after another, and the twelve buckets, _count and _sum
// of a status are read in a row: the first computes the stream's blocks,
// the others look them up. Two slots, each holding one stream's blocks for
// the query's range, keep memory bounded whatever the Select matches. With
// global set, blocks also go through the Queryable's cache, so the other
// selectors of a query (and other queries: the app page's latency charts
// read the same buckets four times) find them computed.
// A Select's series are read from one goroutine, as promql.Engine does.
type rowCache struct {
	slots  [2]rowSlot
	next   int
	global *blockCache
}

type rowSlot struct {
	owner   *stream
	kb, res int64
	blocks  map[int64]*rowBlock
	// spare holds blocks this slot computed itself and may overwrite once
	// it serves another stream (cached blocks are never overwritten).
	spare, used []*rowBlock
}

func (rc *rowCache) block(st *stream, kb, res, b int64) *rowBlock {
	var slot *rowSlot
	for i := range rc.slots {
		if s := &rc.slots[i]; s.owner == st && s.kb == kb && s.res == res {
			slot = s
		}
	}
	if slot == nil {
		slot = &rc.slots[rc.next]
		rc.next = (rc.next + 1) % len(rc.slots)
		slot.owner, slot.kb, slot.res = st, kb, res
		if slot.blocks == nil {
			slot.blocks = map[int64]*rowBlock{}
		}
		clear(slot.blocks)
		slot.spare = append(slot.spare, slot.used...)
		slot.used = slot.used[:0]
	}
	if blk := slot.blocks[b]; blk != nil {
		return blk
	}
	key := blockKey{st.fp, kb, res, b}
	var blk *rowBlock
	if rc.global != nil {
		blk = rc.global.get(key)
	}
	if blk == nil {
		switch {
		case rc.global != nil:
			blk = new(rowBlock)
		case len(slot.spare) > 0:
			blk = slot.spare[len(slot.spare)-1]
			slot.spare = slot.spare[:len(slot.spare)-1]
			slot.used = append(slot.used, blk)
		default:
			blk = new(rowBlock)
			slot.used = append(slot.used, blk)
		}
		st.fill(blk, kb, res, b)
		if rc.global != nil {
			rc.global.put(key, blk)
		}
	}
	slot.blocks[b] = blk
	return blk
}

// fill computes block b of the stream's rows.
func (st *stream) fill(blk *rowBlock, kb, res, b int64) {
	if st.eval == nil {
		st.eval = newStreamEval(st)
	}
	var row [rowWidth]float64
	k := b * blockRows * res
	for i := range blockRows {
		st.eval.row(k, kb, &row)
		copy(blk[i*rowWidth:], row[:])
		k += res
	}
}

// columnEval reads one column of a stream.
type columnEval struct {
	st    *stream
	col   int
	cache *rowCache
	// The block read last.
	blk        *rowBlock
	b, kb, res int64
}

func newColumnEval(st *stream, col int, cache *rowCache) *columnEval {
	return &columnEval{st: st, col: col, cache: cache}
}

// appendRun appends the column's samples at from, from+res, ... below to,
// a block at a time.
func (e *columnEval) appendRun(buf []promql.FPoint, from, to, kb, res int64) []promql.FPoint {
	for k := from; k < to; {
		j := floorDiv(k, res)
		b := floorDiv(j, blockRows)
		blk := e.cache.block(e.st, kb, res, b)
		for i := int(j - b*blockRows); i < blockRows && k < to; i++ {
			buf = append(buf, promql.FPoint{T: k * gridMs, F: blk[i*rowWidth+e.col]})
			k += res
		}
	}
	return buf
}

func (e *columnEval) value(k, kb, res int64) float64 {
	j := floorDiv(k, res)
	b := floorDiv(j, blockRows)
	if e.blk == nil || b != e.b || kb != e.kb || res != e.res {
		e.blk, e.b, e.kb, e.res = e.cache.block(e.st, kb, res, b), b, kb, res
	}
	return e.blk[int(j-b*blockRows)*rowWidth+e.col]
}

// cpuEval derives every mode of one vCPU from two flows (user and system
// time, in centiseconds/s); idle is what remains of 100 cs/s. deficit,
// when set, is the busy time the CPU quota took away since the boot: a
// throttled vCPU's busy time sits at its share of the baseline.
type cpuEval struct {
	user, system  cursor
	mode          string
	deficit       func(k, kb int64) float64
	kb            int64
	userKB, sysKB float64
	ready         bool
}

func (e *cpuEval) value(k, kb, _ int64) float64 {
	if !e.ready || kb != e.kb {
		e.kb, e.ready = kb, true
		e.userKB, e.sysKB = e.user.f.at(kb), e.system.f.at(kb)
	}
	// Each mode reads only the flow it derives from.
	var u, s float64
	switch e.mode {
	case "user", "nice", "steal":
		u = e.user.at(k) - e.userKB
	case "system", "iowait", "irq", "softirq":
		s = e.system.at(k) - e.sysKB
	default:
		u, s = e.user.at(k)-e.userKB, e.system.at(k)-e.sysKB
	}
	if e.deficit != nil {
		d := e.deficit(k, e.kb)
		u, s = max(0, u-0.7*d), max(0, s-0.3*d)
	}
	switch e.mode {
	case "user":
		return math.Floor(u)
	case "nice":
		return math.Floor(0.01 * u)
	case "steal":
		return math.Floor(0.1 * u)
	case "system":
		return math.Floor(s)
	case "iowait":
		return math.Floor(0.15 * s)
	case "irq":
		return math.Floor(0.05 * s)
	case "softirq":
		return math.Floor(0.2 * s)
	}
	busy := math.Floor(u) + math.Floor(0.01*u) + math.Floor(0.1*u) +
		math.Floor(s) + math.Floor(0.15*s) + math.Floor(0.05*s) + math.Floor(0.2*s)
	return float64((k-kb)*gridSec*100) - busy
}

// counterEval is a plain counter over one flow.
type counterEval struct {
	c     cursor
	kb    int64
	atKB  float64
	ready bool
}

func (e *counterEval) value(k, kb, _ int64) float64 {
	if !e.ready || kb != e.kb {
		e.kb, e.ready = kb, true
		e.atKB = e.c.f.at(kb)
	}
	return math.Floor(e.c.at(k) - e.atKB)
}
