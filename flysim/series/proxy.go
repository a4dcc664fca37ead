package series

import (
	"math"
	"sort"

	"github.com/flydash/dashboard/flysim/fleet"
)

// Fly's proxy series: fly_app_* per instance of an app with a service,
// fly_edge_* per edge region. Both carry proxy_id (enumerate adds it).

// Constants of the proxy's traffic, per HTTP response.
const (
	// connsPerRequest: clients keep connections alive, so a new TCP
	// connection carries about eight requests.
	connsPerRequest = 0.125
	tlsShare        = 0.95  // of connections, the rest is plain HTTP on :80
	tlsErrorShare   = 0.002 // of handshakes
	responseBytes   = 14000
	requestBytes    = 1800
	// proxyErrorShare is the share of the edge's 5xx the proxy itself
	// answers (502s and 503s: no machine could), fly_edge_error_count.
	proxyErrorShare    = 0.25
	connectMedianSec   = 0.0008
	handshakeMedianSec = 0.018
	tlsQueueMedianSec  = 0.0003
)

// tlsVersions stand in for the statuses of a handshake histogram, named
// as Fly's proxy reports them ("TLSv1.3").
var tlsVersions = []status{{"TLSv1.3", 0.93, 1, false}, {"TLSv1.2", 0.07, 1.3, false}}

// oneClass is the status of a histogram without one (connect time, TLS
// queue time): every event in one class of latency 1.
var oneClass = status{"", 1, 1, false}

func proxyFamilies() []family {
	out := []family{{name: AppResponses, scope: scopeInstanceHTTP, machine: (*machineModel).httpSeries}}
	out = append(out, histogramFamilies(AppResponseTime, scopeInstanceHTTP, (*machineModel).httpSeries, nil)...)
	out = append(out,
		machineGauge(AppConcurrency, scopeInstanceHTTP, (*machineModel).concurrency),
		family{name: AppSoftLimit, scope: scopeInstanceHTTP, machine: func(mm *machineModel, e *emitter) {
			e.add(false, func() evaluator { return mm.limitCounter(false) })
		}},
		family{name: AppHardLimit, scope: scopeInstanceHTTP, machine: func(mm *machineModel, e *emitter) {
			e.add(false, func() evaluator { return mm.limitCounter(true) })
		}},
		family{name: "fly_app_tcp_connects_count", scope: scopeInstanceHTTP, machine: func(mm *machineModel, e *emitter) {
			e.add(false, func() evaluator { return mm.connections(0) })
		}},
		family{name: "fly_app_tcp_disconnects_count", scope: scopeInstanceHTTP, machine: func(mm *machineModel, e *emitter) {
			e.add(false, func() evaluator { return mm.connections(1) })
		}},
	)
	connect := func(mm *machineModel, e *emitter) {
		am := mm.app
		key := hashKey(am.app.Name, mm.m.ID, "connect")
		rate := am.rate * mm.trafficShare() * connsPerRequest
		e.histogram("", "fly_app_connect_time_seconds", connectBuckets, nil, lazyStream(func() *stream {
			return newStream(key, connectBuckets, rate, connectMedianSec, 0, oneClass, nil, nil)
		}))
	}
	return append(out, histogramFamilies("fly_app_connect_time_seconds", scopeInstanceHTTP, connect, nil)...)
}

