package charts

import (
	"io"
	"math"
	"sort"
	"strings"
)

// WorldMap is a world map with marks at places: a disc sized by a number
// (where users connect, sized by requests/s) and coloured by a tone, and/or
// a square (where machines run). It knows nothing of what the numbers are:
// the caller gives each mark its size, tone and hover text.
type WorldMap struct {
	ID, Title, Desc string
	Marks           []MapMark
	// Legend explains the tones used, in order; DiscLabel and SquareLabel
	// explain the two shapes ("Users connect here, sized by requests/s").
	Legend                 []MapTone
	DiscLabel, SquareLabel string
	// Note is a line under the legend, e.g. the time the numbers are for.
	Note string
	// Message, when set, is drawn over the map instead of the marks: why
	// there is nothing to show (a failed query, no traffic).
	Message string
	Width   int // drawn width; the geometry is always 720 wide and scales
}

// MapMark is one place on the map.
type MapMark struct {
	Label    string  // drawn beside the mark ("syd")
	Lat, Lon float64 // degrees, north and east positive
	// Size is the disc's number; discs grow with its square root, so
	// their areas compare like the numbers. 0 or NaN: no disc.
	Size float64
	// Tone colours the disc: "ok", "warn", "bad", or "" (neutral).
	Tone   string
	Square bool   // the second kind of place (machines)
	Title  string // hover text, all the mark's numbers
}

// MapTone is one legend entry for a disc colour.
type MapTone struct{ Tone, Text string }

// The map's geometry: a 720-unit wide Equal Earth projection cropped to the
// latitudes with land people live on (Antarctica has no Fly region).
const (
	mapWidth    = 720.0
	mapPad      = 6.0
	mapLatNorth = 84.0
	mapLatSouth = -57.0
	discMin     = 3.5
	discMax     = 16.0
	mapLegendH  = 20.0
)

var mapGeo = newMapGeometry()

type mapGeometry struct {
	scale, x0, y0, height float64
}

func newMapGeometry() mapGeometry {
	xmax, _ := equalEarth(math.Pi, 0)
	_, north := equalEarth(0, mapLatNorth*math.Pi/180)
	_, south := equalEarth(0, mapLatSouth*math.Pi/180)
	s := (mapWidth - 2*mapPad) / (2 * xmax)
	return mapGeometry{scale: s, x0: mapWidth / 2, y0: mapPad + north*s, height: (north-south)*s + 2*mapPad}
}

// project gives a point's position in the map's coordinates.
func (g mapGeometry) project(lat, lon float64) (float64, float64) {
	x, y := equalEarth(lon*math.Pi/180, lat*math.Pi/180)
	return g.x0 + x*g.scale, g.y0 - y*g.scale
}

// equalEarth is the Equal Earth projection (Šavrič, Patterson, Jenny 2018)
// of a point in radians: equal-area, so regions compare fairly, and with
// straight parallels, so a map reads like the familiar ones. Hand-written:
// a dozen lines, where a projection library would be a dependency.
func equalEarth(lambda, phi float64) (x, y float64) {
	const a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
	theta := math.Asin(math.Sqrt(3) / 2 * math.Sin(phi))
	t2 := theta * theta
	t6 := t2 * t2 * t2
	x = 2 * math.Sqrt(3) * lambda * math.Cos(theta) / (3 * (9*a4*t6*t2 + 7*a3*t6 + 3*a2*t2 + a1))
	y = theta * (a4*t6*t2 + a3*t6 + a2*t2 + a1)
	return x, y
}

// MapPosition is where RenderMap puts a mark at lat, lon, in the map's own
// coordinates (its viewBox), for tests and image maps.
func MapPosition(lat, lon float64, o Options) (x, y float64) {
	x, y = mapGeo.project(lat, lon)
	return x, y + mapTop(o.Standalone)
}

func mapTop(standalone bool) float64 {
	if standalone {
		return 26
	}
	return 0
}

type placedMark struct {
	m        *MapMark
	x, y     float64
	r        float64 // disc radius, 0 without a disc
	lx, ly   float64 // label position
	anchor   string
	baseline string // a fluid label's dominant-baseline, "" for the alphabetic one
}

// labelSize is how big a label is in the map's units: its width per unit
// of textWidth, its height, and its gap to the mark.
type labelSize struct{ w, h, gap float64 }

// fixedLabel is a 10-unit label on a map drawn at its 720-unit size.
var fixedLabel = labelSize{w: 10.0 / 11, h: 10, gap: 3}

// RenderMap writes m as SVG, inline or standalone like Render. It fails
// only if w does.
func RenderMap(w io.Writer, m WorldMap, o Options) error {
	p := getBuf()
	defer putBuf(p)
	m.render(p, o.Standalone)
	_, err := w.Write(p.b)
	return err
}

