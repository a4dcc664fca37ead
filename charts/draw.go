package charts

import (
	"math"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// writeHead opens the <svg> with its accessible name and description and,
// for a standalone document, the stylesheet, background and visible title.
func (f *frame) writeHead(w *svgBuf, standalone bool) {
	c := f.c
	if standalone {
		w.s(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	}
	if f.fluid {
		w.s(`<svg xmlns="http://www.w3.org/2000/svg" class="fdc fl" width="100%" height="`)
		w.i(f.height)
	} else {
		w.s(`<svg xmlns="http://www.w3.org/2000/svg" class="fdc" width="`)
		w.i(f.width)
		w.s(`" height="`)
		w.i(f.height)
		w.s(`" viewBox="0 0 `)
		w.i(f.width)
		w.c(' ')
		w.i(f.height)
	}
	w.s(`" role="img" aria-labelledby="`)
	w.s(f.id)
	w.s(`-t `)
	w.s(f.id)
	w.s(`-d" font-family="system-ui,sans-serif" font-size="12"><title id="`)
	w.s(f.id)
	w.s(`-t">`)
	if c.Title != "" {
		w.esc(c.Title)
	} else {
		w.s("Chart")
	}
	w.s(`</title><desc id="`)
	w.s(f.id)
	w.s(`-d">`)
	if c.Desc != "" {
		w.esc(c.Desc)
	} else {
		f.writeAutoDesc(w)
	}
	w.s("</desc>\n")
	if standalone {
		w.s("<style>\n" + css + "</style>\n")
		w.s(`<rect class="bg" width="100%" height="100%" fill="#fff"/>`)
		if c.Title != "" {
			w.s(`<text class="ttl" x="10" y="18" font-size="13" font-weight="600">`)
			w.esc(c.Title)
			w.s("</text>")
		}
		w.c('\n')
	}
	// The clip box leaves room for half a line width at the top edge.
	w.s(`<defs><clipPath id="`)
	w.s(f.id)
	w.s(`-clip"><rect`)
	w.attr("x", f.x0-1)
	w.attr("y", f.y0-2)
	w.attr("width", f.x1-f.x0+2)
	w.attr("height", f.y1-f.y0+3)
	w.s("/></clipPath>")
	if f.fluid && f.markers > 0 {
		f.writeGlyphDefs(w)
	}
	w.s("</defs>\n")
}

// writeAutoDesc describes the chart for screen readers when the caller gave
// no description: what is shown, over which window.
func (f *frame) writeAutoDesc(w *svgBuf) {
	if f.hasData {
		w.i(len(f.c.Series))
		w.s(" series, ")
		w.i(f.n)
		w.s(" points each, ")
	} else {
		w.s(noData + ", ")
	}
	w.s("from ")
	w.b = f.t0.AppendFormat(w.b, "2006-01-02 15:04")
	w.s(" to ")
	w.b = f.t1.AppendFormat(w.b, "2006-01-02 15:04")
	w.s(" UTC.")
	if f.markers > 0 {
		w.c(' ')
		w.i(f.markers)
		w.s(" events marked.")
	}
}

// writeGrid draws the grid and the time axis with its ticks, in plot units.
func (f *frame) writeGrid(w *svgBuf) {
	base := f.y1
	if f.ys.lo < 0 {
		base = f.y(0)
	}
	w.s(`<path class="gr" fill="none" stroke="#eceef1" d="`)
	for _, v := range f.ys.ticks {
		if y := f.y(v); math.Abs(y-base) > 0.5 {
			w.c('M')
			w.pt(f.x0, y)
			w.c('H')
			w.n(f.x1)
		}
	}
	for _, t := range f.ticks {
		w.c('M')
		w.pt(f.xt(t.at), f.y0)
		w.c('V')
		w.n(f.y1)
	}
	w.s(`"/>` + "\n")

	w.s(`<path class="ax" fill="none" stroke="#c9cdd4" d="M`)
	w.pt(f.x0, base)
	w.c('H')
	w.n(f.x1)
	for _, t := range f.ticks {
		w.c('M')
		w.pt(f.xt(t.at), f.y1)
		w.s("v4")
	}
	w.s(`"/>` + "\n")
}

// writeLabels writes the value labels (left of the plot, or in a fluid
// chart inside it, just above their grid line) and the time labels.
func (f *frame) writeLabels(w *svgBuf) {
	if f.fluid {
		w.s(`<g class="yl">`)
	} else {
		w.s(`<g class="yl" text-anchor="end">`)
	}
	for k, v := range f.ys.ticks {
		if f.yLabels[k] == nil {
			continue
		}
		w.s("<text")
		if f.fluid {
			w.s(` x="1"`)
			w.attr("y", f.y(v)-4)
		} else {
			w.attr("x", f.x0-7)
			w.attr("y", f.y(v)+3.5) // ~.32em: centres the digits on the grid line
		}
		w.c('>')
		w.b = append(w.b, f.yLabels[k]...)
		w.s("</text>")
	}
	w.s("</g>\n")

	w.s(`<g class="xl" text-anchor="middle">`)
	for k, t := range f.ticks {
		x := f.xt(t.at)
		w.s("<text")
		if f.fluid {
			f.xattr(w, "x", x)
			// Ends stay inside at any width; a phone hides every other one.
			switch {
			case x < edgePx*f.unitsPerPx():
				w.s(` text-anchor="start"`)
			case x > f.x1-edgePx*f.unitsPerPx():
				w.s(` text-anchor="end"`)
			}
			if k%2 == 1 {
				w.s(` class="alt"`)
			}
		} else {
			w.attr("x", x)
		}
		w.attr("y", f.y1+16)
		w.c('>')
		w.s(t.label)
		w.s("</text>")
	}
	w.s("</g>\n")
}

// writeSeries draws stacked areas first, then every line over them, all
// clipped to the plot.
func (f *frame) writeSeries(w *svgBuf) {
	w.s(`<g class="sr`)
	if f.c.Stacked {
		w.s(" st") // thinner lines: the bands carry the shape
	}
	w.s(`" clip-path="url(#`)
	w.s(f.id)
	w.s(`-clip)">` + "\n")
	if f.hasData {
		if f.c.Stacked {
			clear(f.acc)
			for i := range f.c.Series {
				if !f.c.Series[i].Limit {
					f.writeArea(w, i)
				}
			}
			clear(f.acc)
		}
		for i := range f.c.Series {
			f.writeLine(w, i)
		}
	}
	w.s("</g>\n")
}

// seriesAttrs opens a series path: classes for the stylesheet, presentation
// attributes as a fallback without it.
func seriesAttrs(w *svgBuf, kind string, color int, dashed, limit bool) {
	w.s(`<path class="`)
	w.s(kind)
	w.s(" s")
	w.i(color)
	switch {
	case limit:
		w.s(` lim" stroke-dasharray="1.5 3`)
	case dashed:
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

// writeLine draws series i as a polyline broken at gaps: every run of
// present points starts with its own M. A lone point gets a zero-length
// segment, which the round line cap shows as a dot. In a stacked chart the
// line follows the running sum (f.acc, updated in place).
func (f *frame) writeLine(w *svgBuf, i int) {
	s := &f.c.Series[i]
	seriesAttrs(w, "l", f.colors[i], s.Dashed, s.Limit)
	p := path{w: w}
	for j := range s.Values {
		v := value(s, j)
		if math.IsNaN(v) {
			if p.n == 1 {
				w.s("h0")
			}
			p = path{w: w}
			continue
		}
		if f.acc != nil && !s.Limit {
			f.acc[j] += v
			v = f.acc[j]
		}
		p.to(f.x(j), f.y(v))
	}
	if p.n == 1 {
		w.s("h0")
	}
	w.s(`"/>` + "\n")
}

// writeArea draws series i's band of the stack, from the running sum below
// it (f.acc) to acc+v, one closed shape per run of present points. A missing
// point is a gap in this band only; the bands above stack on what is there.
func (f *frame) writeArea(w *svgBuf, i int) {
	s := &f.c.Series[i]
	seriesAttrs(w, "a", f.colors[i], false, false)
	for j := 0; j < len(s.Values); {
		if math.IsNaN(value(s, j)) {
			j++
			continue
		}
		end := j
		for end < len(s.Values) && !math.IsNaN(value(s, end)) {
			end++
		}
		p := path{w: w}
		for k := j; k < end; k++ {
			p.to(f.x(k), f.y(f.acc[k]+value(s, k)))
		}
		for k := end - 1; k >= j; k-- {
			p.to(f.x(k), f.y(f.acc[k]))
			f.acc[k] += value(s, k)
		}
		w.c('Z')
		j = end
	}
	w.s(`"/>` + "\n")
}

// writeColumns lays transparent columns over the plot, each with a <title>
// giving the time and every series' value: hover values without script.
// Points are grouped so there are at most hoverColumns columns; a column
// reports its middle point.
func (f *frame) writeColumns(w *svgBuf) {
	c := f.c
	lines := len(c.Series)
	if c.Stacked && lines > 1 {
		lines++ // the total
	}
	cols := hoverColumns(lines)
	group := (f.n + cols - 1) / cols
	timeFmt := "2006-01-02 15:04 UTC"
	if c.Step%time.Minute != 0 {
		timeFmt = "2006-01-02 15:04:05 UTC"
	}
	w.s(`<g class="hv" aria-hidden="true">` + "\n")
	for k := 0; k < f.n; k += group {
		end := min(k+group, f.n)
		left, right := f.x0, f.x1
		if k > 0 {
			left = (f.x(k-1) + f.x(k)) / 2
		}
		if end < f.n {
			right = (f.x(end-1) + f.x(end)) / 2
		}
		r := k + (end-k-1)/2
		w.s(`<rect class="hb" fill-opacity="0"`)
		w.attr("x", left)
		w.attr("y", f.y0)
		w.attr("width", right-left)
		w.attr("height", f.y1-f.y0)
		w.s("><title>")
		w.b = f.t0.Add(time.Duration(r)*c.Step).AppendFormat(w.b, timeFmt)
		total, counted := 0.0, false
		for i := range c.Series {
			s := &c.Series[i]
			w.c('\n')
			w.esc(seriesName(s, i))
			w.s(": ")
			v := value(s, r)
			w.b = units.Append(w.b, v, c.Unit)
			if !math.IsNaN(v) && !s.Dashed && !s.Limit {
				total += v
				counted = true
			}
		}
		if c.Stacked && len(c.Series) > 1 && counted {
			w.s("\nTotal: ")
			w.b = units.Append(w.b, total, c.Unit)
		}
		w.s("</title></rect>\n")
	}
	w.s("</g>\n")
}

// hoverColumns is the most hover columns a chart whose titles have this
// many value lines gets: maxColumns, fewer when the lines would take the
// titles past hoverValues, never under minColumns.
func hoverColumns(lines int) int {
	return min(maxColumns, max(minColumns, hoverValues/max(lines, 1)))
}

// writeLegend: a line swatch per series (dashed for compare lines, a block
// for stacked bands), then the glyph of each marker kind shown. Shortened
// names keep the full one as a hover title.
func (f *frame) writeLegend(w *svgBuf) {
	if len(f.legend) == 0 {
		return
	}
	top := f.y1 + 32 // below the time labels
	w.s(`<g class="lg">`)
	for _, it := range f.legend {
		y := top + it.row*legendRowH
		if it.full != "" {
			w.s("<g><title>")
			w.esc(it.full)
			w.s("</title>")
		}
		switch {
		case it.kind != "":
			w.s(`<g class="mk k-`)
			w.s(it.kind)
			w.s(`">`)
			writeGlyph(w, kindInfo(it.kind), it.x+7, y)
			w.s(`</g>`)
		case f.c.Stacked && !it.dashed && !it.limit:
			w.s(`<rect class="sw s`)
			w.i(it.color)
			w.s(`" rx="2" width="12" height="10" fill="`)
			w.s(lightPalette[it.color])
			w.c('"')
			w.attr("x", it.x+1)
			w.attr("y", y-5)
			w.s("/>")
		default:
			w.s(`<path class="sw s`)
			w.i(it.color)
			switch {
			case it.limit:
				w.s(` lim" stroke-dasharray="1.5 3`)
			case it.dashed:
				w.s(` d" stroke-dasharray="4 3`)
			}
			w.s(`" stroke-width="2" fill="none" stroke="`)
			w.s(lightPalette[it.color])
			w.s(`" d="M`)
			w.pt(it.x, y)
			w.s(`h15"/>`)
		}
		w.s("<text")
		w.attr("x", it.x+21)
		w.attr("y", y+4)
		w.c('>')
		w.esc(it.label)
		w.s("</text>")
		if it.full != "" {
			w.s("</g>")
		}
	}
	w.s("</g>\n")
}
