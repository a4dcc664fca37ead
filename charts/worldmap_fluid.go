package charts

import "strings"

// An inline map is fluid like an inline chart (see fluid.go): the land and
// the marks scale with the width in a nested <svg>, whose shape the outer
// one keeps through CSS aspect-ratio, while the region labels sit at
// percentages outside it at their CSS px size. The legend and the note
// are a second <svg> of fixed height below, laid out for a phone.

// fluidLabel is a 12 px label on a map drawn narrowPx wide: the tightest
// its labels ever are, so they overlap nothing at any wider size.
var fluidLabel = labelSize{w: mapWidth / narrowPx, h: 12 * mapWidth / narrowPx, gap: 3 * mapWidth / narrowPx}

func (m *WorldMap) renderFluid(w *svgBuf) {
	id := safeID(m.ID)
	w.s(`<svg xmlns="http://www.w3.org/2000/svg" class="fdm fl geo" width="100%" role="img" aria-labelledby="` + id + `-t ` + id + `-d" font-family="system-ui,sans-serif" font-size="12"><title id="` + id + `-t">`)
	m.writeName(w, id)
	w.s(`<svg width="100%" height="100%" viewBox="0 0 720 `)
	w.n(mapGeo.height)
	w.s(`">` + "\n")
	w.s(`<path class="land" fill="#e4e7ec" stroke="#d0d4db" stroke-width="0.5" d="`)
	w.s(landPath())
	w.s(`"/>` + "\n")
	var placed []placedMark
	if m.Message == "" {
		placed = m.place(fluidLabel)
		m.writeMarks(w, placed, false)
	}
	w.s("</svg>\n")
	if m.Message != "" {
		w.s(`<text class="msg" x="50%" y="50%" text-anchor="middle" dominant-baseline="central" font-size="13" fill="#5f6672">`)
		w.esc(m.Message)
		w.s("</text>\n")
	}
	m.writeFluidLabels(w, placed)
	w.s("</svg>\n")
	m.writeFluidLegend(w)
}

// writeFluidLabels writes each region's label at its place as fractions
// of the map's width and height.
func (m *WorldMap) writeFluidLabels(w *svgBuf, placed []placedMark) {
	if len(placed) == 0 {
		return
	}
	w.s(`<g class="rls" aria-hidden="true">`)
	for _, p := range placed {
		w.s(`<text class="rl" font-weight="600" fill="#1c2028" text-anchor="`)
		w.s(p.anchor)
		if p.baseline != "" {
			w.s(`" dominant-baseline="`)
			w.s(p.baseline)
		}
		w.s(`" x="`)
		w.n(p.lx * 100 / mapWidth)
		w.s(`%" y="`)
		w.n(p.ly * 100 / mapGeo.height)
		w.s(`%">`)
		w.esc(p.m.Label)
		w.s("</text>")
	}
	w.s("</g>\n")
}

// writeFluidLegend writes the legend and the note, wrapped to a phone's
// width, as an <svg> of their own height; the map's description says what
// they say, so screen readers skip it.
func (m *WorldMap) writeFluidLegend(w *svgBuf) {
	items := m.legendItems()
	rows := layoutLegend(items, legendLeft, narrowPx-10)
	note := wrapText(m.Note, narrowPx-2*legendLeft)
	if rows == 0 && len(note) == 0 {
		return
	}
	const top, lineH = 10.0, 16.0
	h := top + float64(max(rows-1, 0))*mapLegendH + float64(len(note))*lineH + 12
	w.s(`<svg class="fdm fl lgd" width="100%" aria-hidden="true" font-family="system-ui,sans-serif" font-size="12"`)
	w.attr("height", h)
	w.s(">\n")
	m.writeLegend(w, items, top)
	y := top + float64(max(rows-1, 0))*mapLegendH + lineH + 6
	for _, line := range note {
		w.s(`<text class="note" fill="#5f6672"`)
		w.attr("x", legendLeft)
		w.attr("y", y)
		w.c('>')
		w.esc(line)
		w.s("</text>\n")
		y += lineH
	}
	w.s("</svg>\n")
}

// wrapText breaks s at spaces into lines at most width px wide, by
// textWidth's estimate; a word longer than that gets a line of its own.
func wrapText(s string, width float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case textWidth(line+" "+word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
