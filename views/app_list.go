package views

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/internal/units"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/signals"
)

// The list's sparklines: drawn this size in CSS pixels. The overview's step
// follows from the width (about one point per 2 px), so a row costs the
// same few hundred bytes whatever the range.
const (
	sparkWidth  = 120
	sparkHeight = 28
)

// listRanges are the ranges the list offers. The verdict is about now and
// the sparklines about the recent trend; 5 and 15 minutes are too short to
// show one (they still work when typed in the URL).
var listRanges = []string{"1h", "6h", "24h", "7d"}

// listDefaultRange is shorter than the app page's: the list answers "which
// app needs me now", and an hour keeps the step at a minute, so the verdict
// covers the last 10 minutes rather than the last half hour.
const listDefaultRange = "1h"

// Sort orders of the list (?sort=).
const (
	sortHealth = ""     // worst first, the default
	sortName   = "name" // alphabetical
)

type appListPage struct {
	layout
	Apps      []appRow
	Launching []flyapi.LaunchState
	// Err explains why the Machines API did not list the apps (the notice
	// says it; the apps then come from metrics).
	Err      string
	Range    timeRange
	RangeNav rangeNav
	Sort     string
	SortBy   struct{ Health, Name string } // links that change only the order
	Columns  []listColumn
	// Summary counts the apps per status, worst first, zero counts left out.
	Summary []statusCount
	Retry   string
	Pager   pager // ?q= and ?page=, in list_page.go
}

// listColumn is one metric column's header.
type listColumn struct {
	Title, Unit, Desc string
}

type statusCount struct {
	Status health.Status
	Count  int
}

type appRow struct {
	flyapi.App
	// Href opens the app page on the same range.
	Href    string
	Verdict health.Verdict
	Sparks  []sparkCell
	Regions []string
	// Reporting is how many machines report metrics; -1 when unknown.
	Reporting int
	// FromMetrics marks an app listed from Prometheus alone, the Machines
	// API being down: its machine count is unknown, and it cannot be destroyed.
	FromMetrics bool
	// MachinesTone marks the machines column when a finding is about them
	// (none reporting, a crash loop): "warn" or "bad".
	MachinesTone string
}

// sparkCell is one metric of one app: a sparkline and its recent value, or
// the reason there is none.
type sparkCell struct {
	SVG   template.HTML
	Value string
	// Empty is shown instead of a sparkline (e.g. "unavailable"), with Why
	// as its title.
	Empty, Why string
}

// sparkColumn ties an overview column to its sparkline.
type sparkColumn struct {
	col    promql.Column
	title  string
	unit   units.Unit
	metric health.Metric
	http   bool
	// floor is the least top of the sparkline's scale: the threshold that
	// makes the value matter, so noise under it stays a flat line.
	floor  float64
	values func(promql.AppOverview) []float64
	recent func(promql.Recent) float64
	format func(float64) string
}

func sparkCols() []promql.Column {
	out := make([]promql.Column, len(sparkColumns))
	for i, c := range sparkColumns {
		out[i] = c.col
	}
	return out
}

var sparkColumns = []sparkColumn{
	{promql.ColRequests, "Requests", units.ReqPerSec, "", true, 0,
		func(a promql.AppOverview) []float64 { return a.Requests },
		func(r promql.Recent) float64 { return r.Requests }, units.FloorRate},
	{promql.ColErrorRate, "5xx", units.Percent, health.MetricErrors, true, health.ErrorShareDegraded,
		func(a promql.AppOverview) []float64 { return a.ErrorRate },
		func(r promql.Recent) float64 { return r.ErrorRate }, units.FloorPercent},
	{promql.ColLatency, "p95", units.Seconds, health.MetricLatency, true, health.P95Degraded.Seconds(),
		func(a promql.AppOverview) []float64 { return a.Latency },
		func(r promql.Recent) float64 { return r.Latency }, units.FloorSeconds},
	{promql.ColCPUBaseline, "CPU of baseline", units.Percent, health.MetricCPU, false, 100,
		func(a promql.AppOverview) []float64 { return a.CPUBaseline },
		func(r promql.Recent) float64 { return r.CPUBaseline }, units.FloorPercent},
}

