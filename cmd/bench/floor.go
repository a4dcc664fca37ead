package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/promql"
)

// chartWidth is the app page's chart width (views.chartWidth): the step of
// every window here follows from it as it does on the page.
const chartWidth = 720

// floorApp is the app whose page is timed: the storefront has data in all
// six charts, its incident included.
const floorApp = "storefront"

// floorRound is one round of the floor measurement: the app page, each of
// its upstream calls alone, and its queries at once, each on a window
// nobody asked for before, so no cache answers any of them.
type floorRound struct {
	Page time.Duration
	// Slowest is the slowest of the page's upstream calls timed one at a
	// time: the page's queries and the two Machines API calls.
	Slowest     time.Duration
	SlowestName string
	// Parallel is the page's queries run at once by the promql client alone.
	Parallel time.Duration
}

// floorBench holds what the rounds share: the stack, a promql client that
// caches nothing, and a clock for fresh windows.
type floorBench struct {
	s      *stack
	single *promql.Client
	client *http.Client
	app    string
	span   time.Duration
	end    time.Time
	next   int
	// warm, with a replay proxy, has it compute each window's answers
	// before they are timed.
	warm *promql.Client
}

// newFloorBench starts a stack whose Prometheus answers after latency:
// flysim's own delay on top of its query work, or, with replay, a proxy
// that serves answers flysim computed beforehand after exactly latency.
func newFloorBench(ctx context.Context, latency time.Duration, span time.Duration, replay bool) (*floorBench, error) {
	o := stackOptions{Sim: flysim.Options{PromLatency: latency}}
	if replay {
		// flysim answers as fast as it computes; the proxy adds the latency.
		o.Sim.PromLatency, o.Replay = 0, latency
	}
	s, err := startStack(ctx, o)
	if err != nil {
		return nil, err
	}
	org := s.Sim.Sim.Org()
	single, err := newPromClient(s.PromBase, org, noCache)
	if err != nil {
		s.Close()
		return nil, err
	}
	f := &floorBench{s: s, single: single, client: newLoadClient(8), app: floorApp, span: span, end: time.Now()}
	if replay {
		if f.warm, err = newPromClient(s.PromBase, org, noCache); err != nil {
			s.Close()
			return nil, err
		}
	}
	return f, nil
}

func (f *floorBench) Close() { f.s.Close() }

// window returns a window of f.span ending 7 minutes before the previous
// one: 7 minutes is more than the step of any range up to 24 h (5 min), so
// every window lands on a grid of its own and is a cache miss everywhere.
func (f *floorBench) window(ctx context.Context) (from, to time.Time, err error) {
	to = f.end.Add(-time.Duration(f.next) * 7 * time.Minute)
	f.next++
	from = to.Add(-f.span)
	if f.warm != nil {
		w, err := promql.NewWindow(from, to, chartWidth)
		if err != nil {
			return from, to, err
		}
		for _, res := range f.warm.Run(ctx, f.app, pageQueries(), w, 0) {
			if res.Err != nil {
				return from, to, fmt.Errorf("warming the replay proxy: %s: %w", res.Query.ID, res.Err)
			}
		}
	}
	return from, to, nil
}

