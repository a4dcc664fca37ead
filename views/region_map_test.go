package views

import (
	"encoding/csv"
	"html"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flysim/fleet"
	flyregions "github.com/flydash/dashboard/regions"
)

// mapMarkRE picks a mark out of the SVG: tone, hover title, and the disc
// where there is one.
var mapMarkRE = regexp.MustCompile(`<g class="mr t-([a-z]+)"><title>([a-z0-9]+)[^<]*</title>(?:<circle class="dk"[^>]* cx="([-0-9.]+)" cy="([-0-9.]+)"[^>]*/>)?(<rect class="sq")?`)

type drawnMark struct {
	tone   string
	x, y   float64
	disc   bool
	square bool
}

func drawnMarks(t *testing.T, svg string) map[string]drawnMark {
	t.Helper()
	out := map[string]drawnMark{}
	for _, m := range mapMarkRE.FindAllStringSubmatch(svg, -1) {
		d := drawnMark{tone: m[1], disc: m[3] != "", square: m[5] != ""}
		d.x, _ = strconv.ParseFloat(m[3], 64)
		d.y, _ = strconv.ParseFloat(m[4], 64)
		if _, dup := out[m[2]]; dup {
			t.Errorf("region %s is marked twice", m[2])
		}
		out[m[2]] = d
	}
	return out
}

// absWindow is a 6 h window ending a few minutes ago on a minute, so that
// every URL of a test asks for exactly the same points.
func absWindow(endAgo time.Duration) string {
	to := time.Now().UTC().Truncate(time.Minute).Add(-2*time.Minute - endAgo)
	return "from=" + to.Add(-6*time.Hour).Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339)
}

// TestRegionMapSlowRegion: search-api's map marks syd slow once flysim's
// regression has started, and not before; the mark sits where the
// projection puts Sydney's airport, on the app page as in the .json.
func TestRegionMapSlowRegion(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	app := fleet.RegionalLatencyApp
	var after, before jsonMap
	// One window for the .json and the page: a minute passing between the
	// two requests must not move it.
	now := absWindow(0)
	getJSON(t, s, "/apps/"+app+"/charts/map.json?"+now, &after)
	// The regression starts 6 h before flysim's start: a window ending 7 h
	// ago is all before it.
	getJSON(t, s, "/apps/"+app+"/charts/map.json?"+absWindow(7*time.Hour), &before)
	for _, c := range []struct {
		m        jsonMap
		sydTone  string
		whenText string
	}{{after, "bad", "after the regression"}, {before, "ok", "before the regression"}} {
		if c.m.ColourBy != "p95" {
			t.Errorf("%s: coloured by %q, want p95", c.whenText, c.m.ColourBy)
		}
		for _, r := range c.m.Regions {
			want := "ok"
			if r.Region == "syd" {
				want = c.sydTone
			}
			if r.Tone != want {
				t.Errorf("%s: %s is %q (p95 %v), want %q", c.whenText, r.Region, r.Tone, deref(r.P95), want)
			}
		}
	}

	status, body, _ := s.get(t, "/apps/"+app+"?"+now)
	if status != http.StatusOK {
		t.Fatalf("app page: %d", status)
	}
	section := mapSection(t, body)
	marks := drawnMarks(t, section)
	syd, ok := marks["syd"]
	if !ok || syd.tone != "bad" || !syd.disc || !syd.square {
		t.Fatalf("syd on the page's map: %+v (found %v), want a bad disc with machines", syd, ok)
	}
	loc, _ := flyregions.Lookup("syd")
	x, y := charts.MapPosition(loc.Lat, loc.Lon, charts.Options{})
	if math.Abs(syd.x-x) > 0.06 || math.Abs(syd.y-y) > 0.06 {
		t.Errorf("syd drawn at %v,%v; Sydney projects to %v,%v", syd.x, syd.y, x, y)
	}
	for code, m := range marks {
		if code != "syd" && m.tone != "ok" {
			t.Errorf("%s is %s on the page's map, want ok", code, m.tone)
		}
	}
	// The table says the same, row by row.
	for _, r := range after.Regions {
		row := regexp.MustCompile(`<th scope="row">` + r.Region + ` \([^<]*\)</th><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>`).FindStringSubmatch(section)
		want := []string{
			charts.FormatValue(*r.Requests, charts.UnitReqPerSec), charts.FormatValue(*r.P95, charts.UnitSeconds),
			charts.FormatValue(*r.ErrShare, charts.UnitPercent), strconv.Itoa(*r.Machines),
		}
		if row == nil {
			t.Errorf("no table row for %s", r.Region)
			continue
		}
		for i, w := range want {
			if html.UnescapeString(row[i+1]) != w {
				t.Errorf("%s column %d: table %q, JSON %q", r.Region, i+1, row[i+1], w)
			}
		}
	}
}

