// Package series synthesizes the metrics of a simulated Fly org on demand.
//
// Nothing is stored: every sample is a deterministic function of the fleet's
// ground truth (apps, machines, events, story moments), the series' labels
// and the time, on a 15 s grid. Memory therefore does not grow with history
// or with the number of apps, and a query only computes the series its
// matchers select. Counters come from rates with closed-form integrals, so
// a counter's value at any moment costs O(1). A selector whose answer does
// not depend on every 15 s sample (rate over a long window, an instant
// selector at a coarse step) is served on a coarser grid of the same
// samples (see resolution.go), and histogram rows, the bulk of the work,
// are cached across queries (cache.go).
package series

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
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
func NewQueryable(src Source, opts ...Option) storage.Queryable {
	c := config{cacheFloats: DefaultCacheFloats}
	for _, o := range opts {
		o(&c)
	}
	return &queryable{src: src, cache: newBlockCache(c.cacheFloats), fineOnly: c.fineOnly}
}

// Option adjusts a Queryable.
type Option func(*config)

type config struct {
	cacheFloats int
	// fineOnly serves every selector on the 15 s grid, for tests that
	// compare the coarse grid's answers with it.
	fineOnly bool
}

// WithCacheFloats sizes the cache of synthesized histogram rows, in
// float64s; 0 turns it off.
func WithCacheFloats(n int) Option {
	return func(c *config) { c.cacheFloats = n }
}

type queryable struct {
	src      Source
	cache    *blockCache
	fineOnly bool
	// served counts the samples synthesized, for tests.
	served atomic.Int64
}

func (q *queryable) Querier(mint, maxt int64) (storage.Querier, error) {
	qr := newQuerier(q.src.Snapshot(), q.src.Now(), mint, maxt)
	qr.cache, qr.fineOnly, qr.served = q.cache, q.fineOnly, &q.served
	return qr, nil
}

type querier struct {
	apps       []fleet.App
	nowK       int64 // last grid index with samples
	mint, maxt int64

	mu       sync.Mutex
	models   map[int]*appModel
	cache    *blockCache // nil: none
	fineOnly bool
	served   *atomic.Int64 // nil: not counted
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
	return q.collect(q.mint, q.maxt, ms, &builder{rows: &rowCache{}, firstOnly: firstOnly, distinct: name})
}

// descs lists the series matching ms with samples in [mint, maxt], and the
// rows cache their evaluators share.
func (q *querier) descs(mint, maxt int64, ms []*labels.Matcher) ([]*seriesDesc, *builder) {
	b := &builder{rows: &rowCache{}}
	return q.collect(mint, maxt, ms, b), b
}

