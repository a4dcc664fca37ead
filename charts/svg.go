package charts

import (
	"math"
	"strconv"
	"sync"
	"unicode/utf8"
)

// svgBuf builds a whole SVG in memory before a single Write: charts are tens
// of kilobytes, and appending to a pooled slice with strconv is several
// times faster than fmt or many small writes.
type svgBuf struct {
	b []byte
	f []float64 // running sums for stacked charts
}

var bufPool = sync.Pool{New: func() any { return &svgBuf{b: make([]byte, 0, 64<<10)} }}

func getBuf() *svgBuf { p := bufPool.Get().(*svgBuf); p.b = p.b[:0]; return p }

func putBuf(p *svgBuf) {
	if cap(p.b) <= 1<<20 { // don't keep a giant buffer alive because of one huge chart
		bufPool.Put(p)
	}
}

func (w *svgBuf) s(s string) { w.b = append(w.b, s...) }
func (w *svgBuf) c(c byte)   { w.b = append(w.b, c) }
func (w *svgBuf) i(v int)    { w.b = strconv.AppendInt(w.b, int64(v), 10) }

// n writes a coordinate rounded to one decimal: enough for a 2x display,
// and it keeps paths short.
func (w *svgBuf) n(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	w.tenths(int64(math.Round(v * 10)))
}

// attr writes ` name="value"` with a coordinate value.
func (w *svgBuf) attr(name string, v float64) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.n(v)
	w.b = append(w.b, '"')
}

// esc writes text safe for both element content and attribute values.
// Series names come from metric labels, so anything may be in them: markup
// characters are escaped, and characters XML forbids (control bytes,
// invalid UTF-8) become U+FFFD so the document always parses.
func (w *svgBuf) esc(s string) { w.b = appendEscaped(w.b, s) }

func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '"':
				b = append(b, "&quot;"...)
			case c == '\'':
				b = append(b, "&#39;"...)
			case c == '\n' || c == '\t':
				b = append(b, c)
			case c < 0x20 || c == 0x7f:
				b = append(b, "\uFFFD"...)
			default:
				b = append(b, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF || (r >= 0x80 && r <= 0x9f) {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// safeID keeps element ids usable in url(#...) references and selectors.
func safeID(id string) string {
	if id == "" {
		return "chart"
	}
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	if b[0] >= '0' && b[0] <= '9' || b[0] == '-' {
		return "c" + string(b)
	}
	return string(b)
}

// safeHref accepts only links that cannot run script: same-site paths,
// queries, fragments and plain http(s) URLs.
func safeHref(h string) bool {
	if h == "" {
		return false
	}
	switch h[0] {
	case '/', '?', '#':
		return true
	}
	return len(h) > 8 && (h[:7] == "http://" || h[:8] == "https://")
}

// textWidth estimates rendered width at the 11px label size. Layout only
// needs it to reserve margins and wrap the legend, so an average advance is
// good enough; it errs wide (DejaVu digits are 7px).
func textWidth(s string) float64 {
	return float64(utf8.RuneCountInString(s)) * 0.6 * fontPx
}

// fontPx is the charts' text size: 12 px, the least a phone reads as
// legible (Lighthouse counts smaller text as illegible).
const fontPx = 12

// scratch returns a zeroed float slice reused across renders.
func (w *svgBuf) scratch(n int) []float64 {
	if cap(w.f) < n {
		w.f = make([]float64, n)
	}
	w.f = w.f[:n]
	clear(w.f)
	return w.f
}

// pt writes "x y".
// path writes a polyline's points: the first absolute (M), the rest as
// relative offsets after one "l", which keeps a 360-point line about a third
// smaller than absolute coordinates. Offsets are differences of rounded
// absolute positions, so rounding never drifts along the line.
type path struct {
	w      *svgBuf
	px, py int64
	n      int
}

func (p *path) to(x, y float64) {
	X, Y := tenths(x), tenths(y)
	switch p.n {
	case 0:
		p.w.c('M')
		p.w.tenths(X)
		p.w.c(' ')
		p.w.tenths(Y)
	case 1:
		p.w.c('l')
		p.w.tenths(X - p.px)
		p.w.c(' ')
		p.w.tenths(Y - p.py)
	default:
		p.w.c(' ')
		p.w.tenths(X - p.px)
		p.w.c(' ')
		p.w.tenths(Y - p.py)
	}
	p.px, p.py = X, Y
	p.n++
}

func tenths(v float64) int64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return int64(math.Round(v * 10))
}

// tenths writes t/10 with at most one decimal.
func (w *svgBuf) tenths(t int64) {
	if t < 0 {
		w.b = append(w.b, '-')
		t = -t
	}
	w.b = strconv.AppendInt(w.b, t/10, 10)
	if r := t % 10; r != 0 {
		w.b = append(w.b, '.', byte('0'+r))
	}
}

func (w *svgBuf) pt(x, y float64) {
	w.n(x)
	w.b = append(w.b, ' ')
	w.n(y)
}
