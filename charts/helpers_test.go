package charts

import (
	"bytes"
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// node is a generic parsed XML element.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *node) hasClass(c string) bool {
	for _, f := range strings.Fields(n.attr("class")) {
		if f == c {
			return true
		}
	}
	return false
}

// walk visits n and all descendants depth first.
func (n *node) walk(fn func(*node)) {
	fn(n)
	for i := range n.Nodes {
		n.Nodes[i].walk(fn)
	}
}

func (n *node) find(fn func(*node) bool) []*node {
	var out []*node
	n.walk(func(x *node) {
		if fn(x) {
			out = append(out, x)
		}
	})
	return out
}

func (n *node) child(local string) *node {
	for i := range n.Nodes {
		if n.Nodes[i].XMLName.Local == local {
			return &n.Nodes[i]
		}
	}
	return nil
}

// parse fails the test unless b is well-formed XML with an <svg> root.
func parse(t testing.TB, b []byte) *node {
	t.Helper()
	var root node
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	if err := d.Decode(&root); err != nil {
		t.Fatalf("SVG does not parse: %v\n%s", err, b)
	}
	if root.XMLName.Local != "svg" {
		t.Fatalf("root is <%s>, want <svg>", root.XMLName.Local)
	}
	return &root
}

func render(t testing.TB, c Chart, o Options) (*node, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, c, o); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return parse(t, b.Bytes()), b.Bytes()
}

// linePaths returns the line path of each palette class, in document order.
func linePaths(root *node) []*node {
	return root.find(func(n *node) bool { return n.XMLName.Local == "path" && n.hasClass("l") })
}

// pathPoints parses a path of runs "Mx y" followed by relative "l dx dy
// dx dy..." (or absolute "L x y" pairs) into runs of absolute points.
func pathPoints(t testing.TB, d string) [][][2]float64 {
	t.Helper()
	var runs [][][2]float64
	for _, seg := range strings.Split(d, "M")[1:] {
		seg = strings.TrimSuffix(strings.TrimSuffix(seg, "h0"), "Z")
		relative := strings.Contains(seg, "l")
		seg = strings.NewReplacer("l", " ", "L", " ").Replace(seg)
		f := strings.Fields(seg)
		if len(f)%2 != 0 || len(f) == 0 {
			t.Fatalf("bad run %q in %q", seg, d)
		}
		var run [][2]float64
		for k := 0; k < len(f); k += 2 {
			x, errX := strconv.ParseFloat(f[k], 64)
			y, errY := strconv.ParseFloat(f[k+1], 64)
			if errX != nil || errY != nil {
				t.Fatalf("bad point %q %q in %q", f[k], f[k+1], d)
			}
			if relative && k > 0 {
				prev := run[len(run)-1]
				x, y = prev[0]+x, prev[1]+y
			}
			run = append(run, [2]float64{x, y})
		}
		runs = append(runs, run)
	}
	return runs
}

// xLabels returns the time axis labels in order.
func xLabels(root *node) []string {
	var out []string
	for _, g := range root.find(func(n *node) bool { return n.XMLName.Local == "g" && n.hasClass("xl") }) {
		for _, tx := range g.Nodes {
			out = append(out, tx.Text)
		}
	}
	return out
}

func yLabels(root *node) []string {
	var out []string
	for _, g := range root.find(func(n *node) bool { return n.XMLName.Local == "g" && n.hasClass("yl") }) {
		for _, tx := range g.Nodes {
			out = append(out, tx.Text)
		}
	}
	return out
}

// ramp returns n values from a to b.
func ramp(n int, a, b float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = a + (b-a)*float64(i)/float64(max(n-1, 1))
	}
	return v
}

func wave(n int, base, amp float64, phase float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = base + amp*math.Sin(float64(i)/25+phase)
	}
	return v
}

var t0 = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func strconvParse(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

// glyphPath is the shape of a marker's glyph: its own path standalone, or
// the path its <use> places inline.
func glyphPath(root, m *node) string {
	gl := m.find(func(n *node) bool { return n.hasClass("gl") })
	if len(gl) == 0 {
		return ""
	}
	if href := gl[0].attr("href"); href != "" {
		if d := root.find(func(n *node) bool { return "#"+n.attr("id") == href }); len(d) > 0 {
			return d[0].attr("d")
		}
		return ""
	}
	return gl[0].attr("d")
}