// listApps shows the org's apps, each with its verdict and sparklines. The
// page costs one Machines API call (the listing carries machine_count), the
// timeline's nine by-app queries and the range's four sparkline ones,
// whatever the number of apps.
func (s *server) listApps(c *gin.Context) {
	q := c.Request.URL.Query()
	order := strings.TrimSpace(q.Get("sort"))
	if order == "health" {
		order = sortHealth
	}
	if order != sortHealth && order != sortName {
		s.fail(c, http.StatusBadRequest, "That link does not describe a view", "sort="+truncateInput(order)+" is not one of health (worst first, the default) or name.")
		return
	}
	lq, err := parseListQuery(q)
	if err != nil {
		s.fail(c, http.StatusBadRequest, "That link does not describe a view", err.Error())
		return
	}
	parse := q
	if q.Get("range") == "" && q.Get("from") == "" && q.Get("to") == "" {
		parse = url.Values{"range": {listDefaultRange}}
	}
	view, err := parseView(parse, s.now())
	if err != nil {
		s.fail(c, http.StatusBadRequest, "That link does not describe a view", err.Error())
		return
	}
	w, err := promql.NewWindow(view.Range.From, view.Range.To, sparkWidth)
	if err != nil {
		s.fail(c, http.StatusBadRequest, "That link does not describe a view", err.Error())
		return
	}

	p := appListPage{layout: s.layout(c, "Apps"), Range: view.Range, Sort: order}
	p.Nav = "apps"
	p.Refresh = view.refreshSeconds()
	first := firstPage(c.Request.URL) // a new range or order starts at page 1
	p.RangeNav = listRangeNav(first, view)
	p.RangeNav.Refresh = listRangeNav(c.Request.URL, view).Refresh
	p.SortBy.Health = linkWith(first, map[string]string{"sort": ""})
	p.SortBy.Name = linkWith(first, map[string]string{"sort": sortName})

	ctx := c.Request.Context()
	var (
		wg      sync.WaitGroup
		apps    []flyapi.App
		listErr error
	)
	wg.Go(func() { apps, listErr = s.fly.ListApps(ctx) })
	// The verdicts read the fixed timeline, whatever the range; the
	// sparklines read the range. One set of queries when they coincide.
	tw := promql.TimelineWindow(view.Range.To)
	var (
		tl, ov       promql.Overview
		tlErr, ovErr error
	)
	if tw != w {
		wg.Go(func() { ov, ovErr = s.prom.OverviewOf(ctx, w, "", sparkCols()) })
	}
	tl, tlErr = s.prom.Overview(ctx, tw)
	wg.Wait()
	if tw == w {
		ov, ovErr = tl, tlErr
	}
	if ovErr == nil {
		ovErr = tlErr
	}

	p.Retry = c.Request.URL.RequestURI()
	if listErr != nil {
		p.Err = flyapi.Explain(listErr)
		s.log.Warn("list apps", "err", listErr)
		apps = appsFromMetrics(tl, s.org)
	}
	// One notice per cause, whichever of the two overviews met it.
	noticed := tl
	if tw != w {
		noticed.Results = slices.Clone(tl.Results)
		for i, col := range ov.Cols {
			if ov.Results[i].Err != nil && tl.Err(col) == nil {
				noticed.Results = append(noticed.Results, ov.Results[i])
			}
		}
	}
	p.noticeList(listErr, noticed, p.Retry)
	if ovErr != nil {
		// Only a window the builder refuses gets here, and NewWindow has
		// already vetted it; say so rather than draw blank columns.
		s.fail(c, http.StatusBadRequest, "That link does not describe a view", ovErr.Error())
		return
	}
	for _, col := range sparkColumns {
		lc := listColumn{Title: col.title, Unit: string(col.unit)}
		if i := slices.Index(ov.Cols, col.col); i >= 0 && i < len(ov.Results) {
			lc.Desc = ov.Results[i].Query.Desc
		}
		if err := ov.Err(col.col); err != nil {
			s.log.Warn("overview query", "column", string(col.col), "err", err)
		}
		p.Columns = append(p.Columns, lc)
	}
	if err := tl.Err(promql.ColMachines); err != nil {
		s.log.Warn("overview query", "column", string(promql.ColMachines), "err", err)
	}

	appLink := appLinkSuffix(q)
	counts := map[health.Status]int{}
	for _, a := range apps {
		row, _ := tl.App(a.Name)
		r := appRow{App: a, Href: "/apps/" + url.PathEscape(a.Name) + appLink, Reporting: -1, FromMetrics: listErr != nil}
		sig := signals.FromOverview(tl, row, a.MachineCount, view.Range.Absolute())
		sig.Unavailable.MachineCount = r.FromMetrics
		sig.JustLaunched = s.justLaunched(a.Name, sig.Span)
		r.Verdict = health.Judge(sig)
		r.Regions = signals.Regions(row)
		if tl.Err(promql.ColMachines) == nil {
			if m := row.Recent.Machines; row.App != "" && !math.IsNaN(m) {
				r.Reporting = int(m)
			} else {
				r.Reporting = 0
			}
		}
		r.MachinesTone = findingTone(r.Verdict, health.MetricMachines)
		counts[r.Verdict.Status]++
		p.Apps = append(p.Apps, r)
	}
	if order == sortHealth {
		// The listing is sorted by name; a stable sort keeps that order
		// among apps that are equally bad.
		sort.SliceStable(p.Apps, func(i, j int) bool {
			if health.Worse(p.Apps[i].Verdict, p.Apps[j].Verdict) || health.Worse(p.Apps[j].Verdict, p.Apps[i].Verdict) {
				return health.Worse(p.Apps[i].Verdict, p.Apps[j].Verdict)
			}
			return p.Apps[i].Name < p.Apps[j].Name
		})
	} else {
		sort.SliceStable(p.Apps, func(i, j int) bool { return p.Apps[i].Name < p.Apps[j].Name })
	}
	for _, st := range health.Statuses() {
		if n := counts[st]; n > 0 {
			p.Summary = append(p.Summary, statusCount{st, n})
		}
	}
	if !s.pageList(c, &p, lq, listErr == nil) {
		return
	}
	// Sparklines only for the rows shown: most of a page's bytes and time.
	for i := range p.Apps {
		row, _ := ov.App(p.Apps[i].Name)
		p.Apps[i].Sparks = s.sparkCells(ov, row, p.Apps[i].Verdict)
	}
	p.Launching = s.launcher.Active()
	s.render(c, http.StatusOK, "app_list", p)
}

