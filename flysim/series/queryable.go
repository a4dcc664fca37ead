// Package series synthesizes the metrics of a simulated Fly org on demand.
//
// Nothing is stored: every sample is a deterministic function of the fleet's
// ground truth (apps, machines, events, story moments), the series' labels
// and the time, on a 15 s grid. Memory therefore does not grow with history
// or with the number of apps, and a query only computes the series its
// matchers select. Counters come from rates with closed-form integrals, so
// a counter's value at any moment costs O(1).
package series

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"

	"github.com/flydash/dashboard/flysim/fleet"
)

// Source is the fleet's ground truth as the generator reads it.
type Source interface {
	Snapshot() []fleet.App
	Now() time.Time
}

// NewQueryable returns a storage.Queryable over src's synthesized metrics,
// for promql.Engine. Each Querier reads one snapshot of the fleet.
func NewQueryable(src Source) storage.Queryable {
	return queryable{src: src}
}

type queryable struct{ src Source }

func (q queryable) Querier(mint, maxt int64) (storage.Querier, error) {
	return newQuerier(q.src.Snapshot(), q.src.Now(), mint, maxt), nil
}

type querier struct {
	apps       []fleet.App
	nowK       int64 // last grid index with samples
	mint, maxt int64

	mu     sync.Mutex
	models map[int]*appModel
}

