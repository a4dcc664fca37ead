package charts

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

func TestRenderDrawsOnePathPerSeries(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "lat", Title: "Latency", Unit: units.Seconds, Start: t0, Step: time.Minute,
		Series: []Series{{Name: "p50", Values: wave(60, 0.05, 0.01, 0)}, {Name: "p95", Values: wave(60, 0.2, 0.05, 1)}, {Name: "p99", Values: wave(60, 0.4, 0.1, 2)}}}
	root, _ := render(t, c, Options{})
	for i := range 3 {
		class := "s" + itoa(i)
		lines := root.find(func(n *node) bool { return n.XMLName.Local == "path" && n.hasClass("l") && n.hasClass(class) })
		if len(lines) != 1 {
			t.Errorf("%d line paths with class %s, want 1", len(lines), class)
		}
	}
	if got := len(linePaths(root)); got != 3 {
		t.Errorf("%d line paths, want 3", got)
	}
	if got := root.find(func(n *node) bool { return n.hasClass("a") }); len(got) != 0 {
		t.Errorf("line chart has %d area paths", len(got))
	}

	c.Stacked = true
	root, _ = render(t, c, Options{})
	if got := root.find(func(n *node) bool { return n.XMLName.Local == "path" && n.hasClass("a") }); len(got) != 3 {
		t.Errorf("stacked chart has %d area paths, want 3", len(got))
	}
}