func edgeFamilies() []family {
	out := []family{{name: EdgeResponses, scope: scopeEdgeHTTP, region: (*regionModel).httpSeries}}
	out = append(out, histogramFamilies(EdgeResponseTime, scopeEdgeHTTP, nil, (*regionModel).httpSeries)...)
	// Counters that follow the region's responses, as weights on its
	// streams: bytes per response, connections per response...
	follow := func(name string, weight func(st status) float64, lag int64) family {
		return family{name: name, scope: scopeEdgeHTTP, region: func(r *regionModel, e *emitter) {
			e.add(false, func() evaluator { return r.following(weight, lag) })
		}}
	}
	all := func(w float64) func(status) float64 { return func(status) float64 { return w } }
	out = append(out,
		follow("fly_edge_data_out", all(responseBytes), 0),
		follow("fly_edge_data_in", all(requestBytes), 0),
		follow("fly_edge_tcp_connects_count", all(connsPerRequest), 0),
		// A connection closes a scrape or so after it opened.
		follow("fly_edge_tcp_disconnects_count", all(connsPerRequest), 1),
		follow("fly_edge_error_count", func(st status) float64 {
			if st.fivexx {
				return proxyErrorShare
			}
			return 0
		}, 0),
		family{name: "fly_edge_tls_handshake_errors", scope: scopeEdgeHTTP, region: func(r *regionModel, e *emitter) {
			e.add(false, func() evaluator {
				return r.following(all(connsPerRequest*tlsShare*tlsErrorShare), 0)
			}, "servername", r.app.app.Name+".fly.dev")
		}},
	)
	handshake := func(r *regionModel, e *emitter) {
		for _, v := range tlsVersions {
			key := hashKey(r.app.app.Name, r.name, "tls", v.value)
			rate := r.app.rate * r.share * connsPerRequest * tlsShare
			e.histogram("", "fly_edge_tls_handshake_time_seconds", handshakeBuckets, []string{"version", v.value}, lazyStream(func() *stream {
				return newStream(key, handshakeBuckets, rate, handshakeMedianSec, 0, v, nil, nil)
			}))
		}
	}
	queue := func(r *regionModel, e *emitter) {
		key := hashKey(r.app.app.Name, r.name, "tls-queue")
		rate := r.app.rate * r.share * connsPerRequest * tlsShare
		e.histogram("", "fly_edge_tls_queue_time_seconds", queueBuckets, nil, lazyStream(func() *stream {
			return newStream(key, queueBuckets, rate, tlsQueueMedianSec, 0, oneClass, nil, r.limitRegimes)
		}))
	}
	out = append(out, histogramFamilies("fly_edge_tls_handshake_time_seconds", scopeEdgeHTTP, nil, handshake)...)
	return append(out, histogramFamilies("fly_edge_tls_queue_time_seconds", scopeEdgeHTTP, nil, queue)...)
}

// streams are the region's responses, one stream per status, as the edge
// series count them.
func (r *regionModel) stream(st status) *stream {
	am := r.app
	key := hashKey(am.app.Name, r.name, "edge", st.value)
	return newStream(key, responseBuckets, am.rate*r.share, am.latency, edgeOverheadSec, st, r.statusSteps(st), r.latency)
}

func (r *regionModel) httpSeries(e *emitter) {
	for _, st := range statuses {
		if e.b.enough() {
			return
		}
		e.histogram(EdgeResponses, EdgeResponseTime, responseBuckets, []string{"status", st.value}, lazyStream(func() *stream { return r.stream(st) }))
	}
}

func (mm *machineModel) httpSeries(e *emitter) {
	am := mm.app
	rate := am.rate * mm.trafficShare()
	for _, st := range statuses {
		if e.b.enough() {
			return
		}
		key := hashKey(am.app.Name, mm.m.ID, "app", st.value)
		e.histogram(AppResponses, AppResponseTime, responseBuckets, []string{"status", st.value}, lazyStream(func() *stream {
			return newStream(key, responseBuckets, rate, am.latency, 0, st, am.statusSteps(st), mm.region.latency)
		}))
	}
}

// following is a counter over the region's response flows, weight per
// response of each status, read lag grid steps late.
func (r *regionModel) following(weight func(st status) float64, lag int64) evaluator {
	e := &weightedCounter{lag: lag}
	for _, st := range statuses {
		w := weight(st)
		if w == 0 {
			continue
		}
		s := r.stream(st)
		for _, f := range s.flows {
			e.cursors = append(e.cursors, cursor{f: f})
			e.weights = append(e.weights, w)
		}
	}
	return e
}

// weightedCounter is a counter over a weighted sum of flows.
type weightedCounter struct {
	cursors []cursor
	weights []float64
	lag     int64
	kb      int64
	atKB    float64
	ready   bool
}

