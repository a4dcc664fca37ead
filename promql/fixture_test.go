package promql

import (
	"context"
	"math"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/flydash/dashboard/promql/internal/vmtest"
)

// The fixture org, loaded into a real VictoriaMetrics. Rates are constant so
// the expected values are known exactly; engines differ only in how they
// extrapolate at a series' edges, which the tests stay clear of.
//
//	web:    HTTP in ams and syd, 2 machines, one 5xx stream (syd)
//	shop:   HTTP, 2xx only until fixtureNow-30m, then also 5xx (stack gaps)
//	worker: no HTTP, 2 machines with different memory sizes
//
// Labels and buckets are Fly's: status is the class, and the latency
// buckets are the edge's (flysim/testdata/realcapture).
const (
	mib = 1 << 20

	webAMSMachine = "148e272a9d4789"
	webSYDMachine = "3d8d9e1b7c1234"
	workerA       = "e2865013a57e89"
	workerB       = "91852e4b29ad38"
)

// fixtureNow is the end of the data: a round time, so windows need no
// truncation in the tests that want exact point counts.
var fixtureNow = time.Now().UTC().Truncate(time.Hour).Add(-time.Hour)

const fixtureSpan = 3 * time.Hour

var latencyLE = []string{"0.005", "0.025", "0.05", "0.1", "0.2", "0.5", "1", "5", "15", "30", "60", "120", "+Inf"}

// Cumulative responses per second under each bound.
var (
	amsBuckets = []float64{0, 1, 2, 6, 8, 10, 10, 10, 10, 10, 10, 10, 10}
	sydBuckets = []float64{0, 0, 0, 1, 1.5, 3, 4.5, 5, 5, 5, 5, 5, 5}
)

type fixtureSeries struct {
	labels  map[string]string
	from    time.Time // first sample
	perSec  float64   // counter increase per second; 0 for gauges
	gauge   float64
	isGauge bool
}

func fixture() []fixtureSeries {
	start := fixtureNow.Add(-fixtureSpan)
	var out []fixtureSeries
	counter := func(perSec float64, from time.Time, kv ...string) {
		out = append(out, fixtureSeries{labels: pairs(kv), from: from, perSec: perSec})
	}
	gauge := func(v float64, kv ...string) {
		out = append(out, fixtureSeries{labels: pairs(kv), from: start, gauge: v, isGauge: true})
	}
	edge := func(app, region, host string) []string {
		return []string{"app", app, "region", region, "host", host}
	}
	// web: 12 + 1 + 0.5 req/s in ams, 6 + 0.5 (5xx) in syd: 20 req/s, 2.5% 5xx.
	counter(12, start, append(edge("web", "ams", "a1b2"), "__name__", edgeResponses, "status", "2xx")...)
	counter(1, start, append(edge("web", "ams", "a1b2"), "__name__", edgeResponses, "status", "3xx")...)
	counter(0.5, start, append(edge("web", "ams", "a1b2"), "__name__", edgeResponses, "status", "4xx")...)
	counter(6, start, append(edge("web", "syd", "c3d4"), "__name__", edgeResponses, "status", "2xx")...)
	counter(0.5, start, append(edge("web", "syd", "c3d4"), "__name__", edgeResponses, "status", "5xx")...)
	for i, le := range latencyLE {
		counter(amsBuckets[i], start, append(edge("web", "ams", "a1b2"), "__name__", edgeLatencyHist, "le", le)...)
		counter(sydBuckets[i], start, append(edge("web", "syd", "c3d4"), "__name__", edgeLatencyHist, "le", le)...)
	}
	// shop: 4 req/s of 2xx, and 1 req/s of 5xx from 30 minutes before the end.
	counter(4, start, append(edge("shop", "fra", "e5f6"), "__name__", edgeResponses, "status", "2xx")...)
	counter(1, fixtureNow.Add(-30*time.Minute), append(edge("shop", "fra", "e5f6"), "__name__", edgeResponses, "status", "5xx")...)

	machine := func(app, region, id string, cpus int, busyPerCPU, memTotalMiB, memAvailMiB float64) {
		m := []string{"app", app, "region", region, "host", "ffff", "instance", id}
		for c := range cpus {
			cpu := strconv.Itoa(c)
			// Centiseconds per second: 100 = a whole vCPU.
			counter(busyPerCPU*0.75, start, append(m, "__name__", instanceCPU, "cpu_id", cpu, "mode", "user")...)
			counter(busyPerCPU*0.25, start, append(m, "__name__", instanceCPU, "cpu_id", cpu, "mode", "system")...)
			counter(5, start, append(m, "__name__", instanceCPU, "cpu_id", cpu, "mode", "steal")...)
			counter(95-busyPerCPU, start, append(m, "__name__", instanceCPU, "cpu_id", cpu, "mode", "idle")...)
		}
		gauge(memTotalMiB*mib, append(m, "__name__", memTotal)...)
		gauge(memAvailMiB*mib, append(m, "__name__", memAvailable)...)
		gauge(1, append(m, "__name__", instanceUp)...)
	}
	machine("web", "ams", webAMSMachine, 2, 40, 512, 312)
	machine("web", "syd", webSYDMachine, 1, 70, 512, 412)
	machine("worker", "fra", workerA, 1, 10, 256, 200)
	machine("worker", "fra", workerB, 1, 20, 1024, 624)
	return out
}

func pairs(kv []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func (f fixtureSeries) vm() vmtest.Series {
	s := vmtest.Series{Metric: f.labels}
	for t := f.from; !t.After(fixtureNow); t = t.Add(ScrapeInterval) {
		v := f.gauge
		if !f.isGauge {
			v = f.perSec * t.Sub(f.from).Seconds()
		}
		s.Values = append(s.Values, v)
		s.Timestamps = append(s.Timestamps, t.UnixMilli())
	}
	return s
}

var (
	sharedVMOnce sync.Once
	sharedVM     *vmtest.Server
	sharedVMErr  error
)

// fixtureVM is one VictoriaMetrics with the fixture, shared by the tests of
// this package (they only read). It is stopped by TestMain.
func fixtureVM(t testing.TB) *vmtest.Server {
	t.Helper()
	vmtest.Require(t)
	sharedVMOnce.Do(func() {
		sharedVM, sharedVMErr = vmtest.StartShared(vmtest.Options{})
		if sharedVMErr != nil {
			return
		}
		var series []vmtest.Series
		for _, f := range fixture() {
			series = append(series, f.vm())
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sharedVMErr = sharedVM.Import(ctx, series)
	})
	if sharedVMErr != nil {
		t.Fatalf("fixture VictoriaMetrics: %v", sharedVMErr)
	}
	return sharedVM
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedVM != nil {
		sharedVM.Stop()
	}
	os.Exit(code)
}

// addBuckets is the app-wide histogram of two regions'.
func addBuckets(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] + b[i]
	}
	return out
}

// histogramQuantile is PromQL's interpolation, for expected values.
func histogramQuantile(phi float64, cumulative []float64) float64 {
	bounds := make([]float64, len(latencyLE))
	for i, le := range latencyLE {
		bounds[i], _ = strconv.ParseFloat(le, 64)
	}
	total := cumulative[len(cumulative)-1]
	rank := phi * total
	for i, c := range cumulative {
		if c >= rank {
			if math.IsInf(bounds[i], 1) {
				return bounds[i-1]
			}
			lower, below := 0.0, 0.0
			if i > 0 {
				lower, below = bounds[i-1], cumulative[i-1]
			}
			return lower + (bounds[i]-lower)*(rank-below)/(c-below)
		}
	}
	return math.NaN()
}