func mapSection(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `<section class="panel chart" id="map"`)
	if i < 0 {
		t.Fatal("the page has no map")
	}
	j := strings.Index(page[i:], "</section>")
	return page[i : i+j]
}

// TestRegionMapEqualsRegionCharts: at the same window, each region's
// requests/s and p95 on the map are the region charts' points over the span
// the map names, averaged; the CSV carries the JSON's numbers.
func TestRegionMapEqualsRegionCharts(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	for _, app := range []string{fleet.RegionalLatencyApp, fleet.IncidentApp} {
		win := absWindow(0)
		var m jsonMap
		var requests, latency jsonChart
		getJSON(t, s, "/apps/"+app+"/charts/map.json?"+win, &m)
		getJSON(t, s, "/apps/"+app+"/charts/region-requests.json?"+win, &requests)
		getJSON(t, s, "/apps/"+app+"/charts/region-latency.json?"+win, &latency)
		if !m.Start.Equal(requests.Start) || m.StepSecs != requests.StepSecs || !m.To.Equal(requests.Timestamps[len(requests.Timestamps)-1]) {
			t.Fatalf("%s: map window %v+%vs to %v, chart %v+%vs", app, m.Start, m.StepSecs, m.To, requests.Start, requests.StepSecs)
		}
		byRegion := map[string]jsonMapRegion{}
		for _, r := range m.Regions {
			byRegion[r.Region] = r
		}
		for _, c := range []struct {
			chart jsonChart
			get   func(jsonMapRegion) *float64
		}{{requests, func(r jsonMapRegion) *float64 { return r.Requests }}, {latency, func(r jsonMapRegion) *float64 { return r.P95 }}} {
			if len(c.chart.Series) == 0 {
				t.Fatalf("%s %s: no series", app, c.chart.Chart)
			}
			for _, sr := range c.chart.Series {
				sum, n := 0.0, 0
				for i, ts := range c.chart.Timestamps {
					if !ts.Before(m.From) && !ts.After(m.To) && sr.Values[i] != nil {
						sum += *sr.Values[i]
						n++
					}
				}
				got := c.get(byRegion[sr.Name])
				if n == 0 || got == nil {
					t.Errorf("%s %s %s: map %v from %d points", app, c.chart.Chart, sr.Name, deref(got), n)
					continue
				}
				if want := sum / float64(n); math.Abs(*got-want) > 1e-9*math.Max(1, want) {
					t.Errorf("%s %s %s: map %v, charts' mean %v", app, c.chart.Chart, sr.Name, *got, want)
				}
			}
		}
		// The 5xx shares, weighted by each region's requests, add up to the
		// app's 5xx share from the status chart over the same points.
		var status5 jsonChart
		getJSON(t, s, "/apps/"+app+"/charts/http-status.json?"+win, &status5)
		var fivexx, total float64
		for i, ts := range status5.Timestamps {
			if ts.Before(m.From) || ts.After(m.To) {
				continue
			}
			for _, sr := range status5.Series {
				if v := sr.Values[i]; v != nil {
					total += *v
					if sr.Name == "5xx" {
						fivexx += *v
					}
				}
			}
		}
		var weighted, requestsSum float64
		for _, r := range m.Regions {
			weighted += *r.ErrShare * *r.Requests
			requestsSum += *r.Requests
		}
		if got, want := weighted/requestsSum, 100*fivexx/total; total == 0 || math.Abs(got-want) > 1e-6*math.Max(1, want) {
			t.Errorf("%s: regions' 5xx shares weigh up to %v%%, the status chart says %v%%", app, got, want)
		}

		status, body, _ := s.get(t, "/apps/"+app+"/charts/map.csv?"+win)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if status != http.StatusOK || err != nil || len(rows) != len(m.Regions)+1 {
			t.Fatalf("%s map.csv: %d, %v, %d rows for %d regions", app, status, err, len(rows), len(m.Regions))
		}
		for i, r := range m.Regions {
			row := rows[i+1]
			if row[0] != r.Region || row[4] != csvFloat(*r.Requests) || row[5] != csvFloat(*r.P95) || row[6] != csvFloat(*r.ErrShare) || row[7] != strconv.Itoa(*r.Machines) {
				t.Errorf("%s map.csv row %v, JSON %+v", app, row, r)
			}
		}
	}
}

