package charts

import "strconv"

// MapCSS returns the stylesheet for inline world maps, like CSS() for
// charts: classes only, light and dark. Pages serve it with CSS().
func MapCSS() string { return mapCSS }

var mapCSS = buildMapCSS()

func buildMapCSS() string {
	b := make([]byte, 0, 2048)
	add := func(s ...string) {
		for _, x := range s {
			b = append(b, x...)
		}
	}
	add(`svg.fdm{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:12px}
svg.fdm:not(.fl){max-width:100%;height:auto}
svg.fdm.fl{display:block;width:100%}
svg.fdm.geo{height:auto;aspect-ratio:720/`, strconv.FormatFloat(mapGeo.height, 'f', 1, 64), `}
`)
	add(`.fdm text{fill:#5f6672}
.fdm .ttl{fill:#1c2028;font-size:13px;font-weight:600}
.fdm .bg{fill:#fff}
.fdm .land{fill:#e4e7ec;stroke:#d0d4db;stroke-width:.5}
.fdm .dk{fill:var(--c);fill-opacity:.7;stroke:var(--c);stroke-width:1}
.fdm .mr:hover .dk{fill-opacity:.95}
.fdm .sq{fill:none;stroke:#1c2028;stroke-width:1.5}
.fdm .dot{fill:#64748b}
.fdm .rl{fill:#1c2028;font-size:12px;font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:2.5px;stroke-linejoin:round}
.fdm .msg{fill:#5f6672;font-size:13px}
`)
	tones := []string{"ok", "info", "warn", "bad"}
	for _, t := range tones {
		add(".fdm .t-", t, "{--c:", lightPalette[toneIndex[t]], "}\n")
	}
	add(".fdm .t-none{--c:", lightPalette[9], "}\n")
	add(`@media (prefers-color-scheme: dark){
.fdm text{fill:#a3a9b4}
.fdm .ttl{fill:#e8eaee}
.fdm .bg{fill:#15171c}
.fdm .land{fill:#2a2f38;stroke:#3a404b}
.fdm .sq{stroke:#e8eaee}
.fdm .rl{fill:#e8eaee;stroke:#15171c}
.fdm .msg{fill:#a3a9b4}
`)
	for _, t := range tones {
		add(".fdm .t-", t, "{--c:", darkPalette[toneIndex[t]], "}\n")
	}
	add(".fdm .t-none{--c:", darkPalette[9], "}\n}\n")
	return string(b)
}
