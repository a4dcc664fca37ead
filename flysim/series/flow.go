package series

import (
	"math"
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

// wave is one sinusoidal term of a rate: amp * cos(omega*(t - shift)).
type wave struct {
	amp, omega, shift float64
}

// maxWaves bounds a flow's waves, so their state fits in fixed arrays.
const maxWaves = 4

// anchorEvery is how often (in grid steps) the waves' phases are computed
// exactly; between anchors they are rotated one step at a time, which is
// much cheaper than sin. Every evaluation of index k takes the same path
// (exact at the anchor below k, then k-anchor rotations), so a value never
// depends on where a query started.
const anchorEvery = 64

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
	// One grid step's rotation of each wave.
	rotSin, rotCos [maxWaves]float64
	key            uint64
	noise          float64 // fraction of the neighbouring increments, < 0.5
}

func newFlow(base, c0 float64, waves []wave, steps []mstep, key uint64, noise float64) *flow {
	if len(waves) > maxWaves {
		panic("series: too many waves in a flow")
	}
	f := &flow{base: base, c0: c0, waves: waves, steps: steps, key: key, noise: noise}
	for j, w := range waves {
		f.rotSin[j], f.rotCos[j] = math.Sincos(w.omega * gridSec)
	}
	f.offsets = make([]float64, len(steps))
	f.stepPrim = make([]float64, len(steps))
	mult := 1.0
	acc := 0.0
	var ws waveState
	for i, s := range steps {
		p := f.primitive(s.k, &ws)
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

// waveState holds sin and cos of every wave's phase at grid index k.
type waveState struct {
	k     int64
	s, c  [maxWaves]float64
	valid bool
}

func (f *flow) advanceWaves(ws *waveState, k int64) {
	if ws.valid && k == ws.k {
		return
	}
	if ws.valid && k == ws.k+1 && k%anchorEvery != 0 {
		for j := range f.waves {
			s, c := ws.s[j], ws.c[j]
			ws.s[j] = s*f.rotCos[j] + c*f.rotSin[j]
			ws.c[j] = c*f.rotCos[j] - s*f.rotSin[j]
		}
		ws.k = k
		return
	}
	anchor := k - ((k%anchorEvery)+anchorEvery)%anchorEvery
	for j, w := range f.waves {
		ws.s[j], ws.c[j] = math.Sincos(w.omega * (float64(anchor*gridSec) - w.shift))
	}
	ws.k, ws.valid = anchor, true
	for i := anchor + 1; i <= k; i++ {
		f.advanceWaves(ws, i)
	}
}

// primitive is an antiderivative of the unmultiplied rate at grid index k.
func (f *flow) primitive(k int64, ws *waveState) float64 {
	f.advanceWaves(ws, k)
	v := f.c0 * float64(k*gridSec)
	for j, w := range f.waves {
		v += w.amp / w.omega * ws.s[j]
	}
	return f.base * v
}

// segment finds the multiplier step in force at grid index k (-1: none).
func (f *flow) segment(k int64) int {
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
func (f *flow) integral(k int64, ws *waveState) float64 {
	p := f.primitive(k, ws)
	i := f.segment(k)
	if i < 0 {
		return p
	}
	return f.offsets[i] + f.steps[i].mult*(p-f.stepPrim[i])
}

// rateAt is the instantaneous rate at grid index k, for gauges that follow
// the traffic; ws makes walking along the grid cheap.
func (f *flow) rateAt(k int64, ws *waveState) float64 {
	f.advanceWaves(ws, k)
	v := f.c0
	for j, w := range f.waves {
		v += w.amp * ws.c[j]
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
	var ws waveState
	prev := f.integral(k-1, &ws)
	cur := f.integral(k, &ws)
	return f.noisy(k, prev, cur, f.integral(k+1, &ws))
}

// cursor evaluates a flow at increasing grid indexes, reusing the two
// integrals it already has: iterators walk series sample by sample.
type cursor struct {
	f               *flow
	k               int64
	prev, cur, next float64
	valid           bool
	ws              waveState // at k+1
}

func (c *cursor) at(k int64) float64 {
	switch {
	case c.valid && k == c.k:
	case c.valid && k == c.k+1:
		c.prev, c.cur = c.cur, c.next
		c.next = c.f.integral(k+1, &c.ws)
		c.k = k
	default:
		c.ws.valid = false
		c.prev = c.f.integral(k-1, &c.ws)
		c.cur = c.f.integral(k, &c.ws)
		c.next = c.f.integral(k+1, &c.ws)
		c.k, c.valid = k, true
	}
	return c.f.noisy(k, c.prev, c.cur, c.next)
}

// dailyWaves is a traffic shape: the daily cycle peaking in the UTC
// afternoon plus slower and faster wobbles whose periods and phases come
// from key, so that no two series look alike. The wave amplitudes sum to
// less than 1, keeping rates positive with c0 = 1.
func dailyWaves(key uint64, daily float64) []wave {
	ws := []wave{{amp: daily, omega: dayOmega, shift: peakSecondOfDay}}
	wobbles := []struct{ minPeriod, maxPeriod, amp float64 }{
		{5 * 60, 15 * 60, 0.05},
		{30 * 60, 90 * 60, 0.07},
		{3 * 3600, 5 * 3600, 0.06},
	}
	for i, w := range wobbles {
		period := w.minPeriod + (w.maxPeriod-w.minPeriod)*unit(key, uint64(1000+i))
		ws = append(ws, wave{amp: w.amp, omega: 2 * math.Pi / period, shift: period * unit(key, uint64(2000+i))})
	}
	return ws
}

// gaugeNoise is a deterministic jitter in [-1, 1) for gauge samples.
func gaugeNoise(key uint64, k int64) float64 {
	return 2*unit(key, uint64(k)) - 1
}
