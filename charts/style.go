package charts

// Series colours, light and dark. Mid-saturation hues that keep contrast on
// white and on a near-black card; the dark set is lighter. Index 2/1/3/4
// double as the ok/info/warn/bad tones (2xx green ... 5xx red).
var (
	lightPalette = [10]string{"#6d4aff", "#0284c7", "#16a34a", "#d97706", "#dc2626", "#0d9488", "#c026d3", "#65a30d", "#ea580c", "#64748b"}
	darkPalette  = [10]string{"#a594ff", "#38bdf8", "#4ade80", "#fbbf24", "#f87171", "#2dd4bf", "#e879f9", "#a3e635", "#fb923c", "#94a3b8"}
)

var toneIndex = map[string]int{"ok": 2, "info": 1, "warn": 3, "bad": 4, "ref": 9}

// Marker kinds, their colours, legend names and glyphs. Glyph paths are
// drawn around (0,0) and translated; each kind has its own shape so the
// markers stay apart without colour.
type markerKind struct {
	name, light, dark string
	glyph             string
	plural            string // "11 exits": a cluster's count
}

var markerKinds = map[string]markerKind{
	"deploy":  {"Deploy", "#2563eb", "#60a5fa", "M0-5L5 0 0 5-5 0Z", "deploys"},
	"oom":     {"OOM kill", "#dc2626", "#f87171", "M-5.5-4H5.5L0 5Z", "OOM kills"},
	"launch":  {"Launch", "#16a34a", "#4ade80", "M0-5L5 4H-5Z", "launches"},
	"start":   {"Start", "#0d9488", "#2dd4bf", "M-4.5 0A4.5 4.5 0 1 0 4.5 0A4.5 4.5 0 1 0-4.5 0Z", "starts"},
	"exit":    {"Exit", "#d97706", "#fbbf24", "M-4-4H4V4H-4Z", "exits"},
	"limit":   {"Hard limit reached", "#b91c1c", "#fca5a5", "M-5-2.5H5V2.5H-5Z", "hard limit hits"},
	"soft":    {"Soft limit reached", "#ca8a04", "#facc15", "M-5-1.5H5V1.5H-5Z", "soft limit hits"},
	"destroy": {"Destroy", "#64748b", "#94a3b8", "M-4-5.4L0-1.4 4-5.4 5.4-4 1.4 0 5.4 4 4 5.4 0 1.4-4 5.4-5.4 4-1.4 0-5.4-4Z", "destroys"},
}

var otherMarker = markerKind{"Event", "#64748b", "#94a3b8", "M-3.5-3.5H3.5V3.5H-3.5Z", "events"}

// markerOrder fixes the legend order of marker kinds.
var markerOrder = [...]string{"deploy", "launch", "start", "exit", "oom", "soft", "limit", "destroy"}

// CSS returns the stylesheet for inline charts and sparklines. Pages embed
// it (it is also what the standalone SVG carries) so that the charts obey a
// strict `style-src 'self'` policy: every element is styled through classes,
// never a style attribute. Colours switch with prefers-color-scheme.
func CSS() string { return css }

var css = buildCSS()

