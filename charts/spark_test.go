package charts

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

func renderSpark(t testing.TB, s Spark) *node {
	t.Helper()
	var b bytes.Buffer
	if err := RenderSpark(&b, s); err != nil {
		t.Fatal(err)
	}
	return parse(t, b.Bytes())
}

func TestSpark(t *testing.T) {
	t.Parallel()
	v := ramp(60, 1, 30)
	v[10], v[11], v[40] = math.NaN(), math.NaN(), math.NaN()
	v[59] = 12
	root := renderSpark(t, Spark{ID: "web-rps", Title: "Requests", Unit: units.ReqPerSec, Start: t0, Step: time.Minute, Values: v, Tone: "warn"})
	if root.attr("width") != "120" || root.attr("height") != "28" || !root.hasClass("t-warn") || root.attr("role") != "img" {
		t.Errorf("root attrs %v", root.Attrs)
	}
	title := root.child("title")
	if title == nil || root.attr("aria-labelledby") != title.attr("id") {
		t.Fatalf("spark must be labelled by its <title>")
	}
	if want := "Requests: last 12 req/s, max 29.5 req/s at Nov 26 00:58 UTC"; title.Text != want {
		t.Errorf("title %q, want %q", title.Text, want)
	}
	lines := linePaths(root)
	if len(lines) != 1 {
		t.Fatalf("%d lines", len(lines))
	}
	if got := strings.Count(lines[0].attr("d"), "M"); got != 3 {
		t.Errorf("%d runs, want 3 (two gaps)", got)
	}
	if got := strings.Count(root.find(func(n *node) bool { return n.hasClass("a") })[0].attr("d"), "Z"); got != 3 {
		t.Errorf("%d area runs, want 3", got)
	}
	dot := root.find(func(n *node) bool { return n.XMLName.Local == "circle" })
	if len(dot) != 1 || dot[0].attr("cx") != "117.5" {
		t.Errorf("latest-value dot %v", dot)
	}
}

func TestSparkEmptyAndHostile(t *testing.T) {
	t.Parallel()
	root := renderSpark(t, Spark{Title: `<b>"x"`, Values: []float64{math.NaN()}, Width: 80, Height: 20})
	if got := root.child("title").Text; got != `<b>"x": no data` {
		t.Errorf("title %q", got)
	}
	if root.attr("width") != "80" || len(root.find(func(n *node) bool { return n.hasClass("nodata") })) != 1 {
		t.Errorf("empty spark should draw a dotted baseline at the requested size")
	}
	root = renderSpark(t, Spark{Values: []float64{5, 5, 5}})
	if !root.hasClass("fds") || len(linePaths(root)) != 1 {
		t.Errorf("flat spark should still draw its line")
	}
}
