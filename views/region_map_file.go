package views

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/internal/units"
	"github.com/flydash/dashboard/promql"
)

// mapChart is the region map's name among the chart URLs. The map draws
// promql's region queries together, so it is no query of its own.
const mapChart promql.ChartID = "map"

// mapPanel is the region map on the app page, or why it has none.
type mapPanel struct {
	SVG    template.HTML
	Table  dataTable
	Links  chartLinks
	PromQL string // the one query the map adds to the page
	Err    string
}

// regionErrors runs the map's own query for the page, on the window the
// charts use, so its points line up with region-requests'.
func (s *server) regionErrors(ctx context.Context, req chartRequest) promql.Result {
	w, err := promql.NewWindow(req.Range.From, req.Range.To, chartWidth)
	if err != nil {
		return promql.Result{Query: promql.RegionErrors(), Err: err}
	}
	return s.prom.Run(ctx, req.App, []promql.Query{promql.RegionErrors()}, w, 0)[0]
}

// mapPanelFor builds the page's map from the region charts' results, which
// the page already has, the region-errors result and the machines.
func (s *server) mapPanelFor(w promql.Window, results []promql.Result, errs promql.Result, machines []flyapi.Machine, machinesErr error, app string, q url.Values) mapPanel {
	links := newChartLinks(app, mapChart, q)
	links.Explore = ""
	p := mapPanel{Links: links, PromQL: errs.PromQL}
	var requests, latency promql.Result
	for _, r := range results {
		switch r.Query.ID {
		case promql.RegionRequests:
			requests = r
		case promql.RegionLatency:
			latency = r
		}
	}
	rm := newRegionMap(w, requests, latency, errs, machines, machinesErr)
	if rm.RequestsErr != "" {
		p.Err = rm.RequestsErr
		return p
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := charts.RenderMap(buf, rm.chart("c-map", mapTitle), charts.Options{}); err != nil {
		p.Err = "The map could not be drawn."
		return p
	}
	p.SVG = template.HTML(buf.String()) // charts escapes every text it writes
	p.Table = dataTable{Table: rm.table(), CSV: links.CSV}
	return p
}

// showMapFile serves the region map on its own, like any chart: an SVG
// image, or its numbers as CSV or JSON.
func (s *server) showMapFile(c *gin.Context, name, ext string) {
	if !flyapi.ValidAppName(name) {
		s.failNoApp(c, http.StatusNotFound, "Chart unavailable", "There is no app named "+truncateInput(name)+".")
		return
	}
	v, err := parseView(c.Request.URL.Query(), s.now())
	if err != nil {
		s.fail(c, http.StatusBadRequest, "Chart unavailable", err.Error())
		return
	}
	w, err := promql.NewWindow(v.Range.From, v.Range.To, chartWidth)
	if err != nil {
		s.fail(c, http.StatusBadRequest, "Chart unavailable", err.Error())
		return
	}
	ctx := c.Request.Context()
	var (
		machines    []flyapi.Machine
		machinesErr error
		done        = make(chan struct{})
	)
	go func() {
		defer close(done)
		machines, machinesErr = s.fly.Machines(ctx, name)
	}()
	res := s.prom.Run(ctx, name, promql.MapQueries(), w, 0)
	<-done
	if errors.Is(machinesErr, flyapi.ErrNotFound) || errors.Is(machinesErr, flyapi.ErrForbidden) {
		s.failNoApp(c, http.StatusNotFound, "Chart unavailable", "There is no app named "+name+" in "+s.org+".")
		return
	}
	rm := newRegionMap(w, res[0], res[1], res[2], machines, machinesErr)
	if rm.RequestsErr != "" && ext != "svg" {
		s.fail(c, http.StatusBadGateway, "Chart unavailable", rm.RequestsErr)
		return
	}
	switch ext {
	case "svg":
		// A failed query is drawn into the image (see chart()), since an
		// <img> cannot show an error page.
		m := rm.chart("chart", name+": "+mapTitle)
		s.serveSVG(c, http.StatusOK, func(b *bytes.Buffer) error { return charts.RenderMap(b, m, charts.Options{Standalone: true}) })
	case "csv":
		writeMapCSV(c, rm, name)
	case "json":
		writeMapJSON(c, rm, name)
	}
}

var mapCSVHeader = []string{"region", "name", "latitude", "longitude", "requests_per_second", "p95_seconds", "5xx_share_percent", "machines"}

func writeMapCSV(c *gin.Context, rm regionMap, app string) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(mapCSVHeader)
	for _, r := range rm.Regions {
		lat, lon := "", ""
		if r.Located {
			lat, lon = units.Plain(r.Lat), units.Plain(r.Lon)
		}
		machines := strconv.Itoa(r.Machines)
		if rm.MachinesErr != "" {
			machines = ""
		}
		_ = w.Write([]string{r.Code, r.Name, lat, lon, csvFloat(r.Requests), csvFloat(r.P95), csvFloat(r.ErrShare), machines})
	}
	w.Flush()
	c.Header("Content-Disposition", `inline; filename="`+app+"-"+string(mapChart)+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func csvFloat(v float64) string { return units.Plain(v) }

type jsonMapRegion struct {
	Region     string   `json:"region"`
	Name       string   `json:"name,omitempty"`
	Latitude   *float64 `json:"latitude"` // null: a code we cannot place
	Longitude  *float64 `json:"longitude"`
	Requests   *float64 `json:"requests_per_second"` // null: no traffic
	P95        *float64 `json:"p95_seconds"`
	ErrShare   *float64 `json:"error_share_percent"`
	Machines   *int     `json:"machines"` // null: the Machines API failed
	Started    *int     `json:"machines_started"`
	Tone       string   `json:"tone,omitempty"` // ok, warn, bad; empty when not judged
	HoverTitle string   `json:"title"`
}

type jsonMap struct {
	App      string          `json:"app"`
	Chart    promql.ChartID  `json:"chart"`
	Title    string          `json:"title"`
	Start    time.Time       `json:"start"`
	End      time.Time       `json:"end"`
	StepSecs float64         `json:"step_seconds"`
	From     time.Time       `json:"from"` // the first and last point averaged
	To       time.Time       `json:"to"`
	ColourBy string          `json:"colour_by"`
	PromQL   []string        `json:"promql"`
	Errors   []string        `json:"errors,omitempty"`
	Regions  []jsonMapRegion `json:"regions"`
}

func writeMapJSON(c *gin.Context, rm regionMap, app string) {
	out := jsonMap{
		App: app, Chart: mapChart, Title: mapTitle,
		Start: rm.Window.Start.UTC(), End: rm.Window.End.UTC(), StepSecs: rm.Window.Step.Seconds(),
		From: rm.From.UTC(), To: rm.To.UTC(), ColourBy: "p95", PromQL: rm.PromQL[:], Regions: []jsonMapRegion{},
	}
	if rm.ByErrors {
		out.ColourBy = "5xx share"
	}
	for _, e := range []string{rm.LatencyErr, rm.ErrorsErr, rm.MachinesErr} {
		if e != "" {
			out.Errors = append(out.Errors, e)
		}
	}
	for _, r := range rm.Regions {
		j := jsonMapRegion{Region: r.Code, Name: r.Name, Requests: jsonFloat(r.Requests), P95: jsonFloat(r.P95),
			ErrShare: jsonFloat(r.ErrShare), Tone: r.Tone, HoverTitle: rm.title(r)}
		if r.Located {
			j.Latitude, j.Longitude = jsonFloat(r.Lat), jsonFloat(r.Lon)
		}
		if rm.MachinesErr == "" {
			j.Machines, j.Started = &r.Machines, &r.Started
		}
		out.Regions = append(out.Regions, j)
	}
	c.JSON(http.StatusOK, out)
}

func jsonFloat(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	v = units.Exact(v)
	return &v
}
