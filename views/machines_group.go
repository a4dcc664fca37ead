package views

import (
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
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
	case promql.KindThrottled:
		cs.Tone = "bad"
	}
	return cs, true
}

// decorate adds to a chart what its query cannot carry: the concurrency
// limits from each machine's service config, and the moments a limit was
// reached as markers linking to the hour around them.
func decorate(c *charts.Chart, res promql.Result, req chartRequest, q url.Values) {
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
			label := what + " on " + who + ": about " + charts.FormatValue(math.Max(1, math.Round(r.sum*scale)), charts.UnitNone) + " times, " +
				from.UTC().Format("Jan 2 15:04") + "–" + to.UTC().Format("15:04") + " UTC"
			out = append(out, charts.Marker{At: from, Kind: kind, Label: label, Href: zoomHref(app, from, q)})
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

// volumeNote says when each filling volume would be full, in the verdict's
// words: "vol_4ke1 (pg_data on iad/3d8d9e2c): 81% used, full in about 2 days
// at the last 6 h's rate".
func volumeNote(res promql.Result, machines []flyapi.Machine) string {
	if res.Query.ID != promql.Volumes || res.Err != nil {
		return ""
	}
	var notes []string
	for _, v := range volumeSignals(res, machines) {
		used := v.Used.Last()
		if math.IsNaN(used) {
			continue
		}
		text := v.Name + ": " + health.Percent(used) + " used"
		if in, ok := v.FullIn(); ok && used < 100 {
			text += ", " + health.FullInWords(in)
		} else {
			text += ", not filling at the last 6 h's rate"
		}
		notes = append(notes, text)
	}
	return strings.Join(notes, "; ")
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
