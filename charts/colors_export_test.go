package charts

import (
	"strings"
	"testing"
)

// TestSeriesColorsMatchCSS: the colours handed to other renderers are the
// ones the SVG's stylesheet gives the same series, in light and in dark.
func TestSeriesColorsMatchCSS(t *testing.T) {
	series := []Series{{Name: "p50"}, {Name: "5xx", Tone: "bad"}, {Name: "p50 (1d ago)", Dashed: true}}
	got := SeriesColors(series)
	idx := colors(series)
	css := CSS()
	light, dark, _ := strings.Cut(css, "@media (prefers-color-scheme: dark)")
	for i, c := range got {
		sel := ".fdc .s" + string(rune('0'+idx[i])) + "{--c:"
		if !strings.Contains(light, sel+c.Light+"}") || !strings.Contains(dark, sel+c.Dark+"}") {
			t.Errorf("series %d: %+v is not the stylesheet's s%d", i, c, idx[i])
		}
	}
	if got[1].Light != "#dc2626" || got[2] != got[0] {
		t.Errorf("5xx should be red and the comparison take its series' colour: %+v", got)
	}
	for _, k := range MarkerKinds() {
		if !strings.Contains(light, ".fdc .k-"+k.Kind+"{--c:"+k.Color.Light+"}") || !strings.Contains(dark, ".fdc .k-"+k.Kind+"{--c:"+k.Color.Dark+"}") {
			t.Errorf("marker %s: %+v is not the stylesheet's", k.Kind, k.Color)
		}
	}
}
