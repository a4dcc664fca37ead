package views

import (
	"encoding/json"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	echarts "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/promql"
)

// ECharts is vendored (a pinned release, committed with its licence) and
// embedded with the rest of static/; it is never loaded from a CDN.
// scripts/fetch-echarts.sh updates it.

// echartsAsset is the vendored bundle.
const echartsAsset = "static/vendor/echarts.min.js"

// echartsBundled says whether this binary embeds ECharts. Without it (a
// tree where the vendored file was deleted) the explore page must not carry
// a script tag that 404s: it says what is missing and shows the SVG chart.
var echartsBundled = func() bool {
	_, err := fs.Stat(staticFS, echartsAsset)
	return err == nil
}()

type explorePage struct {
	layout
	App     string
	Query   promql.Query
	PromQL  string
	Range   timeRange
	Compare string
	// SVG is the server-drawn chart: what a browser without JavaScript
	// shows, and what explore.js replaces with the interactive one.
	SVG   template.HTML
	Table dataTable
	// Data is the JSON data block read by explore.js; empty when the page
	// has no interactive chart.
	Data        template.JS
	Interactive bool
	// Missing says why the page is not interactive; Empty why there is
	// nothing to draw; Err why the query failed, with Retry.
	Missing, Empty string
	Err, Retry     string
	RangeNav       rangeNav
	// Links.Self leads back to this chart on the app page.
	Links chartLinks
}

// showExplore is one chart, interactive: the same data as its SVG (same
// queries, window and compare series) drawn by ECharts in the browser for
// zoom, tooltips and legend toggles.
func (s *server) showExplore(c *gin.Context) {
	name, id := c.Param("name"), promql.ChartID(c.Param("chart"))
	chart, res, status, msg, machines := s.oneChartMachines(c, name, id)
	if status != http.StatusOK && status < 500 {
		s.fail(c, status, "Chart unavailable", msg)
		return
	}
	// oneChart parsed the same query string without error.
	v, _ := parseView(c.Request.URL.Query(), s.now())

	q := c.Request.URL.Query()
	p := explorePage{
		layout:  s.layout(c, name+": "+res.Query.Title),
		App:     name,
		Query:   res.Query,
		PromQL:  res.PromQL,
		Range:   v.Range,
		Compare: v.Compare,
		Links:   newChartLinks(name, id, q),
	}
	// A meta refresh would throw away the reader's zoom, so this page
	// offers none.
	v.Refresh = ""
	p.RangeNav = newRangeNav(c.Request.URL, v)
	p.RangeNav.Refresh = nil

	if status != http.StatusOK {
		// Prometheus failed: like the app page, the page keeps its controls
		// and links, and the chart area says what failed.
		p.Err, p.Retry = msg, c.Request.URL.RequestURI()
		s.render(c, http.StatusOK, "explore", p)
		return
	}
	if !hasData(res) {
		// Only an empty chart needs the machines: they say whether the app
		// serves HTTP at all, which words the reason.
		req := chartRequest{App: name, Range: v.Range, HTTP: machines.err != nil || anyHTTP(machines.list)}
		p.Empty = emptyReason(res.Query, req, appCreated(machines.list))
		s.render(c, http.StatusOK, "explore", p)
		return
	}
	chart.Markers = markersWithin(chart.Markers, chart.Start, chartEnd(chart))
	var err error

	// Without its SVG the page still has the interactive chart and the
	// links to the data, so a drawing failure is logged, not fatal.
	if p.SVG, err = renderInline(chart); err != nil {
		s.log.Error("render chart", "chart", id, "err", err)
	}
	p.Table = newDataTable(chart, p.Links)
	if !echartsBundled {
		p.Missing = "This build of the dashboard does not include Apache ECharts, which draws the interactive chart. " +
			"Restore views/static/vendor/echarts.min.js (git checkout, or scripts/fetch-echarts.sh) to enable the interactive view."
		s.render(c, http.StatusOK, "explore", p)
		return
	}
	data, err := exploreJSON(chart)
	if err != nil {
		s.log.Error("explore: chart option", "chart", id, "err", err)
		p.Missing = "The interactive chart could not be built; the chart below is the same data."
		s.render(c, http.StatusOK, "explore", p)
		return
	}
	p.Data = data
	p.Interactive = true
	s.render(c, http.StatusOK, "explore", p)
}

func markersWithin(ms []charts.Marker, from, to time.Time) []charts.Marker {
	var out []charts.Marker
	for _, m := range ms {
		if !m.At.Before(from) && !m.At.After(to) {
			out = append(out, m)
		}
	}
	return out
}

// exploreData is the page's JSON data block. JSON carries no functions, so
// what ECharts would take as formatter callbacks travels as data and
// explore.js supplies the functions.
type exploreData struct {
	// Unit names how values read (charts.Unit: "req/s", "s", "%", "bytes",
	// "ratio" or ""): explore.js formats axis labels and tooltips with it.
	Unit string `json:"unit"`
	// Option is the ECharts option, built with go-echarts, in light colours.
	Option map[string]any `json:"option"`
	// DarkColors[i] replaces option.series[i]'s colour when the reader
	// prefers a dark scheme.
	DarkColors []string `json:"darkColors"`
}