func (q *querier) collect(mint, maxt int64, ms []*labels.Matcher, b *builder) []*seriesDesc {
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
	for i := range q.apps {
		// The app matcher is checked before the model is built, so a query
		// on one app costs nothing for the others.
		if !matchAll(sel.app, q.apps[i].Name) {
			continue
		}
		q.model(i).enumerate(sel, fams, mint, maxt, b, func(d *seriesDesc) {
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
	descs, b := q.descs(mint, maxt, ms)
	if sortSeries {
		slices.SortFunc(descs, func(a, b *seriesDesc) int { return labels.Compare(a.lset, b.lset) })
	}
	if hints != nil && hints.Func == "series" {
		// Metadata-only selects never read samples.
		mint, maxt = math.MaxInt64, math.MinInt64
	}
	res, steady := resolution(hints, Lookback), steadyResolution(hints, Lookback)
	if q.fineOnly || hints == nil || hints.End > q.maxt {
		// Past now (or without hints) the last evaluation may fall between
		// coarse samples: only the usual grid is known to answer alike.
		steady = res
	}
	if q.fineOnly {
		res, steady = 1, 1
	}
	if mint <= maxt {
		blocks := int((maxt-mint)/(res*gridMs*blockRows)) + 2
		if q.cache.admits(b.streams * blocks * blockFloats) {
			b.rows.global = q.cache
		}
	}
	return &seriesSet{descs: descs, mint: mint, maxt: maxt, nowK: q.nowK, res: res, steadyRes: steady, i: -1, served: q.served}
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
	res        int64
	steadyRes  int64 // for series steady over [mint, maxt] (steadyResolution)
	i          int
	// The samples buffer handed out last, and the iterator holding it.
	lastIt  chunkenc.Iterator
	lastBuf []promql.FPoint
	served  *atomic.Int64
}

func (s *seriesSet) Next() bool {
	s.i++
	return s.i < len(s.descs)
}

func (s *seriesSet) At() storage.Series {
	return &series{desc: s.descs[s.i], set: s}
}

func (s *seriesSet) Err() error                        { return nil }
func (s *seriesSet) Warnings() annotations.Annotations { return nil }

// buffer returns a samples buffer for an iterator that will replace reuse.
// The buffer handed out last is free again once its iterator comes back as
// reuse: the caller is done with it.
func (s *seriesSet) buffer(reuse chunkenc.Iterator) []promql.FPoint {
	if reuse != nil && reuse == s.lastIt {
		return s.lastBuf[:0]
	}
	return nil
}

type series struct {
	desc *seriesDesc
	set  *seriesSet
}

func (s *series) Labels() labels.Labels { return s.desc.lset }

// Iterator synthesizes the series' samples in the Select's range at its
// resolution, then lets promql's own iterator walk them: the engine reads
// every sample it is given, and a plain slice is the cheapest way to give
// them.
func (s *series) Iterator(reuse chunkenc.Iterator) chunkenc.Iterator {
	set := s.set
	res := set.res
	if set.steadyRes != res && s.desc.steady(set.mint, set.maxt, set.nowK) {
		res = set.steadyRes
	}
	buf := appendSamples(set.buffer(reuse), s.desc, set.mint, set.maxt, set.nowK, res)
	it := promql.NewStorageSeries(promql.Series{Floats: buf}).Iterator(reuse)
	set.lastIt, set.lastBuf = it, buf
	if set.served != nil {
		set.served.Add(int64(len(buf)))
	}
	return it
}

// appendSamples appends the samples of d in [mint, maxt] at multiples of
// res grid steps: each span's samples, then a staleness marker where a span
// ends for good, the way Prometheus marks a target that went away.
func appendSamples(buf []promql.FPoint, d *seriesDesc, mint, maxt, nowK, res int64) []promql.FPoint {
	if mint > maxt {
		return buf
	}
	var eval evaluator
	kmin, kmax := gridCeil(mint), min(floorDiv(maxt, gridMs), nowK)
	for i, sp := range d.spans {
		k0, k1 := gridCeil(sp.from), gridCeil(sp.to)
		kb := k0
		if !d.resets {
			kb = gridCeil(d.spans[0].from)
		}
		from, to := ceilTo(max(k0, kmin), res), min(k1, kmax+1)
		if from < to {
			if eval == nil {
				eval = d.eval()
			}
			buf = slices.Grow(buf, int((to-from+res-1)/res)+1)
			if r, ok := eval.(runAppender); ok {
				buf = r.appendRun(buf, from, to, kb, res)
			} else {
				for k := from; k < to; k += res {
					buf = append(buf, promql.FPoint{T: k * gridMs, F: eval.value(k, kb, res)})
				}
			}
		}
		ended := sp.to != openEnd && k1 <= nowK
		nextStarts := i+1 < len(d.spans) && gridCeil(d.spans[i+1].from) <= k1
		if ended && !nextStarts && k1 >= kmin && k1 <= kmax {
			buf = append(buf, promql.FPoint{T: k1 * gridMs, F: math.Float64frombits(value.StaleNaN)})
		}
	}
	return buf
}

// steady reports whether d has samples at every grid point of [mint, maxt]
// from one span that began at or before mint: no start, stop, restart or
// staleness marker within, so a counter only grows there.
func (d *seriesDesc) steady(mint, maxt, nowK int64) bool {
	kmin, kmax := gridCeil(mint), min(floorDiv(maxt, gridMs), nowK)
	n := 0
	for _, sp := range d.spans {
		k0, k1 := gridCeil(sp.from), gridCeil(sp.to)
		if k1 <= kmin || k0 > kmax {
			continue
		}
		if n++; n > 1 || k0 > kmin || k1 <= kmax {
			return false
		}
	}
	return n == 1
}

// runAppender is an evaluator that appends a run of samples faster than
// one value call per sample.
type runAppender interface {
	appendRun(buf []promql.FPoint, from, to, kb, res int64) []promql.FPoint
}

// ceilTo rounds k up to a multiple of res.
func ceilTo(k, res int64) int64 {
	return -floorDiv(-k, res) * res
}
