// Package promql holds the dashboard's canned queries and runs them against
// Fly's Prometheus-compatible API: it builds each query from validated values
// only, derives a round time grid from the range and the chart width, runs a
// page's queries in parallel with a timeout each, coalesces identical
// queries in flight and keeps results for about one step.
//
// The queries are plain PromQL accepted by both Prometheus and the
// VictoriaMetrics behind api.fly.io/prometheus: no MetricsQL extensions.
package promql

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// Query is one canned chart query. It is comparable, so it can be a map key.
type Query struct {
	Slug  string
	Title string
	Unit  units.Unit
	// Stacked series add up to a meaningful total (requests by class or by
	// region); gaps inside a stack are filled with zeros where another series
	// of the stack has a value (see Run).
	Stacked bool
	// HTTP is true when the query reads HTTP metrics, which an app without a
	// public HTTP service never has: the panel should say so rather than
	// "no data".
	HTTP bool
	// Desc is one sentence describing the chart, for its <desc>.
	Desc string
}

var (
	// ErrInvalidApp: the app name breaks Fly's naming rules, so no query is built.
	ErrInvalidApp = errors.New("promql: invalid app name")
	// ErrBadOffset: a compare offset must be positive whole seconds.
	ErrBadOffset = errors.New("promql: bad offset")
	// ErrUnknownQuery: the Query is not one of the catalog's.
	ErrUnknownQuery = errors.New("promql: unknown query")
)

// Metric names. Edge metrics are recorded by Fly's proxy, so they include
// the errors the proxy itself returns when no machine can answer; see NOTES.md.
const (
	edgeResponses   = "fly_edge_http_responses_count"
	edgeLatencyHist = "fly_edge_http_response_time_seconds_bucket"
	instanceCPU     = "fly_instance_cpu"
	memTotal        = "fly_instance_memory_mem_total"
	memAvailable    = "fly_instance_memory_mem_available"
	instanceUp      = "fly_instance_up"
)

// querySpec is the part of a catalog entry that is code, kept out of Query
// so that Query stays a plain comparable value.
type querySpec struct {
	build func(b builder) string
	// name turns a result's labels into the series name shown in the legend.
	name func(labels map[string]string) string
	// less orders series in the legend; nil means by name.
	less func(a, b Series) bool
	// post reshapes the named, ordered series (e.g. collapses equal totals).
	post func(series []Series) []Series
}

var catalog = []Query{
	{
		Slug: "http-status", Title: "Responses by status class", Unit: units.ReqPerSec, Stacked: true, HTTP: true,
		Desc: "HTTP responses per second returned to clients by Fly's edge, stacked by status class (2xx, 3xx, 4xx, 5xx).",
	},
	{
		Slug: "latency", Title: "Response time", Unit: units.Seconds, HTTP: true,
		Desc: "Median, 95th and 99th percentile time Fly's edge took to answer HTTP requests.",
	},
	{
		Slug: "region-latency", Title: "95th percentile response time by region", Unit: units.Seconds, HTTP: true,
		Desc: "95th percentile HTTP response time per Fly edge region, where clients connect.",
	},
	{
		Slug: "region-requests", Title: "Requests by region", Unit: units.ReqPerSec, Stacked: true, HTTP: true,
		Desc: "HTTP responses per second per Fly edge region, stacked.",
	},
	{
		Slug: "cpu", Title: "CPU per machine", Unit: units.Percent,
		Desc: "Share of each machine's vCPUs busy (all modes but idle and steal), 100% meaning every vCPU fully used, against its baseline quota (6.25% of a shared vCPU), above which a shared CPU spends its burst balance.",
	},
	{
		Slug: "memory", Title: "Memory per machine", Unit: units.Bytes,
		Desc: "Memory used by each machine (total minus available), with the machine's memory size as a limit line.",
	},
}

