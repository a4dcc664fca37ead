package views

import (
	"encoding/json"
	"html"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/internal/units"
)

// The explore tests that choose whether ECharts is bundled run before any
// parallel test starts (Go runs sequential top-level tests first), so
// flipping echartsBundled never races with a handler.
func withECharts(t *testing.T, bundled bool) {
	t.Helper()
	was := echartsBundled
	echartsBundled = bundled
	t.Cleanup(func() { echartsBundled = was })
}

var (
	scriptTag   = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	srcAttr     = regexp.MustCompile(`(?i)\bsrc="([^"]*)"`)
	typeAttr    = regexp.MustCompile(`(?i)\btype="([^"]*)"`)
	optionBlock = regexp.MustCompile(`(?s)<script type="application/json" id="chart-option">(.*?)</script>`)
	figureSVG   = regexp.MustCompile(`(?s)<figure id="explore-chart"[^>]*>\s*<svg\b`)
	rangeLinks  = regexp.MustCompile(`<nav class="range-nav".*?</nav>`)
	hrefAttr    = regexp.MustCompile(`href="([^"]*)"`)
)

// checkNoInlineScript fails on any script the browser would execute that
// does not come from the dashboard's /static: with script-src 'self' and no
// 'unsafe-inline', anything else is either blocked or a hole.
func checkNoInlineScript(t *testing.T, body string) (srcs []string, dataBlocks int) {
	t.Helper()
	if n := strings.Count(strings.ToLower(body), "<script"); n != len(scriptTag.FindAllString(body, -1)) {
		t.Fatalf("%d <script opening tags but %d complete elements", n, len(scriptTag.FindAllString(body, -1)))
	}
	for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
		attrs, content := m[1], m[2]
		if s := srcAttr.FindStringSubmatch(attrs); s != nil {
			if !strings.HasPrefix(s[1], "/static/") {
				t.Errorf("script from %q: only /static/ may serve scripts", s[1])
			}
			if strings.TrimSpace(content) != "" {
				t.Errorf("script %q also has inline content %q", s[1], content)
			}
			srcs = append(srcs, s[1])
			continue
		}
		if ty := typeAttr.FindStringSubmatch(attrs); ty != nil && ty[1] == "application/json" {
			dataBlocks++
			continue
		}
		t.Errorf("inline executable script: <script%s>%.80s", attrs, content)
	}
	return srcs, dataBlocks
}

type exploreOptionJSON struct {
	Unit   string `json:"unit"`
	Option struct {
		Series []struct {
			Name      string                        `json:"name"`
			Type      string                        `json:"type"`
			Stack     string                        `json:"stack"`
			Data      [][2]any                      `json:"data"`
			LineStyle *struct{ Type, Color string } `json:"lineStyle"`
			AreaStyle *struct{}                     `json:"areaStyle"`
			MarkLine  *struct {
				Data []struct {
					Name  string  `json:"name"`
					XAxis float64 `json:"xAxis"`
				} `json:"data"`
			} `json:"markLine"`
		} `json:"series"`
		XAxis []struct {
			Type     string
			Min, Max float64
		} `json:"xAxis"`
		DataZoom []struct{ Type string }  `json:"dataZoom"`
		Tooltip  struct{ Trigger string } `json:"tooltip"`
		Legend   struct{ Show bool }      `json:"legend"`
	} `json:"option"`
	DarkColors []string `json:"darkColors"`
}

func parseOption(t *testing.T, body string) exploreOptionJSON {
	t.Helper()
	m := optionBlock.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no chart-option data block in the page")
	}
	var d exploreOptionJSON
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("chart-option is not JSON: %v\n%.300s", err, m[1])
	}
	return d
}