func (m *WorldMap) render(w *svgBuf, standalone bool) {
	if !standalone {
		m.renderFluid(w)
		return
	}
	id := safeID(m.ID)
	top := mapTop(standalone)
	legend := m.legendItems()
	rows := layoutLegend(legend, legendLeft, mapWidth-10)
	H := top + mapGeo.height + float64(rows)*mapLegendH + 6
	if m.Note != "" {
		H += 16
	}
	H = math.Ceil(H)
	width := m.Width
	if width <= 0 {
		width = int(mapWidth)
	}
	height := int(math.Round(H * float64(width) / mapWidth))

	if standalone {
		w.s(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	}
	w.s(`<svg xmlns="http://www.w3.org/2000/svg" class="fdm" width="`)
	w.i(width)
	w.s(`" height="`)
	w.i(height)
	w.s(`" viewBox="0 0 720 `)
	w.n(H)
	w.s(`" role="img" aria-labelledby="` + id + `-t ` + id + `-d" font-family="system-ui,sans-serif" font-size="12"><title id="` + id + `-t">`)
	m.writeName(w, id)
	if standalone {
		w.s("<style>\n" + mapCSS + "</style>\n")
		w.s(`<rect class="bg" width="100%" height="100%" fill="#fff"/>`)
		if m.Title != "" {
			w.s(`<text class="ttl" x="10" y="18" font-size="13" font-weight="600" fill="#1c2028">`)
			w.esc(m.Title)
			w.s("</text>")
		}
		w.c('\n')
	}
	w.s(`<g transform="translate(0 `)
	w.n(top)
	w.s(`)">` + "\n")
	w.s(`<path class="land" fill="#e4e7ec" stroke="#d0d4db" stroke-width="0.5" d="`)
	w.s(landPath())
	w.s(`"/>` + "\n")
	if m.Message != "" {
		w.s(`<text class="msg" text-anchor="middle" font-size="13" fill="#5f6672"`)
		w.attr("x", mapWidth/2)
		w.attr("y", mapGeo.height/2)
		w.c('>')
		w.esc(m.Message)
		w.s("</text>\n")
	} else {
		m.writeMarks(w, m.place(fixedLabel), true)
	}
	w.s("</g>\n")
	m.writeLegend(w, legend, top+mapGeo.height+14)
	if m.Note != "" {
		w.s(`<text class="note" fill="#5f6672"`)
		w.attr("x", legendLeft)
		w.attr("y", top+mapGeo.height+float64(rows)*mapLegendH+16)
		w.c('>')
		w.esc(m.Note)
		w.s("</text>\n")
	}
	w.s("</svg>\n")
}

// place projects the marks, sizes the discs and puts each label where it
// overlaps no label placed before it: right, left, above, then below.
func (m *WorldMap) place(ls labelSize) []placedMark {
	maxSize := 0.0
	for i := range m.Marks {
		if s := m.Marks[i].Size; finite(s) && s > maxSize {
			maxSize = s
		}
	}
	out := make([]placedMark, len(m.Marks))
	for i := range m.Marks {
		mk := &m.Marks[i]
		p := placedMark{m: mk}
		p.x, p.y = mapGeo.project(mk.Lat, mk.Lon)
		if s := mk.Size; finite(s) && s > 0 && maxSize > 0 {
			p.r = discMin + (discMax-discMin)*math.Sqrt(s/maxSize)
		}
		out[i] = p
	}
	// Big discs first, so small ones stay on top and visible.
	sort.SliceStable(out, func(i, j int) bool { return out[i].r > out[j].r })
	// Labels avoid every disc but their own, and the labels placed before.
	discs := make([][4]float64, len(out))
	for i, p := range out {
		r := math.Max(p.r, 3.5)
		discs[i] = [4]float64{p.x - r, p.y - r, p.x + r, p.y + r}
	}
	var boxes [][4]float64
	h, g := ls.h, ls.gap
	for i := range out {
		p := &out[i]
		r := math.Max(p.r, 5)
		tw := textWidth(p.m.Label) * ls.w
		cands := [...]struct {
			x, y             float64
			anchor, baseline string
			box              [4]float64
		}{
			{p.x + r + g, p.y + 0.35*h, "start", "central", [4]float64{p.x + r + g, p.y - h/2, p.x + r + g + tw, p.y + h/2}},
			{p.x - r - g, p.y + 0.35*h, "end", "central", [4]float64{p.x - r - g - tw, p.y - h/2, p.x - r - g, p.y + h/2}},
			{p.x, p.y - r - g, "middle", "", [4]float64{p.x - tw/2, p.y - r - g - h, p.x + tw/2, p.y - r - g}},
			{p.x, p.y + r + g/3 + h, "middle", "hanging", [4]float64{p.x - tw/2, p.y + r + g/3, p.x + tw/2, p.y + r + g/3 + h}},
		}
		best := 0
		for k, c := range cands {
			if c.box[0] < 0 || c.box[2] > mapWidth || c.box[1] < 0 {
				continue
			}
			if !overlapsAny(c.box, boxes) && !overlapsAny(c.box, discs[:i]) && !overlapsAny(c.box, discs[i+1:]) {
				best = k
				break
			}
		}
		c := cands[best]
		p.lx, p.ly, p.anchor, p.baseline = c.x, c.y, c.anchor, c.baseline
		boxes = append(boxes, c.box)
	}
	return out
}

func overlapsAny(b [4]float64, boxes [][4]float64) bool {
	for _, o := range boxes {
		if b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3] {
			return true
		}
	}
	return false
}

