package charts

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sampleMap marks every place of a busy app: 35 regions, discs of every
// size and tone, machines in a third of them, and Europe's crowd.
func sampleMap() WorldMap {
	places := []struct {
		code     string
		lat, lon float64
	}{
		{"ams", 52.31, 4.77}, {"arn", 59.65, 17.92}, {"atl", 33.64, -84.43}, {"bog", 4.70, -74.15},
		{"bom", 19.09, 72.87}, {"bos", 42.37, -71.01}, {"cdg", 49.01, 2.55}, {"den", 39.86, -104.67},
		{"dfw", 32.90, -97.04}, {"ewr", 40.69, -74.17}, {"eze", -34.82, -58.54}, {"fra", 50.04, 8.56},
		{"gdl", 20.52, -103.31}, {"gig", -22.81, -43.25}, {"gru", -23.44, -46.47}, {"hkg", 22.31, 113.92},
		{"iad", 38.95, -77.46}, {"jnb", -26.14, 28.24}, {"lax", 33.94, -118.41}, {"lhr", 51.47, -0.45},
		{"mad", 40.50, -3.57}, {"mia", 25.80, -80.29}, {"nrt", 35.77, 140.39}, {"ord", 41.97, -87.91},
		{"otp", 44.57, 26.09}, {"phx", 33.44, -112.01}, {"qro", 20.62, -100.19}, {"scl", -33.39, -70.79},
		{"sea", 47.45, -122.31}, {"sin", 1.36, 103.99}, {"sjc", 37.36, -121.93}, {"syd", -33.94, 151.18},
		{"waw", 52.17, 20.97}, {"yul", 45.47, -73.74}, {"yyz", 43.68, -79.62},
	}
	tones := []string{"ok", "ok", "warn", "bad", ""}
	m := WorldMap{
		ID: "map", Title: "search-api: where users connect",
		DiscLabel: "Users connect here (size: requests/s)", SquareLabel: "Machines run here",
		Legend: []MapTone{{"ok", "p95 under 500 ms"}, {"warn", "p95 500 ms or more"}, {"bad", "slow: p95 1 s or more, or 3× the other regions"}, {"", "too little traffic to judge"}},
		Note:   "Mean of the 10 minutes to 2026-12-01 14:05 UTC",
	}
	for i, p := range places {
		m.Marks = append(m.Marks, MapMark{
			Label: p.code, Lat: p.lat, Lon: p.lon, Size: float64(1 + i*i%97), Tone: tones[i%len(tones)],
			Square: i%3 == 0, Title: p.code + ": " + strconv.Itoa(1+i*i%97) + " req/s\np95 120 ms\n5xx 0.1%\n2 machines",
		})
	}
	return m
}

func renderMap(t testing.TB, m WorldMap, standalone bool) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderMap(&b, m, Options{Standalone: standalone}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWorldMapWellFormed(t *testing.T) {
	t.Parallel()
	m := sampleMap()
	m.Marks[0].Label = `a<b&"c'` + "\x01"
	m.Marks[1].Title = "</title><script>alert(1)</script>"
	for _, standalone := range []bool{false, true} {
		svg := renderMap(t, m, standalone)
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("standalone=%v: not XML: %v", standalone, err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				if se.Name.Local == "script" || se.Name.Local == "a" || se.Name.Local == "image" {
					t.Errorf("<%s> in a map", se.Name.Local)
				}
				for _, a := range se.Attr {
					if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") {
						t.Errorf("attribute %s on <%s>", a.Name.Local, se.Name.Local)
					}
				}
			}
		}
		if strings.Contains(svg, "<style") != standalone {
			t.Errorf("standalone=%v but <style> present=%v", standalone, !standalone)
		}
	}
}

// TestWorldMapBudget: a map of every region, standalone, fits in 20 KB
// gzipped.
func TestWorldMapBudget(t *testing.T) {
	t.Parallel()
	svg := renderMap(t, sampleMap(), true)
	var z bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
	gw.Write([]byte(svg))
	gw.Close()
	if z.Len() > 20<<10 {
		t.Errorf("standalone map is %d bytes gzipped (%d raw), budget 20 KiB", z.Len(), len(svg))
	}
	t.Logf("standalone map: %d bytes, %d gzipped", len(svg), z.Len())
}

