package charts

import (
	"slices"
	"strconv"
)

// writeMarkers draws each event in range as a dashed vertical line with its
// kind's glyph in the lane above the plot, inside a link when Href is safe,
// with the label as hover title. Events of one kind closer than clusterPx
// become one mark with their count ("11 exits") spanning them, linked to
// their time range: a crash loop reads as one loop, not a solid block. They
// come after the hover columns so their own titles win, and a wide
// transparent stroke makes the thin line easy to point at.
func (f *frame) writeMarkers(w *svgBuf) {
	w.s(`<g class="mks">` + "\n")
	for _, cl := range f.clusters() {
		m := cl.first
		k := kindInfo(cl.kind)
		x0, x1 := f.xt(cl.first.At), f.xt(cl.last.At)
		href, label := m.Href, m.Label
		if cl.n > 1 {
			href = ""
			if f.c.Zoom != nil {
				pad := max(cl.last.At.Sub(cl.first.At)/10, f.c.Step)
				href = f.c.Zoom(cl.first.At.Add(-pad), cl.last.At.Add(pad))
			}
			label = strconv.Itoa(cl.n) + " " + k.plural + ", " + cl.first.At.UTC().Format("Jan 2 15:04") + "–" + cl.last.At.UTC().Format("15:04 UTC")
		}
		link := safeHref(href)
		if link {
			w.s(`<a class="mk k-`)
			w.s(cl.kind)
			w.s(`" href="`)
			w.esc(href)
			w.s(`">`)
		} else {
			w.s(`<g class="mk k-`)
			w.s(cl.kind)
			w.s(`">`)
		}
		w.s("<title>")
		if label != "" {
			w.esc(label)
		} else {
			w.s(k.name)
			w.s(" at ")
			w.b = m.At.UTC().AppendFormat(w.b, "2006-01-02 15:04 UTC")
		}
		w.s("</title>")
		if cl.n == 1 {
			f.vline(w, `class="hit" stroke-opacity="0" stroke-width="8" stroke="`, "#000", x0, f.y0-12, f.y1)
			f.vline(w, `class="ml" stroke-dasharray="3 3" stroke="`, k.light, x0, f.y0-2, f.y1)
			f.glyph(w, cl.kind, k, x0, f.y0-7)
		} else {
			// The span as a faint band, the glyph and the count above it.
			w.s(`<rect class="band" fill="`)
			w.s(k.light)
			w.s(`" fill-opacity="0.15"`)
			if f.fluid {
				f.xattr(w, "x", x0)
				f.xattr(w, "width", x1-x0)
			} else {
				w.attr("x", x0-2)
				w.attr("width", x1-x0+4)
			}
			w.attr("y", f.y0-2)
			w.attr("height", f.y1-f.y0+2)
			w.s(`/>`)
			xm := (x0 + x1) / 2
			f.vline(w, `class="ml" stroke="`, k.light, xm, f.y0-2, f.y1)
			f.glyph(w, cl.kind, k, xm, f.y0-7)
			w.s(`<text class="mkn"`)
			if f.fluid {
				f.xattr(w, "x", xm)
				w.s(` dx="-8"`)
			} else {
				w.attr("x", xm-8)
			}
			w.attr("y", f.y0-3)
			w.s(` text-anchor="end">`)
			w.s(strconv.Itoa(cl.n))
			w.s(`</text>`)
		}
		if link {
			w.s("</a>\n")
		} else {
			w.s("</g>\n")
		}
	}
	w.s("</g>\n")
}

// clusterPx is how close two events of one kind may be drawn apart.
const clusterPx = 10

type markerCluster struct {
	kind        string
	first, last Marker
	n           int
	members     []Marker
}

// clusters groups the markers in range by kind, in time order, merging
// each with the previous one of its kind when under clusterPx apart.
func (f *frame) clusters() []markerCluster {
	ms := make([]Marker, 0, len(f.c.Markers))
	for _, m := range f.c.Markers {
		if f.inRange(m.At) {
			ms = append(ms, m)
		}
	}
	slices.SortStableFunc(ms, func(a, b Marker) int { return a.At.Compare(b.At) })
	var out []markerCluster
	open := map[string]int{} // kind: index in out of its last cluster
	for _, m := range ms {
		kind := m.Kind
		if _, ok := markerKinds[kind]; !ok {
			kind = "other"
		}
		if i, ok := open[kind]; ok && f.xt(m.At)-f.xt(out[i].last.At) < clusterPx*f.unitsPerPx() {
			out[i].last = m
			out[i].members = append(out[i].members, m)
			out[i].n++
			continue
		}
		open[kind] = len(out)
		out = append(out, markerCluster{kind: kind, first: m, last: m, n: 1, members: []Marker{m}})
	}
	// Two marks side by side still read, and keep their own links (to
	// each machine's logs, say): only three or more become a count.
	split := out[:0:0]
	for _, cl := range out {
		if cl.n != 2 {
			split = append(split, cl)
			continue
		}
		for _, m := range cl.members {
			split = append(split, markerCluster{kind: cl.kind, first: m, last: m, n: 1, members: []Marker{m}})
		}
	}
	return split
}

func writeGlyph(w *svgBuf, k markerKind, x, y float64) {
	w.s(`<path class="gl" fill="`)
	w.s(k.light)
	w.s(`" transform="translate(`)
	w.pt(x, y)
	w.s(`)" d="`)
	w.s(k.glyph)
	w.s(`"/>`)
}
