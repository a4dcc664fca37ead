// Package charts draws time-series charts and sparklines as SVG on the
// server, in pure Go. It knows nothing of PromQL or HTTP: callers hand it
// plain series on a regular time grid.
//
// The output is made for a page with a strict Content-Security-Policy: no
// script, no style attributes, no external references. Colours come from
// classes styled by CSS() (light and dark), with presentation attributes as
// a fallback so a chart stays legible where that stylesheet is missing.
// Hover values work without JavaScript through <title> elements.
package charts

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// Series is one line (or stacked band) on a regular time grid.
type Series struct {
	Name string
	// Values[i] is the value at Start+i*Step. NaN (or ±Inf) is a gap: no
	// line is drawn across it.
	Values []float64
	// Dashed marks a comparison (previous period) line. The k-th dashed
	// series takes the colour of the k-th solid series, so "p95 (1d ago)"
	// matches "p95" when the caller appends compare series after the current
	// ones.
	Dashed bool
	// Tone pins the colour to a meaning: "ok" (green), "info" (blue), "warn"
	// (amber), "bad" (red), e.g. for 2xx/3xx/4xx/5xx, "ref" (slate) for a
	// reference such as a quota. Empty takes the next palette colour.
	Tone string
	// Limit marks a reference line (a quota, a configured limit, a
	// capacity): drawn thin and dotted, never stacked, left out of totals.
	// A constant limit is a horizontal line; callers give one per group of
	// series that share it.
	Limit bool
	// Slot pins the colour to an identity the page knows, such as a
	// machine, so it keeps one colour on every chart: slot k takes palette
	// colour k-1. Zero takes the next free colour.
	Slot int
}

// Marker is an event drawn as a vertical line with a glyph on top.
type Marker struct {
	At    time.Time
	Kind  string // "deploy", "oom", "launch", "start", "exit", "limit", "destroy"; others get a neutral glyph
	Label string // hover text, e.g. "Deploy: machine 3d8d... updated 14:02 UTC"
	Href  string // optional link (a path, query or http(s) URL)
}

// Chart describes one time-series chart.
type Chart struct {
	ID          string // unique in a page: prefixes element ids (aria, clip path)
	Title, Desc string // accessible name and description
	Unit        units.Unit
	Start       time.Time
	Step        time.Duration
	// End optionally widens the time axis beyond the last point, so a range
	// whose latest points are missing still shows its full width. Zero means
	// Start+(len-1)*Step.
	End     time.Time
	Series  []Series
	Stacked bool // stacked areas, e.g. responses by status class
	Markers []Marker
	// Width and Height size a standalone chart (720x260 by default). An
	// inline chart is as wide as its container and Height tall, plus the
	// rows its legend takes at a phone's width.
	Width  int
	Height int
	Max    float64 // fixed y maximum (e.g. 100 for %), 0 = auto; exceeded data still fits
	// Zoom, when set, links a cluster of markers (events too close to draw
	// apart) to the time range that holds them.
	Zoom func(from, to time.Time) string
}

// Options choose between the two output forms.
type Options struct {
	// Standalone writes a complete SVG document (XML declaration, embedded
	// stylesheet, opaque background, visible title) for an .svg URL or an
	// <img>. Otherwise the <svg> element is meant to be inlined into an HTML
	// page that includes CSS().
	Standalone bool
}

const (
	defaultWidth  = 720
	defaultHeight = 260
	// maxColumns bounds the hover columns: each carries a <title> with every
	// series' value, so this is what keeps a 720-point chart small. 60
	// columns of 12 px are still finer than a pointer needs; the exact
	// points are in the chart's CSV.
	maxColumns = 60
	// hoverValues bounds the values all hover titles hold together, so a
	// chart of many series (a machine per line, or a compare period) gets
	// wider columns: a title of seven lines read every 12 px adds little
	// to one read every 30 px, and each line is what a chart's hover costs
	// in gzipped bytes (the numbers do not compress). minColumns keeps
	// columns under about 30 px on a 720 px chart.
	hoverValues = 180
	minColumns  = 24
	noData      = "No data in this range"
)

// Render writes c as SVG. It fails only if w does, or if c has several
// points but no step; empty or all-missing data gives axes and a "No data
// in this range" note.
func Render(w io.Writer, c Chart, o Options) error {
	p := getBuf()
	defer putBuf(p)
	if err := c.render(p, o); err != nil {
		return err
	}
	_, err := w.Write(p.b)
	return err
}

// value reads a point, treating out-of-range and non-finite as missing:
// histogram_quantile can return +Inf, which must not blow up the y axis.
func value(s *Series, j int) float64 {
	if j >= len(s.Values) {
		return math.NaN()
	}
	v := s.Values[j]
	if math.IsInf(v, 0) {
		return math.NaN()
	}
	return v
}

// points is the longest series length: the time grid's size.
func (c *Chart) points() int {
	n := 0
	for i := range c.Series {
		n = max(n, len(c.Series[i].Values))
	}
	return n
}