func TestTimeAxisTicksAreRound(t *testing.T) {
	t.Parallel()
	at := func(h, m, s int) time.Time { return time.Date(2026, 11, 26, h, m, s, 0, time.UTC) }
	cases := []struct {
		name     string
		start    time.Time
		span     time.Duration
		step     time.Duration
		interval time.Duration
		want     []string // exact labels, when given
	}{
		{"5m", at(14, 0, 0), 5 * time.Minute, 15 * time.Second, time.Minute, []string{"14:00", "14:01", "14:02", "14:03", "14:04", "14:05"}},
		{"15m", at(14, 0, 0), 15 * time.Minute, 15 * time.Second, 2 * time.Minute, []string{"14:00", "14:02", "14:04", "14:06", "14:08", "14:10", "14:12", "14:14"}},
		{"1h", at(13, 50, 0), time.Hour, 10 * time.Second, 10 * time.Minute, []string{"13:50", "14:00", "14:10", "14:20", "14:30", "14:40", "14:50"}},
		{"6h unaligned", at(8, 17, 0), 6 * time.Hour, time.Minute, time.Hour, []string{"09:00", "10:00", "11:00", "12:00", "13:00", "14:00"}},
		{"24h at 5m", at(0, 0, 0), 24 * time.Hour, 5 * time.Minute, 3 * time.Hour, []string{"Nov 26", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00", "Nov 27"}},
		{"24h crossing midnight", at(14, 5, 0), 24 * time.Hour, 5 * time.Minute, 3 * time.Hour, nil},
		{"7d", at(14, 0, 0), 7 * 24 * time.Hour, 30 * time.Minute, 24 * time.Hour, []string{"Fri 27", "Sat 28", "Sun 29", "Mon 30", "Tue 1", "Wed 2", "Thu 3"}},
		{"15d", at(14, 0, 0), 15 * 24 * time.Hour, time.Hour, 48 * time.Hour, nil},
		{"absolute 2h37m", at(9, 13, 27), 2*time.Hour + 37*time.Minute, 30 * time.Second, 30 * time.Minute, []string{"09:30", "10:00", "10:30", "11:00", "11:30"}},
		{"absolute 3d", at(9, 13, 0), 3 * 24 * time.Hour, 15 * time.Minute, 12 * time.Hour, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := int(tc.span/tc.step) + 1
			c := Chart{ID: "x", Unit: units.ReqPerSec, Start: tc.start, Step: tc.step, Series: []Series{{Name: "a", Values: wave(n, 10, 2, 0)}}}
			root, _ := render(t, c, Options{})
			labels := xLabels(root)
			if tc.want != nil && !slices.Equal(labels, tc.want) {
				t.Errorf("labels %q, want %q", labels, tc.want)
			}
			if len(labels) < 4 || len(labels) > 9 {
				t.Errorf("%d labels %q, want 4..9", len(labels), labels)
			}
			for _, l := range labels {
				if hm, err := time.Parse("15:04", l); err == nil {
					mins := time.Duration(hm.Hour()*60+hm.Minute()) * time.Minute
					if tc.interval >= 24*time.Hour || mins%tc.interval != 0 {
						t.Errorf("label %q is not on a %v boundary", l, tc.interval)
					}
					continue
				}
				_, errMonth := time.Parse("Jan 2", l)
				_, errDay := time.Parse("Mon 2", l)
				if errMonth != nil && errDay != nil {
					t.Errorf("label %q is neither 15:04 nor a day", l)
				}
			}
		})
	}
}

func TestTimeTicksAlignToUTCMidnight(t *testing.T) {
	t.Parallel()
	// A start given in another zone must still tick at round UTC times.
	zone := time.FixedZone("IST", 5*3600+1800)
	start := time.Date(2026, 11, 26, 10, 7, 0, 0, zone)
	ticks := timeTicks(start, start.Add(6*time.Hour), 8)
	for _, tk := range ticks {
		if tk.at.Location() != time.UTC || tk.at.Minute() != 0 || tk.at.Second() != 0 {
			t.Errorf("tick %v is not a round UTC hour", tk.at)
		}
	}
}

func TestYAxisLabelsAreRoundAndUnitAware(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		unit units.Unit
		max  float64
		vals []float64
		want []string
	}{
		{"bytes in 1024 steps", units.Bytes, 0, ramp(50, 100<<20, 1.1*(1<<30)), []string{"0 B", "256 MiB", "512 MiB", "768 MiB", "1 GiB", "1.25 GiB"}},
		{"percent with fixed max", units.Percent, 100, ramp(50, 5, 40), []string{"0%", "20%", "40%", "60%", "80%", "100%"}},
		{"fixed max exceeded", units.Percent, 100, ramp(50, 5, 140), []string{"0%", "50%", "100%", "150%"}},
		{"sub-second in ms", units.Seconds, 0, ramp(50, 0.01, 0.42), []string{"0 ms", "100 ms", "200 ms", "300 ms", "400 ms", "500 ms"}},
		{"seconds", units.Seconds, 0, ramp(50, 0.1, 1.4), []string{"0 s", "0.5 s", "1.0 s", "1.5 s"}},
		{"ratio as percent", units.Ratio, 0, ramp(50, 0, 0.034), []string{"0%", "1%", "2%", "3%", "4%"}},
		{"req/s", units.ReqPerSec, 0, ramp(50, 3, 47), []string{"0 req/s", "10 req/s", "20 req/s", "30 req/s", "40 req/s", "50 req/s"}},
		{"negative values", units.None, 0, ramp(50, -3, 7), []string{"-4", "-2", "0", "2", "4", "6", "8"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := Chart{ID: "y", Unit: tc.unit, Max: tc.max, Start: t0, Step: time.Minute, Series: []Series{{Name: "v", Values: tc.vals}}}
			root, _ := render(t, c, Options{})
			// Labels are written bottom-up from the lowest tick.
			if got := yLabels(root); !slices.Equal(got, tc.want) {
				t.Errorf("y labels %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGapsBreakTheLine(t *testing.T) {
	t.Parallel()
	v := wave(100, 10, 3, 0)
	for _, i := range []int{20, 21, 22, 60} {
		v[i] = math.NaN()
	}
	v[80] = math.Inf(1) // histogram_quantile may return +Inf: a gap, not a spike
	v[98] = math.NaN()  // leaves v[99] alone
	c := Chart{ID: "g", Unit: units.ReqPerSec, Start: t0, Step: time.Minute, Series: []Series{{Name: "a", Values: v}}}
	root, _ := render(t, c, Options{})
	lines := linePaths(root)
	if len(lines) != 1 {
		t.Fatalf("%d line paths, want 1", len(lines))
	}
	d := lines[0].attr("d")
	if got := strings.Count(d, "M"); got != 5 {
		t.Errorf("path has %d M commands, want 5 (four gaps): %s", got, d)
	}
	runs := pathPoints(t, d)
	lens := make([]int, len(runs))
	for i, r := range runs {
		lens[i] = len(r)
	}
	if want := []int{20, 37, 19, 17, 1}; !slices.Equal(lens, want) {
		t.Errorf("run lengths %v, want %v", lens, want)
	}
	if !strings.HasSuffix(d, "h0") {
		t.Errorf("a lone last point should be drawn as a dot (h0): %s", d[len(d)-20:])
	}
	// The +Inf point must not stretch the axis.
	if got := yLabels(root); got[len(got)-1] != "15 req/s" {
		t.Errorf("top y label %q, want 15 req/s", got[len(got)-1])
	}
}

func TestStackedSeriesAccumulate(t *testing.T) {
	t.Parallel()
	n := 50
	s := []Series{
		{Name: "2xx", Values: wave(n, 40, 5, 0), Tone: "ok"},
		{Name: "4xx", Values: wave(n, 3, 1, 1), Tone: "warn"},
		{Name: "5xx", Values: wave(n, 2, 1, 2), Tone: "bad"},
	}
	for i := 10; i < 15; i++ {
		s[1].Values[i] = math.NaN() // a gap in the middle band only
	}
	c := Chart{ID: "st", Unit: units.ReqPerSec, Start: t0, Step: time.Minute, Series: s, Stacked: true}
	root, _ := render(t, c, Options{})
	lines := linePaths(root)
	if len(lines) != 3 {
		t.Fatalf("%d line paths, want 3", len(lines))
	}
	// y of each series' line at each x.
	ys := make([]map[float64]float64, 3)
	for i, l := range lines {
		ys[i] = map[float64]float64{}
		for _, run := range pathPoints(t, l.attr("d")) {
			for _, p := range run {
				ys[i][p[0]] = p[1]
			}
		}
	}
	if len(ys[0]) != n || len(ys[1]) != n-5 || len(ys[2]) != n {
		t.Fatalf("points per series %d/%d/%d, want %d/%d/%d", len(ys[0]), len(ys[1]), len(ys[2]), n, n-5, n)
	}
	for x, y0 := range ys[0] {
		y2 := ys[2][x]
		if y2 >= y0 { // SVG y grows downwards: the top band must be higher (smaller y)
			t.Errorf("at x=%v top series y=%v is not above bottom series y=%v", x, y2, y0)
		}
		if y1, ok := ys[1][x]; ok && !(y2 < y1 && y1 < y0) {
			t.Errorf("at x=%v ys %v %v %v do not stack", x, y0, y1, y2)
		}
	}
	// The hover text of a stacked chart gives the total as well.
	titles := root.find(func(n *node) bool { return n.XMLName.Local == "title" && strings.Contains(n.Text, "Total: ") })
	cols := root.find(func(n *node) bool { return n.XMLName.Local == "rect" && n.hasClass("hb") })
	if len(titles) != len(cols) || len(cols) == 0 {
		t.Errorf("%d hover titles with a total, want one in each of the %d columns", len(titles), len(cols))
	}
}

func TestHoverColumns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ points, wantCols int }{{30, 30}, {60, 60}, {360, 60}, {720, 60}, {721, 56}} {
		c := Chart{ID: "h", Unit: units.Seconds, Start: t0, Step: time.Minute,
			Series: []Series{{Name: "p50", Values: wave(tc.points, 0.05, 0.01, 0)}, {Name: "p95", Values: wave(tc.points, 0.3, 0.01, 0)}}}
		c.Series[1].Values[0] = math.NaN()
		root, _ := render(t, c, Options{})
		cols := root.find(func(n *node) bool { return n.XMLName.Local == "rect" && n.hasClass("hb") })
		if len(cols) != tc.wantCols {
			t.Errorf("%d points: %d hover columns, want %d", tc.points, len(cols), tc.wantCols)
			continue
		}
		first := cols[0].child("title")
		if first == nil {
			t.Fatalf("hover column has no <title>")
		}
		want := "2026-11-26 00:00 UTC\np50: 50 ms\np95: —"
		if tc.points > maxColumns {
			want = "2026-11-26 00:0" // grouped: the column reports its middle point
		}
		if !strings.HasPrefix(first.Text, want) {
			t.Errorf("%d points: first title %q, want prefix %q", tc.points, first.Text, want)
		}
		// Columns tile the plot without overlapping.
		prevEnd := -1.0
		for _, col := range cols {
			x, _ := strconvParse(col.attr("x"))
			w, _ := strconvParse(col.attr("width"))
			if w <= 0 || (prevEnd >= 0 && math.Abs(x-prevEnd) > 0.15) {
				t.Errorf("%d points: column at x=%v w=%v after end %v", tc.points, x, w, prevEnd)
				break
			}
			prevEnd = x + w
		}
	}
}

func TestMarkers(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "m", Unit: units.Bytes, Start: t0, Step: time.Minute, Series: []Series{{Name: "used", Values: ramp(61, 1<<20, 1<<30)}},
		Markers: []Marker{
			{At: t0.Add(10 * time.Minute), Kind: "deploy", Label: "Deploy: machine 3d8d updated 00:10 UTC", Href: "/apps/web?from=1&to=2"},
			{At: t0.Add(40 * time.Minute), Kind: "oom", Label: "OOM kill: machine 3d8d"},
			{At: t0.Add(-time.Minute), Kind: "deploy", Label: "before the range"},
			{At: t0.Add(61 * time.Minute), Kind: "exit", Label: "after the range"},
			{At: t0.Add(50 * time.Minute), Kind: "restart?", Label: "odd kind", Href: "javascript:alert(1)"},
		}}
	root, raw := render(t, c, Options{})
	mks := root.find(func(n *node) bool { return n.hasClass("mk") && (n.XMLName.Local == "a" || n.child("title") != nil) })
	if len(mks) != 3 {
		t.Fatalf("%d markers drawn, want 3 (two outside the range)", len(mks))
	}
	if mks[0].XMLName.Local != "a" || mks[0].attr("href") != "/apps/web?from=1&to=2" || !mks[0].hasClass("k-deploy") {
		t.Errorf("deploy marker: <%s class=%q href=%q>", mks[0].XMLName.Local, mks[0].attr("class"), mks[0].attr("href"))
	}
	if got := mks[0].child("title").Text; got != "Deploy: machine 3d8d updated 00:10 UTC" {
		t.Errorf("deploy title %q", got)
	}
	if mks[1].XMLName.Local != "g" || !mks[1].hasClass("k-oom") || mks[1].child("title").Text != "OOM kill: machine 3d8d" {
		t.Errorf("oom marker: <%s class=%q>", mks[1].XMLName.Local, mks[1].attr("class"))
	}
	if mks[2].XMLName.Local == "a" || !mks[2].hasClass("k-other") || bytes.Contains(raw, []byte("javascript")) {
		t.Errorf("a javascript: link must be dropped and an unknown kind drawn neutral: <%s class=%q>", mks[2].XMLName.Local, mks[2].attr("class"))
	}
	// Each kind has its own glyph, and the legend names the kinds shown.
	if g0, g1 := glyphPath(root, mks[0]), glyphPath(root, mks[1]); g0 == "" || g0 == g1 {
		t.Errorf("deploy and oom glyphs %q and %q should differ", g0, g1)
	}
	var legend []string
	for _, g := range root.find(func(n *node) bool { return n.hasClass("lg") }) {
		for _, tx := range g.find(func(n *node) bool { return n.XMLName.Local == "text" }) {
			legend = append(legend, tx.Text)
		}
	}
	if want := []string{"used", "Deploy", "OOM kill", "Event"}; !slices.Equal(legend, want) {
		t.Errorf("legend %q, want %q", legend, want)
	}
	// The marker line sits at the event's time: 10 of 60 minutes across,
	// a percentage of the width inline, and in the plot box standalone.
	if x := mks[0].find(func(n *node) bool { return n.hasClass("ml") })[0].attr("x1"); x != "16.7%" {
		t.Errorf("inline deploy marker at x=%q, want 16.7%% (10 of 60 minutes)", x)
	}
	root, _ = render(t, c, Options{Standalone: true})
	clip := root.find(func(n *node) bool { return n.XMLName.Local == "clipPath" })[0].child("rect")
	x0, _ := strconvParse(clip.attr("x"))
	w, _ := strconvParse(clip.attr("width"))
	x0, w = x0+1, w-2
	mk := root.find(func(n *node) bool { return n.XMLName.Local == "a" && n.hasClass("mk") })[0]
	line := mk.find(func(n *node) bool { return n.hasClass("ml") })[0].attr("d")
	var mx float64
	if pts := pathPoints(t, strings.Replace(line, "V", " L0 ", 1)); len(pts) > 0 {
		mx = pts[0][0][0]
	}
	if want := x0 + w/6; math.Abs(mx-want) > 0.1 {
		t.Errorf("standalone deploy marker at x=%v, want %v", mx, want)
	}
}

func TestEmptyChartsRenderAxesAndAMessage(t *testing.T) {
	t.Parallel()
	nan := []float64{math.NaN(), math.NaN(), math.NaN()}
	for name, c := range map[string]Chart{
		"no series":      {ID: "e1", Title: "Requests", Unit: units.ReqPerSec, Start: t0, Step: time.Minute, End: t0.Add(time.Hour)},
		"all NaN":        {ID: "e2", Unit: units.Seconds, Start: t0, Step: 30 * time.Minute, Series: []Series{{Name: "p95", Values: nan}}},
		"zero value":     {},
		"stacked NaN":    {ID: "e3", Stacked: true, Start: t0, Step: time.Minute, Series: []Series{{Name: "2xx", Values: nan}, {Name: "5xx"}}},
		"one point only": {ID: "e4", Start: t0, Step: time.Minute, Series: []Series{{Name: "a", Values: []float64{math.NaN()}}}},
	} {
		root, _ := render(t, c, Options{Standalone: true})
		msgs := root.find(func(n *node) bool { return n.hasClass("nodata") })
		if len(msgs) != 1 || msgs[0].Text != "No data in this range" {
			t.Errorf("%s: no 'No data in this range' note", name)
		}
		if len(xLabels(root)) < 2 {
			t.Errorf("%s: time axis labels %q", name, xLabels(root))
		}
		if len(root.find(func(n *node) bool { return n.hasClass("ax") })) != 1 {
			t.Errorf("%s: no axis line", name)
		}
	}
}

func TestSinglePointIsVisible(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "one", Unit: units.ReqPerSec, Start: t0, Step: time.Minute, Series: []Series{{Name: "a", Values: []float64{3}}}}
	root, _ := render(t, c, Options{})
	if d := linePaths(root)[0].attr("d"); !strings.HasSuffix(d, "h0") {
		t.Errorf("a single point must be drawn as a dot, got %q", d)
	}
}

func TestPointsWithoutStepAreAnError(t *testing.T) {
	t.Parallel()
	err := Render(&bytes.Buffer{}, Chart{Series: []Series{{Name: "a", Values: []float64{1, 2}}}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "step") {
		t.Errorf("err = %v, want a step error", err)
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteErrorsAreReturned(t *testing.T) {
	t.Parallel()
	if err := Render(failingWriter{}, Chart{}, Options{}); !errors.Is(err, errDiskFull) {
		t.Errorf("Render err = %v", err)
	}
	if err := RenderSpark(failingWriter{}, Spark{}); !errors.Is(err, errDiskFull) {
		t.Errorf("RenderSpark err = %v", err)
	}
}

func TestCompareSeriesAreDashedInTheirCounterpartColour(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "cmp", Unit: units.Seconds, Start: t0, Step: time.Minute, Series: []Series{
		{Name: "ams", Values: ramp(30, 0.1, 0.2)}, {Name: "syd", Values: ramp(30, 0.2, 0.3)},
		{Name: "ams (1d ago)", Values: ramp(30, 0.1, 0.2), Dashed: true}, {Name: "syd (1d ago)", Values: ramp(30, 0.2, 0.3), Dashed: true},
	}}
	root, _ := render(t, c, Options{})
	lines := linePaths(root)
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, want := range []string{"l s0", "l s1", "l s0 d", "l s1 d"} {
		if got := lines[i].attr("class"); got != want {
			t.Errorf("line %d class %q, want %q", i, got, want)
		}
		if dashed := lines[i].attr("stroke-dasharray") != ""; dashed != (i >= 2) {
			t.Errorf("line %d dashed=%v", i, dashed)
		}
	}
	sw := root.find(func(n *node) bool { return n.hasClass("sw") })
	if len(sw) != 4 || !sw[2].hasClass("d") || sw[0].hasClass("d") {
		t.Errorf("legend swatches must show which lines are dashed")
	}
}

func TestTonesPinColours(t *testing.T) {
	t.Parallel()
	got := colors([]Series{{Tone: "ok"}, {Tone: "info"}, {Tone: "warn"}, {Tone: "bad"}, {}, {Dashed: true}})
	// The untoned series takes the first colour no tone pins here, not red.
	if want := []int{2, 1, 3, 4, 0, 2}; !slices.Equal(got, want) {
		t.Errorf("colors %v, want %v", got, want)
	}
	many := make([]Series, 12)
	for i, c := range colors(many) {
		if c != i%10 {
			t.Errorf("series %d colour %d", i, c)
		}
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	c := Chart{Title: "Latency", Unit: units.Seconds, Start: t0.Add(90 * time.Minute), Step: 5 * time.Minute, Series: []Series{
		{Name: "p50", Values: []float64{0.05, math.NaN(), 0.051}},
		{Name: "p99", Values: []float64{1.234, 2}},
	}}
	got := c.Table()
	want := Table{Caption: "Latency", Header: []string{"Time (UTC)", "p50", "p99"}, Rows: [][]string{
		{"2026-11-26 01:30", "50 ms", "1.23 s"},
		{"2026-11-26 01:35", "—", "2 s"},
		{"2026-11-26 01:40", "51 ms", "—"},
	}}
	if got.Caption != want.Caption || !slices.Equal(got.Header, want.Header) || len(got.Rows) != len(want.Rows) {
		t.Fatalf("table %+v, want %+v", got, want)
	}
	for i := range want.Rows {
		if !slices.Equal(got.Rows[i], want.Rows[i]) {
			t.Errorf("row %d %q, want %q", i, got.Rows[i], want.Rows[i])
		}
	}
	c.Step = 15 * time.Second
	if got := c.Table().Rows[1][0]; got != "2026-11-26 01:30:15" {
		t.Errorf("sub-minute step time %q", got)
	}
}

func TestNarrowChartsGetFewerTimeLabels(t *testing.T) {
	t.Parallel()
	c := Chart{ID: "n", Unit: units.ReqPerSec, Start: t0, Step: 5 * time.Minute, Width: 320, Height: 160, Series: []Series{{Name: "a", Values: wave(289, 5, 1, 0)}}}
	root, _ := render(t, c, Options{Standalone: true})
	want := []string{"Nov 26", "06:00", "12:00", "18:00", "Nov 27"}
	if got := xLabels(root); !slices.Equal(got, want) {
		t.Errorf("standalone at 320 px: labels %q, want %q", got, want)
	}
	// Inline, the chart's width is unknown: every other label is marked
	// for the phone stylesheet to hide, leaving the same five.
	root, _ = render(t, c, Options{})
	var shown []string
	for _, g := range root.find(func(n *node) bool { return n.XMLName.Local == "g" && n.hasClass("xl") }) {
		for _, tx := range g.Nodes {
			if !tx.hasClass("alt") {
				shown = append(shown, tx.Text)
			}
		}
	}
	if !slices.Equal(shown, want) {
		t.Errorf("inline on a phone: labels %q, want %q", shown, want)
	}
	if css := CSS(); !strings.Contains(css, ".fl .xl .alt{display:none}") {
		t.Errorf("the stylesheet does not hide alternate time labels on a phone")
	}
}

func TestEndWidensTheTimeAxis(t *testing.T) {
	t.Parallel()
	// The last 30 minutes of the hour have no points yet: the axis still
	// spans the hour and the line stops halfway.
	c := Chart{ID: "w", Unit: units.ReqPerSec, Start: t0, Step: time.Minute, End: t0.Add(time.Hour), Series: []Series{{Name: "a", Values: ramp(31, 1, 2)}}}
	root, _ := render(t, c, Options{})
	if got := xLabels(root); got[len(got)-1] != "01:00" {
		t.Errorf("labels %q should run to 01:00", got)
	}
	clip := root.find(func(n *node) bool { return n.XMLName.Local == "clipPath" })[0].child("rect")
	x0, _ := strconvParse(clip.attr("x"))
	w, _ := strconvParse(clip.attr("width"))
	run := pathPoints(t, linePaths(root)[0].attr("d"))[0]
	if last, want := run[len(run)-1][0], (x0+1)+(w-2)/2; math.Abs(last-want) > 0.1 {
		t.Errorf("last point at x=%v, want %v (half way)", last, want)
	}
}
