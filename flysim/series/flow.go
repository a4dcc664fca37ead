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
	// offsets[i] is the integral up to steps[i].k, so integral() only has to
	// add the current segment.
	offsets []float64
	key     uint64
	noise   float64 // fraction of the neighbouring increments, < 0.5
}

func newFlow(base, c0 float64, waves []wave, steps []mstep, key uint64, noise float64) *flow {
	f := &flow{base: base, c0: c0, waves: waves, steps: steps, key: key, noise: noise}
	f.offsets = make([]float64, len(steps))
	mult := 1.0
	acc := 0.0
	prev := math.Inf(-1)
	for i, s := range steps {
		t := float64(s.k * gridSec)
		if math.IsInf(prev, -1) {
			acc = mult * f.primitive(t)
		} else {
			acc += mult * (f.primitive(t) - f.primitive(prev))
		}
		f.offsets[i] = acc
		mult = s.mult
		prev = t
	}
	return f
}

// primitive is an antiderivative of the unmultiplied rate.
func (f *flow) primitive(t float64) float64 {
	v := f.c0 * t
	for _, w := range f.waves {
		v += w.amp / w.omega * math.Sin(w.omega*(t-w.shift))
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
func (f *flow) integral(k int64) float64 {
	t := float64(k * gridSec)
	i := f.segment(k)
	if i < 0 {
		return f.primitive(t)
	}
	s := f.steps[i]
	return f.offsets[i] + s.mult*(f.primitive(t)-f.primitive(float64(s.k*gridSec)))
}

// rateAt is the instantaneous rate at grid index k, for gauges that follow
// the traffic.
func (f *flow) rateAt(k int64) float64 {
	t := float64(k * gridSec)
	v := f.c0
	for _, w := range f.waves {
		v += w.amp * math.Cos(w.omega*(t-w.shift))
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

// at evaluates noisy at k without any cache.
func (f *flow) at(k int64) float64 {
	return f.noisy(k, f.integral(k-1), f.integral(k), f.integral(k+1))
}

// cursor evaluates a flow at increasing grid indexes, reusing the two
// integrals it already has: iterators walk series sample by sample.
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
		c.prev, c.cur, c.next = c.f.integral(k-1), c.f.integral(k), c.f.integral(k+1)
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