func (c *Chart) timeDomain(n int) (time.Time, time.Time) {
	t0 := c.Start.UTC()
	t1 := t0.Add(time.Duration(max(n-1, 0)) * c.Step)
	if c.End.After(t1) {
		t1 = c.End.UTC()
	}
	if !t1.After(t0) {
		t1 = t0.Add(max(c.Step, time.Minute))
	}
	return t0, t1
}

// colors gives each series its palette index (see Series.Dashed, .Tone).
func colors(series []Series) []int {
	out := make([]int, len(series))
	// Untoned series take the palette in order, skipping the colours tones
	// pin in this chart, so "throttled" in red never shares red with a
	// machine's line.
	var pinned [len(lightPalette)]bool
	for i := range series {
		if t, ok := toneIndex[series[i].Tone]; ok {
			pinned[t] = true
		}
	}
	var solid []int
	next := 0
	for i := range series {
		if !series[i].Dashed {
			if t, ok := toneIndex[series[i].Tone]; ok {
				out[i] = t
			} else if series[i].Slot > 0 {
				out[i] = (series[i].Slot - 1) % len(lightPalette)
			} else {
				for k := 0; k < len(lightPalette) && pinned[next%len(lightPalette)]; k++ {
					next++
				}
				out[i] = next % len(lightPalette)
				next++
			}
			solid = append(solid, out[i])
		}
	}
	k := 0
	for i := range series {
		if series[i].Dashed {
			switch t, ok := toneIndex[series[i].Tone]; {
			case ok:
				out[i] = t
			case series[i].Slot > 0:
				out[i] = (series[i].Slot - 1) % len(lightPalette)
			case k < len(solid):
				out[i] = solid[k]
			default:
				out[i] = (len(solid) + k) % len(lightPalette)
			}
			k++
		}
	}
	return out
}

func seriesName(s *Series, i int) string {
	if s.Name != "" {
		return s.Name
	}
	return "series " + strconv.Itoa(i+1)
}

type legendItem struct {
	label, full string // full is set when label was shortened
	color       int
	dashed      bool
	limit       bool
	kind        string  // marker kind, "" for a series
	x, row      float64 // position: x, and row index from the top
}

const maxLegendLabel = 40

func shorten(s string) (label, full string) {
	r := []rune(s)
	if len(r) <= maxLegendLabel {
		return s, ""
	}
	return string(r[:maxLegendLabel-1]) + "…", s
}

// layoutLegend places items left to right, wrapping at right, and returns
// the number of rows.
func layoutLegend(items []legendItem, left, right float64) int {
	if len(items) == 0 {
		return 0
	}
	x, row := left, 0
	for i := range items {
		w := 22 + textWidth(items[i].label) + 14
		if x > left && x+w > right {
			x, row = left, row+1
		}
		items[i].x, items[i].row = x, float64(row)
		x += w
	}
	return row + 1
}

// frame is a chart laid out: plot box, scales, ticks and legend, computed
// once before anything is written.
type frame struct {
	c              *Chart
	id             string
	width, height  int
	n              int // points on the time grid
	t0, t1         time.Time
	x0, x1, y0, y1 float64 // plot box
	dx             float64 // px per step
	ys             yScale
	yLabels        [][]byte // nil entries are not drawn
	ticks          []timeTick
	colors         []int
	legend         []legendItem
	hasData        bool
	// fluid: an inline chart drawn at its true size in CSS px at any
	// width (see fluid.go). Horizontal positions are then plot units,
	// 0..plotWidth across the whole width, written as percentages.
	fluid   bool
	markers int       // markers within [t0, t1]
	acc     []float64 // running sums for stacked charts
}

const (
	legendLeft = 10.0
	legendRowH = 18.0
)

func (f *frame) x(j int) float64 { return f.x0 + float64(j)*f.dx }

func (f *frame) xt(t time.Time) float64 {
	return f.x0 + float64(t.Sub(f.t0))/float64(f.t1.Sub(f.t0))*(f.x1-f.x0)
}

func (f *frame) y(v float64) float64 {
	return f.y1 - (v-f.ys.lo)/(f.ys.hi-f.ys.lo)*(f.y1-f.y0)
}

func (f *frame) inRange(t time.Time) bool { return !t.Before(f.t0) && !t.After(f.t1) }

