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
	"time"
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
	// (amber), "bad" (red), e.g. for 2xx/3xx/4xx/5xx. Empty takes the next
	// palette colour.
	Tone string
}

// Marker is an event drawn as a vertical line with a glyph on top.
type Marker struct {
	At    time.Time
	Kind  string // "deploy", "oom", "launch", "start", "exit", "destroy"; others get a neutral glyph
	Label string // hover text, e.g. "Deploy: machine 3d8d... updated 14:02 UTC"
	Href  string // optional link (a path, query or http(s) URL)
}

// Chart describes one time-series chart.
type Chart struct {
	ID          string // unique in a page: prefixes element ids (aria, clip path)
	Title, Desc string // accessible name and description
	Unit        Unit
	Start       time.Time
	Step        time.Duration
	// End optionally widens the time axis beyond the last point, so a range
	// whose latest points are missing still shows its full width. Zero means
	// Start+(len-1)*Step.
	End     time.Time
	Series  []Series
	Stacked bool // stacked areas, e.g. responses by status class
	Markers []Marker
	Width   int     // default 720
	Height  int     // default 260
	Max     float64 // fixed y maximum (e.g. 100 for %), 0 = auto; exceeded data still fits
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
	// series' value, so this is what keeps a 720-point chart small.
	maxColumns = 120
	noData     = "No data in this range"
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
	var solid []int
	for i := range series {
		if !series[i].Dashed {
			out[i] = len(solid) % len(lightPalette)
			if t, ok := toneIndex[series[i].Tone]; ok {
				out[i] = t
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

type legendItem struct {
	label, full string // full is set when label was shortened
	color       int
	dashed      bool
	kind        string // marker kind, "" for a series
	x, y        float64
}

const maxLegendLabel = 40

func shorten(s string) (string, string) {
	r := []rune(s)
	if len(r) <= maxLegendLabel {
		return s, ""
	}
	return string(r[:maxLegendLabel-1]) + "…", s
}

// layoutLegend places items left to right, wrapping at width.
func layoutLegend(items []legendItem, x0, width float64) int {
	if len(items) == 0 {
		return 0
	}
	x, row := x0, 0
	for i := range items {
		w := 22 + textWidth(items[i].label) + 14
		if x > x0 && x+w > width {
			x, row = x0, row+1
		}
		items[i].x, items[i].y = x, float64(row)
		x += w
	}
	return row + 1
}

func (c *Chart) render(w *svgBuf, o Options) error {
	width, height := c.Width, c.Height
	if width <= 0 {
		width = defaultWidth
	}
	if height <= 0 {
		height = defaultHeight
	}
	width, height = max(width, 160), max(height, 100)
	W, H := float64(width), float64(height)
	id := safeID(c.ID)
	n := c.points()
	if n > 1 && c.Step <= 0 {
		return fmt.Errorf("charts: chart %q has %d points but step %v", c.ID, n, c.Step)
	}
	t0, t1 := c.timeDomain(n)
	span := float64(t1.Sub(t0))

	// Data range; stacked charts range over the running sums.
	var acc []float64
	if c.Stacked {
		acc = w.scratch(n)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range c.Series {
		s := &c.Series[i]
		for j := range s.Values {
			v := value(s, j)
			if math.IsNaN(v) {
				continue
			}
			if c.Stacked {
				acc[j] += v
				v = acc[j]
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	hasData := hi >= lo
	if !hasData {
		lo, hi = 0, 0
	}

	// Markers within the time range, and the kinds for the legend.
	var kindsSeen [len(markerOrder) + 1]bool
	inRange := 0
	for _, m := range c.Markers {
		if !m.At.Before(t0) && !m.At.After(t1) {
			inRange++
			kindsSeen[kindSlot(m.Kind)] = true
		}
	}

	cols := colors(c.Series)
	items := make([]legendItem, 0, len(c.Series)+len(kindsSeen))
	for i := range c.Series {
		name := c.Series[i].Name
		if name == "" {
			name = fmt.Sprintf("series %d", i+1)
		}
		label, full := shorten(name)
		items = append(items, legendItem{label: label, full: full, color: cols[i], dashed: c.Series[i].Dashed})
	}
	for k, seen := range kindsSeen {
		if seen {
			kind := "other"
			if k < len(markerOrder) {
				kind = markerOrder[k]
			}
			items = append(items, legendItem{label: kindInfo(kind).name, kind: kind})
		}
	}
	const legendX, rowH = 10.0, 18.0
	rows := layoutLegend(items, legendX, W-10)

	// Vertical layout: [title] [marker lane] plot, x labels, legend rows.
	top := 10.0
	if o.Standalone && c.Title != "" {
		top += 22
	}
	if inRange > 0 {
		top += 12
	}
	bottom := 24.0
	if rows > 0 {
		bottom += float64(rows)*rowH + 2
	}
	y0, y1 := top, H-bottom
	if y1-y0 < 30 {
		y1 = y0 + 30
	}
	plotH := y1 - y0
	ys := newYScale(lo, hi, c.Max, min(max(int(plotH/38), 2), 6), c.Unit)
	af := newAxisFormat(c.Unit, ys.step, ys.hi)
	// Left margin fits the widest y label.
	// Without data the scale is made up, so it gets grid lines but no labels.
	labels := make([][]byte, len(ys.ticks))
	widest := 0.0
	for k, v := range ys.ticks {
		if !hasData {
			break
		}
		labels[k] = af.append(nil, v)
		widest = math.Max(widest, textWidth(string(labels[k])))
	}
	x0, x1 := math.Max(34, widest+14), W-22
	plotW := x1 - x0
	yOf := func(v float64) float64 { return y1 - (v-ys.lo)/(ys.hi-ys.lo)*plotH }
	xOfT := func(t time.Time) float64 { return x0 + float64(t.Sub(t0))/span*plotW }
	dx := float64(c.Step) / span * plotW
	xOf := func(j int) float64 { return x0 + float64(j)*dx }

	// Document head.
	if o.Standalone {
		w.s(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	}
	w.s(`<svg xmlns="http://www.w3.org/2000/svg" class="fdc" width="`)
	w.i(width)
	w.s(`" height="`)
	w.i(height)
	w.s(`" viewBox="0 0 `)
	w.i(width)
	w.c(' ')
	w.i(height)
	w.s(`" role="img" aria-labelledby="`)
	w.s(id)
	w.s(`-t `)
	w.s(id)
	w.s(`-d" font-family="system-ui,sans-serif" font-size="11"><title id="`)
	w.s(id)
	w.s(`-t">`)
	if c.Title != "" {
		w.esc(c.Title)
	} else {
		w.s("Chart")
	}
	w.s(`</title><desc id="`)
	w.s(id)
	w.s(`-d">`)
	if c.Desc != "" {
		w.esc(c.Desc)
	} else {
		c.autoDesc(w, n, t0, t1, hasData)
	}
	w.s("</desc>\n")
	if o.Standalone {
		w.s("<style>\n")
		w.s(css)
		w.s("</style>\n")
		w.s(`<rect class="bg" width="100%" height="100%" fill="#fff"/>`)
		if c.Title != "" {
			w.s(`<text class="ttl" x="10" y="18" font-size="13" font-weight="600">`)
			w.esc(c.Title)
			w.s("</text>")
		}
		w.c('\n')
	}
	w.s(`<defs><clipPath id="`)
	w.s(id)
	w.s(`-clip"><rect`)
	w.attr("x", x0-1)
	w.attr("y", y0-2)
	w.attr("width", plotW+2)
	w.attr("height", plotH+3)
	w.s("/></clipPath></defs>\n")

	// Grid, axis and labels.
	ticks := timeTicks(t0, t1, min(max(int(plotW/72), 2), 8))
	base := y1
	if ys.lo < 0 {
		base = yOf(0)
	}
	w.s(`<path class="gr" fill="none" stroke="#eceef1" d="`)
	for _, v := range ys.ticks {
		if y := yOf(v); math.Abs(y-base) > 0.5 {
			w.c('M')
			w.n(x0)
			w.c(' ')
			w.n(y)
			w.c('H')
			w.n(x1)
		}
	}
	for _, t := range ticks {
		w.c('M')
		w.n(xOfT(t.at))
		w.c(' ')
		w.n(y0)
		w.c('V')
		w.n(y1)
	}
	w.s(`"/>` + "\n")
	w.s(`<path class="ax" fill="none" stroke="#c9cdd4" d="M`)
	w.n(x0)
	w.c(' ')
	w.n(base)
	w.c('H')
	w.n(x1)
	for _, t := range ticks {
		w.c('M')
		w.n(xOfT(t.at))
		w.c(' ')
		w.n(y1)
		w.s("v4")
	}
	w.s(`"/>` + "\n")
	w.s(`<g class="yl" text-anchor="end">`)
	for k, v := range ys.ticks {
		if labels[k] == nil {
			continue
		}
		w.s("<text")
		w.attr("x", x0-7)
		w.attr("y", yOf(v)+3.5)
		w.c('>')
		w.b = append(w.b, labels[k]...)
		w.s("</text>")
	}
	w.s("</g>\n")
	w.s(`<g class="xl" text-anchor="middle">`)
	for _, t := range ticks {
		w.s("<text")
		w.attr("x", xOfT(t.at))
		w.attr("y", y1+16)
		w.c('>')
		w.s(t.label)
		w.s("</text>")
	}
	w.s("</g>\n")

	// Series: stacked areas first, then every line over them.
	w.s(`<g class="sr" clip-path="url(#`)
	w.s(id)
	w.s(`-clip)">` + "\n")
	if hasData && c.Stacked {
		clear(acc)
		for i := range c.Series {
			c.writeArea(w, i, cols[i], acc, xOf, yOf)
		}
		clear(acc)
	}
	if hasData {
		for i := range c.Series {
			c.writeLine(w, i, cols[i], acc, xOf, yOf)
		}
	}
	w.s("</g>\n")
	if !hasData {
		w.s(`<text class="nodata" text-anchor="middle" font-size="13"`)
		w.attr("x", x0+plotW/2)
		w.attr("y", y0+plotH/2+4)
		w.s(">" + noData + "</text>\n")
	}

	if hasData {
		c.writeColumns(w, n, t0, x0, x1, y0, y1, xOf)
	}
	if inRange > 0 {
		c.writeMarkers(w, t0, t1, y0, y1, xOfT)
	}

	// Legend.
	if rows > 0 {
		w.s(`<g class="lg">`)
		for _, it := range items {
			ly := y1 + 24 + it.y*rowH + 8
			if it.full != "" {
				w.s("<g><title>")
				w.esc(it.full)
				w.s("</title>")
			}
			switch {
			case it.kind != "":
				k := kindInfo(it.kind)
				w.s(`<g class="mk k-`)
				w.s(it.kind)
				w.s(`"><path class="gl" fill="`)
				w.s(k.light)
				w.s(`" transform="translate(`)
				w.n(it.x + 7)
				w.c(' ')
				w.n(ly)
				w.s(`)" d="`)
				w.s(k.glyph)
				w.s(`"/></g>`)
			case c.Stacked && !it.dashed:
				w.s(`<rect class="sw s`)
				w.i(it.color)
				w.s(`" rx="2" width="12" height="10" fill="`)
				w.s(lightPalette[it.color])
				w.c('"')
				w.attr("x", it.x+1)
				w.attr("y", ly-5)
				w.s("/>")
			default:
				w.s(`<path class="sw s`)
				w.i(it.color)
				if it.dashed {
					w.s(` d" stroke-dasharray="4 3`)
				}
				w.s(`" stroke-width="2" fill="none" stroke="`)
				w.s(lightPalette[it.color])
				w.s(`" d="M`)
				w.n(it.x)
				w.c(' ')
				w.n(ly)
				w.s(`h15"/>`)
			}
			w.s("<text")
			w.attr("x", it.x+21)
			w.attr("y", ly+4)
			w.c('>')
			w.esc(it.label)
			w.s("</text>")
			if it.full != "" {
				w.s("</g>")
			}
		}
		w.s("</g>\n")
	}
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

// autoDesc describes the chart for screen readers when the caller gave no
// description: what is shown, over which window.
func (c *Chart) autoDesc(w *svgBuf, n int, t0, t1 time.Time, hasData bool) {
	if !hasData {
		w.s(noData)
		w.s(", ")
	} else {
		w.i(len(c.Series))
		w.s(" series, ")
		w.i(n)
		w.s(" points each, ")
	}
	w.s("from ")
	w.b = t0.AppendFormat(w.b, "2006-01-02 15:04")
	w.s(" to ")
	w.b = t1.AppendFormat(w.b, "2006-01-02 15:04")
	w.s(" UTC.")
	if n := len(c.Markers); n > 0 {
		w.c(' ')
		w.i(n)
		w.s(" events marked.")
	}
}

// seriesAttrs writes the opening of a series element: classes for the
// stylesheet, presentation attributes as a fallback without it.
func seriesAttrs(w *svgBuf, kind string, color int, dashed bool) {
	w.s(`<path class="`)
	w.s(kind)
	w.s(" s")
	w.i(color)
	if dashed {
		w.s(` d" stroke-dasharray="5 4`)
	}
	if kind == "a" {
		w.s(`" fill-opacity="0.3" fill="`)
	} else {
		w.s(`" fill="none" stroke-width="1.6" stroke="`)
	}
	w.s(lightPalette[color])
	w.s(`" d="`)
}

// writeLine draws one series as a polyline broken at gaps: every run of
// present points starts with its own M. A lone point gets a zero-length
// segment, which the round line cap shows as a dot. For stacked charts the
// line follows the running sum (acc, updated in place).
func (c *Chart) writeLine(w *svgBuf, i, color int, acc []float64, xOf func(int) float64, yOf func(float64) float64) {
	s := &c.Series[i]
	seriesAttrs(w, "l", color, s.Dashed)
	open, runLen := false, 0
	for j := range s.Values {
		v := value(s, j)
		if math.IsNaN(v) {
			if open && runLen == 1 {
				w.s("h0")
			}
			open = false
			continue
		}
		if acc != nil {
			acc[j] += v
			v = acc[j]
		}
		if open {
			w.c('L')
			runLen++
		} else {
			w.c('M')
			open, runLen = true, 1
		}
		w.n(xOf(j))
		w.c(' ')
		w.n(yOf(v))
	}
	if open && runLen == 1 {
		w.s("h0")
	}
	w.s(`"/>` + "\n")
}

// writeArea draws series i's band of a stack, from the running sum below it
// (acc) to acc+v, one closed shape per run of present points. A missing
// point is a gap in this band only; the bands above stack on what is there.
func (c *Chart) writeArea(w *svgBuf, i, color int, acc []float64, xOf func(int) float64, yOf func(float64) float64) {
	s := &c.Series[i]
	seriesAttrs(w, "a", color, false)
	for j := 0; j < len(s.Values); {
		if math.IsNaN(value(s, j)) {
			j++
			continue
		}
		end := j
		for end < len(s.Values) && !math.IsNaN(value(s, end)) {
			end++
		}
		for k := j; k < end; k++ {
			if k == j {
				w.c('M')
			} else {
				w.c('L')
			}
			w.n(xOf(k))
			w.c(' ')
			w.n(yOf(acc[k] + value(s, k)))
		}
		for k := end - 1; k >= j; k-- {
			w.c('L')
			w.n(xOf(k))
			w.c(' ')
			w.n(yOf(acc[k]))
			acc[k] += value(s, k)
		}
		w.c('Z')
		j = end
	}
	w.s(`"/>` + "\n")
}

// writeColumns lays transparent columns over the plot, each with a <title>
// giving the time and every series' value: hover values without script.
// Points are grouped so there are at most maxColumns columns; a column
// reports its middle point.
func (c *Chart) writeColumns(w *svgBuf, n int, t0 time.Time, x0, x1, y0, y1 float64, xOf func(int) float64) {
	group := (n + maxColumns - 1) / maxColumns
	timeFmt := "2006-01-02 15:04 UTC"
	if c.Step%time.Minute != 0 {
		timeFmt = "2006-01-02 15:04:05 UTC"
	}
	w.s(`<g class="hv" aria-hidden="true">` + "\n")
	for k := 0; k < n; k += group {
		end := min(k+group, n)
		left, right := x0, x1
		if k > 0 {
			left = (xOf(k-1) + xOf(k)) / 2
		}
		if end < n {
			right = (xOf(end-1) + xOf(end)) / 2
		}
		r := k + (end-k-1)/2
		w.s(`<rect class="hb" fill-opacity="0"`)
		w.attr("x", left)
		w.attr("y", y0)
		w.attr("width", right-left)
		w.attr("height", y1-y0)
		w.s("><title>")
		w.b = t0.Add(time.Duration(r)*c.Step).AppendFormat(w.b, timeFmt)
		total, counted := 0.0, false
		for i := range c.Series {
			s := &c.Series[i]
			w.c('\n')
			if s.Name != "" {
				w.esc(s.Name)
			} else {
				w.s("series ")
				w.i(i + 1)
			}
			w.s(": ")
			v := value(s, r)
			w.b = appendValue(w.b, v, c.Unit)
			if !math.IsNaN(v) && !s.Dashed {
				total += v
				counted = true
			}
		}
		if c.Stacked && len(c.Series) > 1 && counted {
			w.s("\nTotal: ")
			w.b = appendValue(w.b, total, c.Unit)
		}
		w.s("</title></rect>\n")
	}
	w.s("</g>\n")
}

// writeMarkers draws each event in range as a dashed vertical line with its
// kind's glyph in the lane above the plot, all inside a link when Href is
// safe, with the label as the hover title. They come after the hover
// columns so their own titles win.
func (c *Chart) writeMarkers(w *svgBuf, t0, t1 time.Time, y0, y1 float64, xOfT func(time.Time) float64) {
	w.s(`<g class="mks">` + "\n")
	for _, m := range c.Markers {
		if m.At.Before(t0) || m.At.After(t1) {
			continue
		}
		kind := m.Kind
		if _, ok := markerKinds[kind]; !ok {
			kind = "other"
		}
		k := kindInfo(kind)
		x := xOfT(m.At)
		link := safeHref(m.Href)
		if link {
			w.s(`<a class="mk k-`)
			w.s(kind)
			w.s(`" href="`)
			w.esc(m.Href)
			w.s(`">`)
		} else {
			w.s(`<g class="mk k-`)
			w.s(kind)
			w.s(`">`)
		}
		w.s("<title>")
		if m.Label != "" {
			w.esc(m.Label)
		} else {
			w.s(k.name)
			w.s(" at ")
			w.b = m.At.UTC().AppendFormat(w.b, "2006-01-02 15:04 UTC")
		}
		w.s(`</title><path class="hit" stroke="#000" stroke-opacity="0" stroke-width="8" d="M`)
		w.n(x)
		w.c(' ')
		w.n(y0 - 12)
		w.c('V')
		w.n(y1)
		w.s(`"/><path class="ml" stroke-dasharray="3 3" stroke="`)
		w.s(k.light)
		w.s(`" d="M`)
		w.n(x)
		w.c(' ')
		w.n(y0 - 2)
		w.c('V')
		w.n(y1)
		w.s(`"/><path class="gl" fill="`)
		w.s(k.light)
		w.s(`" transform="translate(`)
		w.n(x)
		w.c(' ')
		w.n(y0 - 7)
		w.s(`)" d="`)
		w.s(k.glyph)
		w.s(`"/>`)
		if link {
			w.s("</a>\n")
		} else {
			w.s("</g>\n")
		}
	}
	w.s("</g>\n")
}
