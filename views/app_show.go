package views

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/signals"
)

type appPage struct {
	layout
	App      flyapi.App
	Machines []flyapi.Machine
	// MachinesErr is set when the machines could not be listed: it refers
	// to the notice at the top, which says why.
	MachinesErr string
	Regions     []string
	Events      []machineEvent
	Panels      []panel
	Map         mapPanel // region_map_file.go; drawn after the region charts
	// MachinePanels are the second group: CPU quota, limits, volumes, data out.
	MachinePanels []panel
	MachineRows   []machineRow
	Range         timeRange
	RangeNav      rangeNav
	Compare       string
	RefreshKey    string
	// Verdict is the list's verdict, judged from the same timeline;
	// Findings are its sections, each with its fix.
	Verdict  health.Verdict
	Findings []findingView
	// Strip is the verdict's episodes on the charts' time axis.
	Strip []stripEpisode
	// Excerpt is the lines before the range's last crash (logs_excerpt.go);
	// excerpt waits for it, nil without a crash.
	Excerpt *logsExcerpt
	excerpt func() *logsExcerpt
}

type machineEvent struct {
	flyapi.Event
	MachineID, Region string
}

// showApp is the app page: its machines, its recent events, and its charts.
func (s *server) showApp(c *gin.Context) {
	name := c.Param("name")
	if !flyapi.ValidAppName(name) {
		s.failNoApp(c, http.StatusNotFound, "No such app", "There is no app named "+truncateInput(name)+": app names use "+flyapi.AppNameRule+".")
		return
	}
	view, err := parseView(c.Request.URL.Query(), s.now())
	if err != nil {
		s.fail(c, http.StatusBadRequest, "That link does not describe a view", err.Error())
		return
	}
	ctx := c.Request.Context()
	p := appPage{layout: s.layout(c, name), Range: view.Range, Compare: view.Compare, RefreshKey: view.Refresh}
	p.Refresh = view.refreshSeconds()
	p.RangeNav = newRangeNav(c.Request.URL, view)

	// The app, its machines and every chart's query go out at once: the
	// page costs its slowest upstream call, not their sum.
	var (
		wg                  sync.WaitGroup
		app                 flyapi.App
		appErr, machinesErr error
		machines            []flyapi.Machine
		mapErrs             promql.Result
		timeline            promql.Overview
		timelineErr         error
	)
	req := chartRequest{App: name, Range: view.Range, Compare: view.Compare}
	wg.Add(4)
	// The verdict reads the list's fixed timeline for this app, so both
	// pages give one "since" whatever their ranges.
	go func() {
		defer wg.Done()
		timeline, timelineErr = s.prom.OverviewOf(ctx, promql.TimelineWindow(view.Range.To), name, promql.Columns())
	}()
	go func() { defer wg.Done(); app, appErr = s.fly.GetApp(ctx, name) }()
	go func() { defer wg.Done(); machines, machinesErr = s.fly.Machines(ctx, name) }()
	go func() { defer wg.Done(); mapErrs = s.regionErrors(ctx, req) }()
	catalog := append(promql.Catalog(), promql.MachinesCatalog()...)
	window, results, prev, winErr := s.chartData(ctx, req, catalog)
	wg.Wait()

	switch {
	case errors.Is(appErr, flyapi.ErrNotFound), errors.Is(appErr, flyapi.ErrForbidden):
		s.failNoApp(c, http.StatusNotFound, "No such app", "There is no app named "+name+" in "+s.org+".")
		return
	case appErr != nil:
		// Fly is down or slow: the charts may still answer.
		app = flyapi.App{Name: name}
	}
	p.App = app
	retry := c.Request.URL.RequestURI()
	p.noticeFly(retry, appErr, machinesErr)
	if machinesErr != nil {
		p.MachinesErr = seeAbove
	}
	p.Machines = machines
	p.Regions = machineRegions(machines)
	p.Events = recentEvents(machines, 12)
	req.HTTP = machinesErr != nil || anyHTTP(machines)
	req.Machines, req.MachinesErr = machines, machinesErr != nil
	p.MachineRows = machineRows(machines, view.Range)
	if winErr != nil {
		s.fail(c, http.StatusBadRequest, "That link does not describe a view", winErr.Error())
		return
	}
	p.excerpt = s.startExcerpt(ctx, name, machines, view.Range)
	p.Verdict = s.appVerdict(timeline, timelineErr, name, machines, machinesErr, view.Range)
	p.Findings = findingViews(name, p.Verdict, machines, view.Range.To)
	p.Strip = timelineStrip(name, p.Verdict, view.Range)
	p.placeExcerpt()
	q := c.Request.URL.Query()
	markers := eventMarkers(name, machines, q)
	created := appCreated(machines)
	p.Map = s.mapPanelFor(window, results, mapErrs, machines, machinesErr, name, q)
	// The notices go out with the page's top, before any chart is drawn:
	// they come from the results, and each panel refers to its cause's.
	// The map is drawn from the region charts, so it shares their cause.
	noticed := p.noticeCharts(results, retry)
	if noticed[p.Map.Err] {
		p.Map.Err = seeAbove
	}
	// stream.go: the charts are drawn at once and sent as they are done;
	// those past the traffic catalog form the Machines group.
	// Evidence first: the chart proving each finding is drawn in its
	// section, before the rest.
	order, split := evidenceFirst(results, p.Findings, len(promql.Catalog()))
	results, prev = permute(results, order), permute(prev, order)
	panels := make([]panel, len(results))
	for i, res := range results {
		panels[i] = newPanel(res, name, q)
		if !s.demo {
			// A simulated org's id means nothing to fly-metrics.net.
			panels[i].Grafana = grafanaURL(app)
		}
	}
	s.streamAppPage(c, &p, panels, split, func(i int, pn *panel) {
		var pr *promql.Result
		if prev != nil {
			pr = &prev[i]
		}
		s.drawPanel(pn, results[i], pr, req, markers, created, q)
		if noticed[pn.Err] {
			pn.Err = seeAbove
		}
	})
}

