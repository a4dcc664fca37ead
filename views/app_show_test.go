package views

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/internal/units"
	"github.com/flydash/dashboard/promql"
)

// TestAppPagesTellTheirStories opens every simulated app's page and checks
// that it shows its charts, or says why a chart cannot exist.
func TestAppPagesTellTheirStories(t *testing.T) {
	t.Parallel()
	s := sharedStack(t)
	for _, app := range s.Sim.Sim.Fleet().Snapshot() {
		status, body, _ := s.get(t, "/apps/"+app.Name)
		if status != http.StatusOK {
			t.Errorf("%s: %d", app.Name, status)
			continue
		}
		if strings.Contains(body, "<script") {
			t.Errorf("%s: the app page carries a script", app.Name)
		}
		// The traffic group (and the region map) comes first; the Machines
		// group follows its heading.
		traffic, machines, _ := strings.Cut(body, `id="machines-group"`)
		// A Machines chart that proves the verdict's finding leads the page,
		// above the heading (evidence first).
		moved := 0
		for _, q := range promql.MachinesCatalog() {
			if strings.Contains(traffic, `class="panel chart" id="`+string(q.ID)+`"`) {
				moved++
			}
		}
		figures := strings.Count(traffic, "<figure>") - 1 - moved // the region map's, and the proofs
		noHTTP := strings.Count(traffic, "This app has no public HTTP service, so there is no traffic to chart.")
		switch {
		case !app.HTTP: // the worker, and the database behind its apps
			if figures != 2 || noHTTP != 4 {
				t.Errorf("%s (no HTTP): %d charts and %d no-HTTP notices, want 2 and 4", app.Name, figures, noHTTP)
			}
		default:
			if figures != 6 || noHTTP != 0 {
				t.Errorf("%s: %d charts, want 6", app.Name, figures)
			}
		}
		// Every panel that applies shows the exact query it sent, with the
		// app quoted (the region map shows the one it adds); one that does
		// not apply is one line.
		compact := strings.Count(body, `class="panel chart na"`)
		if n, want := strings.Count(body, "Show PromQL"), len(promql.Catalog())+len(promql.MachinesCatalog())+1-compact; n != want {
			t.Errorf("%s: %d PromQL disclosures, want %d", app.Name, n, want)
		}
		if n := strings.Count(machines, `<section class="panel chart`) + moved; n != len(promql.MachinesCatalog()) {
			t.Errorf("%s: %d panels in the Machines group, want %d", app.Name, n, len(promql.MachinesCatalog()))
		}
		if !strings.Contains(body, `app=&#34;`+app.Name+`&#34;`) {
			t.Errorf("%s: PromQL does not select the app", app.Name)
		}
	}
}

