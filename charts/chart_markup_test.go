package charts

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

func TestHostileNamesAreEscaped(t *testing.T) {
	t.Parallel()
	hostile := `</title><script>alert("x")</script>&amp; ' ` + "\x01\x1b[31m\xff\xfe"
	c := Chart{ID: `"><script>`, Title: hostile, Desc: hostile, Unit: units.ReqPerSec, Start: t0, Step: time.Minute,
		Series:  []Series{{Name: hostile, Values: ramp(10, 1, 2)}, {Name: strings.Repeat("long-region-name-", 6), Values: ramp(10, 2, 3)}},
		Markers: []Marker{{At: t0.Add(time.Minute), Kind: `deploy" onload="x`, Label: hostile, Href: `/x?a="><script>`}}}
	for _, o := range []Options{{}, {Standalone: true}} {
		root, raw := render(t, c, o)
		if n := root.find(func(n *node) bool { return n.XMLName.Local == "script" }); len(n) != 0 {
			t.Errorf("a <script> element got through")
		}
		for _, n := range root.find(func(*node) bool { return true }) {
			for _, a := range n.Attrs {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
					t.Errorf("event handler attribute %s=%q", a.Name.Local, a.Value)
				}
			}
		}
		want := `</title><script>alert("x")</script>&amp; ' ` + "\uFFFD\uFFFD[31m\uFFFD\uFFFD"
		if got := root.child("title").Text; got != want {
			t.Errorf("title text %q, want %q", got, want)
		}
		if !bytes.Contains(raw, []byte("long-region-name-long-region-name-long-…")) {
			t.Errorf("a long series name should be shortened in the legend")
		}
	}
}

func TestNoStyleAttributesScriptsOrExternalReferences(t *testing.T) {
	t.Parallel()
	full := Chart{ID: "all", Title: "t", Unit: units.Bytes, Start: t0, Step: time.Minute, Stacked: true,
		Series:  []Series{{Name: "a", Values: ramp(30, 1, 2)}, {Name: "b", Values: ramp(30, 1, 2), Dashed: true}},
		Markers: []Marker{{At: t0.Add(time.Minute), Kind: "deploy", Label: "d", Href: "/apps/a?range=1h"}}}
	var outputs [][]byte
	for _, o := range []Options{{}, {Standalone: true}} {
		for _, c := range []Chart{full, {ID: "empty", Start: t0, Step: time.Minute}} {
			_, raw := render(t, c, o)
			outputs = append(outputs, raw)
		}
	}
	var sp bytes.Buffer
	if err := RenderSpark(&sp, Spark{ID: "sp", Title: "req/s", Values: ramp(20, 0, 1), Tone: "bad"}); err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, sp.Bytes())
	for _, raw := range outputs {
		root := parse(t, raw)
		ids := map[string]bool{}
		root.walk(func(n *node) {
			if id := n.attr("id"); id != "" {
				ids[id] = true
			}
		})
		root.walk(func(n *node) {
			switch n.XMLName.Local {
			case "script", "foreignObject", "image", "iframe":
				t.Errorf("<%s> element", n.XMLName.Local)
			}
			for _, a := range n.Attrs {
				if a.Name.Local == "style" {
					t.Errorf("style attribute on <%s>: %q", n.XMLName.Local, a.Value)
				}
				// A <use> may only place a glyph this document defines.
				local := n.XMLName.Local == "use" && strings.HasPrefix(a.Value, "#") && ids[a.Value[1:]]
				if a.Name.Local == "href" && a.Value != "/apps/a?range=1h" && !local {
					t.Errorf("unexpected reference %s=%q on <%s>", a.Name.Local, a.Value, n.XMLName.Local)
				}
			}
		})
		if bytes.Contains(raw, []byte("@import")) || bytes.Contains(raw, []byte("url(http")) {
			t.Errorf("external reference in CSS")
		}
	}
}

func TestStandaloneAndInline(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "cpu", Title: "CPU", Desc: "CPU per machine", Unit: units.Percent, Max: 100, Start: t0, Step: time.Minute, Series: []Series{{Name: "m1", Values: ramp(30, 1, 50)}}}
	root, raw := render(t, c, Options{Standalone: true})
	if !bytes.HasPrefix(raw, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("standalone SVG lacks the XML declaration")
	}
	if root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("namespace %q", root.XMLName.Space)
	}
	st := root.child("style")
	if st == nil || !strings.Contains(st.Text, "prefers-color-scheme: dark") || !strings.Contains(st.Text, ".fdc .s0") {
		t.Errorf("standalone SVG must embed the light/dark stylesheet")
	}
	if bg := root.find(func(n *node) bool { return n.hasClass("bg") }); len(bg) != 1 {
		t.Errorf("standalone SVG needs an opaque background for dark and light viewers")
	}

	root, raw = render(t, c, Options{})
	if bytes.HasPrefix(raw, []byte("<?xml")) || root.child("style") != nil {
		t.Errorf("inline SVG must have neither XML declaration nor <style>")
	}
	// Accessibility: role and labels point at this chart's own title and desc.
	if root.attr("role") != "img" {
		t.Errorf("role=%q", root.attr("role"))
	}
	ids := strings.Fields(root.attr("aria-labelledby"))
	if !slices.Equal(ids, []string{"cpu-t", "cpu-d"}) {
		t.Fatalf("aria-labelledby=%q", root.attr("aria-labelledby"))
	}
	if tt := root.child("title"); tt == nil || tt.attr("id") != ids[0] || tt.Text != "CPU" {
		t.Errorf("<title> missing or mismatched")
	}
	if d := root.child("desc"); d == nil || d.attr("id") != ids[1] || d.Text != "CPU per machine" {
		t.Errorf("<desc> missing or mismatched")
	}
	if got := root.find(func(n *node) bool { return n.attr("clip-path") == "url(#cpu-clip)" }); len(got) != 1 {
		t.Errorf("series group must be clipped by this chart's own clip path")
	}
}

func TestIDsAreSafeAndDistinct(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "chart", "http-status": "http-status", "9lives": "c9lives", `a"b c`: "a-b-c", "-x": "c-x"} {
		if got := safeID(in); got != want {
			t.Errorf("safeID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSS(t *testing.T) {
	t.Parallel()
	css := CSS()
	dark := strings.Index(css, "@media (prefers-color-scheme: dark)")
	if dark < 0 {
		t.Fatal("no dark mode rule")
	}
	for i := range 10 {
		rule := ".fdc .s" + itoa(i) + "{--c:"
		if !strings.Contains(css[:dark], rule) || !strings.Contains(css[dark:], rule) {
			t.Errorf("palette class s%d is not defined for light and dark", i)
		}
	}
	for _, k := range markerOrder {
		if !strings.Contains(css[dark:], ".fdc .k-"+k+"{") {
			t.Errorf("marker kind %s has no dark colour", k)
		}
	}
	// Embedded verbatim in the standalone SVG, so it must be plain XML text.
	if strings.ContainsAny(css, "<&") {
		t.Errorf("CSS contains < or &, which would break the standalone SVG")
	}
	if strings.Count(css, "{") != strings.Count(css, "}") {
		t.Errorf("unbalanced braces")
	}
}