var circleRE = regexp.MustCompile(`<g class="mr t-([a-z]+)"><title>([^<]*)</title>(?:<circle class="dk"[^>]* cx="([-0-9.]+)" cy="([-0-9.]+)" r="([0-9.]+)"/>)?(<rect class="sq")?`)

// TestWorldMapMarks: each mark is where the projection puts its place, with
// its tone, title and square; bigger numbers get bigger discs.
func TestWorldMapMarks(t *testing.T) {
	t.Parallel()
	m := sampleMap()
	svg := renderMap(t, m, true)
	got := circleRE.FindAllStringSubmatch(svg, -1)
	if len(got) != len(m.Marks) {
		t.Fatalf("%d marks drawn, want %d", len(got), len(m.Marks))
	}
	byTitle := map[string][]string{}
	for _, g := range got {
		byTitle[g[2]] = g
	}
	radius := map[float64]float64{}
	for _, mk := range m.Marks {
		g, ok := byTitle[strings.ReplaceAll(mk.Title, "\n", "\n")]
		if !ok {
			t.Fatalf("no mark titled %q", mk.Title)
		}
		wantTone := mk.Tone
		if wantTone == "" {
			wantTone = "none"
		}
		if g[1] != wantTone {
			t.Errorf("%s: tone %s, want %s", mk.Label, g[1], wantTone)
		}
		if (g[6] != "") != mk.Square {
			t.Errorf("%s: square drawn %v, want %v", mk.Label, g[6] != "", mk.Square)
		}
		x, _ := strconv.ParseFloat(g[3], 64)
		y, _ := strconv.ParseFloat(g[4], 64)
		r, _ := strconv.ParseFloat(g[5], 64)
		wx, wy := MapPosition(mk.Lat, mk.Lon, Options{Standalone: true})
		if math.Abs(x-wx) > 0.06 || math.Abs(y+mapTop(true)-wy) > 0.06 {
			t.Errorf("%s at %v,%v; projection says %v,%v", mk.Label, x, y+mapTop(true), wx, wy)
		}
		radius[mk.Size] = r
	}
	sizes := sortedKeys(radius)
	for i := 1; i < len(sizes); i++ {
		if radius[sizes[i]] < radius[sizes[i-1]] {
			t.Errorf("size %v has radius %v, less than %v for size %v", sizes[i], radius[sizes[i]], radius[sizes[i-1]], sizes[i-1])
		}
	}
	if lo, hi := radius[sizes[0]], radius[sizes[len(sizes)-1]]; lo < discMin || hi != discMax {
		t.Errorf("discs range from %v to %v, want within %v to %v", lo, hi, discMin, discMax)
	}
}

func sortedKeys(m map[float64]float64) []float64 {
	return slices.Sorted(maps.Keys(m))
}

// TestEqualEarth checks the projection against d3-geo 3's geoEqualEarth
// at scale 1 (whose y grows southwards): the equator's end, the pole, a
// corner and two airports.
func TestEqualEarth(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ lon, lat, x, y float64 }{
		{0, 0, 0, 0},
		{180, 0, 2.7066300, 0},
		{0, 90, 0, 1.3173628},
		{-180, -90, -1.6035886, -1.3173628},
		{151.1753, -33.9399, 2.0858666, -0.6659863},
		{-74.1745, 40.6895, -0.9842434, 0.7866587},
	} {
		x, y := equalEarth(c.lon*math.Pi/180, c.lat*math.Pi/180)
		if math.Abs(x-c.x) > 1e-6 || math.Abs(y-c.y) > 1e-6 {
			t.Errorf("equalEarth(%v, %v) = %.7f, %.7f; want %v, %v", c.lon, c.lat, x, y, c.x, c.y)
		}
	}
}

func TestWorldMapMessage(t *testing.T) {
	t.Parallel()
	m := sampleMap()
	m.Message = "Prometheus did not answer within 10 s"
	svg := renderMap(t, m, true)
	if !strings.Contains(svg, m.Message) || strings.Contains(svg, `<g class="mks">`) {
		t.Error("a map with a message should say it and draw no marks")
	}
}

func BenchmarkWorldMap(b *testing.B) {
	m := sampleMap()
	landPath()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		var buf bytes.Buffer
		if err := RenderMap(&buf, m, Options{Standalone: true}); err != nil {
			b.Fatal(err)
		}
		n = buf.Len()
	}
	b.ReportMetric(float64(n), "bytes")
}