func (c *Chart) layout(acc []float64, standalone bool) (*frame, error) {
	f := &frame{c: c, id: safeID(c.ID), width: c.Width, height: c.Height, n: c.points(), acc: acc, fluid: !standalone}
	if f.fluid {
		f.width = narrowPx // the legend and the clusters are laid out for a phone
	}
	if f.width <= 0 {
		f.width = defaultWidth
	}
	if f.height <= 0 {
		f.height = defaultHeight
	}
	f.width, f.height = max(f.width, 160), max(f.height, 100)
	if f.n > 1 && c.Step <= 0 {
		return nil, fmt.Errorf("charts: chart %q has %d points but step %v", c.ID, f.n, c.Step)
	}
	f.t0, f.t1 = c.timeDomain(f.n)

	// Data range; stacked charts range over the running sums.
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range c.Series {
		s := &c.Series[i]
		for j := range s.Values {
			v := value(s, j)
			if math.IsNaN(v) {
				continue
			}
			if c.Stacked && !s.Limit {
				acc[j] += v
				v = acc[j]
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	f.hasData = hi >= lo
	if !f.hasData {
		lo, hi = 0, 0
	}

	// Legend: series, then the marker kinds shown.
	W, H := float64(f.width), float64(f.height)
	f.colors = colors(c.Series)
	f.legend = make([]legendItem, 0, len(c.Series)+len(markerOrder)+1)
	for i := range c.Series {
		label, full := shorten(seriesName(&c.Series[i], i))
		f.legend = append(f.legend, legendItem{label: label, full: full, color: f.colors[i], dashed: c.Series[i].Dashed, limit: c.Series[i].Limit})
	}
	var kinds [len(markerOrder) + 1]bool
	for _, m := range c.Markers {
		if f.inRange(m.At) {
			f.markers++
			kinds[kindSlot(m.Kind)] = true
		}
	}
	for k, seen := range kinds {
		if seen {
			kind := "other"
			if k < len(markerOrder) {
				kind = markerOrder[k]
			}
			f.legend = append(f.legend, legendItem{label: kindInfo(kind).name, kind: kind})
		}
	}
	rows := layoutLegend(f.legend, legendLeft, W-10)
	if f.fluid && rows > 1 {
		// The plot keeps its height however many rows the legend takes.
		f.height += int(float64(rows-1) * legendRowH)
		H = float64(f.height)
	}

	// Vertical: [title] [marker lane] plot, time labels, legend rows. A
	// fluid chart's top label sits above the top grid line.
	f.y0 = 10
	if f.fluid {
		f.y0 = 18
	}
	if standalone && c.Title != "" {
		f.y0 += 22
	}
	if f.markers > 0 {
		f.y0 += 12
	}
	f.y1 = H - 24
	if rows > 0 {
		f.y1 -= float64(rows)*legendRowH + 2
	}
	f.y1 = max(f.y1, f.y0+30)
	f.ys = newYScale(lo, hi, c.Max, min(max(int((f.y1-f.y0)/38), 2), 6), c.Unit)

	// Horizontal: the left margin fits the widest y label. Without data the
	// scale is made up, so it gets grid lines but no labels.
	f.yLabels = make([][]byte, len(f.ys.ticks))
	widest := 0.0
	if f.hasData {
		af := units.NewAxis(c.Unit, f.ys.step, f.ys.hi)
		for k, v := range f.ys.ticks {
			f.yLabels[k] = af.Append(nil, v)
			widest = math.Max(widest, textWidth(string(f.yLabels[k])))
		}
	}
	f.x0, f.x1 = math.Max(34, widest+14), W-22
	// About 55 px per interval keeps the widest label ("Nov 26", ~40 px) apart.
	intervals := min(max(int((f.x1-f.x0)/55), 2), 8)
	if f.fluid {
		// Labels sit inside the plot, which spans the width; a phone
		// shows every other time label (CSS).
		f.x0, f.x1, intervals = 0, plotWidth(f.t1.Sub(f.t0), c.Step), 8
	}
	f.dx = float64(c.Step) / float64(f.t1.Sub(f.t0)) * (f.x1 - f.x0)
	f.ticks = timeTicks(f.t0, f.t1, intervals)
	return f, nil
}

func (c *Chart) render(w *svgBuf, o Options) error {
	var acc []float64
	if c.Stacked {
		acc = w.scratch(c.points())
	}
	f, err := c.layout(acc, o.Standalone)
	if err != nil {
		return err
	}
	f.writeHead(w, o.Standalone)
	f.openPlot(w)
	f.writeGrid(w)
	f.writeSeries(w)
	if f.hasData {
		f.writeColumns(w)
	}
	f.closePlot(w)
	f.writeLabels(w)
	if !f.hasData {
		w.s(`<text class="nodata" text-anchor="middle" font-size="13"`)
		f.xattr(w, "x", (f.x0+f.x1)/2)
		w.attr("y", (f.y0+f.y1)/2+4)
		w.s(">" + noData + "</text>\n")
	}
	if f.markers > 0 {
		f.writeMarkers(w)
	}
	f.writeLegend(w)
	w.s("</svg>\n")
	return nil
}

func kindSlot(kind string) int {
	for k, name := range markerOrder {
		if name == kind {
			return k
		}
	}
	return len(markerOrder)
}

func kindInfo(kind string) markerKind {
	if k, ok := markerKinds[kind]; ok {
		return k
	}
	return otherMarker
}
