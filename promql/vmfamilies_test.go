package promql_test

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/promql/internal/vmtest"
)

// The VictoriaMetrics suite over the Fly-specific families: the
// queries Fly's dashboards chart the CPU quota, volumes, proxy limits and
// exits with, on the four stories that show them, run on both engines over
// the same samples and compared as the catalog's are (compareSeries).

// vmFamilyApps are the Fly-specific stories.
// The OOM story joins them for memory pressure, which rises before the kill.
var vmFamilyApps = []string{fleet.ThrottledApp, fleet.VolumeFillingApp, fleet.ConcurrencyApp, fleet.CrashLoopApp, fleet.OOMApp}

// vmFamilyMetrics are the families the queries read.
var vmFamilyMetrics = []string{
	series.InstanceCPU, series.InstanceCPUBaseline, series.InstanceCPUBalance, series.InstanceCPUThrottle,
	series.InstanceUp, series.InstanceExitCode, series.InstanceMemAvailable, "fly_instance_memory_cached",
	"fly_instance_filesystem_blocks", "fly_instance_filesystem_blocks_avail", "fly_instance_filesystem_block_size",
	"fly_instance_disk_sectors_written", series.VolumeUsedPct, series.VolumeSize,
	series.AppConcurrency, series.AppHardLimit, series.AppSoftLimit,
	"fly_edge_data_out", series.EdgeResponses, "fly_edge_tls_handshake_time_seconds_bucket",
	series.InstanceMemPressureSome, series.InstanceMemPressureFull,
}

// vmFamilyHistory reaches back past the throttled and concurrency stories'
// daily peak (15:00 UTC, 21 h before the anchor) with a few hours to spare.
const vmFamilyHistory = 26 * time.Hour

// familyCheck is one query over an app, $RW its rate window.
type familyCheck struct {
	name, app, query string
	// exact: a gauge, equal point by point; events: a rate of events.
	exact, events bool
	// story, when set, is what VictoriaMetrics must show over 24 h.
	story *extreme
}

// extreme bounds the lowest (or the highest) point of a result.
type extreme struct {
	highest bool
	lo, hi  float64
}

func lowest(lo, hi float64) *extreme  { return &extreme{false, lo, hi} }
func highest(lo, hi float64) *extreme { return &extreme{true, lo, hi} }

var familyChecks = []familyCheck{
	// The balance empties at the peak and fills to 500 s at night.
	{"cpu balance", fleet.ThrottledApp, `fly_instance_cpu_balance{app="pdf-render"} / 100`, true, false, lowest(0, 0)},
	{"cpu balance cap", fleet.ThrottledApp, `fly_instance_cpu_balance{app="pdf-render"} / 100`, true, false, highest(500, 500)},
	{"cpu baseline %", fleet.ThrottledApp, `fly_instance_cpu_baseline{app="pdf-render"} / on (instance) count by (instance) (fly_instance_cpu{app="pdf-render",mode="idle"}) * 100`, true, false, nil},
	{"cpu throttle", fleet.ThrottledApp, `sum by (instance) (rate(fly_instance_cpu_throttle{app="pdf-render"}[$RW]))`, false, false, highest(10, 100)},
	{"cpu utilization", fleet.ThrottledApp, `sum by (instance) (rate(fly_instance_cpu{app="pdf-render",mode!="idle",mode!="steal"}[$RW])) / count by (instance) (fly_instance_cpu{app="pdf-render",mode="idle"})`, false, false, nil},
	{"volume used", fleet.VolumeFillingApp, `fly_volume_used_pct{app="orders-db"}`, true, false, highest(78, 82)},
	{"volume size", fleet.VolumeFillingApp, `fly_volume_size_bytes{app="orders-db"}`, true, false, nil},
	{"filesystem used", fleet.VolumeFillingApp, `(fly_instance_filesystem_blocks{app="orders-db",mount!="/"} - fly_instance_filesystem_blocks_avail{app="orders-db",mount!="/"}) * fly_instance_filesystem_block_size{app="orders-db",mount!="/"}`, true, false, nil},
	{"volume writes", fleet.VolumeFillingApp, `sum by (instance) (rate(fly_instance_disk_sectors_written{app="orders-db",device="vdc"}[$RW])) * 512`, false, false, nil},
	{"page cache", fleet.VolumeFillingApp, `fly_instance_memory_cached{app="orders-db"}`, true, false, nil},
	{"concurrency", fleet.ConcurrencyApp, `max by (instance) (fly_app_concurrency{app="chat-gateway"})`, true, false, highest(25, 25)},
	{"hard limit", fleet.ConcurrencyApp, `sum by (instance) (rate(fly_app_hard_limit_reached_count{app="chat-gateway"}[$RW]))`, false, true, highest(1, 1e6)},
	{"soft limit", fleet.ConcurrencyApp, `sum by (instance) (rate(fly_app_soft_limit_reached_count{app="chat-gateway"}[$RW]))`, false, true, nil},
	{"edge 5xx", fleet.ConcurrencyApp, `sum by (region) (rate(fly_edge_http_responses_count{app="chat-gateway",status=~"5.."}[$RW]))`, false, true, nil},
	{"data out", fleet.ConcurrencyApp, `sum by (region) (rate(fly_edge_data_out{app="chat-gateway"}[$RW]))`, false, false, nil},
	{"tls handshake p95", fleet.ConcurrencyApp, `histogram_quantile(0.95, sum by (le, version) (rate(fly_edge_tls_handshake_time_seconds_bucket{app="chat-gateway"}[$RW])))`, false, false, nil},
	{"up", fleet.CrashLoopApp, `fly_instance_up{app="notify-api"}`, true, false, nil},
	{"exit code", fleet.CrashLoopApp, `max by (instance) (fly_instance_exit_code{app="notify-api"})`, true, false, highest(1, 1)},
	{"memory available", fleet.CrashLoopApp, `fly_instance_memory_mem_available{app="notify-api"}`, true, false, nil},
	// Memory pressure climbs as the leak nears the limit, then the kill.
	{"memory pressure", fleet.OOMApp, `max by (instance) (fly_instance_memory_pressure_some{app="image-resizer",pressure_duration="avg60"})`, true, false, highest(20, 100)},
	{"memory stall", fleet.OOMApp, `sum by (instance) (rate(fly_instance_memory_pressure_full{app="image-resizer",pressure_duration="total"}[$RW])) / 1e6`, false, false, nil},
}

