package views

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
)

// streamFixture is an app page with every kind of panel: drawn (with a
// data table), empty, failed, and the region map after region-requests.
func streamFixture(t testing.TB) (*server, *appPage, []promql.Result) {
	t.Helper()
	tmpl, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{log: slog.New(slog.DiscardHandler), tmpl: tmpl}
	to := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	w, err := promql.NewWindow(to.Add(-time.Hour), to, chartWidth)
	if err != nil {
		t.Fatal(err)
	}
	var results []promql.Result
	for i, q := range append(promql.Catalog(), promql.MachinesCatalog()...) {
		res := promql.Result{Query: q, PromQL: "up{app=\"shop\"}", Window: w}
		switch i % 3 {
		case 0, 1:
			n := w.Points()
			vals := make([]float64, n)
			for j := range vals {
				vals[j] = float64(j%7) + 0.5
			}
			vals[3] = math.NaN()
			res.Series = []promql.Series{{Name: "ams", Values: vals}, {Name: `<b>"x"</b>`, Values: vals}}
		case 2:
			res.Err = errors.New("boom")
		}
		if i == 1 {
			res.Series = nil // no data
		}
		results = append(results, res)
	}
	p := &appPage{layout: layout{Title: "shop", Org: "acme", Demo: true}}
	p.App.Name = "shop"
	p.Map = mapPanel{Err: "The region map could not be drawn: test.", Links: newChartLinks("shop", mapChart, nil)}
	return s, p, results
}

// withFindings gives the fixture's page three findings, the first and the
// last proved by the page's first two panels, the middle by its exits.
func withFindings(p *appPage) {
	p.Findings = []findingView{
		{Kind: health.KindLatency, Status: health.Degraded, Text: "finding one", hasProof: true, Fixes: []health.Command{{Args: []string{"fly", "scale", "count", "2"}, Why: "more machines"}}},
		{Kind: health.KindCrashLoop, Status: health.Degraded, Text: "finding two", Exits: []string{"iad/45aa8968: 3 restarts"}},
		{Kind: health.KindThrottled, Status: health.Degraded, Text: "finding three", hasProof: true},
	}
}

// streamed runs streamAppPage on a recorder.
func streamed(s *server, p *appPage, results []promql.Result) *httptest.ResponseRecorder {
	return streamedWith(s, p, results, nil)
}

// streamedWith is streamed with before(i) called ahead of drawing panel i.
func streamedWith(s *server, p *appPage, results []promql.Result, before func(i int)) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	c.Request = httptest.NewRequest(http.MethodGet, "/apps/shop", nil)
	req := chartRequest{App: "shop", Range: timeRange{From: results[0].Window.Start, To: results[0].Window.End}, HTTP: true}
	panels := make([]panel, len(results))
	for i, res := range results {
		panels[i] = newPanel(res, "shop", nil)
	}
	s.streamAppPage(c, p, panels, len(promql.Catalog()), func(i int, pn *panel) {
		if before != nil {
			before(i)
		}
		s.drawPanel(pn, results[i], nil, req, nil, time.Time{}, nil)
	})
	return rec
}