func (e *weightedCounter) sum(k int64) float64 {
	v := 0.0
	for i := range e.cursors {
		v += e.weights[i] * e.cursors[i].at(k)
	}
	return v
}

func (e *weightedCounter) value(k, kb, _ int64) float64 {
	if !e.ready || kb != e.kb {
		e.kb, e.ready = kb, true
		e.atKB = 0
		for i := range e.cursors {
			e.atKB += e.weights[i] * e.cursors[i].f.at(kb)
		}
	}
	if k-e.lag < kb {
		return 0
	}
	return math.Max(0, math.Floor(e.sum(k-e.lag)-e.atKB))
}

// trafficShare is the share of its app's requests an instance serves.
func (mm *machineModel) trafficShare() float64 {
	return mm.region.share * mm.share
}

// connections counts the proxy's TCP connections to the instance; which 0
// counts opens, 1 closes (a scrape later).
func (mm *machineModel) connections(which int64) evaluator {
	am := mm.app
	key := hashKey(mm.m.ID, "tcp")
	f := newFlow(am.rate*mm.trafficShare()*connsPerRequest, 1, mm.trafficWaves(key), nil, key, counterNoise)
	return &weightedCounter{cursors: []cursor{{f: f}}, weights: []float64{1}, lag: which}
}

// trafficWaves is the shape of an instance's traffic: one day long exactly
// for apps whose proxy limits are modelled in one-day tables.
func (mm *machineModel) trafficWaves(key uint64) []wave {
	if mm.app.periodic {
		return periodicWaves(mm.app.key, fastDaily)
	}
	return dailyWaves(key, fastDaily)
}

// limits is the instance's service concurrency, Fly's default without one.
func (mm *machineModel) limits() fleet.Concurrency {
	c := fleet.DefaultConcurrency
	if mm.m.Concurrency != nil && mm.m.Concurrency.HardLimit > 0 {
		c = *mm.m.Concurrency
		c.SoftLimit = max(1, min(c.SoftLimit, c.HardLimit))
	}
	return c
}

// demand is the concurrency the instance's traffic asks for at k, before
// the proxy's limit: Little's law, arrival rate x time in system.
func (mm *machineModel) demand() func(k int64) float64 {
	am := mm.app
	key := hashKey(mm.m.ID, "concurrency")
	traffic := newFlow(am.rate*mm.trafficShare(), 1, mm.trafficWaves(key), nil, key, 0)
	return func(k int64) float64 { return traffic.rateAt(k) * am.latency * 1.4 }
}

// concurrency is fly_app_concurrency: the demand, with the latency in
// force (a throttled or slow machine holds requests longer), never above
// the hard limit: the proxy queues the rest.
func (mm *machineModel) concurrency() gaugeFunc {
	key := hashKey(mm.m.ID, "concurrency")
	demand := mm.demand()
	regimes := mm.region.latency
	hard := float64(mm.limits().HardLimit)
	return func(k int64) float64 {
		mult := 1.0
		if i := sort.Search(len(regimes), func(j int) bool { return regimes[j].k > k }); i > 0 {
			mult = regimes[i-1].mult
		}
		// In flight is a whole number; rounding at random keeps its
		// average the demand, however small.
		v := math.Floor(demand(k)*mult*(1+0.1*gaugeNoise(key, k)) + unit(key^0xc0, uint64(k)))
		return min(hard, max(0, v))
	}
}

// limitTable holds, over one day of grid steps, the arrivals that found
// the instance at its soft and hard limits: prefix sums, so that a counter
// at any k is whole days plus a partial day in O(1). Only apps with
// periodic traffic (one-day waves) reach their limits, so one day is all.
type limitTable struct {
	soft, hard []float64 // dayGrid+1 prefix sums
	// atHard marks the steps of the day the instance sits at its hard limit.
	atHard []bool
}

func (mm *machineModel) limitsReachable() bool {
	am := mm.app
	peak := am.rate * mm.trafficShare() * am.latency * 1.4 * (1 + wavesAmplitude(mm.trafficWaves(0)))
	return peak*1.1 >= float64(mm.limits().SoftLimit)
}