// round measures once. The three parts run one after the other, in an
// order that rotates, so a busy moment on a shared machine does not always
// fall on the same part.
func (f *floorBench) round(ctx context.Context, n int) (floorRound, error) {
	var r floorRound
	parts := []func() error{
		func() (err error) { r.Page, err = f.page(ctx); return err },
		func() (err error) { r.Slowest, r.SlowestName, err = f.slowest(ctx); return err },
		func() (err error) { r.Parallel, err = f.parallel(ctx); return err },
	}
	for i := range parts {
		if err := parts[(i+n)%len(parts)](); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (f *floorBench) page(ctx context.Context) (time.Duration, error) {
	from, to, err := f.window(ctx)
	if err != nil {
		return 0, err
	}
	url := fmt.Sprintf("%s/apps/%s?from=%d&to=%d", f.s.URL, f.app, from.Unix(), to.Unix())
	// Compressed, as every browser asks for it: compressing is part of
	// the page's time.
	start := time.Now()
	status, body, hdr, err := fetch(ctx, f.client, url, http.Header{"Accept-Encoding": {"gzip"}})
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d", url, status)
	}
	if hdr.Get("Content-Encoding") == "gzip" {
		if body, err = gunzip(body); err != nil {
			return 0, err
		}
	}
	// Every panel that applies (it shows its PromQL) must have drawn: a
	// failed query would make the page look fast.
	if n, want := strings.Count(string(body), "<figure><svg"), strings.Count(string(body), "Show PromQL"); n != want || n < len(promql.Catalog()) {
		return 0, fmt.Errorf("GET %s: %d charts drawn, want %d (a failed query would make the page look fast)", url, n, want)
	}
	return d, nil
}

// slowest times each upstream call of the page alone and returns the
// slowest: the floor no page can beat.
func (f *floorBench) slowest(ctx context.Context) (time.Duration, string, error) {
	from, to, err := f.window(ctx)
	if err != nil {
		return 0, "", err
	}
	w, err := promql.NewWindow(from, to, chartWidth)
	if err != nil {
		return 0, "", err
	}
	var worst time.Duration
	var name string
	for _, q := range pageQueries() {
		start := time.Now()
		res := f.single.Run(ctx, f.app, []promql.Query{q}, w, 0)
		d := time.Since(start)
		if res[0].Err != nil {
			return 0, "", fmt.Errorf("%s: %w", q.ID, res[0].Err)
		}
		if d > worst {
			worst, name = d, string(q.ID)
		}
	}
	start := time.Now()
	if _, err := f.s.Fly.GetApp(ctx, f.app); err != nil {
		return 0, "", err
	}
	if d := time.Since(start); d > worst {
		worst, name = d, "GetApp"
	}
	start = time.Now()
	if _, err := f.s.Fly.Machines(ctx, f.app); err != nil {
		return 0, "", err
	}
	if d := time.Since(start); d > worst {
		worst, name = d, "Machines"
	}
	return worst, name, nil
}

func (f *floorBench) parallel(ctx context.Context) (time.Duration, error) {
	from, to, err := f.window(ctx)
	if err != nil {
		return 0, err
	}
	w, err := promql.NewWindow(from, to, chartWidth)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for _, res := range f.single.Run(ctx, f.app, pageQueries(), w, 0) {
		if res.Err != nil {
			return 0, fmt.Errorf("%s: %w", res.Query.ID, res.Err)
		}
	}
	return time.Since(start), nil
}

// floorStats are the medians of a run of rounds.
type floorStats struct {
	page, slowest, parallel float64 // ms
	ratio, ratioP90         float64 // page / slowest call, per round
	parRatio                float64 // page / all at once, per round
	slowestMostOften        string
}

// measureFloor runs one warm-up round and then iters counted ones.
func measureFloor(ctx context.Context, latency, span time.Duration, replay bool, iters int) (floorStats, error) {
	var st floorStats
	f, err := newFloorBench(ctx, latency, span, replay)
	if err != nil {
		return st, err
	}
	defer f.Close()
	var pages, floors, pars, ratios, parRatios []float64
	slowestBy := map[string]int{}
	// One round to warm connections and code paths, not counted.
	if _, err := f.round(ctx, 0); err != nil {
		return st, err
	}
	for i := range iters {
		rd, err := f.round(ctx, i)
		if err != nil {
			return st, err
		}
		pages = append(pages, ms(rd.Page))
		floors = append(floors, ms(rd.Slowest))
		pars = append(pars, ms(rd.Parallel))
		ratios = append(ratios, float64(rd.Page)/float64(rd.Slowest))
		parRatios = append(parRatios, float64(rd.Page)/float64(rd.Parallel))
		slowestBy[rd.SlowestName]++
	}
	return floorStats{
		page: median(pages), slowest: median(floors), parallel: median(pars),
		ratio: median(ratios), ratioP90: quantile(ratios, 0.9), parRatio: median(parRatios),
		slowestMostOften: mostCommon(slowestBy),
	}, nil
}

func runFloor(ctx context.Context, cfg config, r *report) error {
	for _, replay := range []bool{false, true} {
		for _, span := range []time.Duration{24 * time.Hour, time.Hour} {
			st, err := measureFloor(ctx, cfg.latency, span, replay, cfg.floorIters)
			if err != nil {
				return err
			}
			label := rangeLabel(span)
			upstream := "flysim computing each query"
			if replay {
				upstream = "answers computed beforehand, replayed"
			}
			r.add("1", fmt.Sprintf("app page / slowest single upstream call, %s, %v latency, %s (median of %d)", label, cfg.latency, upstream, cfg.floorIters),
				fmt.Sprintf("%.2f (page %.0f ms, slowest call %.0f ms [%s], p90 ratio %.2f)", st.ratio, st.page, st.slowest, st.slowestMostOften, st.ratioP90),
				"<= 1.10", ptr(st.ratio <= 1.10))
			r.add("1", fmt.Sprintf("  same run: app page / its queries at once from the promql client alone, %s", label),
				fmt.Sprintf("%.2f (all at once %.0f ms)", st.parRatio, st.parallel), "", nil)
		}
	}
	return nil
}

func rangeLabel(span time.Duration) string {
	if span%(24*time.Hour) == 0 {
		return strconv.Itoa(int(span/(24*time.Hour))*24) + "h"
	}
	return strings.TrimSuffix(strings.TrimSuffix(span.String(), "0s"), "0m")
}

func mostCommon(m map[string]int) string {
	best, n := "", -1
	for k, v := range m {
		if v > n || (v == n && k < best) {
			best, n = k, v
		}
	}
	return best
}

// pageQueries are the Prometheus queries the app page sends: the traffic
// group's charts, the Machines group's and the region map's one
// (views/region_map_file.go), in one wave.
func pageQueries() []promql.Query {
	return append(append(promql.Catalog(), promql.MachinesCatalog()...), promql.RegionErrors())
}
