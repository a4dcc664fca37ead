package views

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/internal/units"
	"github.com/flydash/dashboard/promql"
	flyregions "github.com/flydash/dashboard/regions"
)

// regionMap is the app's regions at the end of the range: where users
// connect (the edge regions of the region charts), how much and how fast,
// and where its machines run. Every number is the mean over the span the
// verdict judges (promql.RecentMean), taken from the region charts' own
// results, so the map, the charts and the verdict tell one story.
type regionMap struct {
	Window   promql.Window
	From, To time.Time // the points averaged
	// ByErrors is set when the map is coloured by 5xx share rather than
	// p95: some region with traffic is failing past the verdict's line.
	ByErrors bool
	Regions  []regionStats
	// Per-input failures, already in words; RequestsErr empties the map.
	RequestsErr, LatencyErr, ErrorsErr, MachinesErr string
	PromQL                                          [3]string // requests, p95, 5xx
}

// regionStats is one region's row. NaN is "unknown or no traffic".
type regionStats struct {
	Code, Name              string
	Requests, P95, ErrShare float64
	Machines, Started       int
	Lat, Lon                float64
	Located                 bool
	Tone                    string // "ok", "warn", "bad" or "" (not judged)
}

// newRegionMap combines the region charts' results (requests/s and p95 by
// region), the region-errors result and the machines listing.
func newRegionMap(w promql.Window, requests, latency, errs promql.Result, machines []flyapi.Machine, machinesErr error) regionMap {
	rm := regionMap{Window: w, PromQL: [3]string{requests.PromQL, latency.PromQL, errs.PromQL}}
	from := promql.RecentFrom(w)
	rm.From, rm.To = w.Time(from), w.Time(max(w.Points()-1, 0))
	byCode := map[string]*regionStats{}
	get := func(code string) *regionStats {
		if r, ok := byCode[code]; ok {
			return r
		}
		nan := math.NaN()
		r := &regionStats{Code: code, Requests: nan, P95: nan, ErrShare: nan}
		if loc, ok := flyregions.Lookup(code); ok {
			r.Name, r.Lat, r.Lon, r.Located = loc.Name, loc.Lat, loc.Lon, true
		}
		byCode[code] = r
		return r
	}
	totals := map[string][]float64{}
	if requests.Err != nil {
		rm.RequestsErr = promql.Explain(requests.Err)
	} else {
		for _, sr := range requests.Series {
			get(sr.Name).Requests = promql.RecentMean(w, sr.Values)
			totals[sr.Name] = sr.Values
		}
	}
	if latency.Err != nil {
		rm.LatencyErr = promql.Explain(latency.Err)
	} else {
		for _, sr := range latency.Series {
			get(sr.Name).P95 = promql.RecentMean(w, sr.Values)
		}
	}
	if errs.Err != nil {
		rm.ErrorsErr = promql.Explain(errs.Err)
	} else {
		fivexx := map[string][]float64{}
		for _, sr := range errs.Series {
			fivexx[sr.Name] = sr.Values
		}
		for code, total := range totals {
			part := fivexx[code]
			if part == nil {
				part = nanSlice(len(total)) // traffic and no 5xx series: 0%
			}
			get(code).ErrShare = promql.RecentShare(w, shareOf(part, total), total)
		}
	}
	if machinesErr != nil {
		rm.MachinesErr = flyapi.Explain(machinesErr)
	}
	for _, m := range machines {
		if m.Region == "" {
			continue
		}
		r := get(m.Region)
		r.Machines++
		if m.State == "started" {
			r.Started++
		}
	}
	for _, r := range byCode {
		rm.Regions = append(rm.Regions, *r)
	}
	rm.judge()
	// Busiest first; regions without traffic (machines only) by code.
	sort.Slice(rm.Regions, func(i, j int) bool {
		a, b := rm.Regions[i].Requests, rm.Regions[j].Requests
		if math.IsNaN(a) != math.IsNaN(b) {
			return !math.IsNaN(a)
		}
		if a != b && !math.IsNaN(a) {
			return a > b
		}
		return rm.Regions[i].Code < rm.Regions[j].Code
	})
	return rm
}

// judge colours the regions by health's lines (health.JudgeRegions).
func (rm *regionMap) judge() {
	loads := make(map[string]health.RegionLoad, len(rm.Regions))
	for _, r := range rm.Regions {
		loads[r.Code] = health.RegionLoad{Requests: r.Requests, P95: r.P95, ErrorShare: r.ErrShare}
	}
	byErrors, tones := health.JudgeRegions(loads)
	rm.ByErrors = byErrors
	for i := range rm.Regions {
		rm.Regions[i].Tone = string(tones[rm.Regions[i].Code])
	}
}

const (
	mapTitle = "Where users connect"
	mapDesc  = "Fly edge regions where clients connect, sized by requests per second and coloured by 95th percentile response time (or by 5xx share when requests are failing), and the regions where the app's machines run."
)