func TestVictoriaMetricsFamilies(t *testing.T) {
	t.Parallel()
	server := vmtest.Start(t, vmtest.Options{ExtraFlags: []string{"-retentionPeriod=100y"}})
	now := vmAnchor
	clock := func() time.Time { return now }
	f := fleet.New(fleet.Config{Start: now, Now: clock})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	began := time.Now()
	if err := importApps(ctx, server, f, vmFamilyApps, vmFamilyMetrics, now.Add(-vmFamilyHistory), now); err != nil {
		t.Fatalf("importing the Fly stories into VictoriaMetrics: %v\n%s", err, server.Logs())
	}
	t.Logf("imported %s of %v in %s", vmFamilyHistory, vmFamilyApps, time.Since(began).Round(time.Millisecond))
	sim, err := flysim.Start(context.Background(), flysim.Options{Addr: "127.0.0.1:0", Start: now, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	vm := rawAPI(t, server.URL, "")
	fs := rawAPI(t, sim.URL+"/prometheus/"+sim.Sim.Org(), "Bearer test-token")

	for _, span := range []time.Duration{6 * time.Hour, 24 * time.Hour} {
		w, err := promql.NewWindow(now.Add(-span), now, 720)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range familyChecks {
			app, err := f.App(c.app)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(windowName(span)+"/"+c.name, func(t *testing.T) {
				q := strings.ReplaceAll(c.query, "$RW", model.Duration(w.RateWindow()).String())
				got, want := rangeSeries(t, vm, q, w), rangeSeries(t, fs, q, w)
				if len(want) == 0 {
					t.Fatalf("flysim has no series for %s", q)
				}
				if c.story != nil && span == 24*time.Hour {
					checkFamilyStory(t, c, got)
				}
				compareSeries(t, comparison{
					w:       w,
					settled: now.Add(-vmFamilyHistory).Add(w.RateWindow() + w.Step),
					exits:   appExits(app, 0),
					exact:   c.exact,
					events:  c.events,
				}, got, want)
			})
		}
	}
}

// rawAPI is client_golang's API at url, with an Authorization header when
// one is given (flysim asks for one, as Fly does).
func rawAPI(t *testing.T, url, auth string) v1.API {
	t.Helper()
	rt := api.DefaultRoundTripper
	if auth != "" {
		rt = authorized{auth, rt}
	}
	c, err := api.NewClient(api.Config{Address: url, RoundTripper: rt})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(c)
}

type authorized struct {
	header string
	next   http.RoundTripper
}

func (a authorized) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", a.header)
	return a.next.RoundTrip(r)
}

// rangeSeries runs q over w and lays each result on w's points, named by
// its labels.
func rangeSeries(t *testing.T, prom v1.API, q string, w promql.Window) []promql.Series {
	t.Helper()
	v, _, _, err := prom.QueryRange(context.Background(), q, v1.Range{Start: w.Start, End: w.End, Step: w.Step})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	m, ok := v.(model.Matrix)
	if !ok {
		t.Fatalf("%s: %s, want a matrix", q, v.Type())
	}
	out := make([]promql.Series, 0, len(m))
	for _, s := range m {
		delete(s.Metric, model.MetricNameLabel)
		values := make([]float64, w.Points())
		for i := range values {
			values[i] = math.NaN()
		}
		for _, p := range s.Values {
			if i := int(p.Timestamp.Time().Sub(w.Start) / w.Step); i >= 0 && i < len(values) && w.Time(i).Equal(p.Timestamp.Time()) {
				values[i] = float64(p.Value)
			}
		}
		out = append(out, promql.Series{Name: s.Metric.String(), Values: values})
	}
	slices.SortFunc(out, func(a, b promql.Series) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// checkFamilyStory holds VictoriaMetrics' answer to the story c tells.
func checkFamilyStory(t *testing.T, c familyCheck, got []promql.Series) {
	t.Helper()
	e := c.story
	v := math.Inf(1)
	if e.highest {
		v = math.Inf(-1)
	}
	for _, s := range got {
		for _, x := range s.Values {
			switch {
			case math.IsNaN(x):
			case e.highest:
				v = math.Max(v, x)
			default:
				v = math.Min(v, x)
			}
		}
	}
	if v < e.lo || v > e.hi {
		t.Errorf("%s on %s over 24 h: VictoriaMetrics reaches %v, want %v..%v", c.name, c.app, v, e.lo, e.hi)
	}
}
