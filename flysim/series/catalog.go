package series

import (
	"math"
	"slices"
	"strconv"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// Metric names, as Fly exposes them.
const (
	InstanceCPU          = "fly_instance_cpu"
	InstanceMemTotal     = "fly_instance_memory_mem_total"
	InstanceMemAvailable = "fly_instance_memory_mem_available"
	InstanceLoadAverage  = "fly_instance_load_average"
	InstanceNetRecvBytes = "fly_instance_net_recv_bytes"
	InstanceNetSentBytes = "fly_instance_net_sent_bytes"
	InstanceUp           = "fly_instance_up"
	InstanceExitOOM      = "fly_instance_exit_oom"
	EdgeResponses        = "fly_edge_http_responses_count"
	EdgeResponseTime     = "fly_edge_http_response_time_seconds"
	AppResponses         = "fly_app_http_responses_count"
	AppResponseTime      = "fly_app_http_response_time_seconds"
	AppConcurrency       = "fly_app_concurrency"
)

// scope says which fleet object a family has one series group per.
type scope int

const (
	scopeMachineRunning scope = iota // instance metrics: only while the machine runs
	scopeMachineLife                 // up, exit_oom: from creation to destruction
	scopeInstanceHTTP                // fly_app_*: per instance of an HTTP app
	scopeEdgeHTTP                    // fly_edge_*: per region of an HTTP app
)

type family struct {
	name  string
	scope scope
}

// families lists every metric the generator knows, in a stable order.
var families = []family{
	{InstanceCPU, scopeMachineRunning},
	{InstanceMemTotal, scopeMachineRunning},
	{InstanceMemAvailable, scopeMachineRunning},
	{InstanceLoadAverage, scopeMachineRunning},
	{InstanceNetRecvBytes, scopeMachineRunning},
	{InstanceNetSentBytes, scopeMachineRunning},
	{InstanceUp, scopeMachineLife},
	{InstanceExitOOM, scopeMachineLife},
	{AppResponses, scopeInstanceHTTP},
	{AppResponseTime + "_bucket", scopeInstanceHTTP},
	{AppResponseTime + "_sum", scopeInstanceHTTP},
	{AppResponseTime + "_count", scopeInstanceHTTP},
	{AppConcurrency, scopeInstanceHTTP},
	{EdgeResponses, scopeEdgeHTTP},
	{EdgeResponseTime + "_bucket", scopeEdgeHTTP},
	{EdgeResponseTime + "_sum", scopeEdgeHTTP},
	{EdgeResponseTime + "_count", scopeEdgeHTTP},
}

// MetricNames lists the metric names the generator can produce.
func MetricNames() []string {
	names := make([]string, len(families))
	for i, f := range families {
		names[i] = f.name
	}
	return names
}

// leLabels are the buckets' le values, formatted as client libraries do.
var leLabels = func() (out [len(leBounds)]string) {
	for i, le := range leBounds {
		out[i] = "+Inf"
		if !math.IsInf(le, 1) {
			out[i] = strconv.FormatFloat(le, 'f', -1, 64)
		}
	}
	return out
}()

// seriesDesc is one series, ready to be sampled.
type seriesDesc struct {
	lset  labels.Labels
	spans []span
	// resets makes counters start over at each span (a machine's reboot);
	// otherwise they count from the first span's start.
	resets bool
	eval   func() evaluator
}

// selector holds a Select's matchers, grouped so whole apps, machines and
// families can be skipped before any label set is built.
type selector struct {
	all                               []*labels.Matcher
	name, app, region, host, instance []*labels.Matcher
}

func newSelector(ms []*labels.Matcher) *selector {
	s := &selector{all: ms}
	for _, m := range ms {
		switch m.Name {
		case model.MetricNameLabel:
			s.name = append(s.name, m)
		case "app":
			s.app = append(s.app, m)
		case "region":
			s.region = append(s.region, m)
		case "host":
			s.host = append(s.host, m)
		case "instance":
			s.instance = append(s.instance, m)
		}
	}
	return s
}

func matchAll(ms []*labels.Matcher, v string) bool {
	for _, m := range ms {
		if !m.Matches(v) {
			return false
		}
	}
	return true
}

func (s *selector) matches(ls labels.Labels) bool {
	for _, m := range s.all {
		if !m.Matches(ls.Get(m.Name)) {
			return false
		}
	}
	return true
}

// builder assembles label sets; its scratch space is reused across series.
type builder struct {
	sb   labels.ScratchBuilder
	rows *rowCache
	// firstOnly asks for one series per family and machine or region:
	// enough to answer label questions about app, region, host, instance
	// and __name__, which are the same for all of them.
	firstOnly, emitted bool
	// streams counts the streams whose columns were emitted.
	streams int
}

func (b *builder) enough() bool { return b.firstOnly && b.emitted }

func (b *builder) build(kv ...string) labels.Labels {
	return b.extend(nil, kv...)
}

// extend builds the labels of base plus kv, without concatenating them.
func (b *builder) extend(base []string, kv ...string) labels.Labels {
	b.sb.Reset()
	for _, part := range [2][]string{base, kv} {
		for i := 0; i+1 < len(part); i += 2 {
			b.sb.Add(part[i], part[i+1])
		}
	}
	b.sb.Sort()
	return b.sb.Labels()
}

// enumerate calls emit for every series of am that sel matches and that has
// samples in [mint, maxt]. Nothing is sampled here: evaluators are built
// lazily by the iterators.
func (am *appModel) enumerate(sel *selector, fams []family, mint, maxt int64, b *builder, emit func(*seriesDesc)) {
	if !matchAll(sel.app, am.app.Name) {
		return
	}
	for _, f := range fams {
		switch f.scope {
		case scopeEdgeHTTP:
			if !am.app.HTTP {
				continue
			}
			for _, r := range am.regions {
				if !matchAll(sel.region, r.name) || !matchAll(sel.host, r.edgeHost) || !matchAll(sel.instance, "") {
					continue
				}
				spans := []span{r.life}
				if !overlaps(spans, mint, maxt) {
					continue
				}
				b.emitted = false
				r.httpSeries(f.name, sel, spans, b, emit)
			}
		default:
			if f.scope == scopeInstanceHTTP && !am.app.HTTP {
				continue
			}
			for _, mm := range am.machines {
				if !matchAll(sel.region, mm.m.Region) || !matchAll(sel.host, mm.m.Host) || !matchAll(sel.instance, mm.m.ID) {
					continue
				}
				spans := []span{mm.life}
				if f.scope == scopeMachineRunning {
					spans = mm.running
				}
				if !overlaps(spans, mint, maxt) {
					continue
				}
				b.emitted = false
				switch f.scope {
				case scopeInstanceHTTP:
					mm.httpSeries(f.name, sel, spans, b, emit)
				default:
					mm.instanceSeries(f.name, sel, spans, b, emit)
				}
			}
		}
	}
}

// overlaps reports whether any sample of spans (or the staleness marker
// ending one) can fall in [mint, maxt].
func overlaps(spans []span, mint, maxt int64) bool {
	for _, s := range spans {
		if s.from <= maxt && (s.to == openEnd || s.to+gridMs > mint) {
			return true
		}
	}
	return false
}

func (am *appModel) labels(kv ...string) []string {
	return append([]string{"app", am.app.Name}, kv...)
}

func (r *regionModel) httpSeries(name string, sel *selector, spans []span, b *builder, emit func(*seriesDesc)) {
	am := r.app
	rate := am.rate * r.share
	for _, st := range statuses {
		if b.enough() {
			return
		}
		key := hashKey(am.app.Name, r.name, "edge", st.code)
		base := am.labels("region", r.name, "host", r.edgeHost, "status", st.code)
		mk := lazyStream(func() *stream {
			return newStream(key, rate, am.latency, edgeOverheadSec, st, am.statusSteps(st), r.latency)
		})
		emitHTTP(name, EdgeResponses, EdgeResponseTime, base, sel, spans, b, mk, emit)
	}
}

func (mm *machineModel) httpSeries(name string, sel *selector, spans []span, b *builder, emit func(*seriesDesc)) {
	am := mm.app
	if name == AppConcurrency {
		ls := b.build(am.labels("region", mm.m.Region, "host", mm.m.Host, "instance", mm.m.ID, model.MetricNameLabel, name)...)
		if sel.matches(ls) {
			emit(&seriesDesc{lset: ls, spans: spans, eval: mm.concurrency})
		}
		return
	}
	rate := am.rate * mm.region.share * mm.share
	for _, st := range statuses {
		if b.enough() {
			return
		}
		key := hashKey(am.app.Name, mm.m.ID, "app", st.code)
		base := am.labels("region", mm.m.Region, "host", mm.m.Host, "instance", mm.m.ID, "status", st.code)
		mk := lazyStream(func() *stream {
			return newStream(key, rate, am.latency, 0, st, am.statusSteps(st), mm.region.latency)
		})
		emitHTTP(name, AppResponses, AppResponseTime, base, sel, spans, b, mk, emit)
	}
}

// lazyStream builds a stream on first use and then shares it between the
// series of one status, so they can share its rows.
func lazyStream(mk func() *stream) func() *stream {
	var st *stream
	return func() *stream {
		if st == nil {
			st = mk()
		}
		return st
	}
}

// emitHTTP emits the responses counter or one part of the response-time
// histogram for one status. Every part of it integrates the same stream, so
// the +Inf bucket, _count and the responses counter agree exactly.
func emitHTTP(name, responses, histogram string, base []string, sel *selector, spans []span, b *builder, mk func() *stream, emit func(*seriesDesc)) {
	counted := false
	one := func(ls labels.Labels, eval func() evaluator) {
		if sel.matches(ls) {
			emit(&seriesDesc{lset: ls, spans: spans, eval: eval})
			if !counted {
				b.streams++
				counted = true
			}
		}
	}
	column := func(col int) func() evaluator {
		return func() evaluator { return newColumnEval(mk(), col, b.rows) }
	}
	switch name {
	case responses, histogram + "_count":
		one(b.extend(base, model.MetricNameLabel, name), column(countColumn))
	case histogram + "_sum":
		one(b.extend(base, model.MetricNameLabel, name), column(sumColumn))
	case histogram + "_bucket":
		for i, le := range leLabels {
			if b.enough() {
				return
			}
			one(b.extend(base, model.MetricNameLabel, name, "le", le), column(i))
		}
	}
}

func (mm *machineModel) instanceSeries(name string, sel *selector, spans []span, b *builder, emit func(*seriesDesc)) {
	am := mm.app
	base := am.labels("region", mm.m.Region, "host", mm.m.Host, "instance", mm.m.ID, model.MetricNameLabel, name)
	one := func(ls labels.Labels, resets bool, eval func() evaluator) {
		if sel.matches(ls) {
			emit(&seriesDesc{lset: ls, spans: spans, resets: resets, eval: eval})
		}
	}
	switch name {
	case InstanceCPU:
		for cpu := range mm.cpus() {
			id := strconv.Itoa(cpu)
			for _, mode := range cpuModes {
				if b.enough() {
					return
				}
				one(b.build(append(base, "cpu_id", id, "mode", mode)...), true, func() evaluator { return mm.cpuEval(cpu, mode) })
			}
		}
	case InstanceMemTotal:
		one(b.build(base...), false, func() evaluator { return gaugeFunc(func(int64) float64 { return mm.memTotal }) })
	case InstanceMemAvailable:
		one(b.build(base...), false, func() evaluator {
			return gaugeFunc(func(k int64) float64 { return mm.memTotal - mm.memUsed(k) })
		})
	case InstanceLoadAverage:
		for _, minutes := range []string{"1", "5", "15"} {
			if b.enough() {
				return
			}
			one(b.build(append(base, "minutes", minutes)...), false, func() evaluator { return mm.loadAverage(minutes) })
		}
	case InstanceNetRecvBytes, InstanceNetSentBytes:
		one(b.build(append(base, "device", "eth0")...), true, func() evaluator { return mm.net(name) })
	case InstanceUp:
		one(b.build(base...), false, func() evaluator { return gaugeFunc(mm.up) })
	case InstanceExitOOM:
		one(b.build(base...), false, func() evaluator { return gaugeFunc(mm.exitOOM) })
	}
}

// cpus is the number of vCPUs whose series a machine has.
func (mm *machineModel) cpus() int {
	return min(max(mm.m.CPUs, 1), 16)
}

// busy is the machine's CPU use as a fraction of one vCPU, following its
// app's traffic; cpuEval splits it into modes.
func (mm *machineModel) busy(cpu int) *flow {
	key := hashKey(mm.m.ID, "cpu", strconv.Itoa(cpu))
	base := mm.app.cpu * between(key, 1, 0.8, 1.2)
	return newFlow(base, 1, dailyWaves(key, mm.app.daily), mm.app.cpuSteps(), key, counterNoise)
}

func (mm *machineModel) cpuEval(cpu int, mode string) evaluator {
	busy := mm.busy(cpu)
	user := newFlow(busy.base*100*0.7, 1, busy.waves, busy.steps, busy.key^1, counterNoise)
	system := newFlow(busy.base*100*0.3, 1, busy.waves, busy.steps, busy.key^2, counterNoise)
	return &cpuEval{user: cursor{f: user}, system: cursor{f: system}, mode: mode}
}

func (mm *machineModel) loadAverage(minutes string) evaluator {
	// Longer averages smooth more.
	jitter := map[string]float64{"1": 0.25, "5": 0.1, "15": 0.04}[minutes]
	flows := make([]*flow, mm.cpus())
	for i := range flows {
		flows[i] = mm.busy(i)
	}
	key := hashKey(mm.m.ID, "load", minutes)
	return gaugeFunc(func(k int64) float64 {
		load := 0.0
		for _, f := range flows {
			load += f.rateAt(k)
		}
		v := load * 1.3 * (1 + jitter*gaugeNoise(key, k))
		return math.Round(v*100) / 100
	})
}

// trafficShare is the share of its app's requests an instance serves.
func (mm *machineModel) trafficShare() float64 {
	return mm.region.share * mm.share
}

func (mm *machineModel) net(name string) evaluator {
	am := mm.app
	reqRate := am.rate * mm.trafficShare()
	background, perRequest := 1500.0, 1800.0
	if name == InstanceNetSentBytes {
		background, perRequest = 900, 14000
	}
	if !am.app.HTTP {
		background *= 40
		perRequest = 0
	}
	key := hashKey(mm.m.ID, name)
	// The background share stays flat; the request share follows traffic.
	base := background + perRequest*reqRate
	waves := dailyWaves(key, am.daily*perRequest*reqRate/base)
	return &counterEval{c: cursor{f: newFlow(base, 1, waves, nil, key, counterNoise)}}
}

func (mm *machineModel) concurrency() evaluator {
	am := mm.app
	key := hashKey(mm.m.ID, "concurrency")
	traffic := newFlow(am.rate*mm.trafficShare(), 1, dailyWaves(key, fastDaily), nil, key, 0)
	regimes := mm.region.latency
	return gaugeFunc(func(k int64) float64 {
		mult := 1.0
		for _, r := range regimes {
			if r.k <= k {
				mult = r.mult
			}
		}
		// Little's law: requests in flight = arrival rate x time in system.
		v := traffic.rateAt(k) * am.latency * mult * 1.4
		return max(0, math.Round(v*(1+0.3*gaugeNoise(key, k))))
	})
}

func (mm *machineModel) runningAt(ms int64) (span, bool) {
	for _, s := range mm.running {
		if ms >= s.from && ms < s.to {
			return s, true
		}
	}
	return span{}, false
}

func (mm *machineModel) up(k int64) float64 {
	if _, ok := mm.runningAt(k * gridMs); ok {
		return 1
	}
	return 0
}

// oomWindow is how long fly_instance_exit_oom reads 1 after a kill.
const oomWindow = 30_000

func (mm *machineModel) exitOOM(k int64) float64 {
	t := k * gridMs
	for _, e := range mm.oomExits {
		if t >= e && t < e+oomWindow {
			return 1
		}
	}
	return 0
}

// An OOM story's leak fills memory over leakDuration before the kill; after
// the restart it leaks again, more slowly (the fix was half right).
const (
	leakDuration      = 6 * 3600 * 1000
	leakAgainDuration = 12 * 3600 * 1000
)

// memUsed is mem_total - mem_available. A machine that is OOM-killed leaks
// up to its limit over the hours before the kill, and leaks again from its
// restart on.
func (mm *machineModel) memUsed(k int64) float64 {
	t := k * gridMs
	f := mm.memBase + 0.03*math.Cos(dayOmega*(float64(t/1000)-peakSecondOfDay)) + 0.005*gaugeNoise(mm.key, k)
	if len(mm.oomExits) > 0 {
		if s, ok := mm.runningAt(t); ok {
			full := 0.985
			for _, e := range mm.oomExits {
				if s.to == e {
					from := max(s.from, e-leakDuration)
					if t >= from {
						f = max(f, mm.memBase+(full-mm.memBase)*float64(t-from)/float64(e-from))
					}
				}
			}
			if slices.ContainsFunc(mm.oomExits, func(e int64) bool { return e < s.from }) {
				climb := mm.memBase + (full-mm.memBase)*float64(t-s.from)/leakAgainDuration
				f = max(f, min(climb, 0.92))
			}
		}
	}
	return math.Floor(f*mm.memTotal/4096) * 4096
}

// familiesMatching returns the families whose name the name matchers accept.
func familiesMatching(ms []*labels.Matcher) []family {
	var out []family
	for _, f := range families {
		if matchAll(ms, f.name) {
			out = append(out, f)
		}
	}
	return out
}