var specs = map[string]querySpec{
	"http-status": {
		build: func(b builder) string {
			return `sum by (status_class) (label_replace(rate(` + b.rangeSel(edgeResponses) +
				`), "status_class", "${1}xx", "status", "([0-9]).."))`
		},
		name: func(l map[string]string) string { return l["status_class"] },
	},
	"latency": {
		build: func(b builder) string {
			hist := `sum by (le) (rate(` + b.rangeSel(edgeLatencyHist) + `))`
			parts := make([]string, 0, 3)
			for _, q := range []struct{ phi, name string }{{"0.5", "p50"}, {"0.95", "p95"}, {"0.99", "p99"}} {
				parts = append(parts, `label_replace(histogram_quantile(`+q.phi+`, `+hist+`), "quantile", "`+q.name+`", "", "")`)
			}
			return strings.Join(parts, "\nor\n")
		},
		name: func(l map[string]string) string { return l["quantile"] },
	},
	"region-latency": {
		build: func(b builder) string {
			return `histogram_quantile(0.95, sum by (le, region) (rate(` + b.rangeSel(edgeLatencyHist) + `)))`
		},
		name: func(l map[string]string) string { return l["region"] },
	},
	"region-requests": {
		build: func(b builder) string {
			return `sum by (region) (rate(` + b.rangeSel(edgeResponses) + `))`
		},
		name: func(l map[string]string) string { return l["region"] },
	},
	"cpu": {
		// fly_instance_cpu counts centiseconds per vCPU and mode, so its rate
		// is the percent of one vCPU; dividing by the number of vCPUs (one
		// idle series each) gives percent of the whole machine. The baseline
		// (in CPUs, so 100× per vCPU is its percent of the machine) is the
		// line a shared CPU's use is read against.
		build: func(b builder) string {
			return withKind(perVCPU(b, `sum by (instance, region) (rate(`+b.rangeSel(instanceCPU, `mode!="idle"`, `mode!="steal"`)+`))`), KindUsed) +
				"\nor\n" +
				withKind(perVCPU(b, `100 * sum by (instance, region) (`+b.sel(cpuBaseline)+`)`), KindBaseline)
		},
		name: func(l map[string]string) string {
			if l["kind"] == KindBaseline {
				return kindName(l)
			}
			return machineName(l)
		},
		less: byMachine,
		post: func(s []Series) []Series { return collapseLimit(s, KindBaseline) },
	},
	"memory": {
		build: func(b builder) string {
			return `label_replace(sum by (instance, region) (` + b.sel(memTotal) + ` - ` + b.sel(memAvailable) + `), "kind", "used", "", "")` +
				"\nor\n" +
				`label_replace(max by (instance, region) (` + b.sel(memTotal) + `), "kind", "total", "", "")`
		},
		name: func(l map[string]string) string { return machineName(l) + " " + l["kind"] },
		less: byMachine,
		post: collapseTotals,
	},
	"region-errors": regionErrorsSpec, // the region map's (regions.go)
}

// Catalog returns the app page's queries in page order: are requests
// failing, is it slow, where, is it the machine.
func Catalog() []Query {
	return append([]Query(nil), catalog...)
}

// Lookup finds a catalog query by slug.
func Lookup(slug string) (Query, bool) {
	for _, q := range append(Catalog(), machinesCatalog...) {
		if q.Slug == slug {
			return q, true
		}
	}
	return Query{}, false
}

// PromQL renders the query for one app over window w. A positive offset
// (whole seconds, e.g. 24h for ?compare=1d) shifts every selector back in
// time with PromQL's offset modifier, so the result lines up with w's
// timestamps and can be drawn over the current series.
func (q Query) PromQL(app string, w Window, offset time.Duration) (string, error) {
	spec, ok := specs[q.Slug]
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownQuery, q.Slug)
	}
	if !ValidAppName(app) {
		return "", ErrInvalidApp
	}
	b, err := newBuilder(w, offset)
	if err != nil {
		return "", err
	}
	b.matchers = []string{`app=` + quoteLabelValue(app)}
	return strings.TrimSpace(spec.build(b)), nil
}

// builder renders selectors. Every selector goes through it, so the app
// matcher and the offset can never be forgotten in one branch of a query.
type builder struct {
	matchers   []string // always-present matchers, already quoted
	rateWindow string
	offset     string // "" or " offset 1d"
}

func newBuilder(w Window, offset time.Duration) (builder, error) {
	if offset < 0 || offset%time.Second != 0 {
		return builder{}, fmt.Errorf("%w: %s (want a positive number of whole seconds)", ErrBadOffset, offset)
	}
	if w.Step <= 0 {
		return builder{}, fmt.Errorf("%w: the window has no step", ErrBadWindow)
	}
	b := builder{rateWindow: promDuration(w.RateWindow())}
	if offset > 0 {
		b.offset = " offset " + promDuration(offset)
	}
	return b, nil
}

// sel renders an instant-vector selector: metric{matchers...} [offset].
func (b builder) sel(metric string, extra ...string) string {
	all := append(append([]string(nil), b.matchers...), extra...)
	s := metric
	if len(all) > 0 {
		s += "{" + strings.Join(all, ",") + "}"
	}
	return s + b.offset
}

// rangeSel renders a range-vector selector over the rate window.
func (b builder) rangeSel(metric string, extra ...string) string {
	return b.rangeSelWindow(b.rateWindow, metric, extra...)
}

func (b builder) rangeSelWindow(window, metric string, extra ...string) string {
	all := append(append([]string(nil), b.matchers...), extra...)
	s := metric
	if len(all) > 0 {
		s += "{" + strings.Join(all, ",") + "}"
	}
	return s + "[" + window + "]" + b.offset
}

// promDuration writes d in the largest single unit that divides it exactly
// ("1d", "5m", "75s"): compound durations like "1m15s" are not understood by
// every engine version.
func promDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d%u.d == 0 {
			return fmt.Sprintf("%d%s", d/u.d, u.name)
		}
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}