// appVerdict judges the app from its row of the timeline overview and its
// machines.
func (s *server) appVerdict(tl promql.Overview, tlErr error, name string, machines []flyapi.Machine, machinesErr error, r timeRange) health.Verdict {
	if tlErr != nil {
		s.log.Warn("timeline", "app", name, "err", tlErr)
		return health.Verdict{Status: health.Unknown, Reason: "the timeline could not be read: " + promql.Explain(tlErr)}
	}
	row, _ := tl.App(name)
	sig := signals.FromOverview(tl, row, len(machines), r.Absolute())
	return health.Judge(signals.WithMachines(sig, machines, machinesErr))
}

// newPanel is a chart's panel before it is drawn: its title and links.
func newPanel(res promql.Result, app string, q url.Values) panel {
	return panel{Query: res.Query, PromQL: res.PromQL, Links: newChartLinks(app, res.Query.ID, q)}
}

// drawPanel fills in p from its query's result: the chart, or why there
// is none.
func (s *server) drawPanel(p *panel, res promql.Result, prev *promql.Result, req chartRequest, markers []charts.Marker, created time.Time, q url.Values) {
	switch {
	case res.Err != nil:
		p.Err = promql.Explain(res.Err)
		s.log.Warn("query", "app", req.App, "chart", res.Query.ID, "err", res.Err)
		return
	case !hasData(res):
		p.Empty = emptyReason(res.Query, req, created)
		if why, ok := notApplicable(res.Query, req); ok {
			p.Empty, p.Compact = why, true
		}
		return
	}
	c := buildChart("c-"+string(res.Query.ID), res, prev, req.Compare, markers, req.Machines)
	decorate(&c, res, req, q)
	meanPrevious(&c, req.Compare)
	p.Volumes, p.Note = volumeTable(res, req.Machines)
	svg, err := renderInline(c)
	if err != nil {
		s.log.Error("render chart", "chart", res.Query.ID, "err", err)
		p.Err = chartFailed
		return
	}
	p.SVG = svg
	p.Table = newDataTable(c, p.Links)
}

func anyHTTP(ms []flyapi.Machine) bool {
	for _, m := range ms {
		if m.HTTPService {
			return true
		}
	}
	return false
}

func machineRegions(ms []flyapi.Machine) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		if m.Region != "" && !seen[m.Region] {
			seen[m.Region] = true
			out = append(out, m.Region)
		}
	}
	sort.Strings(out)
	return out
}

// appCreated is the oldest machine's creation: the best the Machines API
// tells of the app's age.
func appCreated(ms []flyapi.Machine) time.Time {
	var t time.Time
	for _, m := range ms {
		if !m.CreatedAt.IsZero() && (t.IsZero() || m.CreatedAt.Before(t)) {
			t = m.CreatedAt
		}
	}
	return t
}

func recentEvents(ms []flyapi.Machine, n int) []machineEvent {
	var out []machineEvent
	for _, m := range ms {
		for _, e := range m.Events {
			out = append(out, machineEvent{Event: e, MachineID: m.ID, Region: m.Region})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
