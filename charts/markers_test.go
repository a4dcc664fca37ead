package charts

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// TestDenseMarkersCluster: eleven exits five minutes apart on a day's
// chart are one mark saying "11 exits", linked to their time range, while
// a deploy hours away keeps its own line and link.
func TestDenseMarkersCluster(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	vals := make([]float64, 289)
	for i := range vals {
		vals[i] = 1 + math.Sin(float64(i)/20)
	}
	var ms []Marker
	loop := t0.Add(20 * time.Hour)
	for i := range 11 {
		ms = append(ms, Marker{At: loop.Add(time.Duration(i) * 5 * time.Minute), Kind: "exit", Label: "exit", Href: "/one"})
	}
	ms = append(ms, Marker{At: t0.Add(6 * time.Hour), Kind: "deploy", Label: "Deploy", Href: "/deploy"})
	var zoomed [2]time.Time
	c := Chart{ID: "m", Title: "t", Unit: units.ReqPerSec, Start: t0, Step: 5 * time.Minute,
		Series: []Series{{Name: "v", Values: vals}}, Markers: ms,
		Zoom: func(from, to time.Time) string { zoomed = [2]time.Time{from, to}; return "/zoom" }}
	_, b := render(t, c, Options{})
	svg := string(b)
	if n := strings.Count(svg, `<a class="mk k-exit"`); n != 1 {
		t.Errorf("%d exit marks, want the eleven as one", n)
	}
	if !strings.Contains(svg, "<title>11 exits, Nov 20 20:00–20:50 UTC</title>") {
		t.Error("the cluster's title does not say 11 exits and their span")
	}
	if !strings.Contains(svg, `<a class="mk k-exit" href="/zoom">`) {
		t.Error("the cluster does not link to its time range")
	}
	if !(zoomed[0].Before(loop) && zoomed[1].After(loop.Add(50*time.Minute))) {
		t.Errorf("the cluster zooms to %v–%v, want a range holding 20:00–20:50", zoomed[0], zoomed[1])
	}
	if !strings.Contains(svg, `<a class="mk k-deploy" href="/deploy"><title>Deploy</title>`) {
		t.Error("the lone deploy lost its own mark or link")
	}
}

// TestTwoMarkersKeepTheirLinks: two events side by side stay two marks,
// each with its own link; only three or more become a count.
func TestTwoMarkersKeepTheirLinks(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	vals := make([]float64, 289)
	at := t0.Add(12 * time.Hour)
	c := Chart{ID: "m", Title: "t", Unit: units.None, Start: t0, Step: 5 * time.Minute,
		Series:  []Series{{Name: "v", Values: vals}},
		Markers: []Marker{{At: at, Kind: "limit", Label: "fra", Href: "/fra"}, {At: at.Add(time.Minute), Kind: "limit", Label: "sin", Href: "/sin"}},
		Zoom:    func(from, to time.Time) string { return "/zoom" }}
	_, b := render(t, c, Options{})
	svg := string(b)
	for _, want := range []string{`<a class="mk k-limit" href="/fra">`, `<a class="mk k-limit" href="/sin">`} {
		if !strings.Contains(svg, want) {
			t.Errorf("no mark %s", want)
		}
	}
	if strings.Contains(svg, `href="/zoom"`) {
		t.Error("two marks became a cluster")
	}
}
