package charts

import (
	"io"
	"math"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// Spark is a small inline trend for the app list.
type Spark struct {
	ID, Title string
	Unit      units.Unit
	Start     time.Time
	Step      time.Duration
	Values    []float64 // NaN = gap
	Width     int       // default 120
	Height    int       // default 28
	Tone      string    // "ok", "warn", "bad" or "" (neutral)
	// Floor is the least top of the y scale: a 0.2% error rate on a scale
	// floored at 5% stays a flat line near the bottom instead of filling the
	// cell like an incident. 0 scales to the data alone.
	Floor float64
}

// RenderSpark writes an inline <svg> sparkline: the line over a faint area,
// a dot on the latest value, gaps as breaks, and a <title> with the latest
// and highest values. The y axis starts at 0 for non-negative data so a flat
// low line reads as low, not as noise blown up to full height.
func RenderSpark(w io.Writer, s Spark) error {
	p := getBuf()
	defer putBuf(p)
	s.render(p)
	_, err := w.Write(p.b)
	return err
}

func (s *Spark) render(w *svgBuf) {
	width, height := s.Width, s.Height
	if width <= 0 {
		width = 120
	}
	if height <= 0 {
		height = 28
	}
	W, H := float64(width), float64(height)
	const pad = 2.5
	lo, hi := 0.0, math.Inf(-1)
	last, lastAt, maxAt := math.NaN(), -1, -1
	for j, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo = math.Min(lo, v)
		if v > hi {
			hi, maxAt = v, j
		}
		last, lastAt = v, j
	}
	hasData := lastAt >= 0
	peak := hi // the title says the data's max, not the scale's top
	if hi < s.Floor {
		hi = s.Floor
	}
	if !hasData || hi <= lo {
		hi = lo + 1
	}
	n := len(s.Values)
	dx := 0.0
	if n > 1 {
		dx = (W - 2*pad) / float64(n-1)
	}
	xOf := func(j int) float64 { return pad + float64(j)*dx }
	yOf := func(v float64) float64 { return H - pad - (v-lo)/(hi-lo)*(H-2*pad) }

	w.s(`<svg xmlns="http://www.w3.org/2000/svg" class="fds`)
	switch s.Tone {
	case "ok", "warn", "bad":
		w.s(" t-")
		w.s(s.Tone)
	}
	w.s(`" width="`)
	w.i(width)
	w.s(`" height="`)
	w.i(height)
	w.s(`" viewBox="0 0 `)
	w.i(width)
	w.c(' ')
	w.i(height)
	w.s(`" role="img"`)
	if s.ID != "" {
		w.s(` aria-labelledby="`)
		w.s(safeID(s.ID))
		w.s(`-t"><title id="`)
		w.s(safeID(s.ID))
		w.s(`-t">`)
	} else {
		w.s("><title>")
	}
	if s.Title != "" {
		w.esc(s.Title)
		w.s(": ")
	}
	color := sparkColor(s.Tone)
	if !hasData {
		w.s("no data</title>")
		w.s(`<path class="nodata" stroke="#b8bdc6" stroke-dasharray="2 3" d="M`)
		w.n(pad)
		w.c(' ')
		w.n(H - pad)
		w.c('H')
		w.n(W - pad)
		w.s(`"/></svg>`)
		return
	}
	w.s("last ")
	w.b = units.Append(w.b, last, s.Unit)
	w.s(", max ")
	w.b = units.Append(w.b, peak, s.Unit)
	if s.Step > 0 && !s.Start.IsZero() {
		w.s(" at ")
		w.b = s.Start.UTC().Add(time.Duration(maxAt)*s.Step).AppendFormat(w.b, "Jan 2 15:04 UTC")
	}
	w.s("</title>")

	// Area under each run, then the line with a break at every gap.
	w.s(`<path class="a" fill-opacity="0.18" fill="`)
	w.s(color)
	w.s(`" d="`)
	for j := 0; j < n; {
		if !finite(s.Values[j]) {
			j++
			continue
		}
		end := j
		for end < n && finite(s.Values[end]) {
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
			w.n(yOf(s.Values[k]))
		}
		w.c('V')
		w.n(yOf(math.Max(lo, 0)))
		w.c('H')
		w.n(xOf(j))
		w.c('Z')
		j = end
	}
	w.s(`"/><path class="l" fill="none" stroke-width="1.3" stroke="`)
	w.s(color)
	w.s(`" d="`)
	open, runLen := false, 0
	for j, v := range s.Values {
		if !finite(v) {
			if open && runLen == 1 {
				w.s("h0")
			}
			open = false
			continue
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
	w.s(`"/><circle class="dot" r="2" fill="`)
	w.s(color)
	w.c('"')
	w.attr("cx", xOf(lastAt))
	w.attr("cy", yOf(last))
	w.s("/></svg>")
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func sparkColor(tone string) string {
	switch tone {
	case "ok":
		return lightPalette[2]
	case "warn":
		return lightPalette[3]
	case "bad":
		return lightPalette[4]
	}
	return lightPalette[0]
}