// TestMarkersShowEvents: the OOM kill and the deploy appear as markers, at
// the moments the simulated org recorded them, on every chart of their app.
func TestMarkersShowEvents(t *testing.T) {
	t.Parallel()
	s := sharedStack(t)
	var oomApp, deployApp fleet.App
	for _, a := range s.Sim.Sim.Fleet().Snapshot() {
		switch a.Story {
		case fleet.StoryOOM:
			oomApp = a
		case fleet.StoryDeploy:
			deployApp = a
		}
	}
	check := func(app fleet.App, kind, word string, at time.Time) {
		_, body, _ := s.get(t, "/apps/"+app.Name+"?range=24h")
		stamp := at.UTC().Format("Jan 2 15:04:05")
		re := regexp.MustCompile(`<title>` + word + `[^<]*` + regexp.QuoteMeta(stamp) + ` UTC</title>`)
		charts := strings.Count(body, "<figure>") - 1 // the region map marks no events
		if n := len(re.FindAllString(body, -1)); n < charts {
			t.Errorf("%s: %d %s markers at %s, want at least one on each of the %d charts", app.Name, n, kind, stamp, charts)
		}
		// A deploy rolls over every machine at once: one marker per chart
		// names them all, and links to their log lines at that moment.
		if kind == "deploy" {
			if n := len(re.FindAllString(body, -1)); n != charts {
				t.Errorf("%s: %d deploy markers, want one on each of the %d charts", app.Name, n, charts)
			}
			if !strings.Contains(body, "Deploy: updated "+strconv.Itoa(len(app.Machines))+" machines: ") {
				t.Errorf("%s: the deploy marker does not name its %d machines", app.Name, len(app.Machines))
			}
			hrefs := markerHrefs(body, "deploy")
			u, err := url.Parse(strings.Join(hrefs, ""))
			ids := u.Query()["instance"]
			slices.Sort(ids)
			want := machineIDs(app)
			slices.Sort(want)
			if len(hrefs) != 1 || err != nil || u.Path != "/apps/"+app.Name+"/logs" || u.Query().Get("at") != at.UTC().Format(time.RFC3339) || !slices.Equal(ids, want) {
				t.Errorf("%s: deploy markers link %q, want one link to the log lines of %v at %s", app.Name, hrefs, want, at)
			}
		}
	}
	check(oomApp, "oom", "OOM kill", oomApp.StoryTimes["oom"])
	check(deployApp, "deploy", "Deploy", deployApp.StoryTimes["deploy"])

	// A marker outside the range is not drawn.
	_, body, _ := s.get(t, "/apps/"+oomApp.Name+"?range=5m")
	if strings.Contains(body, "OOM kill:") {
		t.Error("an OOM marker from hours ago is drawn on the 5 minute view")
	}
}

func machineIDs(a fleet.App) []string {
	var out []string
	for _, m := range a.Machines {
		out = append(out, m.ID)
	}
	return out
}

func TestViewParameters(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	now := time.Now().UTC()
	for _, r := range []string{"5m", "15m", "1h", "6h", "24h", "7d"} {
		status, body, _ := s.get(t, "/apps/blog?range="+r)
		traffic, _, _ := strings.Cut(body, `id="machines-group"`)
		if n := strings.Count(traffic, "<figure>"); status != http.StatusOK || n != len(promql.Catalog())+1 { // and the region map
			t.Errorf("range=%s: %d, %d traffic charts", r, status, n)
		}
	}
	good := []string{
		"from=" + now.Add(-2*time.Hour).Format(time.RFC3339) + "&to=" + now.Add(-time.Hour).Format(time.RFC3339),
		"from=" + strconv.FormatInt(now.Add(-3*time.Hour).Unix(), 10) + "&to=" + strconv.FormatInt(now.Unix(), 10),
	}
	for _, q := range good {
		if status, body, _ := s.get(t, "/apps/blog?"+q); status != http.StatusOK || strings.Contains(body, `http-equiv="refresh"`) && strings.Contains(q, "refresh") {
			t.Errorf("%s: %d", q, status)
		}
	}
	bad := map[string]string{
		"range=2h":                         "is not one of",
		"range=%00":                        "is not one of",
		"from=yesterday&to=now":            "is not a time",
		"from=" + now.Format(time.RFC3339): "needs both from and to",
		"from=" + now.Format(time.RFC3339) + "&to=" + now.Add(-time.Hour).Format(time.RFC3339):       "from must be before to",
		"from=" + now.Add(-16*24*time.Hour).Format(time.RFC3339) + "&to=" + now.Format(time.RFC3339): "longer than 15 days",
		"compare=2d": "is not one of 1d or 7d",
		"refresh=1s": "is not one of 30s",
	}
	for q, want := range bad {
		for _, path := range []string{"/apps/blog?", "/apps/blog/charts/cpu.svg?", "/apps/blog/charts/cpu.csv?"} {
			status, body, _ := s.get(t, path+q)
			if status != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Errorf("%s%s: %d, want 400 saying %q", path, q, status, want)
			}
		}
	}

	// Range links keep the rest of the URL; refresh is offered only for
	// relative ranges, and an absolute window never refreshes.
	_, body, _ := s.get(t, "/apps/blog?range=1h&compare=1d&refresh=30s")
	if !strings.Contains(body, `href="/apps/blog?compare=1d&amp;range=6h&amp;refresh=30s"`) {
		t.Error("range links do not keep compare and refresh")
	}
	if !strings.Contains(body, `<meta http-equiv="refresh" content="30">`) {
		t.Error("refresh=30s does not reload the page")
	}
	_, body, _ = s.get(t, "/apps/blog?refresh=30s&"+good[0])
	if strings.Contains(body, `http-equiv="refresh"`) {
		t.Error("an absolute window refreshes")
	}
}

