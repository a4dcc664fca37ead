package charts

import "time"

// An inline chart is fluid: its <svg> has no viewBox, so text is drawn at
// its CSS px size at any width, and only the plot stretches. The plot is a
// nested <svg> whose viewBox is plotWidth wide with preserveAspectRatio
// "none" and strokes that do not scale (CSS vector-effect): lines, areas,
// the grid and the hover columns. Everything round or textual (labels,
// glyphs, counts) is placed outside it at a percentage of the width. The
// legend and the marker clusters are laid out for the narrowest width a
// chart is drawn at, a phone's.
//
// Standalone documents (the .svg files) keep a fixed viewBox, so downloads
// and embeds are unchanged.

const (
	// plotUnits is about the plot's width in its own units: 0.1% of the
	// width (see plotWidth).
	plotUnits = 1000
	// narrowPx is the narrowest a chart is drawn: a 390 px phone less the
	// page's and the panel's padding.
	narrowPx = 320
	// edgePx: a time label this close to either end is anchored to stay
	// inside at narrowPx (half the widest label, "Nov 26").
	edgePx = 22
)

// plotWidth is the plot's width in its own units: at least plotUnits, and
// a whole number of units per step when the axis spans whole steps, so a
// line's every segment reads "l4 -1.3" where 1000 units would alternate
// "l3.5 -1.3 3.4 2.9". That is 15% off a gzipped app page.
func plotWidth(span, step time.Duration) float64 {
	if step <= 0 || span <= 0 || span%step != 0 || span/step > plotUnits {
		return plotUnits
	}
	steps := int(span / step)
	return float64(steps * ((plotUnits + steps - 1) / steps))
}

// unitsPerPx is how many horizontal units make one CSS px at the
// narrowest width the chart is drawn at.
func (f *frame) unitsPerPx() float64 {
	if f.fluid {
		return f.x1 / narrowPx
	}
	return 1
}

// xattr writes ` name="x"`: px for a fixed chart, a percentage of the
// width for a fluid one.
func (f *frame) xattr(w *svgBuf, name string, x float64) {
	if !f.fluid {
		w.attr(name, x)
		return
	}
	w.c(' ')
	w.s(name)
	w.s(`="`)
	w.n(x * 100 / f.x1)
	w.s(`%"`)
}

// openPlot starts the stretched plot of a fluid chart; closePlot ends it.
func (f *frame) openPlot(w *svgBuf) {
	if !f.fluid {
		return
	}
	w.s(`<svg class="pl" width="100%"`)
	w.attr("height", float64(f.height))
	w.s(` viewBox="0 0 `)
	w.n(f.x1)
	w.c(' ')
	w.i(f.height)
	w.s(`" preserveAspectRatio="none">` + "\n")
}

func (f *frame) closePlot(w *svgBuf) {
	if f.fluid {
		w.s("</svg>\n")
	}
}

// vline draws a vertical line at x from ya to yb; open is the element's
// attributes up to an open stroke="", which color fills.
func (f *frame) vline(w *svgBuf, open, color string, x, ya, yb float64) {
	if f.fluid {
		w.s(`<line `)
		w.s(open)
		w.s(color)
		w.c('"')
		f.xattr(w, "x1", x)
		f.xattr(w, "x2", x)
		w.attr("y1", ya)
		w.attr("y2", yb)
		w.s(`/>`)
		return
	}
	w.s(`<path `)
	w.s(open)
	w.s(color)
	w.s(`" d="M`)
	w.pt(x, ya)
	w.c('V')
	w.n(yb)
	w.s(`"/>`)
}

// glyph draws a marker kind's glyph centred on (x, y). A fluid chart
// places one shape per kind from its <defs> at a percentage, undistorted.
func (f *frame) glyph(w *svgBuf, kind string, k markerKind, x, y float64) {
	if !f.fluid {
		writeGlyph(w, k, x, y)
		return
	}
	w.s(`<use class="gl" href="#`)
	w.s(f.id)
	w.s(`-g-`)
	w.s(kind)
	w.s(`" fill="`)
	w.s(k.light)
	w.c('"')
	f.xattr(w, "x", x)
	w.attr("y", y)
	w.s(`/>`)
}

// writeGlyphDefs defines each marker kind shown once, for glyph.
func (f *frame) writeGlyphDefs(w *svgBuf) {
	var seen [len(markerOrder) + 1]bool
	for _, m := range f.c.Markers {
		if !f.inRange(m.At) {
			continue
		}
		kind := m.Kind
		if _, ok := markerKinds[kind]; !ok {
			kind = "other"
		}
		if k := kindSlot(kind); !seen[k] {
			seen[k] = true
			w.s(`<path id="`)
			w.s(f.id)
			w.s(`-g-`)
			w.s(kind)
			w.s(`" d="`)
			w.s(kindInfo(kind).glyph)
			w.s(`"/>`)
		}
	}
}