func (mm *machineModel) limitDay() *limitTable {
	mm.limitOnce.Do(func() {
		if !mm.limitsReachable() {
			return
		}
		am := mm.app
		key := hashKey(mm.m.ID, "concurrency")
		traffic := newFlow(am.rate*mm.trafficShare(), 1, mm.trafficWaves(key), nil, key, 0)
		demand := mm.demand()
		c := mm.limits()
		t := &limitTable{soft: make([]float64, dayGrid+1), hard: make([]float64, dayGrid+1), atHard: make([]bool, dayGrid)}
		for i := range int64(dayGrid) {
			d, arrivals := demand(i), traffic.rateAt(i)*gridSec
			t.soft[i+1], t.hard[i+1] = t.soft[i], t.hard[i]
			if d >= float64(c.SoftLimit) {
				t.soft[i+1] += arrivals
			}
			if d >= float64(c.HardLimit) {
				t.hard[i+1] += arrivals
				t.atHard[i] = true
			}
		}
		mm.limitTab = t
	})
	return mm.limitTab
}

// limitCounter counts the arrivals that found the instance at its soft
// (or hard) limit.
func (mm *machineModel) limitCounter(hard bool) evaluator {
	t := mm.limitDay()
	if t == nil {
		return zero()
	}
	prefix := t.soft
	if hard {
		prefix = t.hard
	}
	at := func(k int64) float64 {
		d := floorDiv(k, dayGrid)
		return float64(d)*prefix[dayGrid] + prefix[k-d*dayGrid]
	}
	return evalFunc(func(k, kb, _ int64) float64 { return math.Floor(at(k) - at(kb)) })
}

// evalFunc is an evaluator from a function of k and the counter's base.
type evalFunc func(k, kb, res int64) float64

func (f evalFunc) value(k, kb, res int64) float64 { return f(k, kb, res) }

// limitRuns are the steps of the day when some instance of the region sits
// at its hard limit: the edge queues, then refuses, what it cannot place.
func (r *regionModel) limitRuns() [][2]int64 {
	var at []bool
	for _, mm := range r.machines {
		t := mm.limitDay()
		if t == nil {
			continue
		}
		if at == nil {
			at = make([]bool, dayGrid)
		}
		for i, h := range t.atHard {
			at[i] = at[i] || h
		}
	}
	return runsOf(at)
}

// runsOf turns a day of flags into [from, to) runs of steps, joining runs
// up to a quarter of an hour apart (a queue does not drain in a minute).
func runsOf(at []bool) [][2]int64 {
	var runs [][2]int64
	for i := 0; i < len(at); i++ {
		if !at[i] {
			continue
		}
		j := i
		for j < len(at) && at[j] {
			j++
		}
		if n := len(runs); n > 0 && int64(i)-runs[n-1][1] <= 60 {
			runs[n-1][1] = int64(j)
		} else {
			runs = append(runs, [2]int64{int64(i), int64(j)})
		}
		i = j
	}
	return runs
}

// dailyRuns repeats runs of one day over the story's days, as multiplier
// steps: mult from each run's start, back to 1 at its end.
func dailyRuns(runs [][2]int64, days [2]int64, mult float64) []mstep {
	if len(runs) == 0 {
		return nil
	}
	var out []mstep
	for d := days[0]; d < days[1]; d++ {
		for _, r := range runs {
			out = append(out, mstep{d*dayGrid + r[0], mult}, mstep{d*dayGrid + r[1], 1})
		}
	}
	return out
}

// storyDays are the days a daily story repeats: the 15 days Fly keeps
// before its "peak" and a month after (the simulator runs for days), or
// from the app's creation when it has no peak. Bounded, since every
// repeat is a step each stream carries.
func (am *appModel) storyDays() [2]int64 {
	first := floorDiv(am.life.from, gridMs*dayGrid)
	if peak, ok := am.app.StoryTimes["peak"]; ok {
		d := floorDiv(msOf(peak), gridMs*dayGrid)
		return [2]int64{max(first, d-16), d + 31}
	}
	return [2]int64{first, first + 47}
}
