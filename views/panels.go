package views

import (
	"context"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/internal/units"
	"github.com/flydash/dashboard/promql"
)

// chartWidth is the width of a chart's .svg file in px, and about the
// widest an inline one is drawn; the query step follows from it (about one
// point per 2 px).
const chartWidth = 720

// panel is one chart of the app page, or the reason it has none.
type panel struct {
	Query  promql.Query
	PromQL string
	SVG    template.HTML
	Table  dataTable
	// Empty says why there is nothing to draw; Err why the query failed.
	Empty, Err string
	Links      chartLinks
	// Compact: the panel's question does not arise for this app (no
	// volume, no HTTP service), so Empty takes one line, not a chart's box.
	Compact bool
	// Note is one line of findings over the chart ("full in about 2 days").
	Note string
	// Volumes is the volumes chart's table: each volume, where it is
	// mounted, its size, use and when it would be full.
	Volumes []volumeRow
	// Grafana opens the app in Fly's managed Grafana; "" when unknown.
	Grafana string
}

// mapAfter is the chart the region map follows on the app page: the map
// reads requests by region and says where they fail and are slow.
const mapAfter = promql.RegionRequests

// MapFollows tells the template to put the region map after this panel.
func (p panel) MapFollows() bool { return p.Query.ID == mapAfter }

// dataTable is a chart's numbers for people who cannot see the chart: a
// summary of about summaryRows rows, with the CSV for every point.
type dataTable struct {
	charts.Table
	CSV string
}

// summaryRows keeps the table readable (a day as 24 hourly rows) and the
// page light: every point is in the CSV.
const summaryRows = 24

// HTML is the table itself, written in Go rather than by the template:
// html/template escapes each cell through reflection, which was most of a
// cached app page's allocations (18.4 k against 5.2 k a page). AppendHTML
// escapes every text, and charts' test holds it to the template's meaning
// tag for tag.
func (d dataTable) HTML() template.HTML {
	// About 14 bytes a cell, so one allocation for most tables.
	return template.HTML(d.AppendHTML(make([]byte, 0, 256+14*len(d.Rows)*(len(d.Header)+1))))
}

func newDataTable(c charts.Chart, links chartLinks) dataTable {
	return dataTable{Table: c.Summary(summaryRows), CSV: links.CSV}
}

type chartLinks struct {
	SVG, CSV, JSON, Explore, Self string
}

// chartRequest is everything that decides one chart's data: the same
// request gives the same chart whichever URL it is drawn at.
type chartRequest struct {
	App     string
	Range   timeRange
	Compare string // "", "1d" or "7d"
	HTTP    bool   // the app has a public HTTP service
	// Machines are the app's machines, for what metrics do not carry (a
	// service's limits, volume names); MachinesErr says they are unknown.
	Machines    []flyapi.Machine
	MachinesErr bool
}

var compareOffsets = map[string]time.Duration{"1d": 24 * time.Hour, "7d": 7 * 24 * time.Hour}

// chartData runs the queries of qs for req and returns their results, with
// the previous period's results when req.Compare asks for them.
func (s *server) chartData(ctx context.Context, req chartRequest, qs []promql.Query) (promql.Window, []promql.Result, []promql.Result, error) {
	w, err := promql.NewWindow(req.Range.From, req.Range.To, chartWidth)
	if err != nil {
		return w, nil, nil, err
	}
	offset := compareOffsets[req.Compare]
	if offset == 0 {
		return w, s.prom.Run(ctx, req.App, qs, w, 0), nil, nil
	}
	// Both periods at once: the page costs its slowest query, not the sum.
	var cur, prev []promql.Result
	done := make(chan struct{})
	go func() {
		defer close(done)
		prev = s.prom.Run(ctx, req.App, qs, w, offset)
	}()
	cur = s.prom.Run(ctx, req.App, qs, w, 0)
	<-done
	return w, cur, prev, nil
}

// buildChart turns a query result into a chart, with the previous period as
// dashed lines and the machine events as markers. Each machine's series
// take the machine's place in machines as their colour slot, so a machine
// has one colour on every chart of the page.
func buildChart(id string, res promql.Result, prev *promql.Result, compare string, markers []charts.Marker, machines []flyapi.Machine) charts.Chart {
	c := charts.Chart{
		ID:      id,
		Title:   res.Query.Title,
		Desc:    res.Query.Desc,
		Unit:    units.Unit(res.Query.Unit),
		Start:   res.Window.Start,
		End:     res.Window.End,
		Step:    res.Window.Step,
		Stacked: res.Query.Stacked,
		Markers: markers,
		Width:   chartWidth,
	}
	slot := func(sr promql.Series) int {
		if id := sr.Labels["instance"]; id != "" {
			for i, m := range machines {
				if m.ID == id {
					return i + 1
				}
			}
		}
		return 0
	}
	for _, sr := range res.Series {
		if cs, ok := chartSeries(sr); ok {
			cs.Slot = slot(sr)
			c.Series = append(c.Series, cs)
		}
	}
	if prev != nil && prev.Err == nil {
		for _, sr := range prev.Series {
			if cs, ok := chartSeries(sr); ok {
				cs.Slot = slot(sr)
				cs.Name += " (" + compare + " ago)"
				cs.Dashed = true
				c.Series = append(c.Series, cs)
			}
		}
		// Stacked areas cannot carry dashed lines readably.
		if c.Stacked {
			c.Stacked = false
		}
	}
	return c
}