// span says which points the numbers are the mean of.
func (rm regionMap) span() string {
	if !rm.From.Before(rm.To) {
		return "at " + rm.To.UTC().Format("Jan 2 15:04") + " UTC"
	}
	return "mean of " + rm.From.UTC().Format("Jan 2 15:04") + "–" + rm.To.UTC().Format("15:04") + " UTC"
}

// chart draws the map; id prefixes its element ids.
func (rm regionMap) chart(id, title string) charts.WorldMap {
	m := charts.WorldMap{
		ID: id, Title: title, Desc: mapDesc,
		DiscLabel: "Users connect (size: requests/s)", SquareLabel: "Machines run here",
		Width: chartWidth,
	}
	if rm.ByErrors {
		m.Legend = []charts.MapTone{
			{Tone: "ok", Text: "5xx under " + pct(health.ErrorShareNoticeable)},
			{Tone: "warn", Text: pct(health.ErrorShareNoticeable) + "+"},
			{Tone: "bad", Text: "failing: " + pct(health.ErrorShareDegraded) + "+ 5xx"},
		}
	} else {
		m.Legend = []charts.MapTone{
			{Tone: "ok", Text: "p95 under " + dur(health.RegionOutlierFloor)},
			{Tone: "warn", Text: dur(health.RegionOutlierFloor) + "+"},
			{Tone: "bad", Text: "slow: " + dur(health.P95Degraded) + "+ or " + strconv.FormatFloat(health.RegionOutlierFactor, 'f', -1, 64) + "× the others"},
		}
	}
	m.Legend = append(m.Legend, charts.MapTone{Tone: "", Text: "not judged"})
	notes := []string{"Requests/s, p95 and 5xx share: " + rm.span()}
	var off []string
	for _, r := range rm.Regions {
		if !r.Located {
			off = append(off, r.Code)
			continue
		}
		m.Marks = append(m.Marks, charts.MapMark{
			Label: r.Code, Lat: r.Lat, Lon: r.Lon, Size: r.Requests, Tone: r.Tone,
			Square: r.Machines > 0, Title: rm.title(r),
		})
	}
	if len(off) > 0 {
		notes = append(notes, "not on the map (unknown location): "+strings.Join(off, ", "))
	}
	for _, e := range []struct{ what, err string }{{"p95", rm.LatencyErr}, {"5xx share", rm.ErrorsErr}, {"machines", rm.MachinesErr}} {
		if e.err != "" {
			notes = append(notes, e.what+" unavailable")
		}
	}
	m.Note = strings.Join(notes, "; ") + "."
	switch {
	case rm.RequestsErr != "":
		m.Message = rm.RequestsErr
	case len(rm.Regions) == 0:
		m.Message = "No traffic and no machines in this range."
	}
	return m
}

// title is a mark's hover text: every number of its row.
func (rm regionMap) title(r regionStats) string {
	var b strings.Builder
	b.WriteString(r.Code)
	if r.Name != "" {
		b.WriteString(" · " + r.Name)
	}
	b.WriteByte('\n')
	if math.IsNaN(r.Requests) {
		b.WriteString("No requests at the end of this range")
	} else {
		b.WriteString(units.Format(r.Requests, units.ReqPerSec) + " · p95 " + units.Format(r.P95, units.Seconds) +
			" · 5xx " + units.Format(r.ErrShare, units.Percent))
	}
	if r.Machines > 0 {
		b.WriteString("\n" + machineCount(r))
	}
	return b.String()
}

func machineCount(r regionStats) string {
	s := strconv.Itoa(r.Machines) + " machine"
	if r.Machines != 1 {
		s += "s"
	}
	return s + " (" + strconv.Itoa(r.Started) + " started)"
}

// table is the map's numbers for screen readers and people who want them.
func (rm regionMap) table() charts.Table {
	t := charts.Table{
		Caption: mapTitle + ", " + rm.span(),
		Header:  []string{"Region", "Requests/s", "p95", "5xx share", "Machines"},
	}
	for _, r := range rm.Regions {
		name := r.Code
		if r.Name != "" {
			name += " (" + r.Name + ")"
		}
		machines := strconv.Itoa(r.Machines)
		if rm.MachinesErr != "" {
			machines = "—"
		}
		t.Rows = append(t.Rows, []string{name,
			units.Format(r.Requests, units.ReqPerSec),
			units.Format(r.P95, units.Seconds),
			units.Format(r.ErrShare, units.Percent),
			machines})
	}
	return t
}

func pct(v float64) string { return units.Format(v, units.Percent) }

func dur(d time.Duration) string { return units.Format(d.Seconds(), units.Seconds) }

// shareOf is 100*part/total where there is traffic; a missing 5xx series
// with traffic is a 0% share, as in the overview's query.
func shareOf(part, total []float64) []float64 {
	out := nanSlice(len(total))
	for i, t := range total {
		if math.IsNaN(t) || t <= 0 {
			continue
		}
		p := part[i]
		if math.IsNaN(p) {
			p = 0
		}
		out[i] = 100 * p / t
	}
	return out
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}
