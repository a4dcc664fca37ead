package promql

import (
	"math"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
)

// Series is one line of a chart, sampled on the query's window.
type Series struct {
	Name   string
	Labels map[string]string
	// Values has Window.Points() entries; Values[i] is at Window.Time(i).
	// NaN marks a missing point (no data, or a gap in the data). The
	// array may be the cache's, shared by every page drawn in the same
	// step: read it, never write to it (make a new slice instead).
	Values []float64
	// Limit marks a capacity line, not a measurement (memory total): draw it
	// apart (dashed) and never stack it.
	Limit bool
	// Moments marks counts of events per point (a limit reached), to be
	// marked on the chart where non-zero rather than drawn as a line.
	Moments bool
	// Projection marks where a series would be at its recent rate (a
	// volume's use in 24 h): drawn dashed beside the series it projects.
	Projection bool
}

// rawSeries is a result as the engine returned it, laid on the window grid.
// Cached and shared between callers, so never modified after creation.
type rawSeries struct {
	labels map[string]string
	values []float64
}

// alignMatrix lays each stream on the window's grid. Engines evaluate range
// queries exactly at start + k*step, so a timestamp off the grid means the
// answer is not for this window and is dropped rather than guessed at.
func alignMatrix(m model.Matrix, w Window) []rawSeries {
	n := w.Points()
	startMs := w.Start.UnixMilli()
	stepMs := w.Step.Milliseconds()
	out := make([]rawSeries, 0, len(m))
	for _, stream := range m {
		labels := make(map[string]string, len(stream.Metric))
		for k, v := range stream.Metric {
			if k != model.MetricNameLabel {
				labels[string(k)] = string(v)
			}
		}
		values := make([]float64, n)
		for i := range values {
			values[i] = math.NaN()
		}
		for _, p := range stream.Values {
			d := int64(p.Timestamp) - startMs
			if d < 0 || d%stepMs != 0 || d/stepMs >= int64(n) {
				continue
			}
			v := float64(p.Value)
			// A chart cannot draw infinities; they only arise from dividing
			// by zero, where "no value" is the honest reading.
			if math.IsInf(v, 0) {
				v = math.NaN()
			}
			values[d/stepMs] = v
		}
		out = append(out, rawSeries{labels: labels, values: values})
	}
	return out
}

// shape turns cached raw series into the query's named, ordered series.
// Labels are copied; points are shared with the cache, capped so that an
// append copies: cloning them was an eighth of all the bytes allocated
// under load.
func shape(q Query, spec querySpec, raw []rawSeries) []Series {
	out := make([]Series, 0, len(raw))
	for _, r := range raw {
		labels := make(map[string]string, len(r.labels))
		for k, v := range r.labels {
			labels[k] = v
		}
		out = append(out, Series{Name: spec.name(labels), Labels: labels, Values: r.values[:len(r.values):len(r.values)]})
	}
	dedupeNames(out)
	less := spec.less
	if less == nil {
		less = func(a, b Series) bool { return a.Name < b.Name }
	}
	slices.SortStableFunc(out, func(a, b Series) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
	if spec.post != nil {
		out = spec.post(out)
	}
	if q.Stacked {
		zeroFillStack(out)
	}
	return out
}

// machineName is how a machine appears in a legend: its region and the
// first 8 characters of its ID, enough to match the machines table.
func machineName(l map[string]string) string {
	id := l["instance"]
	if len(id) > 8 {
		id = id[:8]
	}
	return l["region"] + "/" + id
}

func byMachine(a, b Series) bool {
	if a.Labels["region"] != b.Labels["region"] {
		return a.Labels["region"] < b.Labels["region"]
	}
	if a.Labels["instance"] != b.Labels["instance"] {
		return a.Labels["instance"] < b.Labels["instance"]
	}
	// "used" before "total" for one machine.
	return a.Labels["kind"] > b.Labels["kind"]
}

// dedupeNames spells out the full machine ID where shortened IDs collide.
func dedupeNames(series []Series) {
	count := map[string]int{}
	for _, s := range series {
		count[s.Name]++
	}
	for i, s := range series {
		if count[s.Name] > 1 {
			if id := s.Labels["instance"]; id != "" {
				series[i].Name = strings.Replace(s.Name, machineName(s.Labels), s.Labels["region"]+"/"+id, 1)
			}
		}
	}
}

// collapseTotals marks memory totals as limit lines and, when every machine
// has the same memory size (the common case), keeps a single "total" line
// after the used ones instead of one identical line per machine. Otherwise
// each machine's total stays next to its used line.
func collapseTotals(series []Series) []Series { return collapseLimit(series, "total") }

// collapseLimit marks the series of one kind as limit lines and, when they
// agree (every machine alike), keeps a single line of that kind's name.
func collapseLimit(series []Series, kind string) []Series {
	var used, totals []Series
	for i, s := range series {
		if s.Labels["kind"] == kind {
			series[i].Limit = true
			totals = append(totals, series[i])
		} else {
			used = append(used, s)
		}
	}
	if len(totals) == 0 || !sameValues(totals) {
		return series
	}
	merged := Series{Name: kind, Labels: map[string]string{"kind": kind}, Values: make([]float64, len(totals[0].Values)), Limit: true}
	for i := range merged.Values {
		merged.Values[i] = math.NaN()
		for _, t := range totals {
			if !math.IsNaN(t.Values[i]) {
				merged.Values[i] = t.Values[i]
				break
			}
		}
	}
	return append(used, merged)
}

// sameValues reports whether the series never disagree where both have a value.
func sameValues(series []Series) bool {
	for i := range series[0].Values {
		seen := math.NaN()
		for _, s := range series {
			v := s.Values[i]
			if math.IsNaN(v) {
				continue
			}
			if !math.IsNaN(seen) && v != seen {
				return false
			}
			seen = v
		}
	}
	return true
}

// zeroFillStack fills a stack's missing points with 0 wherever another
// series of the stack has a value: a status class that does not appear
// while others do had no responses, and a rate of 0 is the truth. Where no
// series has a value the gap stays, since nothing is known there.
func zeroFillStack(series []Series) {
	if len(series) < 2 {
		return
	}
	filled := make([]bool, len(series))
	for i := range series[0].Values {
		present := false
		for _, s := range series {
			if !s.Limit && !math.IsNaN(s.Values[i]) {
				present = true
				break
			}
		}
		if !present {
			continue
		}
		for j, s := range series {
			if !s.Limit && math.IsNaN(s.Values[i]) {
				if !filled[j] {
					// The points are the cache's: fill a copy.
					series[j].Values, filled[j] = slices.Clone(s.Values), true
				}
				series[j].Values[i] = 0
			}
		}
	}
}