func statusTone(name string) string {
	switch name {
	case "2xx":
		return "ok"
	case "3xx":
		return "info"
	case "4xx":
		return "warn"
	case "5xx":
		return "bad"
	}
	return ""
}

// hasData reports whether any series has a finite point.
func hasData(res promql.Result) bool {
	for _, sr := range res.Series {
		for _, v := range sr.Values {
			if v == v { // not NaN
				return true
			}
		}
	}
	return false
}

// emptyReason says why a chart with no data has none, in the product's words.
func emptyReason(q promql.Query, req chartRequest, appCreated time.Time) string {
	if q.HTTP && !req.HTTP {
		return noHTTPService
	}
	// Prometheus answered with nothing, but with the machines unknown so
	// is the reason (no HTTP service, no volume): "No data" would read as
	// the app's own state during an outage.
	if req.MachinesErr {
		return "Prometheus has no points for this chart in this range; without the machines (see above) the dashboard cannot tell why."
	}
	if !appCreated.IsZero() && appCreated.After(req.Range.From) {
		return "No data in this range: the app was created " + ago(appCreated) + "."
	}
	return "No data in this range."
}

func renderInline(c charts.Chart) (template.HTML, error) {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := charts.Render(buf, c, charts.Options{}); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // charts escapes every text it writes
}

// eventMarkers turns machine events into chart markers: deploys, OOM kills,
// crashes and launches, the moments that explain a change in a line. A
// deploy rolls over every machine within seconds, so events of one kind
// within a minute of each other become one marker naming every machine.
func eventMarkers(app string, machines []flyapi.Machine, q url.Values) []charts.Marker {
	type moment struct {
		kind, verb string
		at         time.Time
		machines   []string
		ids        []string
	}
	var moments []*moment
	for _, m := range machines {
		short := m.ID
		if len(short) > 8 {
			short = short[:8]
		}
		who := short + " (" + m.Region + ")"
		for _, e := range m.Events {
			var kind, verb string
			switch {
			case e.Type == "update":
				kind, verb = "deploy", "Deploy: updated "
			case e.Type == "exit" && e.OOMKilled:
				kind, verb = "oom", "OOM kill: out of memory on "
			case e.Type == "exit" && e.ExitCode != 0:
				kind, verb = "exit", "Crash: exit code "+itoa(e.ExitCode)+" on "
			case e.Type == "launch":
				kind, verb = "launch", "Launch: created "
			default:
				continue
			}
			merged := false
			for _, mo := range moments {
				if mo.kind == kind && mo.verb == verb && absDuration(mo.at.Sub(e.At)) < time.Minute {
					mo.machines = append(mo.machines, who)
					mo.ids = append(mo.ids, m.ID)
					if e.At.Before(mo.at) {
						mo.at = e.At
					}
					merged = true
					break
				}
			}
			if !merged {
				moments = append(moments, &moment{kind: kind, verb: verb, at: e.At, machines: []string{who}, ids: []string{m.ID}})
			}
		}
	}
	out := make([]charts.Marker, 0, len(moments))
	for _, mo := range moments {
		label := mo.verb + "machine " + mo.machines[0]
		if len(mo.machines) > 1 {
			label = mo.verb + itoa(len(mo.machines)) + " machines: " + strings.Join(mo.machines, ", ")
		}
		label += " at " + mo.at.UTC().Format("Jan 2 15:04:05") + " UTC"
		// A crash, an OOM kill or a deploy is explained by its machines'
		// own lines; the logs page links back to the charts of that hour.
		href := logsHref(app, mo.at, "", mo.ids...)
		if mo.kind == "launch" {
			href = zoomHref(app, mo.at, q)
		}
		out = append(out, charts.Marker{At: mo.at, Kind: mo.kind, Label: label, Href: href})
	}
	return out
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// zoomHref links to an hour around t, keeping the page's other choices.
func zoomHref(app string, t time.Time, q url.Values) string {
	return zoomRangeHref(app, t.Add(-30*time.Minute), t.Add(30*time.Minute), q)
}

// zoomRangeHref is the app page over [from, to], keeping the rest of q.
func zoomRangeHref(app string, from, to time.Time, q url.Values) string {
	v := url.Values{}
	for k, vs := range q {
		if k != "range" && k != "from" && k != "to" && k != "refresh" {
			v[k] = vs
		}
	}
	v.Set("from", from.UTC().Format(time.RFC3339))
	v.Set("to", to.UTC().Format(time.RFC3339))
	return "/apps/" + url.PathEscape(app) + "?" + v.Encode()
}