// writeMarks draws each mark with its hover title, and its label unless a
// fluid map draws the labels apart (writeFluidLabels).
func (m *WorldMap) writeMarks(w *svgBuf, placed []placedMark, labels bool) {
	w.s(`<g class="mks">` + "\n")
	for _, p := range placed {
		tone := p.m.Tone
		if _, ok := toneIndex[tone]; !ok {
			tone = "none"
		}
		w.s(`<g class="mr t-` + tone + `"><title>`)
		if p.m.Title != "" {
			w.esc(p.m.Title)
		} else {
			w.esc(p.m.Label)
		}
		w.s("</title>")
		if p.r > 0 {
			w.s(`<circle class="dk" fill-opacity="0.7" stroke-width="1" fill="`)
			w.s(toneColor(tone))
			w.s(`" stroke="`)
			w.s(toneColor(tone))
			w.c('"')
			w.attr("cx", p.x)
			w.attr("cy", p.y)
			w.attr("r", p.r)
			w.s("/>")
		}
		if p.r == 0 && !p.m.Square {
			// Neither number nor machines: still a place, as a dot.
			w.s(`<circle class="dot" fill="#64748b" r="2.5"`)
			w.attr("cx", p.x)
			w.attr("cy", p.y)
			w.s("/>")
		}
		if p.m.Square {
			w.s(`<rect class="sq" fill="none" stroke="#1c2028" stroke-width="1.5" width="7" height="7"`)
			w.attr("x", p.x-3.5)
			w.attr("y", p.y-3.5)
			w.s("/>")
		}
		if labels {
			w.s("<text class=\"rl\" font-size=\"10\" fill=\"#1c2028\" text-anchor=\"" + p.anchor + `"`)
			w.attr("x", p.lx)
			w.attr("y", p.ly)
			w.c('>')
			w.esc(p.m.Label)
			w.s("</text>")
		}
		w.s("</g>\n")
	}
	w.s("</g>\n")
}

func toneColor(tone string) string {
	if i, ok := toneIndex[tone]; ok {
		return lightPalette[i]
	}
	return lightPalette[9] // slate: no judgement
}

func (m *WorldMap) legendItems() []legendItem {
	var items []legendItem
	if m.DiscLabel != "" {
		items = append(items, legendItem{label: m.DiscLabel, kind: "disc"})
	}
	if m.SquareLabel != "" {
		items = append(items, legendItem{label: m.SquareLabel, kind: "square"})
	}
	for _, t := range m.Legend {
		items = append(items, legendItem{label: t.Text, kind: "t-" + t.Tone})
	}
	return items
}

func (m *WorldMap) writeLegend(w *svgBuf, items []legendItem, top float64) {
	if len(items) == 0 {
		return
	}
	w.s(`<g class="lg">`)
	for _, it := range items {
		y := top + it.row*mapLegendH
		switch {
		case it.kind == "disc":
			w.s(`<g class="mr t-none"><circle class="dk" fill="#64748b" fill-opacity="0.7" r="5"`)
			w.attr("cx", it.x+7)
			w.attr("cy", y)
			w.s("/></g>")
		case it.kind == "square":
			w.s(`<rect class="sq" fill="none" stroke="#1c2028" stroke-width="1.5" width="7" height="7"`)
			w.attr("x", it.x+3.5)
			w.attr("y", y-3.5)
			w.s("/>")
		case strings.HasPrefix(it.kind, "t-"):
			tone := it.kind[2:]
			if _, ok := toneIndex[tone]; !ok {
				tone = "none"
			}
			w.s(`<g class="mr t-` + tone + `"><circle class="dk" fill-opacity="0.7" r="5" fill="` + toneColor(tone) + `"`)
			w.attr("cx", it.x+7)
			w.attr("cy", y)
			w.s("/></g>")
		}
		w.s(`<text fill="#5f6672"`)
		w.attr("x", it.x+17)
		w.attr("y", y+4)
		w.c('>')
		w.esc(it.label)
		w.s("</text>")
	}
	w.s("</g>\n")
}

// writeName writes the map's title text and its description, closing the
// <title> the caller opened: its accessible name either way it is drawn.
func (m *WorldMap) writeName(w *svgBuf, id string) {
	if m.Title != "" {
		w.esc(m.Title)
	} else {
		w.s("World map")
	}
	w.s(`</title><desc id="` + id + `-d">`)
	switch {
	case m.Desc != "":
		w.esc(m.Desc)
	case m.Message != "":
		w.esc(m.Message)
	default:
		w.i(len(m.Marks))
		w.s(" places marked.")
	}
	w.s("</desc>\n")
}
