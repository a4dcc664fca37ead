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
)

// Unit is the unit of a query's values. The strings match charts.Unit.
type Unit string

const (
	UnitReqPerSec Unit = "req/s"
	UnitSeconds   Unit = "s"
	UnitPercent   Unit = "%"
	UnitBytes     Unit = "bytes"
	UnitRatio     Unit = "ratio"
)

// ChartID names a canned query. For the app page's charts it is also the
// chart's name in its URLs (/apps/{app}/charts/{id}.svg).
type ChartID string

// The app page's charts, the region map's own query, and the list's.
const (
	HTTPStatus     ChartID = "http-status"
	Latency        ChartID = "latency"
	RegionLatency  ChartID = "region-latency"
	RegionRequests ChartID = "region-requests"
	CPU            ChartID = "cpu"
	Memory         ChartID = "memory"
	CPUQuota       ChartID = "cpu-quota"
	CPUBalance     ChartID = "cpu-balance"
	Concurrency    ChartID = "concurrency"
	Volumes        ChartID = "volumes"
	DataOut        ChartID = "data-out"
	Region5xx      ChartID = "region-errors"
)

// Query is one canned query's description. It is comparable, so it can be
// a map key; its builder lives beside it in the catalog, found by ID.
type Query struct {
	ID    ChartID
	Title string
	Unit  Unit
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

// group is where a chart sits on the app page.
type group int

const (
	noPanel  group = iota // a query with no panel of its own (the map's)
	traffic               // the first group: requests, latency, machines
	machines              // the Machines group
)

// entry is one row of the catalog: what a chart is and how it is built.
type entry struct {
	Query
	group group
	querySpec
}

// catalog is the one table of the app page's queries, in page order: are
// requests failing, is it slow, where, is it the machine; then is it the
// CPU quota, the proxy's limit, the disk, the network; then the region map's.
var catalog = []entry{
	{Query{ID: HTTPStatus, Title: "Responses by status class", Unit: UnitReqPerSec, Stacked: true, HTTP: true,
		Desc: "HTTP responses per second returned to clients by Fly's edge, stacked by status class (2xx, 3xx, 4xx, 5xx)."},
		traffic, querySpec{
			build: func(b builder) string {
				return `sum by (status_class) (label_replace(rate(` + b.rangeSel(edgeResponses) +
					`), "status_class", "${1}xx", "status", "([0-9]).."))`
			},
			name: func(l map[string]string) string { return l["status_class"] },
		}},
	{Query{ID: Latency, Title: "Response time", Unit: UnitSeconds, HTTP: true,
		Desc: "Median, 95th and 99th percentile time Fly's edge took to answer HTTP requests."},
		traffic, querySpec{
			build: func(b builder) string {
				hist := `sum by (le) (rate(` + b.rangeSel(edgeLatencyHist) + `))`
				parts := make([]string, 0, 3)
				for _, q := range []struct{ phi, name string }{{"0.5", "p50"}, {"0.95", "p95"}, {"0.99", "p99"}} {
					parts = append(parts, `label_replace(histogram_quantile(`+q.phi+`, `+hist+`), "quantile", "`+q.name+`", "", "")`)
				}
				return strings.Join(parts, "\nor\n")
			},
			name: func(l map[string]string) string { return l["quantile"] },
		}},
	{Query{ID: RegionLatency, Title: "95th percentile response time by region", Unit: UnitSeconds, HTTP: true,
		Desc: "95th percentile HTTP response time per Fly edge region, where clients connect."},
		traffic, querySpec{
			build: func(b builder) string {
				return `histogram_quantile(0.95, sum by (le, region) (rate(` + b.rangeSel(edgeLatencyHist) + `)))`
			},
			name: byRegion,
		}},
	{Query{ID: RegionRequests, Title: "Requests by region", Unit: UnitReqPerSec, Stacked: true, HTTP: true,
		Desc: "HTTP responses per second per Fly edge region, stacked."},
		traffic, querySpec{
			build: func(b builder) string {
				return `sum by (region) (rate(` + b.rangeSel(edgeResponses) + `))`
			},
			name: byRegion,
		}},
	{Query{ID: CPU, Title: "CPU per machine", Unit: UnitPercent,
		Desc: "Share of each machine's vCPUs busy (all modes but idle and steal), 100% meaning every vCPU fully used."},
		traffic, querySpec{
			// fly_instance_cpu counts centiseconds per vCPU and mode, so its
			// rate is the percent of one vCPU; dividing by the number of
			// vCPUs (one idle series each) gives percent of the whole machine.
			build: func(b builder) string {
				return perVCPU(b, `sum by (instance, region) (rate(`+b.rangeSel(instanceCPU, `mode!="idle"`, `mode!="steal"`)+`))`)
			},
			name: machineName,
			less: byMachine,
		}},
	{Query{ID: Memory, Title: "Memory per machine", Unit: UnitBytes,
		Desc: "Memory used by each machine (total minus available), with the machine's memory size as a limit line."},
		traffic, querySpec{
			build: func(b builder) string {
				return withKind(`sum by (instance, region) (`+b.sel(memTotal)+` - `+b.sel(memAvailable)+`)`, "used") +
					"\nor\n" +
					withKind(`max by (instance, region) (`+b.sel(memTotal)+`)`, "total")
			},
			name: func(l map[string]string) string { return machineName(l) + " " + l["kind"] },
			less: byMachine,
			post: collapseTotals,
		}},
	// The Machines group (catalog_machines.go has its metrics and kinds).
	{Query{ID: CPUQuota, Title: "CPU and quota per machine", Unit: UnitPercent,
		Desc: "Each machine's CPU use and the share of time it was throttled, in percent of its vCPUs, against its baseline quota (6.25% for shared vCPUs)."},
		machines, querySpec{
			// Centiseconds per second are percent of one vCPU; the baseline is
			// in CPUs, so 100× per vCPU is its percent of the machine.
			build: func(b builder) string {
				return strings.Join([]string{
					withKind(perVCPU(b, `sum by (instance, region) (rate(`+b.rangeSel(instanceCPU, `mode!="idle"`, `mode!="steal"`)+`))`), KindUsed),
					withKind(perVCPU(b, `100 * sum by (instance, region) (`+b.sel(cpuBaseline)+`)`), KindBaseline),
					withKind(perVCPU(b, `sum by (instance, region) (rate(`+b.rangeSel(cpuThrottle)+`))`), KindThrottled),
				}, "\nor\n")
			},
			name: kindName,
			less: byMachine,
			post: func(s []Series) []Series { return collapseLimit(dropNeverThrottled(s), KindBaseline) },
		}},
	{Query{ID: CPUBalance, Title: "CPU burst balance per machine", Unit: UnitSeconds,
		Desc: "Seconds of full-speed CPU each shared-CPU machine has banked above its baseline; at zero it is throttled to the baseline."},
		machines, querySpec{
			// Centiseconds to seconds, per vCPU: how long the machine can run
			// every vCPU flat out (Fly already scales the balance by 1/(1-baseline)).
			// Only machines with a quota under their vCPUs (shared ones): a
			// performance vCPU has the whole period and no balance to show.
			build: func(b builder) string {
				vcpus := `count by (instance, region) (` + b.sel(instanceCPU, `mode="idle"`) + `)`
				return `(` + perVCPU(b, `sum by (instance, region) (`+b.sel(cpuBalance)+`) / 100`) + `)` +
					` and on (instance, region) (sum by (instance, region) (` + b.sel(cpuBaseline) + `) < ` + vcpus + `)`
			},
			name: machineName,
			less: byMachine,
		}},
	{Query{ID: Concurrency, Title: "Concurrency per machine", Unit: "", HTTP: true,
		Desc: "Connections or requests in flight at each machine through Fly's proxy, against the service's soft and hard limits, with the moments a limit was reached marked."},
		machines, querySpec{
			// The limit counters become markers (Series.Moments); the limits
			// themselves are the service's config, which the Machines API has.
			build: func(b builder) string {
				return strings.Join([]string{
					withKind(`sum by (instance, region) (`+b.sel(appConcurrency)+`)`, KindUsed),
					withKind(`sum by (instance, region) (increase(`+b.rangeSel(softLimitCount)+`))`, KindSoftHits),
					withKind(`sum by (instance, region) (increase(`+b.rangeSel(hardLimitCount)+`))`, KindHardHits),
				}, "\nor\n")
			},
			name: func(l map[string]string) string {
				if l["kind"] == KindUsed {
					return machineName(l)
				}
				return kindName(l)
			},
			less: byMachine,
			post: markMoments,
		}},
	{Query{ID: Volumes, Title: "Volume use", Unit: UnitPercent,
		Desc: "Share of each volume in use, with dashed where it would be in 24 hours at the last 6 hours' rate."},
		machines, querySpec{
			// fly_volume_* carries the volume's id and no instance: it is
			// reported by the host, whether or not a machine runs.
			build: func(b builder) string {
				return withKind(`max by (id, region) (`+b.sel(volumeUsedPct)+`)`, KindUsed) + "\nor\n" +
					withKind(`max by (id, region) (predict_linear(`+b.over(projectionRange, volumeUsedPct)+`, `+seconds(projectionAhead)+`))`, KindProjection)
			},
			name: func(l map[string]string) string {
				if l["kind"] == KindProjection {
					return l["id"] + " " + KindProjection
				}
				return l["id"]
			},
			less: func(a, b Series) bool {
				if a.Labels["id"] != b.Labels["id"] {
					return a.Labels["id"] < b.Labels["id"]
				}
				return a.Labels["kind"] > b.Labels["kind"] // used, then its projection
			},
			post: markProjections,
		}},
	{Query{ID: DataOut, Title: "Data out by region", Unit: UnitBytesPerSec, Stacked: true, HTTP: true,
		Desc: "Bytes per second Fly's edge sent to clients, stacked by edge region: the outbound transfer Fly bills per region."},
		machines, querySpec{
			build: func(b builder) string {
				return `sum by (region) (rate(` + b.rangeSel(edgeDataOut) + `))`
			},
			name: byRegion,
		}},
	// The region map's one query of its own: it takes requests/s and p95
	// per region from the region charts' results; only the 5xx share by
	// region is in no chart.
	{Query{ID: Region5xx, Title: "5xx responses by region", Unit: UnitReqPerSec, HTTP: true,
		Desc: "HTTP responses per second with a 5xx status per Fly edge region, where clients connect."},
		noPanel, querySpec{
			build: func(b builder) string {
				return `sum by (region) (rate(` + b.rangeSel(edgeResponses, `status=~"5.."`) + `))`
			},
			name: byRegion,
		}},
}

// byRegion names a series by its edge region.
func byRegion(l map[string]string) string { return l["region"] }

func queries(g group) []Query {
	var out []Query
	for _, e := range catalog {
		if e.group == g {
			out = append(out, e.Query)
		}
	}
	return out
}

// Catalog returns the app page's first group of queries, in page order.
func Catalog() []Query { return queries(traffic) }

// MachinesCatalog returns the Machines group's queries in page order: is it
// the CPU quota, the proxy's limit, the disk, the network.
func MachinesCatalog() []Query { return queries(machines) }

// Lookup finds a chart of the app page by its ID.
func Lookup(id ChartID) (Query, bool) {
	e, ok := find(id)
	return e.Query, ok && e.group != noPanel
}

func find(id ChartID) (entry, bool) {
	for _, e := range catalog {
		if e.ID == id {
			return e, true
		}
	}
	return entry{}, false
}

// PromQL renders the query for one app over window w. A positive offset
// (whole seconds, e.g. 24h for ?compare=1d) shifts every selector back in
// time with PromQL's offset modifier, so the result lines up with w's
// timestamps and can be drawn over the current series.
func (q Query) PromQL(app string, w Window, offset time.Duration) (string, error) {
	e, ok := find(q.ID)
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownQuery, q.ID)
	}
	if !ValidAppName(app) {
		return "", ErrInvalidApp
	}
	b, err := newBuilder(w, offset)
	if err != nil {
		return "", err
	}
	b.matchers = []string{`app=` + quoteLabelValue(app)}
	return strings.TrimSpace(e.build(b)), nil
}