// fixedWindow is an absolute six hours ending on a minute, so two requests
// a moment apart ask for exactly the same points.
func fixedWindow() url.Values {
	to := time.Now().UTC().Truncate(time.Minute)
	return url.Values{"from": {to.Add(-6 * time.Hour).Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
}

func TestExploreDrawsTheChartsData(t *testing.T) {
	withECharts(t, true)
	s := newStack(t, stackOptions{})
	q := fixedWindow().Encode()

	status, body, _ := s.get(t, "/apps/storefront/explore/http-status?"+q)
	if status != http.StatusOK {
		t.Fatalf("explore: %d\n%s", status, body)
	}
	srcs, blocks := checkNoInlineScript(t, body)
	if blocks != 1 || strings.Join(srcs, " ") != "/static/vendor/echarts.min.js /static/explore.js" {
		t.Errorf("scripts %q and %d data blocks, want ECharts then explore.js and one block", srcs, blocks)
	}
	if !figureSVG.MatchString(body) {
		t.Error("without JavaScript the page must show the server-drawn SVG in #explore-chart")
	}
	d := parseOption(t, body)

	// The same points as the chart's JSON file: same queries, same window.
	status, raw, _ := s.get(t, "/apps/storefront/charts/http-status.json?"+q)
	if status != http.StatusOK {
		t.Fatalf("chart json: %d", status)
	}
	var file jsonChart
	if err := json.Unmarshal([]byte(raw), &file); err != nil {
		t.Fatal(err)
	}
	if len(d.Option.Series) != len(file.Series) || len(file.Series) != 4 {
		t.Fatalf("explore has %d series, the chart file %d; want 2xx..5xx", len(d.Option.Series), len(file.Series))
	}
	for i, sr := range d.Option.Series {
		want := file.Series[i]
		if sr.Name != want.Name || sr.Type != "line" || sr.Stack == "" || sr.AreaStyle == nil {
			t.Errorf("series %d: %q type %q stack %q area %v; want %q as a stacked area", i, sr.Name, sr.Type, sr.Stack, sr.AreaStyle != nil, want.Name)
		}
		if len(sr.Data) != len(want.Values) {
			t.Fatalf("%s: %d points, chart file %d", sr.Name, len(sr.Data), len(want.Values))
		}
		for j, p := range sr.Data {
			at, _ := p[0].(float64)
			if int64(at) != file.Timestamps[j].UnixMilli() {
				t.Fatalf("%s point %d at %v, chart file %v", sr.Name, j, at, file.Timestamps[j])
			}
			v, ok := p[1].(float64)
			switch {
			case want.Values[j] == nil && p[1] != nil:
				t.Errorf("%s point %d: %v where the chart has a gap", sr.Name, j, p[1])
			case want.Values[j] != nil && (!ok || math.Abs(v-*want.Values[j]) > 1e-5*math.Abs(*want.Values[j])):
				t.Errorf("%s point %d: %v, chart file %v", sr.Name, j, p[1], *want.Values[j])
			}
		}
	}
	if d.Unit != "req/s" || len(d.DarkColors) != len(d.Option.Series) {
		t.Errorf("unit %q, %d dark colours for %d series", d.Unit, len(d.DarkColors), len(d.Option.Series))
	}
	o := d.Option
	if len(o.XAxis) != 1 || o.XAxis[0].Type != "time" || int64(o.XAxis[0].Min) != file.Start.UnixMilli() || int64(o.XAxis[0].Max) != file.End.UnixMilli() {
		t.Errorf("x axis %+v, want a time axis over %v..%v", o.XAxis, file.Start, file.End)
	}
	var zooms []string
	for _, z := range o.DataZoom {
		zooms = append(zooms, z.Type)
	}
	if strings.Join(zooms, ",") != "inside,slider" || o.Tooltip.Trigger != "axis" || !o.Legend.Show {
		t.Errorf("dataZoom %v, tooltip trigger %q, legend %v: want inside+slider zoom, axis tooltip, a legend", zooms, o.Tooltip.Trigger, o.Legend.Show)
	}
	if strings.Contains(body, "fetch-echarts.sh") {
		t.Error("the interactive page says ECharts is missing")
	}
}

func TestExploreCompareAndEvents(t *testing.T) {
	withECharts(t, true)
	s := newStack(t, stackOptions{})

	status, body, _ := s.get(t, "/apps/image-resizer/explore/memory?range=24h&compare=1d")
	if status != http.StatusOK {
		t.Fatalf("explore: %d", status)
	}
	d := parseOption(t, body)
	var solid, dashed []string
	var oom []float64
	for _, sr := range d.Option.Series {
		switch {
		case sr.MarkLine != nil:
			if sr.Name != "OOM kill" && sr.Name != "Launch" && sr.Name != "Deploy" && sr.Name != "Exit" {
				t.Errorf("event series %q", sr.Name)
			}
			if sr.Name == "OOM kill" {
				for _, m := range sr.MarkLine.Data {
					oom = append(oom, m.XAxis)
				}
			}
		case sr.LineStyle != nil && sr.LineStyle.Type == "dashed":
			dashed = append(dashed, sr.Name)
		default:
			solid = append(solid, sr.Name)
		}
		if sr.Stack != "" {
			t.Errorf("%s is stacked: memory is not, and compare lines never are", sr.Name)
		}
	}
	if len(solid) == 0 || len(dashed) != len(solid) {
		t.Fatalf("%d solid and %d dashed series, want one dashed (1d ago) per solid: %v %v", len(solid), len(dashed), solid, dashed)
	}
	for i := range solid {
		if dashed[i] != solid[i]+" (1d ago)" {
			t.Errorf("compare series %q for %q", dashed[i], solid[i])
		}
	}
	app, err := s.Sim.Sim.Fleet().App("image-resizer")
	if err != nil {
		t.Fatal(err)
	}
	at := app.StoryTimes["oom"]
	if len(oom) != 1 || int64(oom[0]) != at.UnixMilli() {
		t.Errorf("OOM kill markers at %v, want one at %v", oom, at.UnixMilli())
	}
	if d.Unit != "bytes" {
		t.Errorf("unit %q, want bytes", d.Unit)
	}
}

func TestExploreWithoutECharts(t *testing.T) {
	withECharts(t, false)
	s := newStack(t, stackOptions{})

	status, body, _ := s.get(t, "/apps/storefront/explore/latency?range=6h")
	if status != http.StatusOK {
		t.Fatalf("explore: %d", status)
	}
	if srcs, blocks := checkNoInlineScript(t, body); len(srcs)+blocks != 0 {
		t.Errorf("without ECharts the page must carry no script (a tag that 404s); has %v and %d data blocks", srcs, blocks)
	}
	if !strings.Contains(body, "Restore views/static/vendor/echarts.min.js (git checkout, or scripts/fetch-echarts.sh) to enable the interactive view.") {
		t.Error("the page does not say what is missing and how to get it")
	}
	if !figureSVG.MatchString(body) {
		t.Error("the page must still show the chart, as SVG")
	}
	for _, link := range []string{
		`href="/apps/storefront/charts/latency.svg?range=6h"`,
		`href="/apps/storefront/charts/latency.csv?range=6h"`,
		`href="/apps/storefront/charts/latency.json?range=6h"`,
		`href="/apps/storefront?range=6h#latency"`,
	} {
		if !strings.Contains(body, link) {
			t.Errorf("missing link %s", link)
		}
	}
}

func TestExploreAssetsServed(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	status, body, h := s.get(t, "/static/explore.js")
	if status != http.StatusOK || !strings.Contains(h.Get("Content-Type"), "javascript") || !strings.Contains(body, "chart-option") {
		t.Errorf("explore.js: %d %q", status, h.Get("Content-Type"))
	}
	// Vendored and committed, so every build has it.
	status, body, _ = s.get(t, "/static/vendor/echarts.min.js")
	if !echartsBundled || status != http.StatusOK {
		t.Errorf("echartsBundled is %v and the vendor file answers %d: both must hold in every build", echartsBundled, status)
	}
	if !strings.Contains(body[:min(len(body), 2000)], "Apache") {
		t.Errorf("the vendor file does not look like Apache ECharts: %.100q", body)
	}
}

func TestExploreEmptyAndBadInput(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})

	// No HTTP service: the product's words, and no script to load.
	status, body, _ := s.get(t, "/apps/queue-worker/explore/http-status")
	if status != http.StatusOK || !strings.Contains(body, "This app has no public HTTP service, so there is no traffic to chart.") {
		t.Errorf("queue-worker http-status: %d, want the no-HTTP-service message", status)
	}
	if srcs, blocks := checkNoInlineScript(t, body); len(srcs)+blocks != 0 {
		t.Errorf("an empty chart loads %v and %d data blocks", srcs, blocks)
	}

	for _, tc := range []struct {
		explore, file string
		status        int
	}{
		{"/apps/storefront/explore/nope", "/apps/storefront/charts/nope.csv", http.StatusNotFound},
		{"/apps/no-such-app/explore/cpu", "/apps/no-such-app/charts/cpu.csv", http.StatusNotFound},
		{"/apps/Bad_Name!/explore/cpu", "/apps/Bad_Name!/charts/cpu.csv", http.StatusNotFound},
		{"/apps/storefront/explore/cpu?range=2y", "/apps/storefront/charts/cpu.csv?range=2y", http.StatusBadRequest},
		{"/apps/storefront/explore/cpu?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "/apps/storefront/charts/cpu.csv?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", http.StatusBadRequest},
		{"/apps/storefront/explore/cpu?compare=3w", "/apps/storefront/charts/cpu.csv?compare=3w", http.StatusBadRequest},
	} {
		status, body, _ := s.get(t, tc.explore)
		fileStatus, fileBody, _ := s.get(t, tc.file)
		if status != tc.status || fileStatus != tc.status {
			t.Errorf("%s: %d (chart file %d), want %d", tc.explore, status, fileStatus, tc.status)
			continue
		}
		if msg := errorMessage(fileBody); msg == "" || errorMessage(body) != msg {
			t.Errorf("%s says %q, the chart file %q", tc.explore, errorMessage(body), msg)
		}
	}
}

var errorParagraph = regexp.MustCompile(`(?s)<section class="error-page">\s*<h1>.*?</h1>\s*<p>(.*?)</p>`)

func errorMessage(body string) string {
	m := errorParagraph.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestExploreRangeLinksStayOnExplore(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	status, body, _ := s.get(t, "/apps/blog/explore/cpu?range=1h&compare=7d")
	if status != http.StatusOK {
		t.Fatalf("explore: %d", status)
	}
	nav := rangeLinks.FindString(strings.ReplaceAll(body, "\n", " "))
	links := hrefAttr.FindAllStringSubmatch(nav, -1)
	if len(links) < 6 {
		t.Fatalf("range nav has %d links", len(links))
	}
	for _, l := range links {
		href := html.UnescapeString(l[1])
		u, err := url.Parse(href)
		if err != nil || u.Path != "/apps/blog/explore/cpu" {
			t.Errorf("range link %q leaves the explore page", href)
			continue
		}
		if u.Query().Has("refresh") {
			t.Errorf("range link %q offers a refresh, which would reset the zoom", href)
		}
	}
	if !strings.Contains(nav, "range=6h&amp;compare=7d") && !strings.Contains(nav, "compare=7d&amp;range=6h") {
		t.Errorf("the 6h link drops compare=7d: %s", nav)
	}
}

// TestExploreDataBlockCannotCloseItsScript: a series name is data from the
// app's metrics; whatever it holds, it stays inside the JSON block.
func TestExploreDataBlockCannotCloseItsScript(t *testing.T) {
	t.Parallel()
	hostile := `</script><script>alert(1)</script><!--`
	ch := charts.Chart{Unit: units.Seconds, Start: time.Unix(1_800_000_000, 0), Step: time.Minute,
		Series:  []charts.Series{{Name: hostile, Values: []float64{1, math.NaN(), 3}}},
		Markers: []charts.Marker{{At: time.Unix(1_800_000_060, 0), Kind: "deploy", Label: hostile}}}
	js, err := exploreJSON(ch)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(js), "<>") {
		t.Fatalf("the data block holds < or >: %s", js)
	}
	var d exploreOptionJSON
	if err := json.Unmarshal([]byte(js), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Option.Series) != 2 || d.Option.Series[0].Name != hostile || d.Option.Series[1].MarkLine.Data[0].Name != hostile {
		t.Errorf("names did not survive the round trip: %+v", d.Option.Series)
	}
	if p := d.Option.Series[0].Data[1]; p[1] != nil {
		t.Errorf("a NaN became %v, want null (a gap)", p[1])
	}
}