// exploreJSON builds the chart's data block. encoding/json escapes <, > and
// & (as \u003c...), so no label can close the <script> element holding it.
func exploreJSON(ch charts.Chart) (template.JS, error) {
	line, dark := exploreOption(ch)
	line.Validate()
	b, err := json.Marshal(exploreData{Unit: string(ch.Unit), Option: line.JSON(), DarkColors: dark})
	if err != nil {
		return "", err
	}
	return template.JS(b), nil
}

// exploreOption is ch as an ECharts line chart, with each series' dark
// colour alongside. The renderer (SVG) and the theme are explore.js's
// choice: they are init arguments, not part of the option.
func exploreOption(ch charts.Chart) (*echarts.Line, []string) {
	line := echarts.NewLine()
	line.SetGlobalOptions(
		echarts.WithAnimation(false),
		echarts.WithTitleOpts(opts.Title{Show: opts.Bool(false)}),
		echarts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
		echarts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		echarts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "0"}),
		echarts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "48", Bottom: "64", ContainLabel: opts.Bool(true)}),
		echarts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Right: "8", Feature: &opts.ToolBoxFeature{
			DataZoom: &opts.ToolBoxFeatureDataZoom{Show: opts.Bool(true), Title: map[string]string{"zoom": "Zoom to a selection", "back": "Undo zoom"}, YAxisIndex: false},
			Restore:  &opts.ToolBoxFeatureRestore{Show: opts.Bool(true), Title: "Reset"},
		}}),
		// filterMode none keeps a line drawn to the edge of a zoomed window
		// instead of stopping at the last point inside it.
		echarts.WithDataZoomOpts(
			opts.DataZoom{Type: "inside", XAxisIndex: 0, FilterMode: "none"},
			opts.DataZoom{Type: "slider", XAxisIndex: 0, FilterMode: "none"},
		),
		echarts.WithXAxisOpts(opts.XAxis{Type: "time", Min: ch.Start.UnixMilli(), Max: chartEnd(ch).UnixMilli()}),
		echarts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0}),
	)

	colors := charts.SeriesColors(ch.Series)
	var dark []string
	for i, sr := range ch.Series {
		light := colors[i].Light
		style := opts.LineStyle{Color: light, Width: 1.6}
		if sr.Dashed {
			style.Type = "dashed"
			style.Width = 1.4
		}
		kind := opts.LineChart{ShowSymbol: opts.Bool(false), ConnectNulls: opts.Bool(false)}
		points := lineData(ch, sr.Values)
		seriesOpts := []echarts.SeriesOpts{
			echarts.WithLineStyleOpts(style),
			echarts.WithItemStyleOpts(opts.ItemStyle{Color: light}),
			// Bare [time, value] pairs rather than go-echarts' {"value": ...}
			// items: the same chart in about half the bytes.
			echarts.WithSeriesOpts(func(s *echarts.SingleSeries) { s.Data = points }),
		}
		if ch.Stacked && !sr.Dashed {
			kind.Stack = "total"
			seriesOpts = append(seriesOpts, echarts.WithAreaStyleOpts(opts.AreaStyle{Opacity: opts.Float(0.3)}))
		}
		line.AddSeries(sr.Name, nil, append(seriesOpts, echarts.WithLineChartOpts(kind))...)
		dark = append(dark, colors[i].Dark)
	}

	// One empty series per kind of machine event, holding its events as
	// vertical lines: the legend then toggles deploys, OOM kills and
	// crashes like any line.
	for _, ev := range charts.MarkerKinds() {
		var items []opts.MarkLineNameXAxisItem
		for _, m := range ch.Markers {
			if m.Kind == ev.Kind {
				items = append(items, opts.MarkLineNameXAxisItem{Name: m.Label, XAxis: m.At.UnixMilli()})
			}
		}
		if len(items) == 0 {
			continue
		}
		line.AddSeries(ev.Name, []opts.LineData{},
			echarts.WithItemStyleOpts(opts.ItemStyle{Color: ev.Color.Light}),
			echarts.WithMarkLineStyleOpts(opts.MarkLineStyle{
				Symbol:    []string{"none", "none"},
				LineStyle: &opts.LineStyle{Color: ev.Color.Light, Type: "dashed", Width: 1.2},
				Label:     &opts.Label{Show: opts.Bool(false)},
				Emphasis:  &opts.Emphasis{Label: &opts.Label{Show: opts.Bool(true), Formatter: "{b}"}},
			}),
			echarts.WithMarkLineNameXAxisItemOpts(items...),
		)
		dark = append(dark, ev.Color.Dark)
	}
	return line, dark
}

// lineData is one series as [unix ms, value] pairs on the chart's time
// grid, with null where the SVG chart leaves a gap. Six significant digits
// are more than a chart can show; the CSV and JSON files keep them all.
func lineData(ch charts.Chart, values []float64) [][2]any {
	out := make([][2]any, len(values))
	for i, v := range values {
		out[i][0] = ch.Start.Add(time.Duration(i) * ch.Step).UnixMilli()
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[i][1], _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
		}
	}
	return out
}

// chartEnd is where the time axis ends: the window's end, or the last
// point when the chart has no end of its own.
func chartEnd(ch charts.Chart) time.Time {
	if !ch.End.IsZero() {
		return ch.End
	}
	n := 0
	for _, sr := range ch.Series {
		n = max(n, len(sr.Values))
	}
	return ch.Start.Add(time.Duration(max(n-1, 0)) * ch.Step)
}