// TestRegionMapEveryRegion: every story app's map marks every region its
// machines run in (with a square) and every edge region of its region
// chart (with a disc when it had traffic), in the standalone SVG, which is
// XML without script.
func TestRegionMapEveryRegion(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	for _, app := range s.Sim.Sim.Fleet().Snapshot() {
		status, svg, hdr := s.get(t, "/apps/"+app.Name+"/charts/map.svg?range=6h")
		if status != http.StatusOK || hdr.Get("Content-Type") != "image/svg+xml; charset=utf-8" {
			t.Fatalf("%s map.svg: %d %s", app.Name, status, hdr.Get("Content-Type"))
		}
		if err := xmlWellFormed(svg); err != nil {
			t.Errorf("%s map.svg is not XML: %v", app.Name, err)
		}
		if strings.Contains(svg, "<script") || !strings.Contains(svg, "<title id=\"chart-t\">"+app.Name+": "+mapTitle+"</title>") {
			t.Errorf("%s map.svg has a script or lacks its title", app.Name)
		}
		var m jsonMap
		var requests jsonChart
		getJSON(t, s, "/apps/"+app.Name+"/charts/region-requests.json?range=6h", &requests)
		getJSON(t, s, "/apps/"+app.Name+"/charts/map.json?range=6h", &m)
		traffic := map[string]bool{}
		for _, r := range m.Regions {
			traffic[r.Region] = r.Requests != nil && *r.Requests > 0
		}
		want := map[string]bool{}
		machineRegions := map[string]bool{}
		for _, mc := range app.Machines {
			want[mc.Region], machineRegions[mc.Region] = true, true
		}
		for _, sr := range requests.Series {
			want[sr.Name] = true
		}
		if app.HTTP && len(requests.Series) == 0 {
			t.Errorf("%s: an HTTP app without edge regions", app.Name)
		}
		marks := drawnMarks(t, svg)
		for code := range want {
			d, ok := marks[code]
			switch {
			case !ok:
				t.Errorf("%s: region %s is not on the map", app.Name, code)
			case d.square != machineRegions[code]:
				t.Errorf("%s: %s square %v, machines there %v", app.Name, code, d.square, machineRegions[code])
			case d.disc != traffic[code]:
				t.Errorf("%s: %s disc %v, traffic %v", app.Name, code, d.disc, traffic[code])
			}
		}
		if len(marks) != len(want) {
			t.Errorf("%s: %d regions marked, want %d", app.Name, len(marks), len(want))
		}
	}
}

func TestRegionMapBadInput(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	for path, want := range map[string]int{
		"/apps/nope-no-such-app/charts/map.svg": http.StatusNotFound,
		"/apps/Bad_Name/charts/map.json":        http.StatusNotFound,
		"/apps/blog/charts/map.csv?range=9y":    http.StatusBadRequest,
		"/apps/blog/charts/map.png":             http.StatusNotFound,
	} {
		if status, _, _ := s.get(t, path); status != want {
			t.Errorf("%s: %d, want %d", path, status, want)
		}
	}
}

// TestRegionMapFailingRegions: inside storefront's incident (flysim fails
// 13% of its requests from 3h10m to 2h25m before its start) the map is
// coloured by 5xx share and every region is failing; after it, by p95.
func TestRegionMapFailingRegions(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	for _, c := range []struct {
		endAgo   time.Duration
		colourBy string
		tone     string
	}{{2*time.Hour + 45*time.Minute, "5xx share", "bad"}, {0, "p95", "ok"}} {
		var m jsonMap
		getJSON(t, s, "/apps/"+fleet.IncidentApp+"/charts/map.json?"+absWindow(c.endAgo), &m)
		if m.ColourBy != c.colourBy || len(m.Regions) == 0 {
			t.Errorf("ending %v ago: coloured by %q over %d regions, want %q", c.endAgo, m.ColourBy, len(m.Regions), c.colourBy)
		}
		for _, r := range m.Regions {
			if r.Tone != c.tone {
				t.Errorf("ending %v ago: %s is %q (5xx %v%%), want %q", c.endAgo, r.Region, r.Tone, deref(r.ErrShare), c.tone)
			}
		}
	}
}