// justLaunched reports whether this dashboard launched the app so recently
// that its first metrics may not be in yet: within the verdict's span plus
// a scrape, or still launching.
func (s *server) justLaunched(app string, span time.Duration) bool {
	st, ok := s.launcher.State(app)
	if !ok {
		return false
	}
	return !st.Finished() || s.now().Sub(st.StartedAt) < span+promql.ScrapeInterval
}

// sparkCells draws one app's sparklines; the one that explains the verdict
// takes its colour.
func (s *server) sparkCells(ov promql.Overview, row promql.AppOverview, v health.Verdict) []sparkCell {
	cells := make([]sparkCell, len(sparkColumns))
	buf := getBuffer()
	defer putBuffer(buf)
	for i, col := range sparkColumns {
		cell := &cells[i]
		if err := ov.Err(col.col); err != nil {
			cell.Empty, cell.Why = "unavailable", col.title+": "+seeAbove
			continue
		}
		if col.http && v.Describe == health.DescribeNoHTTP {
			cell.Empty, cell.Why = "—", "This app has no public HTTP service, so there is no traffic to chart."
			continue
		}
		values := col.values(row)
		tone := ""
		if col.metric != "" {
			tone = findingTone(v, col.metric)
		}
		buf.Reset()
		err := charts.RenderSpark(buf, charts.Spark{
			ID: "s-" + row.App + "-" + string(col.col), Title: col.title,
			Unit: col.unit, Start: ov.Window.Start, Step: ov.Window.Step,
			Values: values, Width: sparkWidth, Height: sparkHeight, Tone: tone, Floor: col.floor,
		})
		if err != nil {
			s.log.Error("render sparkline", "app", row.App, "column", string(col.col), "err", err)
			cell.Empty, cell.Why = "unavailable", "This sparkline could not be drawn."
			continue
		}
		cell.SVG = template.HTML(buf.String()) // charts escapes every text it writes
		if r := col.recent(row.Recent); row.App != "" && !math.IsNaN(r) {
			cell.Value = col.format(r)
		}
	}
	return cells
}

// listRangeNav offers the list's ranges and refresh choices; comparing
// with an earlier period means nothing on sparklines this small.
func listRangeNav(u *url.URL, v view) rangeNav {
	full := newRangeNav(u, v)
	var n rangeNav
	for _, l := range full.Ranges {
		if slices.Contains(listRanges, l.Label) {
			n.Ranges = append(n.Ranges, l)
		}
	}
	n.Refresh = full.Refresh
	return n
}

// appLinkSuffix carries the list's time range to the app page, so the
// window a person chose follows them.
func appLinkSuffix(q url.Values) string {
	keep := url.Values{}
	for _, k := range []string{"range", "from", "to"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return "?" + keep.Encode()
}

// findingTone is the colour a cell takes when a finding is about it.
func findingTone(v health.Verdict, m health.Metric) string {
	st, ok := v.Flags(m)
	switch {
	case !ok:
		return ""
	case st == health.Down:
		return "bad"
	}
	return "warn"
}
