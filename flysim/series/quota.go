package series

import (
	"math"
	"strconv"
)

// Fly's CPU quota (https://fly.io/docs/machines/cpu-performance/): a
// shared vCPU may use 5 ms of every 80 ms period (6.25%), a performance
// vCPU all 80 ms; a machine's quota is shared across its vCPUs. A shared
// machine accrues what it does not use into a burst balance (5 s at boot,
// at most 500 s, per vCPU here) and spends it above the baseline; with an
// empty balance the kernel throttles it to the baseline.
const (
	sharedQuota     = 0.0625
	startBalanceSec = 5
	maxBalanceSec   = 500
	// chartBusy is the CPU the dashboards count (every mode but idle and
	// steal) per unit of a vCPU's busy flow, as cpuEval splits it.
	chartBusy = 0.7*(1+0.01) + 0.3*(1+0.15+0.05+0.2)
	// dayGrid is a day in grid steps.
	dayGrid = 86400 / gridSec
)

// cpus is the number of vCPUs whose series a machine has.
func (mm *machineModel) cpus() int {
	return min(max(mm.m.CPUs, 1), 16)
}

func (mm *machineModel) shared() bool { return mm.m.CPUKind != "performance" }

// baseline is fly_instance_cpu_baseline, in CPUs.
func (mm *machineModel) baseline() float64 {
	n := float64(mm.cpus())
	if mm.shared() {
		return n * sharedQuota
	}
	return n
}

// busy is vCPU cpu's demand as a fraction of one vCPU, following its app's
// traffic; cpuEval splits it into modes. An app whose machines can outrun
// their quota has one-day waves (and the same on every machine), so that
// its quota is one day's table (see quotaRun).
func (mm *machineModel) busy(cpu int) *flow {
	mm.busyOnce.Do(func() {
		am := mm.app
		mm.busyFlows = make([]*flow, mm.cpus())
		for i := range mm.busyFlows {
			key := hashKey(mm.m.ID, "cpu", strconv.Itoa(i))
			base := am.cpu * between(key, 1, 0.8, 1.2)
			waves := dailyWaves(key, am.daily)
			if am.periodic {
				base, waves = am.cpu, periodicWaves(hashKey(am.app.Name, "cpu", strconv.Itoa(i)), am.daily)
			}
			mm.busyFlows[i] = newFlow(base, 1, waves, am.cpuSteps(), key, mm.cpuNoise(base, waves))
		}
	})
	return mm.busyFlows[cpu]
}

// cpuNoise keeps a throttled machine's counters monotonic: the noise is a
// share of the demand's increments, and a throttled machine uses a
// fraction of its demand, at least baseline/peak.
func (mm *machineModel) cpuNoise(base float64, waves []wave) float64 {
	peak := base * float64(mm.cpus()) * chartBusy * (1 + wavesAmplitude(waves)) * mm.app.maxCPUStep()
	if !mm.shared() || peak <= mm.baseline() {
		return counterNoise
	}
	return counterNoise * mm.baseline() / peak
}

// canThrottle reports whether the machine's demand can ever exceed its
// baseline; the others' balance has a closed form and no throttling.
func (mm *machineModel) canThrottle() bool {
	if !mm.shared() {
		return false
	}
	peak := 0.0
	for c := range mm.cpus() {
		f := mm.busy(c)
		peak += f.base * (1 + wavesAmplitude(f.waves))
	}
	return peak*chartBusy*mm.app.maxCPUStep() > mm.baseline()
}

func wavesAmplitude(ws []wave) float64 {
	a := 0.0
	for _, w := range ws {
		a += math.Abs(w.amp)
	}
	return a
}

// quotaRun is the quota of one boot of a throttling machine, simulated a
// step at a time from the boot for two days: the demand repeats daily, so
// from the first day on (once the balance has hit empty and full) every
// day is the second one again, plus a day's throttling per day.
type quotaRun struct {
	kb      int64
	balance []float64   // CPU-seconds, at kb+j
	thr     []float64   // throttled centiseconds since kb
	deficit [][]float64 // per vCPU: busy centiseconds the quota took away
}

const quotaSteps = 2 * dayGrid