// TestStreamedPageIsThePage: the page sent in parts is byte for byte the
// page app_show.html's "content" renders in one piece, so the two cannot
// drift apart (the template's order of charts and map included).
func TestStreamedPageIsThePage(t *testing.T) {
	t.Parallel()
	s, p, results := streamFixture(t)
	rec := streamed(s, p, results)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var whole bytes.Buffer
	if err := s.tmpl["app_show"].Execute(&whole, p); err != nil {
		t.Fatal(err)
	}
	got := rec.Body.String()
	if got != whole.String() {
		i := 0
		for i < len(got) && i < whole.Len() && got[i] == whole.String()[i] {
			i++
		}
		t.Fatalf("streamed page differs from the whole page at byte %d:\n%.300q\nwant\n%.300q", i, got[i:], whole.String()[i:])
	}
	for _, want := range []string{"<figure><svg", "<caption>", "No data in this range.", `role="alert"`, `id="map"`, "</html>"} {
		if !strings.Contains(got, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(got, `class="findings"`) {
		t.Error("a page without findings has a findings section")
	}

	// With findings, each proof is drawn inside its own section, after
	// the what and before the fix, and the rest of the charts follow.
	s, p, results = streamFixture(t)
	withFindings(p)
	got = streamed(s, p, results).Body.String()
	whole.Reset()
	if err := s.tmpl["app_show"].Execute(&whole, p); err != nil {
		t.Fatal(err)
	}
	if got != whole.String() {
		t.Fatalf("with findings, the streamed page differs from the whole page")
	}
	first, second := `id="`+string(results[0].Query.ID)+`"`, `id="`+string(results[1].Query.ID)+`"`
	marks := []string{"finding one", first, `<code class="cmd">fly scale count 2`, "finding two", "iad/45aa8968: 3 restarts", "finding three", second, `<div class="charts">`, `id="` + string(results[2].Query.ID) + `"`}
	at := -1
	for _, m := range marks {
		j := strings.Index(got, m)
		if j <= at {
			t.Fatalf("with findings, %q is at %d, not after the previous mark (at %d): the order should be %q", m, j, at, marks)
		}
		at = j
	}
	if n := strings.Count(got, first); n != 1 {
		t.Errorf("the first proof is drawn %d times, want once", n)
	}
	if strings.Contains(got, `<b>"x"</b>`) {
		t.Error("a series name reached the page unescaped")
	}
	if i, j := strings.Index(got, `id="region-requests"`), strings.Index(got, `id="map"`); i < 0 || j < i {
		t.Errorf("the map (at %d) does not follow region-requests (at %d)", j, i)
	}
}

// TestStreamedPageTemplateErrors: a template that fails before anything is
// sent still gives an error page; a chart's template failing after the
// top went out becomes an alert in its place, and the page still ends.
func TestStreamedPageTemplateErrors(t *testing.T) {
	t.Parallel()
	s, p, results := streamFixture(t)
	broken := func(def string) *server {
		tmpl, err := s.tmpl["app_show"].Clone()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tmpl.Parse(def); err != nil {
			t.Fatal(err)
		}
		return &server{log: s.log, tmpl: templates{"app_show": tmpl}}
	}

	rec := streamed(broken(`{{define "app_head"}}{{.NoSuchField}}{{end}}`), p, results)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "could not be drawn") || strings.Contains(rec.Body.String(), "<figure>") {
		t.Errorf("head fails: status %d, body %.200q", rec.Code, rec.Body.String())
	}

	rec = streamed(broken(`{{define "panel"}}{{if eq .Query.ID "cpu"}}{{.NoSuchField}}{{else}}<section id="{{.Query.ID}}"></section>{{end}}{{end}}`), p, results)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Errorf("a chart fails: status %d", rec.Code)
	}
	if n := strings.Count(body, partFailed); n != 1 {
		t.Errorf("a chart fails: %d inline alerts, want 1", n)
	}
	if n := strings.Count(body, "<section id="); n != len(results)-1 {
		t.Errorf("a chart fails: %d other charts, want %d", n, len(results)-1)
	}
	if !strings.Contains(body, `id="machines-h"`) || !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
		t.Errorf("a chart fails: the page does not go on to its end: %.200q", body[len(body)-min(200, len(body)):])
	}
}

// TestStreamedChartPanics: a chart whose drawing panics, on its own
// goroutine, becomes an error in its own panel; the other charts and the
// rest of the page are still sent, and the process lives to serve the
// next page.
func TestStreamedChartPanics(t *testing.T) {
	t.Parallel()
	s, p, results := streamFixture(t)
	victim := -1
	for i, r := range results {
		if r.Err == nil && len(r.Series) > 0 {
			victim = i
			break
		}
	}
	if victim < 0 {
		t.Fatal("the fixture has no chart with data to break")
	}
	id := string(results[victim].Query.ID)
	rec := streamedWith(s, p, results, func(i int) {
		if i == victim {
			panic("drawing " + id + " failed") // as a bug in charts would
		}
	})
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200 with the broken chart's panel saying so", rec.Code)
	}
	start := strings.Index(body, `<section class="panel chart" id="`+id+`"`)
	if start < 0 {
		t.Fatalf("the page has no panel for %s, whose drawing panicked", id)
	}
	own := body[start:]
	own = own[:strings.Index(own, "</section>")]
	if !strings.Contains(own, `role="alert"><p>`+chartFailed+`</p>`) || strings.Contains(own, "<figure>") {
		t.Errorf("the %s panel does not say its chart could not be drawn:\n%s", id, own)
	}
	if !strings.Contains(own, `<h2 id="`+id+`-h">`) || !strings.Contains(own, results[victim].Query.Title) {
		t.Errorf("the %s panel lost its title:\n%s", id, own)
	}
	if !strings.HasSuffix(strings.TrimSpace(body), "</html>") || !strings.Contains(body, `id="machines-h"`) {
		t.Errorf("the page does not go on to its end after the panic: %.200q", body[len(body)-min(200, len(body)):])
	}

	// Every other chart drew as it does on a page without the panic.
	clean := streamed(s, p, results).Body.String()
	if got, want := strings.Count(body, "<figure><svg"), strings.Count(clean, "<figure><svg")-1; got != want {
		t.Errorf("%d charts drawn beside the broken one, want %d", got, want)
	}
}
