package views

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/internal/units"
	"github.com/flydash/dashboard/promql"
)

// showChartFile serves one chart on its own: as an SVG image (for <img>,
// Slack, a README), or its data as CSV or JSON, exactly the points drawn.
func (s *server) showChartFile(c *gin.Context) {
	name := c.Param("name")
	file := c.Param("file")
	dot := strings.LastIndexByte(file, '.')
	if dot < 0 {
		s.fail(c, http.StatusNotFound, "No such chart", "Chart URLs end in .svg, .csv or .json.")
		return
	}
	id, ext := promql.ChartID(file[:dot]), file[dot+1:]
	if ext != "svg" && ext != "csv" && ext != "json" {
		s.fail(c, http.StatusNotFound, "No such chart", "Chart URLs end in .svg, .csv or .json.")
		return
	}
	if id == mapChart {
		s.showMapFile(c, name, ext) // region_map_file.go
		return
	}
	chart, res, status, msg := s.oneChart(c, name, id)
	if status != http.StatusOK {
		if ext == "svg" && status >= 500 {
			// An <img> cannot show an error page: draw the reason instead.
			s.writeSVG(c, http.StatusOK, messageChart(chart, msg))
			return
		}
		s.fail(c, status, "Chart unavailable", msg)
		return
	}
	switch ext {
	case "svg":
		s.writeSVG(c, http.StatusOK, chart)
	case "csv":
		writeCSV(c, chart, name, id)
	case "json":
		writeJSON(c, chart, res, name)
	}
}

// oneChart validates the request and runs one chart's query. A status other
// than 200 comes with a message for the person.
func (s *server) oneChart(c *gin.Context, name string, id promql.ChartID) (charts.Chart, promql.Result, int, string) {
	ch, res, status, msg, _ := s.oneChartMachines(c, name, id)
	return ch, res, status, msg
}

// chartMachines is what oneChartMachines learnt of the app's machines
// while the query ran, so a page needing them asks no second time.
type chartMachines struct {
	list []flyapi.Machine
	err  error
}

// oneChartMachines is oneChart, with the machines it fetched alongside.
func (s *server) oneChartMachines(c *gin.Context, name string, id promql.ChartID) (charts.Chart, promql.Result, int, string, chartMachines) {
	var none chartMachines
	q, ok := promql.Lookup(id)
	if !flyapi.ValidAppName(name) {
		return charts.Chart{}, promql.Result{}, http.StatusNotFound, "There is no app named " + truncateInput(name) + ".", none
	}
	if !ok {
		return charts.Chart{}, promql.Result{}, http.StatusNotFound, "There is no chart called " + truncateInput(string(id)) + ". Charts: " + chartList() + ".", none
	}
	v, err := parseView(c.Request.URL.Query(), s.now())
	if err != nil {
		return charts.Chart{}, promql.Result{}, http.StatusBadRequest, err.Error(), none
	}
	// The machines tell whether the app exists and where its events are;
	// they are fetched while the query runs.
	var (
		ms   chartMachines
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		ms.list, ms.err = s.fly.Machines(c.Request.Context(), name)
	}()
	req := chartRequest{App: name, Range: v.Range, Compare: v.Compare}
	_, cur, prev, err := s.chartData(c.Request.Context(), req, []promql.Query{q})
	<-done
	if errors.Is(ms.err, flyapi.ErrNotFound) || errors.Is(ms.err, flyapi.ErrForbidden) {
		return charts.Chart{}, promql.Result{}, http.StatusNotFound, "There is no app named " + name + " in " + s.org + ".", ms
	}
	if err != nil {
		return charts.Chart{}, promql.Result{}, http.StatusBadRequest, err.Error(), ms
	}
	var pr *promql.Result
	if prev != nil {
		pr = &prev[0]
	}
	chart := buildChart("chart", cur[0], pr, v.Compare, eventMarkers(name, ms.list, c.Request.URL.Query()), ms.list)
	req.Machines, req.MachinesErr = ms.list, ms.err != nil
	decorate(&chart, cur[0], req, c.Request.URL.Query())
	chart.Title = name + ": " + q.Title
	if cur[0].Err != nil {
		return chart, cur[0], http.StatusBadGateway, promql.Explain(cur[0].Err), ms
	}
	return chart, cur[0], http.StatusOK, "", ms
}

