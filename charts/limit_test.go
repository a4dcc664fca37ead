package charts

import (
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// A limit line in a stacked chart stands at its own value: it is not
// stacked, draws no band, is dotted, and stays out of the hover total.
func TestLimitLinesAreNotStacked(t *testing.T) {
	t.Parallel()
	n := 30
	flat := func(v float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	c := Chart{ID: "lim", Unit: units.None, Start: t0, Step: time.Minute, Stacked: true, Series: []Series{
		{Name: "iad/1", Values: flat(10)},
		{Name: "iad/2", Values: flat(10)},
		{Name: "hard limit 25", Values: flat(25), Limit: true, Tone: "bad"},
	}}
	root, _ := render(t, c, Options{})
	lines := linePaths(root)
	if len(lines) != 3 {
		t.Fatalf("%d line paths, want 3", len(lines))
	}
	y := func(p *node) float64 {
		pts := pathPoints(t, p.attr("d"))
		return pts[0][0][1]
	}
	top, limit := y(lines[1]), y(lines[2])
	// The stack's top is at 20, the limit at 25: the limit is higher (smaller y)
	// but not at 45, where a stacked limit would be.
	if !(limit < top) {
		t.Errorf("limit y %v is not above the stack's top y %v", limit, top)
	}
	if !lines[2].hasClass("lim") || lines[2].attr("stroke-dasharray") == "" {
		t.Errorf("limit line is not dotted: class %q", lines[2].attr("class"))
	}
	if lines[0].hasClass("lim") {
		t.Errorf("a measured series is drawn as a limit")
	}
	bands := root.find(func(n *node) bool { return n.XMLName.Local == "path" && n.hasClass("a") })
	if len(bands) != 2 {
		t.Errorf("%d bands, want 2 (none for the limit)", len(bands))
	}
	titles := root.find(func(n *node) bool { return n.XMLName.Local == "title" && strings.Contains(n.Text, "Total: ") })
	if len(titles) == 0 || !strings.Contains(titles[0].Text, "Total: 20") {
		t.Errorf("hover total should leave the limit out: %v", titles)
	}
	swatches := root.find(func(n *node) bool { return n.hasClass("sw") && n.hasClass("lim") })
	if len(swatches) != 1 {
		t.Errorf("%d dotted legend swatches, want 1 for the limit", len(swatches))
	}
}

func TestLimitMarkerKind(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "mk", Unit: units.None, Start: t0, Step: time.Minute, Series: []Series{{Name: "a", Values: wave(30, 5, 1, 0)}},
		Markers: []Marker{{At: t0.Add(10 * time.Minute), Kind: "limit", Label: "Hard limit reached on iad/1"}}}
	root, _ := render(t, c, Options{})
	if mk := root.find(func(n *node) bool { return n.hasClass("k-limit") }); len(mk) < 2 { // the marker and its legend glyph
		t.Errorf("%d elements of kind limit, want the marker and its legend entry", len(mk))
	}
	if legend := root.find(func(n *node) bool { return n.XMLName.Local == "text" && n.Text == "Hard limit reached" }); len(legend) != 1 {
		t.Errorf("legend does not name the limit marker")
	}
}
