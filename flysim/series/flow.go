package series

import (
	"math"
	"sort"
	"sync"
)

// The scrape grid: every series has samples exactly at multiples of gridMs.
const (
	gridSec = 15
	gridMs  = gridSec * 1000
)

// dayOmega turns seconds into the phase of the daily cycle.
const dayOmega = 2 * math.Pi / 86400

// peakSecondOfDay puts the daily traffic peak in the UTC afternoon.
const peakSecondOfDay = 15 * 3600

// wave is one sinusoidal term of a rate, amp * cos(2π (k - shift) / period)
// at grid index k. Its period and shift are whole grid steps, so its phase
// at any k is an index into a table of exact sines shared by every wave of
// that period: a counter costs the same O(1) at any k, read in order or
// not, and a sample's value never depends on how a query reached it.
type wave struct {
	amp           float64
	period, shift int64 // grid steps; 0 <= shift < period
	tab           *waveTable
	// primAmp is amp / ω in seconds: the sine's weight in the integral.
	primAmp   float64
	invPeriod float64
}

func newWave(amp float64, period, shift int64) wave {
	period = max(period, 4)
	shift = ((shift % period) + period) % period
	return wave{
		amp: amp, period: period, shift: shift, tab: tableFor(period),
		primAmp:   amp * float64(period*gridSec) / (2 * math.Pi),
		invPeriod: 1 / float64(period),
	}
}

// phase is the table index of the wave at grid index k: (k - shift) mod
// period, by a float multiplication rather than an integer division, which
// costs several times more and is paid for every wave of every sample.
// Grid indexes are far below 2^53, so the quotient is off by at most one;
// for the usual x >= 0, truncating is flooring.
func (w *wave) phase(k int64) int64 {
	x := k - w.shift
	var q int64
	if x >= 0 {
		q = int64(float64(x) * w.invPeriod)
	} else {
		q = int64(math.Floor(float64(x) * w.invPeriod))
	}
	i := x - q*w.period
	switch {
	case i < 0:
		i += w.period
	case i >= w.period:
		i -= w.period
	}
	return i
}

// waveTable holds sin and cos of 2πi/period for every i in [0, period).
type waveTable struct{ sin, cos []float64 }

// waveTables maps a period to its table. Periods are few (dailyWaves picks
// them from bounded ranges), so the tables stay small.
var waveTables sync.Map

func tableFor(period int64) *waveTable {
	if t, ok := waveTables.Load(period); ok {
		return t.(*waveTable)
	}
	t := &waveTable{sin: make([]float64, period), cos: make([]float64, period)}
	for i := range period {
		t.sin[i], t.cos[i] = math.Sincos(2 * math.Pi * float64(i) / float64(period))
	}
	actual, _ := waveTables.LoadOrStore(period, t)
	return actual.(*waveTable)
}

// maxWaves bounds a flow's waves.
const maxWaves = 4

// mstep multiplies a flow's rate by mult from grid index k on.
type mstep struct {
	k    int64
	mult float64
}

// flow is a non-negative rate whose integral has a closed form, so the
// counter it drives can be evaluated at any grid point in O(1) without
// replaying history:
//
//	rate(t) = base * m(t) * (c0 + sum of waves)
//
// where m(t) is piecewise constant (incidents, deploys). The counter adds
// bounded hash noise at each grid point, scaled so that it can never undo
// more than part of the neighbouring increments: the counter stays monotonic.
type flow struct {
	base  float64
	c0    float64
	waves []wave
	steps []mstep // sorted by k; the rate multiplier before the first is 1
	// offsets[i] is the integral up to steps[i].k and stepPrim[i] the
	// primitive there, so integral() only has to add the current segment.
	offsets  []float64
	stepPrim []float64
	key      uint64
	noise    float64 // fraction of the neighbouring increments, < 0.5
}

func newFlow(base, c0 float64, waves []wave, steps []mstep, key uint64, noise float64) *flow {
	if len(waves) > maxWaves {
		panic("series: too many waves in a flow")
	}
	f := &flow{base: base, c0: c0, waves: waves, steps: steps, key: key, noise: noise}
	f.offsets = make([]float64, len(steps))
	f.stepPrim = make([]float64, len(steps))
	mult := 1.0
	acc := 0.0
	for i, s := range steps {
		p := f.primitive(s.k)
		if i == 0 {
			acc = mult * p
		} else {
			acc += mult * (p - f.stepPrim[i-1])
		}
		f.offsets[i], f.stepPrim[i] = acc, p
		mult = s.mult
	}
	return f
}

// primitive is an antiderivative of the unmultiplied rate at grid index k.
func (f *flow) primitive(k int64) float64 {
	v := f.c0 * float64(k*gridSec)
	for j := range f.waves {
		w := &f.waves[j]
		v += w.primAmp * w.tab.sin[w.phase(k)]
	}
	return f.base * v
}