// TestChartFiles: each chart stands alone as SVG, and its data as CSV and
// JSON holds exactly the points drawn.
func TestChartFiles(t *testing.T) {
	t.Parallel()
	s := sharedStack(t)
	for _, q := range promql.Catalog() {
		base := "/apps/storefront/charts/" + string(q.ID)
		status, body, hdr := s.get(t, base+".svg?range=6h")
		if status != http.StatusOK || hdr.Get("Content-Type") != "image/svg+xml; charset=utf-8" {
			t.Fatalf("%s.svg: %d %s", q.ID, status, hdr.Get("Content-Type"))
		}
		if err := xmlWellFormed(body); err != nil {
			t.Errorf("%s.svg is not well-formed XML: %v", q.ID, err)
		}
		if !strings.Contains(body, "<title id=\"chart-t\">storefront: "+q.Title+"</title>") {
			t.Errorf("%s.svg has no title naming the app and chart", q.ID)
		}

		status, csvBody, _ := s.get(t, base+".csv?range=6h")
		if status != http.StatusOK {
			t.Fatalf("%s.csv: %d", q.ID, status)
		}
		rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		if err != nil {
			t.Fatalf("%s.csv: %v", q.ID, err)
		}
		status, jsonBody, _ := s.get(t, base+".json?range=6h")
		if status != http.StatusOK {
			t.Fatalf("%s.json: %d", q.ID, status)
		}
		var js jsonChart
		if err := json.Unmarshal([]byte(jsonBody), &js); err != nil {
			t.Fatalf("%s.json: %v", q.ID, err)
		}
		compareCSVJSON(t, string(q.ID), rows, js)
		// 6 h at 720 px is a 1 minute step: 361 points, aligned.
		if js.StepSecs != 60 || len(js.Timestamps) != 361 || js.Start.Unix()%60 != 0 {
			t.Errorf("%s: step %vs, %d points from %v", q.ID, js.StepSecs, len(js.Timestamps), js.Start)
		}
	}
}

func compareCSVJSON(t *testing.T, slug string, rows [][]string, js jsonChart) {
	t.Helper()
	if len(rows) != len(js.Timestamps)+1 {
		t.Fatalf("%s: %d CSV rows for %d points", slug, len(rows)-1, len(js.Timestamps))
	}
	if rows[0][0] != "time" || len(rows[0]) != len(js.Series)+1 {
		t.Fatalf("%s: CSV header %v for %d series", slug, rows[0], len(js.Series))
	}
	for i, sr := range js.Series {
		if rows[0][i+1] != sr.Name {
			t.Errorf("%s: CSV column %d is %q, JSON series %q", slug, i+1, rows[0][i+1], sr.Name)
		}
	}
	for r, ts := range js.Timestamps {
		row := rows[r+1]
		if row[0] != ts.Format(time.RFC3339) {
			t.Fatalf("%s row %d: time %s, want %s", slug, r, row[0], ts.Format(time.RFC3339))
		}
		for i, sr := range js.Series {
			v := sr.Values[r]
			if (v == nil) != (row[i+1] == "") {
				t.Fatalf("%s row %d col %d: gap mismatch", slug, r, i)
			}
			if v != nil {
				f, _ := strconv.ParseFloat(row[i+1], 64)
				if math.Abs(f-*v) > 1e-9*math.Max(1, math.Abs(*v)) {
					t.Fatalf("%s row %d col %d: %v vs %v", slug, r, i, f, *v)
				}
			}
		}
	}
}