func (mm *machineModel) quotaFor(kb int64) *quotaRun {
	mm.quotaMu.Lock()
	defer mm.quotaMu.Unlock()
	if q, ok := mm.quotas[kb]; ok {
		return q
	}
	n := mm.cpus()
	q := &quotaRun{kb: kb, balance: make([]float64, quotaSteps+1), thr: make([]float64, quotaSteps+1), deficit: make([][]float64, n)}
	for c := range q.deficit {
		q.deficit[c] = make([]float64, quotaSteps+1)
	}
	base := mm.baseline()
	balance, capacity := float64(n)*startBalanceSec, float64(n)*maxBalanceSec
	q.balance[0] = balance
	rates := make([]float64, n)
	for j := range quotaSteps {
		k := kb + int64(j)
		d := 0.0
		for c := range rates {
			rates[c] = mm.busy(c).rateAt(k)
			d += rates[c]
		}
		d *= chartBusy
		used := 1.0 // share of the demand the quota lets run
		switch need := (d - base) * gridSec; {
		case need <= 0:
			balance = min(capacity, balance-need)
		case balance >= need:
			balance -= need
		default:
			used = (balance + base*gridSec) / (d * gridSec)
			balance = 0
		}
		q.balance[j+1] = balance
		q.thr[j+1] = q.thr[j] + (1-used)*gridSec*100
		for c, r := range rates {
			q.deficit[c][j+1] = q.deficit[c][j] + (1-used)*r*gridSec*100
		}
	}
	if mm.quotas == nil {
		mm.quotas = map[int64]*quotaRun{}
	}
	mm.quotas[kb] = q
	return q
}

// at reads a cumulative column at k: within the simulated days directly,
// later as the second day again plus whole days of its increase.
func (q *quotaRun) at(col []float64, k int64, cumulative bool) float64 {
	j := k - q.kb
	switch {
	case j <= 0:
		return col[0]
	case j <= quotaSteps:
		return col[j]
	}
	days := (j - dayGrid) / dayGrid
	v := col[dayGrid+(j-dayGrid)%dayGrid]
	if cumulative {
		v += float64(days) * (col[quotaSteps] - col[dayGrid])
	}
	return v
}

// throttledRuns are the steps of a day (from midnight UTC) the machine
// spends throttled, from the steady second day of its first boot.
func (mm *machineModel) throttledRuns() [][2]int64 {
	if len(mm.running) == 0 || !mm.canThrottle() {
		return nil
	}
	q := mm.quotaFor(gridCeil(mm.running[0].from))
	at := make([]bool, dayGrid)
	for j := int64(dayGrid); j < quotaSteps; j++ {
		if q.thr[j+1] > q.thr[j] {
			k := q.kb + j
			at[k-floorDiv(k, dayGrid)*dayGrid] = true
		}
	}
	return runsOf(at)
}

// balanceEval is fly_instance_cpu_balance in centiseconds: a throttling
// machine's simulated balance; for the others, whose demand never exceeds
// the baseline, the closed form min(cap, start + baseline x t - used).
func (mm *machineModel) balanceEval() evaluator {
	if !mm.shared() {
		return zero()
	}
	n := float64(mm.cpus())
	if mm.canThrottle() {
		return mm.quotaColumn(func(q *quotaRun) []float64 { return q.balance }, false, math.Round, 100)
	}
	base := mm.baseline()
	return evalFunc(func(k, kb, _ int64) float64 {
		used := 0.0
		for c := range mm.cpus() {
			f := mm.busy(c)
			used += f.integral(k) - f.integral(kb)
		}
		b := n*startBalanceSec + base*float64((k-kb)*gridSec) - used*chartBusy
		return math.Round(min(n*maxBalanceSec, b) * 100)
	})
}

// throttleEval is fly_instance_cpu_throttle, centiseconds since boot.
func (mm *machineModel) throttleEval() evaluator {
	if !mm.canThrottle() {
		return zero()
	}
	return mm.quotaColumn(func(q *quotaRun) []float64 { return q.thr }, true, math.Floor, 1)
}

// quotaColumn reads one column of the boot's quota run.
func (mm *machineModel) quotaColumn(col func(q *quotaRun) []float64, cumulative bool, round func(float64) float64, scale float64) evaluator {
	var q *quotaRun
	return evalFunc(func(k, kb, _ int64) float64 {
		if q == nil || q.kb != kb {
			q = mm.quotaFor(kb)
		}
		return round(q.at(col(q), k, cumulative) * scale)
	})
}

// deficit is what the quota took from vCPU cpu's busy time since kb, in
// centiseconds; nil for a machine that never throttles.
func (mm *machineModel) deficit(cpu int) func(k, kb int64) float64 {
	if !mm.canThrottle() {
		return nil
	}
	return func(k, kb int64) float64 {
		q := mm.quotaFor(kb)
		return q.at(q.deficit[cpu], k, true)
	}
}

// periodicWaves is dailyWaves with wobbles whose periods divide a day, so
// the whole shape repeats every day to the grid step.
func periodicWaves(key uint64, daily float64) []wave {
	ws := []wave{newWave(daily, dayGrid, peakSecondOfDay/gridSec)}
	for i, w := range []struct {
		period int64
		amp    float64
	}{{40, 0.05}, {240, 0.07}, {960, 0.06}} {
		ws = append(ws, newWave(w.amp, w.period, int64(float64(w.period)*unit(key, uint64(2000+i)))))
	}
	return ws
}
