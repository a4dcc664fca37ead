package charts

import (
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// scaledText lists the text drawn inside an element with a viewBox below
// root: text a browser would scale with the width.
func scaledText(root *node) []string {
	var out []string
	var walk func(n *node, scaled bool)
	walk = func(n *node, scaled bool) {
		if n != root && n.attr("viewBox") != "" {
			scaled = true
		}
		if n.XMLName.Local == "text" && scaled {
			out = append(out, n.Text)
		}
		for i := range n.Nodes {
			walk(&n.Nodes[i], scaled)
		}
	}
	walk(root, false)
	return out
}

// TestInlineChartsAreFluid: an inline chart has no viewBox, so its text
// is drawn at its CSS px size at any width; only the plot inside stretches,
// and no text is in it. The standalone file keeps its fixed viewBox.
func TestInlineChartsAreFluid(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "f", Unit: units.Seconds, Start: t0, Step: time.Minute, Series: []Series{{Name: "p95", Values: wave(61, 0.2, 0.05, 0)}},
		Markers: []Marker{{At: t0.Add(20 * time.Minute), Kind: "deploy", Label: "Deploy"}}}
	root, _ := render(t, c, Options{})
	if vb, w := root.attr("viewBox"), root.attr("width"); vb != "" || w != "100%" {
		t.Errorf("inline chart: viewBox %q and width %q, want none and 100%%", vb, w)
	}
	if got := scaledText(root); len(got) > 0 {
		t.Errorf("text inside the stretched plot would scale with the width: %q", got)
	}
	plots := root.find(func(n *node) bool { return n.XMLName.Local == "svg" && n.hasClass("pl") })
	// 60 steps of 17 units: each segment of the line is a whole step.
	if len(plots) != 1 || plots[0].attr("preserveAspectRatio") != "none" || !strings.HasPrefix(plots[0].attr("viewBox"), "0 0 1020 ") {
		t.Fatalf("want one stretched plot with a 1020-unit viewBox, got %d", len(plots))
	}
	lines := plots[0].find(func(n *node) bool { return n.hasClass("l") })
	if len(lines) != 1 {
		t.Fatalf("%d lines inside the plot, want the one series", len(lines))
	}
	if d := lines[0].attr("d"); !strings.Contains(d, "l17 ") || strings.Count(d, " 17 ") < 50 {
		t.Errorf("the line's steps are not 17 units each: %.120s", d)
	}
	for _, tx := range root.find(func(n *node) bool { return n.XMLName.Local == "text" }) {
		if x := tx.attr("x"); x != "" && x != "1" && !strings.HasSuffix(x, "%") && tx.attr("dx") == "" && !inLegend(root, tx) {
			t.Errorf("text %q at x=%q: a px position off the left edge would not follow the width", tx.Text, x)
		}
	}
	if !strings.Contains(CSS(), ".fl .pl path{vector-effect:non-scaling-stroke}") {
		t.Error("the stylesheet lets the plot's strokes stretch with it")
	}
	std, _ := render(t, c, Options{Standalone: true})
	if std.attr("viewBox") != "0 0 720 260" {
		t.Errorf("standalone viewBox %q, want the fixed 0 0 720 260", std.attr("viewBox"))
	}
}

func inLegend(root, tx *node) bool {
	for _, g := range root.find(func(n *node) bool { return n.hasClass("lg") }) {
		if len(g.find(func(n *node) bool { return n == tx })) > 0 {
			return true
		}
	}
	return false
}

// TestLegendFitsAPhone: however many series, every legend row fits the
// narrowest chart, and the chart grows by its rows instead of squeezing
// the plot.
func TestLegendFitsAPhone(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "lg", Unit: units.Percent, Start: t0, Step: time.Minute}
	for i := range 8 {
		c.Series = append(c.Series, Series{Name: "ord/3d8d12" + itoa(i) + " (1d ago)", Values: wave(30, 10, 2, float64(i))})
	}
	root, _ := render(t, c, Options{})
	for _, tx := range root.find(func(n *node) bool { return n.XMLName.Local == "text" && inLegend(root, n) }) {
		x, _ := strconvParse(tx.attr("x"))
		if right := x + textWidth(tx.Text); right > narrowPx {
			t.Errorf("legend label %q ends at %.0f px, past a %d px phone chart", tx.Text, right, narrowPx)
		}
	}
	one, _ := render(t, Chart{ID: "one", Unit: units.Percent, Start: t0, Step: time.Minute, Series: c.Series[:1]}, Options{})
	h, _ := strconvParse(root.attr("height"))
	h1, _ := strconvParse(one.attr("height"))
	if h <= h1 {
		t.Errorf("8 series: %v px tall, one series: %v px; the legend's rows should add height", h, h1)
	}
}

// TestInlineMapIsFluid: the land and marks scale with the width, the
// labels and legend do not.
func TestInlineMapIsFluid(t *testing.T) {
	t.Parallel()
	m := sampleMap()
	m.Note = "Requests/s, p95 and 5xx share: mean of Dec 7 18:55–19:00 UTC, which is a long note."
	raw := renderMap(t, m, false)
	root := parse(t, []byte(raw[:strings.Index(raw, "</svg>\n<svg")+7]))
	if root.attr("viewBox") != "" || !root.hasClass("geo") {
		t.Errorf("inline map: viewBox %q, class %q; want none, and the class that keeps its shape", root.attr("viewBox"), root.attr("class"))
	}
	if got := scaledText(root); len(got) > 0 {
		t.Errorf("labels inside the scaled map: %q", got)
	}
	labels := root.find(func(n *node) bool { return n.hasClass("rl") })
	if len(labels) != len(m.Marks) {
		t.Errorf("%d labels, want one per mark (%d)", len(labels), len(m.Marks))
	}
	for _, l := range labels {
		if !strings.HasSuffix(l.attr("x"), "%") || !strings.HasSuffix(l.attr("y"), "%") {
			t.Errorf("label %q at %s,%s: want fractions of the map", l.Text, l.attr("x"), l.attr("y"))
		}
	}
	legend := parse(t, []byte(raw[strings.Index(raw, "</svg>\n<svg")+7:]))
	if !legend.hasClass("lgd") || legend.attr("viewBox") != "" {
		t.Fatalf("the legend is not a fluid <svg> of its own: class %q", legend.attr("class"))
	}
	notes := legend.find(func(n *node) bool { return n.hasClass("note") })
	if len(notes) < 2 {
		t.Errorf("a long note should wrap on a phone, got %d lines", len(notes))
	}
	for _, n := range notes {
		if w := legendLeft + textWidth(n.Text); w > narrowPx {
			t.Errorf("note line %q is %.0f px, past a %d px phone", n.Text, w, narrowPx)
		}
	}
	if !strings.Contains(MapCSS(), "svg.fdm.geo{height:auto;aspect-ratio:720/") {
		t.Error("the map stylesheet does not keep the map's shape")
	}
}
