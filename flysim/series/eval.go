package series

import (
	"math"
	"slices"
)

// evaluator gives a series' value at grid index k; kb is the grid index the
// series' counters started from (its creation, or the machine's last boot).
// Evaluators keep per-iterator caches, so each iterator gets its own.
type evaluator interface {
	value(k, kb int64) float64
}

type gaugeFunc func(k int64) float64

func (g gaugeFunc) value(k, _ int64) float64 { return g(k) }

// stream is one status' responses in one group (an edge region or an
// instance): a fast and a slow flow, whose latencies follow regimes.
type stream struct {
	rows     *rows // the rows cached for this stream, if any
	flows    [2]*flow
	medians  [2]float64
	sigmas   [2]float64
	overhead float64
	regimes  []regime
}

func newStream(key uint64, rate, median, overhead float64, s status, steps []mstep, regimes []regime) *stream {
	base := rate * s.share
	return &stream{
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
// leBounds[i-1] (exclusive) and leBounds[i].
func bandWeight(i int) weightFunc {
	return func(st *stream, c int, mult float64) float64 {
		w := st.cdf(c, mult, leBounds[i])
		if i > 0 {
			w -= st.cdf(c, mult, leBounds[i-1])
		}
		return w
	}
}

// Columns of a stream's row: the cumulative bucket counts, then the sum.
const (
	countColumn = len(leBounds) - 1
	sumColumn   = len(leBounds)
	rowWidth    = len(leBounds) + 1
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
	for col := range countColumn + 1 {
		cumulative += math.Floor(p[col] + w[col][0]*d0 + w[col][1]*d1)
		row[col] = cumulative
	}
	row[sumColumn] = p[sumColumn] + w[sumColumn][0]*d0 + w[sumColumn][1]*d1
}

// rows remembers a stream's rows over a run of grid indexes. The engine
// reads series one after another, and the twelve buckets, _count and _sum
// of a status are read in a row: all but the first then cost a lookup.
type rows struct {
	owner *stream
	kb    int64
	from  int64
	vals  []float64
}

// rowCache hands out a few rows buffers per Select, taking the oldest back
// when all are in use, so memory stays bounded whatever the query selects.
// A Select's series are read from one goroutine, as promql.Engine does.
type rowCache struct {
	slots [2]*rows
	next  int
}

func (rc *rowCache) take(owner *stream, kb, from int64) *rows {
	r := rc.slots[rc.next]
	if r == nil {
		r = &rows{}
		rc.slots[rc.next] = r
	}
	rc.next = (rc.next + 1) % len(rc.slots)
	if r.owner != nil {
		r.owner.rows = nil
	}
	r.owner, r.kb, r.from, r.vals = owner, kb, from, r.vals[:0]
	owner.rows = r
	return r
}

// columnEval reads one column of a stream.
type columnEval struct {
	st    *stream
	col   int
	eval  *streamEval
	cache *rowCache
	row   [rowWidth]float64
}

func newColumnEval(st *stream, col int, cache *rowCache) *columnEval {
	return &columnEval{st: st, col: col, cache: cache}
}

func (e *columnEval) value(k, kb int64) float64 {
	r := e.st.rows
	if r != nil && r.kb == kb && k >= r.from {
		if i := int(k-r.from) * rowWidth; i < len(r.vals) {
			return r.vals[i+e.col]
		}
	}
	if e.eval == nil {
		e.eval = newStreamEval(e.st)
	}
	e.eval.row(k, kb, &e.row)
	switch {
	case r != nil && r.kb == kb && int(k-r.from)*rowWidth == len(r.vals):
		r.vals = append(r.vals, e.row[:]...)
	case r == nil && e.cache != nil:
		r = e.cache.take(e.st, kb, k)
		r.vals = append(r.vals, e.row[:]...)
	}
	return e.row[e.col]
}

// CPU modes, as node_exporter names them. guest and guest_nice are left
// out: they are always zero in a Fly Machine.
var cpuModes = []string{"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"}

// cpuEval derives every mode of one vCPU from two flows (user and system
// time, in centiseconds/s); idle is what remains of 100 cs/s.
type cpuEval struct {
	user, system  cursor
	mode          string
	kb            int64
	userKB, sysKB float64
	ready         bool
}

func (e *cpuEval) value(k, kb int64) float64 {
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

func (e *counterEval) value(k, kb int64) float64 {
	if !e.ready || kb != e.kb {
		e.kb, e.ready = kb, true
		e.atKB = e.c.f.at(kb)
	}
	return math.Floor(e.c.at(k) - e.atKB)
}