// segment finds the multiplier step in force at grid index k (-1: none).
func (f *flow) segment(k int64) int {
	if len(f.steps) > 8 {
		// A daily story's steps: hundreds.
		return sort.Search(len(f.steps), func(j int) bool { return f.steps[j].k > k }) - 1
	}
	i := -1
	for j, s := range f.steps {
		if s.k > k {
			break
		}
		i = j
	}
	return i
}

// integral is the exact integral of the rate up to grid index k, from an
// arbitrary but fixed origin: only differences are meaningful.
func (f *flow) integral(k int64) float64 {
	return f.multiplied(k, f.primitive(k))
}

// integrals3 is integral at k-1, k and k+1, with one phase computation per
// wave instead of three. Each sum is formed in the same order as
// primitive's, so the values are the very same floats.
func (f *flow) integrals3(k int64) (prev, cur, next float64) {
	lin := f.c0 * float64(k*gridSec)
	pv, cv, nv := f.c0*float64((k-1)*gridSec), lin, f.c0*float64((k+1)*gridSec)
	for j := range f.waves {
		w := &f.waves[j]
		i := w.phase(k)
		ip, in := i-1, i+1
		if ip < 0 {
			ip += w.period
		}
		if in == w.period {
			in = 0
		}
		pv += w.primAmp * w.tab.sin[ip]
		cv += w.primAmp * w.tab.sin[i]
		nv += w.primAmp * w.tab.sin[in]
	}
	return f.multiplied(k-1, f.base*pv), f.multiplied(k, f.base*cv), f.multiplied(k+1, f.base*nv)
}

// multiplied turns the primitive p at k into the integral at k.
func (f *flow) multiplied(k int64, p float64) float64 {
	if len(f.steps) == 0 {
		return p
	}
	i := f.segment(k)
	if i < 0 {
		return p
	}
	return f.offsets[i] + f.steps[i].mult*(p-f.stepPrim[i])
}

// rateAt is the instantaneous rate at grid index k, for gauges that follow
// the traffic.
func (f *flow) rateAt(k int64) float64 {
	v := f.c0
	for j := range f.waves {
		w := &f.waves[j]
		v += w.amp * w.tab.cos[w.phase(k)]
	}
	mult := 1.0
	if i := f.segment(k); i >= 0 {
		mult = f.steps[i].mult
	}
	return f.base * mult * v
}

// noisy is the counter before resets: the integral plus noise no larger
// than f.noise of either neighbouring increment, so every increment keeps at
// least 1-2*f.noise of its true size.
func (f *flow) noisy(k int64, prev, cur, next float64) float64 {
	span := min(cur-prev, next-cur)
	return cur + f.noise*span*(2*unit(f.key, uint64(k))-1)
}

// at evaluates noisy at k without a cursor.
func (f *flow) at(k int64) float64 {
	prev, cur, next := f.integrals3(k)
	return f.noisy(k, prev, cur, next)
}

// cursor evaluates a flow at increasing grid indexes, reusing the
// integrals it already has when it moves one step.
type cursor struct {
	f               *flow
	k               int64
	prev, cur, next float64
	valid           bool
}

func (c *cursor) at(k int64) float64 {
	switch {
	case c.valid && k == c.k:
	case c.valid && k == c.k+1:
		c.prev, c.cur = c.cur, c.next
		c.next = c.f.integral(k + 1)
		c.k = k
	default:
		c.prev, c.cur, c.next = c.f.integrals3(k)
		c.k, c.valid = k, true
	}
	return c.f.noisy(k, c.prev, c.cur, c.next)
}

// dailyWaves is a traffic shape: the daily cycle peaking in the UTC
// afternoon plus slower and faster wobbles whose periods and phases come
// from key, so that no two series look alike. The wave amplitudes sum to
// less than 1, keeping rates positive with c0 = 1.
func dailyWaves(key uint64, daily float64) []wave {
	ws := []wave{newWave(daily, 86400/gridSec, peakSecondOfDay/gridSec)}
	wobbles := []struct {
		minPeriod, maxPeriod float64
		amp                  float64
		// quantum rounds the period, in grid steps, so that few distinct
		// periods (and sine tables) exist.
		quantum int64
	}{
		{5 * 60, 15 * 60, 0.05, 1},
		{30 * 60, 90 * 60, 0.07, 2},
		{3 * 3600, 5 * 3600, 0.06, 8},
	}
	for i, w := range wobbles {
		seconds := w.minPeriod + (w.maxPeriod-w.minPeriod)*unit(key, uint64(1000+i))
		period := int64(math.Round(seconds/gridSec/float64(w.quantum))) * w.quantum
		ws = append(ws, newWave(w.amp, period, int64(float64(period)*unit(key, uint64(2000+i)))))
	}
	return ws
}

// gaugeNoise is a deterministic jitter in [-1, 1) for gauge samples.
func gaugeNoise(key uint64, k int64) float64 {
	return 2*unit(key, uint64(k)) - 1
}