// messageChart is an empty chart whose description says what went wrong.
func messageChart(c charts.Chart, msg string) charts.Chart {
	c.Series = nil
	c.Desc = msg
	return c
}

func (s *server) writeSVG(c *gin.Context, status int, chart charts.Chart) {
	s.serveSVG(c, status, func(b *bytes.Buffer) error { return charts.Render(b, chart, charts.Options{Standalone: true}) })
}

// serveSVG answers with a standalone SVG drawn by render.
func (s *server) serveSVG(c *gin.Context, status int, render func(*bytes.Buffer) error) {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := render(buf); err != nil {
		s.log.Error("render svg", "err", err)
		s.fail(c, http.StatusInternalServerError, "Chart unavailable", "This chart could not be drawn.")
		return
	}
	// The standalone SVG carries its own stylesheet; nothing else may load.
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	c.Header("Cache-Control", "private, max-age=15")
	c.Data(status, "image/svg+xml; charset=utf-8", buf.Bytes())
}

// chartTimes are the timestamps of a chart's points.
func chartTimes(ch charts.Chart) []time.Time {
	n := 0
	for _, sr := range ch.Series {
		n = max(n, len(sr.Values))
	}
	out := make([]time.Time, n)
	for i := range out {
		out[i] = ch.Start.Add(time.Duration(i) * ch.Step).UTC()
	}
	return out
}

func writeCSV(c *gin.Context, ch charts.Chart, app string, id promql.ChartID) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"time"}
	for _, sr := range ch.Series {
		header = append(header, sr.Name)
	}
	_ = w.Write(header)
	for i, t := range chartTimes(ch) {
		row := []string{t.Format(time.RFC3339)}
		for _, sr := range ch.Series {
			cell := ""
			if i < len(sr.Values) {
				cell = units.Plain(sr.Values[i])
			}
			row = append(row, cell)
		}
		_ = w.Write(row)
	}
	w.Flush()
	c.Header("Content-Disposition", `inline; filename="`+app+"-"+string(id)+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

type jsonSeries struct {
	Name   string     `json:"name"`
	Values []*float64 `json:"values"` // null where the chart has a gap
}

type jsonChart struct {
	App        string         `json:"app"`
	Chart      promql.ChartID `json:"chart"`
	Title      string         `json:"title"`
	Unit       string         `json:"unit"`
	PromQL     string         `json:"promql"`
	Start      time.Time      `json:"start"`
	End        time.Time      `json:"end"`
	StepSecs   float64        `json:"step_seconds"`
	Timestamps []time.Time    `json:"timestamps"`
	Series     []jsonSeries   `json:"series"`
}

func writeJSON(c *gin.Context, ch charts.Chart, res promql.Result, app string) {
	out := jsonChart{
		App: app, Chart: res.Query.ID, Title: res.Query.Title, Unit: string(res.Query.Unit), PromQL: res.PromQL,
		Start: res.Window.Start.UTC(), End: res.Window.End.UTC(), StepSecs: res.Window.Step.Seconds(),
		Timestamps: chartTimes(ch), Series: []jsonSeries{},
	}
	for _, sr := range ch.Series {
		js := jsonSeries{Name: sr.Name, Values: make([]*float64, len(sr.Values))}
		for i, v := range sr.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				x := units.Exact(v)
				js.Values[i] = &x
			}
		}
		out.Series = append(out.Series, js)
	}
	c.JSON(http.StatusOK, out)
}

func chartList() string {
	var s []string
	for _, q := range append(promql.Catalog(), promql.MachinesCatalog()...) {
		s = append(s, string(q.ID))
	}
	return strings.Join(s, ", ")
}