func newQuerier(apps []fleet.App, now time.Time, mint, maxt int64) *querier {
	return &querier{
		apps:   apps,
		nowK:   floorDiv(now.UnixMilli(), gridMs),
		mint:   mint,
		maxt:   min(maxt, now.UnixMilli()),
		models: map[int]*appModel{},
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func (q *querier) model(i int) *appModel {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.models[i]
	if m == nil {
		m = newAppModel(&q.apps[i])
		q.models[i] = m
	}
	return m
}

// structural labels are those shared by every series of a family on one
// machine (or, for fly_edge_*, one region).
func structural(name string) bool {
	switch name {
	case model.MetricNameLabel, "app", "region", "host", "instance":
		return true
	}
	return false
}

// labelDescs lists series for a label query about name (empty: all names):
// one per family and machine or region when neither name nor the matchers
// look deeper, which is what keeps /labels and /label/app/values cheap in a
// large org.
func (q *querier) labelDescs(name string, ms []*labels.Matcher) []*seriesDesc {
	firstOnly := name == "" || structural(name)
	for _, m := range ms {
		firstOnly = firstOnly && structural(m.Name)
	}
	return q.collect(q.mint, q.maxt, ms, firstOnly)
}

// descs lists the series matching ms with samples in [mint, maxt].
func (q *querier) descs(mint, maxt int64, ms []*labels.Matcher) []*seriesDesc {
	return q.collect(mint, maxt, ms, false)
}

func (q *querier) collect(mint, maxt int64, ms []*labels.Matcher, firstOnly bool) []*seriesDesc {
	mint, maxt = max(mint, q.mint), min(maxt, q.maxt)
	if mint > maxt {
		return nil
	}
	sel := newSelector(ms)
	fams := familiesMatching(sel.name)
	if len(fams) == 0 {
		return nil
	}
	var out []*seriesDesc
	b := builder{rows: &rowCache{}, firstOnly: firstOnly}
	for i := range q.apps {
		// The app matcher is checked before the model is built, so a query
		// on one app costs nothing for the others.
		if !matchAll(sel.app, q.apps[i].Name) {
			continue
		}
		q.model(i).enumerate(sel, fams, mint, maxt, &b, func(d *seriesDesc) {
			b.emitted = true
			out = append(out, d)
		})
	}
	return out
}

func (q *querier) Select(_ context.Context, sortSeries bool, hints *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	mint, maxt := q.mint, q.maxt
	if hints != nil {
		mint, maxt = max(mint, hints.Start), min(maxt, hints.End)
	}
	descs := q.descs(mint, maxt, ms)
	if sortSeries {
		slices.SortFunc(descs, func(a, b *seriesDesc) int { return labels.Compare(a.lset, b.lset) })
	}
	if hints != nil && hints.Func == "series" {
		// Metadata-only selects never read samples.
		mint, maxt = math.MaxInt64, math.MinInt64
	}
	return &seriesSet{descs: descs, mint: mint, maxt: maxt, nowK: q.nowK, i: -1}
}

func (q *querier) LabelValues(_ context.Context, name string, hints *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	seen := map[string]struct{}{}
	for _, d := range q.labelDescs(name, ms) {
		if v := d.lset.Get(name); v != "" {
			seen[v] = struct{}{}
		}
	}
	return sortedLimited(seen, hints), nil, nil
}

func (q *querier) LabelNames(_ context.Context, hints *storage.LabelHints, ms ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	seen := map[string]struct{}{}
	for _, d := range q.labelDescs("", ms) {
		d.lset.Range(func(l labels.Label) { seen[l.Name] = struct{}{} })
	}
	return sortedLimited(seen, hints), nil, nil
}

func sortedLimited(set map[string]struct{}, hints *storage.LabelHints) []string {
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	slices.Sort(out)
	if hints != nil && hints.Limit > 0 && len(out) > hints.Limit {
		out = out[:hints.Limit]
	}
	return out
}

func (q *querier) Close() error { return nil }

type seriesSet struct {
	descs      []*seriesDesc
	mint, maxt int64
	nowK       int64
	i          int
}

func (s *seriesSet) Next() bool {
	s.i++
	return s.i < len(s.descs)
}

func (s *seriesSet) At() storage.Series {
	return &series{desc: s.descs[s.i], mint: s.mint, maxt: s.maxt, nowK: s.nowK}
}

func (s *seriesSet) Err() error                        { return nil }
func (s *seriesSet) Warnings() annotations.Annotations { return nil }

type series struct {
	desc       *seriesDesc
	mint, maxt int64
	nowK       int64
}

func (s *series) Labels() labels.Labels { return s.desc.lset }

func (s *series) Iterator(chunkenc.Iterator) chunkenc.Iterator {
	return newIterator(s.desc, s.mint, s.maxt, s.nowK)
}

// run is the samples of one span, clipped to the query, on the grid:
// indexes [from, to), then a staleness marker at stale (-1: none), the way
// Prometheus marks a target that went away.
type run struct {
	from, to int64
	stale    int64
	kb       int64
	first    int // index of the run's first sample in the series
}

func (r run) len() int {
	n := int(r.to - r.from)
	if r.stale >= 0 {
		n++
	}
	return n
}

// lazySamples is a series' samples as storage.Samples: indexable in O(1),
// so storage's list iterator can seek by binary search, and computed only
// when a value is read.
type lazySamples struct {
	runs    []run
	n       int
	mk      func() evaluator
	eval    evaluator
	scratch lazySample
}

func newIterator(d *seriesDesc, mint, maxt int64, nowK int64) chunkenc.Iterator {
	ls := &lazySamples{mk: d.eval}
	ls.scratch.s = ls
	if mint <= maxt {
		kmin, kmax := gridCeil(mint), min(floorDiv(maxt, gridMs), nowK)
		for i, sp := range d.spans {
			k0, k1 := gridCeil(sp.from), gridCeil(sp.to)
			kb := k0
			if !d.resets {
				kb = gridCeil(d.spans[0].from)
			}
			r := run{from: max(k0, kmin), to: min(k1, kmax+1), stale: -1, kb: kb, first: ls.n}
			r.to = max(r.to, r.from)
			ended := sp.to != openEnd && k1 <= nowK
			nextStarts := i+1 < len(d.spans) && gridCeil(d.spans[i+1].from) <= k1
			if ended && !nextStarts && k1 >= kmin && k1 <= kmax {
				r.stale = k1
			}
			if r.len() > 0 {
				ls.runs = append(ls.runs, r)
				ls.n += r.len()
			}
		}
	}
	return storage.NewListSeriesIterator(ls)
}

func (ls *lazySamples) Len() int { return ls.n }

// Get returns a view that is only valid until the next Get: the list
// iterator reads each sample it gets at once.
func (ls *lazySamples) Get(i int) chunks.Sample {
	ri := len(ls.runs) - 1
	for ri > 0 && ls.runs[ri].first > i {
		ri--
	}
	ls.scratch.r = &ls.runs[ri]
	ls.scratch.k = ls.runs[ri].from + int64(i-ls.runs[ri].first)
	return &ls.scratch
}

type lazySample struct {
	s *lazySamples
	r *run
	k int64
}

func (x *lazySample) T() int64 { return x.k * gridMs }

func (x *lazySample) F() float64 {
	if x.k >= x.r.to {
		return math.Float64frombits(value.StaleNaN)
	}
	if x.s.eval == nil {
		x.s.eval = x.s.mk()
	}
	return x.s.eval.value(x.k, x.r.kb)
}

func (*lazySample) ST() int64                     { return 0 }
func (*lazySample) H() *histogram.Histogram       { return nil }
func (*lazySample) FH() *histogram.FloatHistogram { return nil }
func (*lazySample) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (x *lazySample) Copy() chunks.Sample         { c := *x; return &c }
