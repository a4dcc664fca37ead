package series

import (
	"math"
	"sort"
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

// streamEval integrates weights over a stream's responses. Within a latency
// regime a weight is constant, so the integral is a weighted difference of
// the flows' counters; the regimes before k add constant prefixes.
//
// Counts are integers built from the histogram's bands: bucket le is the sum
// of the floored counts of every band up to le. Each band only grows, so the
// buckets are monotonic in time and in le, and the +Inf bucket, _count and
// the responses counter are the same number.
type streamEval struct {
	st      *stream
	bands   []weightFunc
	integer bool
	cursors [2]cursor

	kb     int64
	ready  bool
	starts []int64
	nAt    [2][]float64
	w      [][2][]float64 // by band, flow, regime
	prefix [][]float64    // by band, regime
}

// newCountEval counts the responses of st up to bucket upto (inclusive;
// len(leBounds)-1 counts them all).
func newCountEval(st *stream, upto int) *streamEval {
	e := &streamEval{st: st, integer: true}
	for i := 0; i <= upto; i++ {
		e.bands = append(e.bands, bandWeight(i))
	}
	e.init()
	return e
}

func newSumEval(st *stream) *streamEval {
	e := &streamEval{st: st, bands: []weightFunc{sumWeight}}
	e.init()
	return e
}

func (e *streamEval) init() {
	for c := range e.cursors {
		e.cursors[c].f = e.st.flows[c]
	}
	e.w = make([][2][]float64, len(e.bands))
	e.prefix = make([][]float64, len(e.bands))
}

func (e *streamEval) prepare(kb int64) {
	e.kb, e.ready = kb, true
	e.starts = append(e.starts[:0], kb)
	for _, r := range e.st.regimes {
		if r.k > kb {
			e.starts = append(e.starts, r.k)
		}
	}
	for c := range e.nAt {
		e.nAt[c] = e.nAt[c][:0]
		for _, k := range e.starts {
			e.nAt[c] = append(e.nAt[c], e.st.flows[c].at(k))
		}
	}
	for b, weight := range e.bands {
		for c := range e.w[b] {
			e.w[b][c] = e.w[b][c][:0]
			for _, k := range e.starts {
				e.w[b][c] = append(e.w[b][c], weight(e.st, c, e.multAt(k)))
			}
		}
		e.prefix[b] = append(e.prefix[b][:0], 0)
		for i := 0; i+1 < len(e.starts); i++ {
			p := e.prefix[b][i]
			for c := range e.w[b] {
				p += e.w[b][c][i] * (e.nAt[c][i+1] - e.nAt[c][i])
			}
			e.prefix[b] = append(e.prefix[b], p)
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

func (e *streamEval) value(k, kb int64) float64 {
	if !e.ready || kb != e.kb {
		e.prepare(kb)
	}
	i := sort.Search(len(e.starts), func(i int) bool { return e.starts[i] > k }) - 1
	if i < 0 {
		return 0
	}
	var delta [2]float64
	for c := range delta {
		delta[c] = e.cursors[c].at(k) - e.nAt[c][i]
	}
	total := 0.0
	for b := range e.bands {
		v := e.prefix[b][i]
		for c := range delta {
			v += e.w[b][c][i] * delta[c]
		}
		if e.integer {
			v = math.Floor(v)
		}
		total += v
	}
	return total
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
	u := e.user.at(k) - e.userKB
	s := e.system.at(k) - e.sysKB
	modes := [...]float64{
		math.Floor(u), math.Floor(0.01 * u), math.Floor(s), math.Floor(0.15 * s),
		math.Floor(0.05 * s), math.Floor(0.2 * s), math.Floor(0.1 * u),
	}
	switch e.mode {
	case "user":
		return modes[0]
	case "nice":
		return modes[1]
	case "system":
		return modes[2]
	case "iowait":
		return modes[3]
	case "irq":
		return modes[4]
	case "softirq":
		return modes[5]
	case "steal":
		return modes[6]
	}
	busy := 0.0
	for _, m := range modes {
		busy += m
	}
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