func buildCSS() string {
	b := make([]byte, 0, 4096)
	add := func(s ...string) {
		for _, x := range s {
			b = append(b, x...)
		}
	}
	add(`svg.fdc,svg.fds{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:12px;overflow:visible}
svg.fdc:not(.fl){max-width:100%;height:auto}
svg.fl{display:block;width:100%}
.fl .pl path{vector-effect:non-scaling-stroke}
.fl .yl{pointer-events:none}
.fl .yl text{paint-order:stroke;stroke:var(--panel,#fff);stroke-width:3px;stroke-linejoin:round}
@media (max-width:560px){.fl .xl .alt{display:none}}
.fdc text{fill:#5f6672}
.fdc .ttl{fill:#1c2028;font-size:13px;font-weight:600}
.fdc .bg{fill:#fff}
.fdc .gr{stroke:#eceef1}
.fdc .ax{stroke:#c9cdd4}
.fdc .nodata{fill:#80868f;font-size:13px}
.fdc .l,.fds .l{fill:none;stroke:var(--c);stroke-width:1.6;stroke-linejoin:round;stroke-linecap:round}
.fds .l{stroke-width:1.3}
.fdc .st .l{stroke-width:1.1}
.fdc .l.d{stroke-width:1.4;stroke-dasharray:5 4;stroke-linecap:butt}
.fdc .a{fill:var(--c);fill-opacity:.3;stroke:none}
.fdc .sw{fill:var(--c);stroke:var(--c)}
.fdc .sw.d{fill:none;stroke-width:2;stroke-dasharray:4 3}
.fdc .l.lim{stroke-width:1.5;stroke-dasharray:1.5 3;stroke-linecap:butt}
.fdc .sw.lim{fill:none;stroke-width:2;stroke-dasharray:1.5 3}
.fdc .hb{fill:#8a8f99;fill-opacity:0}
.fdc .hb:hover{fill-opacity:.12}
.fdc .mk .ml{stroke:var(--c);stroke-width:1.2;stroke-dasharray:3 3}
.fdc .mk .gl{fill:var(--c)}
.fdc .mk .mkn{fill:var(--c);font-weight:600}
.fdc .mk .hit{stroke:#000;stroke-opacity:0;stroke-width:8}
.fdc a.mk:hover .ml,.fdc .mk:hover .ml{stroke-dasharray:none;stroke-width:1.6}
.fds .a{fill:var(--c);fill-opacity:.18;stroke:none}
.fds .dot{fill:var(--c)}
.fds .nodata{stroke:#b8bdc6;stroke-dasharray:2 3}
.fds{--c:#6d4aff}
.fds.t-ok{--c:#16a34a}
.fds.t-warn{--c:#d97706}
.fds.t-bad{--c:#dc2626}
`)
	for i, c := range lightPalette {
		add(".fdc .s", itoa(i), "{--c:", c, "}\n")
	}
	for _, k := range markerOrder {
		add(".fdc .k-", k, "{--c:", markerKinds[k].light, "}\n")
	}
	add(".fdc .k-other{--c:", otherMarker.light, "}\n")
	add(`@media (prefers-color-scheme: dark){
.fdc text{fill:#a3a9b4}
.fl .yl text{stroke:var(--panel,#15171c)}
.fdc .ttl{fill:#e8eaee}
.fdc .bg{fill:#15171c}
.fdc .gr{stroke:#262a31}
.fdc .ax{stroke:#3b414b}
.fdc .nodata{fill:#8c929c}
.fdc .a{fill-opacity:.35}
.fdc .hb{fill:#c8ccd3}
.fds .nodata{stroke:#4a505a}
.fds{--c:#a594ff}
.fds.t-ok{--c:#4ade80}
.fds.t-warn{--c:#fbbf24}
.fds.t-bad{--c:#f87171}
`)
	for i, c := range darkPalette {
		add(".fdc .s", itoa(i), "{--c:", c, "}\n")
	}
	for _, k := range markerOrder {
		add(".fdc .k-", k, "{--c:", markerKinds[k].dark, "}\n")
	}
	add(".fdc .k-other{--c:", otherMarker.dark, "}\n}\n")
	return string(b)
}

func itoa(i int) string { return string(rune('0' + i)) }

// Color is a colour for the light and the dark scheme.
type Color struct{ Light, Dark string }

// SeriesColors gives each series the colour Render draws it in, so another
// renderer of the same chart (the interactive explore view) keeps every
// series' colour.
func SeriesColors(series []Series) []Color {
	idx := colors(series)
	out := make([]Color, len(series))
	for i, k := range idx {
		out[i] = Color{lightPalette[k], darkPalette[k]}
	}
	return out
}

// MarkerKind is how Render names and colours one kind of event marker.
type MarkerKind struct {
	Kind, Name string
	Color      Color
}

// MarkerKinds lists the marker kinds in legend order.
func MarkerKinds() []MarkerKind {
	out := make([]MarkerKind, 0, len(markerOrder))
	for _, k := range markerOrder {
		m := markerKinds[k]
		out = append(out, MarkerKind{Kind: k, Name: m.name, Color: Color{m.light, m.dark}})
	}
	return out
}
