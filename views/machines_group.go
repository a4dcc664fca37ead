package views

import (
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/internal/units"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/signals"
)

// The app page's "Machines" group: CPU quota, concurrency limits, volumes
// and data out. What is not in the metrics (a service's limits, which
// volume is mounted where) comes from the machines the page already has.

// chartSeries turns one query series into chart series: limit-reached
// counts become markers (see limitMarkers), not lines.
func chartSeries(sr promql.Series) (charts.Series, bool) {
	if sr.Moments {
		return charts.Series{}, false
	}
	cs := charts.Series{Name: sr.Name, Values: sr.Values, Tone: statusTone(sr.Name), Limit: sr.Limit, Dashed: sr.Projection}
	switch sr.Labels["kind"] {
	case promql.KindBaseline:
		cs.Tone = "ref"
	}
	return cs, true
}

// decorate adds to a chart what its query cannot carry: links from a
// cluster of markers to its time range, where each filling volume is
// headed, the concurrency
// limits from each machine's service config, and the moments a limit was
// reached as markers linking to the hour around them.
func decorate(c *charts.Chart, res promql.Result, req chartRequest, q url.Values) {
	c.Zoom = func(from, to time.Time) string {
		// The app page takes no range under an hour: centre one on the span.
		if d := to.Sub(from); d < time.Hour {
			from, to = from.Add(-(time.Hour-d)/2), to.Add((time.Hour-d)/2)
		}
		return zoomRangeHref(req.App, from, to, q)
	}
	if res.Query.ID == promql.Volumes && res.Err == nil {
		projectVolumes(c, res, req.Machines)
	}
	if res.Query.ID != promql.Concurrency || res.Err != nil {
		return
	}
	n := res.Window.Points()
	for _, g := range limitGroups(req.Machines) {
		suffix := ""
		if g.several {
			suffix = " (" + strings.Join(g.names, ", ") + ")"
		}
		c.Series = append(c.Series,
			charts.Series{Name: "soft limit " + strconv.Itoa(g.limits.SoftLimit) + suffix, Values: constant(n, g.limits.SoftLimit), Limit: true, Tone: "warn"},
			charts.Series{Name: "hard limit " + strconv.Itoa(g.limits.HardLimit) + suffix, Values: constant(n, g.limits.HardLimit), Limit: true, Tone: "bad"})
	}
	c.Markers = append(c.Markers, limitMarkers(req.App, res, q)...)
}

type limitGroup struct {
	limits  flyapi.Concurrency
	names   []string
	several bool
}

// limitGroups gathers machines that share their limits, so an app whose
// machines are alike (the usual case) gets one soft and one hard line.
func limitGroups(ms []flyapi.Machine) []limitGroup {
	var out []limitGroup
	for _, m := range ms {
		if m.Concurrency == nil {
			continue
		}
		name := m.Region + "/" + signals.ShortID(m.ID)
		found := false
		for i := range out {
			if out[i].limits == *m.Concurrency {
				out[i].names = append(out[i].names, name)
				found = true
			}
		}
		if !found {
			out = append(out, limitGroup{limits: *m.Concurrency, names: []string{name}})
		}
	}
	for i := range out {
		out[i].several = len(out) > 1
	}
	return out
}

// limitMarkers marks each run of points where a machine reached a limit:
// one marker per run, at its start, saying how often and until when.
func limitMarkers(app string, res promql.Result, q url.Values) []charts.Marker {
	var out []charts.Marker
	w := res.Window
	for _, sr := range res.Series {
		if !sr.Moments {
			continue
		}
		kind, what := "soft", "Soft limit reached"
		if sr.Labels["kind"] == promql.KindHardHits {
			kind, what = "limit", "Hard limit reached"
		}
		who := sr.Labels["region"] + "/" + signals.ShortID(sr.Labels["instance"])
		// Each point is an increase() over the rate window, which is longer
		// than the step: scaled by step/window, the points add up.
		scale := w.Step.Seconds() / w.RateWindow().Seconds()
		for _, r := range runs(sr.Values, func(v float64) bool { return v >= 0.5 }, 2) {
			from, to := w.Start.Add(time.Duration(r.from)*w.Step), w.Start.Add(time.Duration(r.to)*w.Step)
			label := what + " on " + who + ": about " + units.Format(math.Max(1, math.Round(r.sum*scale)), units.None) + " times, " +
				from.UTC().Format("Jan 2 15:04") + "–" + to.UTC().Format("15:04") + " UTC"
			href := zoomHref(app, from, q)
			if id := sr.Labels["instance"]; flyapi.ValidMachineID(id) {
				// The proxy's lines say what a limit cost: refusals.
				href = logsHref(app, from, "", id)
			}
			out = append(out, charts.Marker{At: from, Kind: kind, Label: label, Href: href})
		}
	}
	return out
}

type run struct {
	from, to int
	sum      float64
}

// runs finds the stretches of values that satisfy ok, joining stretches
// fewer than gap points apart.
func runs(values []float64, ok func(float64) bool, gap int) []run {
	var out []run
	for i, v := range values {
		if math.IsNaN(v) || !ok(v) {
			continue
		}
		if len(out) > 0 && i-out[len(out)-1].to <= gap {
			out[len(out)-1].to = i
			out[len(out)-1].sum += v
			continue
		}
		out = append(out, run{from: i, to: i, sum: v})
	}
	return out
}

