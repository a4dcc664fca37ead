package series

import (
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

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
	// distinct, with firstOnly, is the structural label a label query asks
	// the values of: an owner whose value is in seen adds none, so its
	// series are not even listed (one per app answers /label/app/values).
	distinct string
	seen     map[string]bool
	// streams counts the streams whose columns were emitted.
	streams int
}

// fresh reports whether an owner whose label values are kv (name, value
// pairs) can add a value to a distinct-values query, and marks it seen.
func (b *builder) fresh(kv ...string) bool {
	if !b.firstOnly || b.distinct == "" {
		return true
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == b.distinct {
			if b.seen[kv[i+1]] {
				return false
			}
			if b.seen == nil {
				b.seen = map[string]bool{}
			}
			b.seen[kv[i+1]] = true
			return true
		}
	}
	return true
}

func (b *builder) enough() bool { return b.firstOnly && b.emitted }

// join builds the labels of three parts, without concatenating them.
func (b *builder) join(base, kv, extra []string) labels.Labels {
	b.sb.Reset()
	for _, part := range [3][]string{base, kv, extra} {
		for i := 0; i+1 < len(part); i += 2 {
			b.sb.Add(part[i], part[i+1])
		}
	}
	b.sb.Sort()
	return b.sb.Labels()
}

// emitter hands one family's series on one owner to the Select: base holds
// the owner's labels and the metric name.
type emitter struct {
	name  string
	base  []string
	sel   *selector
	spans []span
	b     *builder
	emit  func(*seriesDesc)
}

// add emits the series base+kv when the matchers accept it; it reports
// false once a label query has what it needs.
func (e *emitter) add(resets bool, eval func() evaluator, kv ...string) bool {
	return e.add2(resets, eval, kv, nil)
}

// add2 is add with the labels in two parts (a histogram's and its le).
func (e *emitter) add2(resets bool, eval func() evaluator, kv, extra []string) bool {
	if e.b.enough() {
		return false
	}
	ls := e.b.join(e.base, kv, extra)
	if e.sel.matches(ls) {
		e.emit(&seriesDesc{lset: ls, spans: e.spans, resets: resets, eval: eval})
		return true
	}
	return false
}

// histogram emits the part of a stream-backed histogram (or of the
// responses counter that counts the same stream) that the family names.
// Every part integrates the same stream, so the +Inf bucket, _count and the
// responses counter agree exactly.
func (e *emitter) histogram(responses, histogram string, bk *buckets, kv []string, mk func() *stream) {
	counted := false
	column := func(col int) func() evaluator {
		return func() evaluator { return newColumnEval(mk(), col, e.b.rows) }
	}
	one := func(col int, extra ...string) {
		if e.add2(false, column(col), kv, extra) && !counted {
			e.b.streams++
			counted = true
		}
	}
	switch e.name {
	case responses, histogram + "_count":
		one(bk.countColumn())
	case histogram + "_sum":
		one(sumColumn)
	case histogram + "_bucket":
		for i, le := range bk.labels {
			if e.b.enough() {
				return
			}
			one(i, "le", le)
		}
	}
}

// lazyStream builds a stream on first use and then shares it between the
// series of one label set, so they can share its rows.
func lazyStream(mk func() *stream) func() *stream {
	var st *stream
	return func() *stream {
		if st == nil {
			st = mk()
		}
		return st
	}
}

// enumerate calls emit for every series of am that sel matches and that has
// samples in [mint, maxt]. Nothing is sampled here: evaluators are built
// lazily by the iterators.
func (am *appModel) enumerate(sel *selector, fams []family, mint, maxt int64, b *builder, emit func(*seriesDesc)) {
	if !matchAll(sel.app, am.app.Name) {
		return
	}
	e := &emitter{sel: sel, b: b, emit: emit}
	for _, f := range fams {
		e.name = f.name
		switch f.scope {
		case scopeEdgeHTTP:
			if !am.app.HTTP {
				continue
			}
			for _, r := range am.regions {
				if !matchAll(sel.region, r.name) || !matchAll(sel.host, r.edgeHost) || !matchAll(sel.instance, "") {
					continue
				}
				e.spans = []span{r.life}
				if !overlaps(e.spans, mint, maxt) {
					continue
				}
				if !b.fresh(model.MetricNameLabel, f.name, "app", am.app.Name, "region", r.name, "host", r.edgeHost, "instance", "") {
					continue
				}
				b.emitted = false
				e.base = am.labels("region", r.name, "host", r.edgeHost, "proxy_id", proxyID(r.edgeHost), model.MetricNameLabel, f.name)
				f.region(r, e)
			}
		case scopeVolume:
			for _, v := range am.volumes {
				if !matchAll(sel.region, v.v.Region) || !matchAll(sel.host, v.host) || !matchAll(sel.instance, "") {
					continue
				}
				e.spans = []span{v.life}
				if !overlaps(e.spans, mint, maxt) {
					continue
				}
				if !b.fresh(model.MetricNameLabel, f.name, "app", am.app.Name, "region", v.v.Region, "host", v.host, "instance", "") {
					continue
				}
				b.emitted = false
				e.base = am.labels("region", v.v.Region, "host", v.host, "id", v.v.ID, model.MetricNameLabel, f.name)
				f.volume(v, e)
			}
		default:
			if f.scope == scopeInstanceHTTP && !am.app.HTTP {
				continue
			}
			for _, mm := range am.machines {
				if !matchAll(sel.region, mm.m.Region) || !matchAll(sel.host, mm.m.Host) || !matchAll(sel.instance, mm.m.ID) {
					continue
				}
				e.spans = []span{mm.life}
				if f.scope == scopeMachineRunning {
					e.spans = mm.running
				}
				if !overlaps(e.spans, mint, maxt) {
					continue
				}
				if !b.fresh(model.MetricNameLabel, f.name, "app", am.app.Name, "region", mm.m.Region, "host", mm.m.Host, "instance", mm.m.ID) {
					continue
				}
				b.emitted = false
				e.base = am.labels("region", mm.m.Region, "host", mm.m.Host, "instance", mm.m.ID, model.MetricNameLabel, f.name)
				if f.scope == scopeInstanceHTTP {
					e.base = append(e.base, "proxy_id", proxyID(mm.m.Host))
				}
				f.machine(mm, e)
			}
		}
	}
}

// proxyID is the colour of the Fly proxy on a host: Fly runs a blue and a
// green proxy and flips between them on a restart or update; flysim keeps
// each host's colour, so proxy series never churn (docs/flysim.md).
func proxyID(host string) string {
	if hashKey("proxy", host)&1 == 0 {
		return "blue"
	}
	return "green"
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