// TestCompareLinesUp: the previous-day series of a window equals the
// current series of the window a day earlier.
func TestCompareLinesUp(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	to := time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	from := to.Add(-time.Hour)
	q := func(f, t time.Time) string {
		return "from=" + f.Format(time.RFC3339) + "&to=" + t.Format(time.RFC3339)
	}
	var withCompare, dayBefore jsonChart
	getJSON(t, s, "/apps/blog/charts/region-requests.json?compare=1d&"+q(from, to), &withCompare)
	getJSON(t, s, "/apps/blog/charts/region-requests.json?"+q(from.Add(-24*time.Hour), to.Add(-24*time.Hour)), &dayBefore)
	prev := map[string][]*float64{}
	for _, sr := range withCompare.Series {
		if name, ok := strings.CutSuffix(sr.Name, " (1d ago)"); ok {
			prev[name] = sr.Values
		}
	}
	if len(prev) == 0 || len(prev) != len(dayBefore.Series) {
		t.Fatalf("compare series %d, series a day before %d", len(prev), len(dayBefore.Series))
	}
	for _, sr := range dayBefore.Series {
		got := prev[sr.Name]
		if len(got) != len(sr.Values) {
			t.Fatalf("%s: %d vs %d points", sr.Name, len(got), len(sr.Values))
		}
		for i := range got {
			if (got[i] == nil) != (sr.Values[i] == nil) || got[i] != nil && math.Abs(*got[i]-*sr.Values[i]) > 1e-6 {
				t.Fatalf("%s point %d: compare %v, a day before %v", sr.Name, i, deref(got[i]), deref(sr.Values[i]))
			}
		}
	}
	// On the page, the comparison is drawn dashed and labelled.
	_, body, _ := s.get(t, "/apps/blog?compare=1d&"+q(from, to))
	if !strings.Contains(body, "(1d ago)") {
		t.Error("the page does not label the comparison")
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func getJSON(t *testing.T, s *stack, path string, v any) {
	t.Helper()
	status, body, _ := s.get(t, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatal(err)
	}
}

func xmlWellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// TestCSVMatchesSVG: on a window short enough for one hover column per
// point (21 points; charts of many series get as few as 24 columns), every
// value of the CSV is the value the SVG shows at that time.
func TestCSVMatchesSVG(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	to := time.Now().UTC().Truncate(time.Minute).Add(-5 * time.Minute)
	q := "from=" + to.Add(-5*time.Minute).Format(time.RFC3339) + "&to=" + to.Format(time.RFC3339)
	for _, c := range []struct {
		slug string
		unit units.Unit
	}{{"region-requests", units.ReqPerSec}, {"latency", units.Seconds}, {"memory", units.Bytes}} {
		_, svg, _ := s.get(t, "/apps/storefront/charts/"+c.slug+".svg?"+q)
		_, csvBody, _ := s.get(t, "/apps/storefront/charts/"+c.slug+".csv?"+q)
		rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		titles := regexp.MustCompile(`<rect class="hb"[^>]*><title>([^<]*)</title>`).FindAllStringSubmatch(svg, -1)
		if len(titles) != len(rows)-1 {
			t.Fatalf("%s: %d hover columns for %d CSV rows", c.slug, len(titles), len(rows)-1)
		}
		for i, row := range rows[1:] {
			at, _ := time.Parse(time.RFC3339, row[0])
			title := titles[i][1]
			if !strings.HasPrefix(title, at.Format("2006-01-02 15:04:05")+" UTC") {
				t.Fatalf("%s column %d is %q, CSV row at %s", c.slug, i, strings.SplitN(title, "\n", 2)[0], row[0])
			}
			for j, name := range rows[0][1:] {
				want := name + ": —"
				if row[j+1] != "" {
					v, _ := strconv.ParseFloat(row[j+1], 64)
					want = name + ": " + units.Format(v, c.unit)
				}
				if !strings.Contains(title, want) {
					t.Errorf("%s at %s: the SVG says %q, the CSV %q", c.slug, row[0], title, want)
				}
			}
		}
	}
}