func constant(n, v int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(v)
	}
	return out
}

const noHTTPService = "This app has no public HTTP service, so there is no traffic to chart."

// notApplicable is the one line a Machines panel shows instead of a chart
// when its question does not arise for this app.
func notApplicable(q promql.Query, req chartRequest) (string, bool) {
	if req.MachinesErr {
		return "", false // the machines are unknown: say only that there is no data
	}
	switch q.ID {
	case promql.CPUQuota:
		if len(req.Machines) > 0 {
			return "No machine was throttled in this range: each stayed within its CPU quota or burst balance.", true
		}
	case promql.Concurrency:
		if !req.HTTP {
			return "No HTTP service behind Fly's proxy, so no concurrency limits apply.", true
		}
	case promql.Volumes:
		for _, m := range req.Machines {
			if len(m.Mounts) > 0 {
				return "", false
			}
		}
		return "No volumes are mounted on this app's machines.", true
	case promql.CPUBalance:
		for _, m := range req.Machines {
			if m.CPUKind != "performance" {
				return "", false
			}
		}
		if len(req.Machines) > 0 {
			return "Performance CPUs have no burst balance: every vCPU may run flat out all the time.", true
		}
	}
	if q.HTTP && !req.HTTP {
		return noHTTPService, true
	}
	return "", false
}

// volumeRow is one line of the table beside the volumes chart.
type volumeRow struct {
	ID, Name, Mount, Machine string
	Size, Used, FullBy       string
	Filling                  bool
}

// volumeTable lists each volume with where it is mounted and when it would
// be full, and volumeNote sums them up in one line: the soonest to fill.
func volumeTable(res promql.Result, machines []flyapi.Machine) ([]volumeRow, string) {
	if res.Query.ID != promql.Volumes || res.Err != nil {
		return nil, ""
	}
	var rows []volumeRow
	soonest, filling := time.Duration(-1), 0
	vols := volumeSignals(res, machines)
	for i, id := range volumeIDs(res) {
		v := vols[i]
		used := v.Used.Last()
		if math.IsNaN(used) {
			continue
		}
		r := volumeRow{ID: id, Name: "—", Mount: "—", Machine: "—", Size: "—", Used: units.FloorPercent(used), FullBy: "not filling"}
		for _, m := range machines {
			for _, mt := range m.Mounts {
				if mt.Volume == id {
					r.Name, r.Mount, r.Machine = mt.Name, mt.Path, m.Region+"/"+signals.ShortID(m.ID)
					if mt.SizeGB > 0 {
						r.Size = strconv.Itoa(mt.SizeGB) + " GB"
					}
				}
			}
		}
		if in, ok := v.FullIn(); ok && used < 100 {
			r.Filling = true
			r.FullBy = res.Window.End.Add(in).UTC().Format("Jan 2 15:04 UTC")
			filling++
			if soonest < 0 || in < soonest {
				soonest = in
			}
		}
		rows = append(rows, r)
	}
	note := ""
	switch {
	case len(rows) == 0:
	case filling == 0:
		note = "No volume is filling at the last 6 h's rate."
	case filling == 1:
		note = "One volume filling: " + health.FullInWords(soonest) + "."
	default:
		note = strconv.Itoa(filling) + " volumes filling, the first " + health.FullInWords(soonest) + "."
	}
	return rows, note
}

// volumeIDs are the volumes of the chart's series, in volumeSignals' order.
func volumeIDs(res promql.Result) []string {
	var ids []string
	for _, sr := range res.Series {
		if !slices.Contains(ids, sr.Labels["id"]) {
			ids = append(ids, sr.Labels["id"])
		}
	}
	sort.Strings(ids)
	return ids
}

// volumeSignals reads the volumes chart's series into the verdict's terms,
// naming each volume by its ID and, when a machine mounts it, its name.
func volumeSignals(res promql.Result, machines []flyapi.Machine) []health.VolumeSignal {
	w := res.Window
	from := promql.RecentFrom(w)
	byID := map[string]*health.VolumeSignal{}
	var ids []string
	for _, sr := range res.Series {
		id := sr.Labels["id"]
		v, ok := byID[id]
		if !ok {
			v = &health.VolumeSignal{Name: volumeName(id, machines), Projection: math.NaN()}
			byID[id] = v
			ids = append(ids, id)
		}
		t := health.Trend{Start: w.Start, Step: w.Step, Values: sr.Values, From: from}
		if sr.Projection {
			v.Projection = t.Last()
		} else {
			v.Used = t
		}
	}
	sort.Strings(ids)
	out := make([]health.VolumeSignal, 0, len(ids))
	for _, id := range ids {
		out = append(out, *byID[id])
	}
	return out
}

func volumeName(id string, machines []flyapi.Machine) string {
	for _, m := range machines {
		for _, mt := range m.Mounts {
			if mt.Volume == id {
				name := id
				if mt.Name != "" {
					name += " (" + mt.Name + " at " + mt.Path + " on " + m.Region + "/" + signals.ShortID(m.ID) + ")"
				}
				return name
			}
		}
	}
	return id
}
