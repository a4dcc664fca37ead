package series_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
)

type importLine struct {
	Metric     map[string]string `json:"metric"`
	Values     []float64         `json:"values"`
	Timestamps []int64           `json:"timestamps"`
}

func exportLines(t *testing.T, apps []fleet.App, start, end time.Time, match func(string) bool) []importLine {
	t.Helper()
	var buf bytes.Buffer
	if err := series.ExportJSONLines(&buf, apps, start, end, 15*time.Second, match); err != nil {
		t.Fatal(err)
	}
	var lines []importLine
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var l importLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %d: %v", len(lines)+1, err)
		}
		lines = append(lines, l)
	}
	return lines
}

// The export holds the very samples the API serves.
func TestExportMatchesTheAPI(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryRegionalLatency)
	var apps []fleet.App
	for _, a := range f.Snapshot() {
		if a.Name == app.Name {
			apps = append(apps, a)
		}
	}
	start, end := testStart.Add(-30*time.Minute), testStart
	lines := exportLines(t, apps, start, end, func(m string) bool {
		return m == "fly_edge_http_response_time_seconds_bucket" || m == "fly_instance_cpu"
	})
	m := ranged(t, prom, `{__name__=~"fly_edge_http_response_time_seconds_bucket|fly_instance_cpu",app="`+app.Name+`"}`, start, end, 15*time.Second)
	if len(lines) != len(m) || len(lines) == 0 {
		t.Fatalf("%d exported series, %d from the API", len(lines), len(m))
	}
	byKey := map[string]*model.SampleStream{}
	for _, s := range m {
		byKey[s.Metric.String()] = s
	}
	sawInf := false
	for _, l := range lines {
		metric := model.Metric{}
		for k, v := range l.Metric {
			metric[model.LabelName(k)] = model.LabelValue(v)
		}
		sawInf = sawInf || l.Metric["le"] == "+Inf"
		s := byKey[metric.String()]
		if s == nil {
			t.Fatalf("exported %s, not served", metric)
		}
		if len(s.Values) != len(l.Values) || len(l.Values) != len(l.Timestamps) {
			t.Fatalf("%s: %d exported values, %d served", metric, len(l.Values), len(s.Values))
		}
		for i, p := range s.Values {
			if int64(p.Timestamp) != l.Timestamps[i] || float64(p.Value) != l.Values[i] {
				t.Fatalf("%s: sample %d exported (%d, %v), served (%d, %v)", metric, i, l.Timestamps[i], l.Values[i], p.Timestamp, p.Value)
			}
		}
	}
	if !sawInf {
		t.Error(`no le="+Inf" bucket exported`)
	}
}

func TestExportRejectsOffGridSteps(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	for _, step := range []time.Duration{0, -15 * time.Second, 10 * time.Second, 20 * time.Second} {
		if err := series.ExportJSONLines(&buf, nil, testStart.Add(-time.Hour), testStart, step, nil); err == nil {
			t.Errorf("step %s accepted", step)
		}
	}
}

// startVictoriaMetrics runs the Debian package's binary on a free port with
// Fly's path prefix, or skips when it is not installed.
func startVictoriaMetrics(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("victoria-metrics")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("victoria-metrics is not installed (.ci/run installs the Debian package victoria-metrics)")
		}
		t.Skip("SKIPPED: victoria-metrics is not installed (Debian package victoria-metrics)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.CommandContext(t.Context(), bin,
		"-storageDataPath="+t.TempDir(), "-httpListenAddr="+addr, "-http.pathPrefix=/prometheus/demo",
		"-search.latencyOffset=0s", "-search.disableCache", "-retentionPeriod=100y", "-loggerLevel=ERROR")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr + "/prometheus/demo"
	for range 100 {
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("victoria-metrics did not come up")
	return ""
}

// Loaded into a real VictoriaMetrics, the export answers the dashboard's
// queries like the simulator does, within the engines' known differences:
// Prometheus extrapolates rate() to the window's edges while VictoriaMetrics
// uses the sample before the window, so each sees the counters' noise at
// different ends (a few %); and flysim marks a stopped machine's series
// stale as Prometheus does, which VictoriaMetrics has no notion of, so its
// lookback still answers for a minute or so after the OOM kill.
func TestVictoriaMetricsAgrees(t *testing.T) {
	t.Parallel()
	base := startVictoriaMetrics(t)
	f := storyFleet()
	prom := serve(t, f)
	start, end := testStart.Add(-6*time.Hour), testStart
	var buf bytes.Buffer
	if err := series.ExportJSONLines(&buf, f.Snapshot(), start.Add(-time.Hour), end, 15*time.Second, func(m string) bool {
		return strings.HasPrefix(m, "fly_edge_") || m == "fly_instance_memory_mem_available"
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/api/v1/import", "application/json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("import: %s", resp.Status)
	}
	if resp, err := http.Get(base + "/internal/force_flush"); err == nil {
		resp.Body.Close()
	}
	client, err := api.NewClient(api.Config{Address: base})
	if err != nil {
		t.Fatal(err)
	}
	vm := v1.NewAPI(client)
	r := v1.Range{Start: start, End: end, Step: time.Minute}
	for _, c := range []struct {
		query     string
		tolerance float64
		onlyInVM  int // points VictoriaMetrics may have that flysim does not
	}{
		{`sum by (region) (rate(fly_edge_http_responses_count{app="storefront"}[5m]))`, 0.05, 0},
		{`histogram_quantile(0.95, sum by (le) (rate(fly_edge_http_response_time_seconds_bucket{app="search-api"}[5m])))`, 0.05, 0},
		{`fly_instance_memory_mem_available{app="image-resizer"}`, 0, 1},
	} {
		want := ranged(t, prom, c.query, r.Start, r.End, r.Step)
		var got model.Matrix
		for range 20 { // the import becomes searchable shortly after
			v, _, _, err := vm.QueryRange(t.Context(), c.query, r)
			if err != nil {
				t.Fatalf("VictoriaMetrics %s: %v", c.query, err)
			}
			got = v.(model.Matrix)
			if len(got) >= len(want) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		worst, err := compareMatrices(want, got, c.onlyInVM)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		t.Logf("%s: worst relative difference %.4f", c.query, worst)
		if worst > c.tolerance {
			t.Errorf("%s: VictoriaMetrics differs by %.4f, want <= %.4f", c.query, worst, c.tolerance)
		}
	}
}

func compareMatrices(want, got model.Matrix, onlyInVM int) (float64, error) {
	if len(want) != len(got) {
		return 0, fmt.Errorf("%d series from VictoriaMetrics, %d from flysim", len(got), len(want))
	}
	byKey := map[string]*model.SampleStream{}
	for _, s := range got {
		delete(s.Metric, model.MetricNameLabel)
		byKey[s.Metric.String()] = s
	}
	worst := 0.0
	for _, w := range want {
		delete(w.Metric, model.MetricNameLabel)
		g := byKey[w.Metric.String()]
		if g == nil {
			return 0, fmt.Errorf("series %s missing from VictoriaMetrics", w.Metric)
		}
		vm := map[model.Time]model.SampleValue{}
		for _, p := range g.Values {
			vm[p.Timestamp] = p.Value
		}
		for _, p := range w.Values {
			v, ok := vm[p.Timestamp]
			if !ok {
				return 0, fmt.Errorf("%s: no point at %s from VictoriaMetrics", w.Metric, p.Timestamp.Time())
			}
			worst = math.Max(worst, math.Abs(float64(v-p.Value))/math.Max(math.Abs(float64(p.Value)), 1e-9))
		}
		if extra := len(g.Values) - len(w.Values); extra > onlyInVM {
			return 0, fmt.Errorf("%s: %d points only in VictoriaMetrics, want <= %d", w.Metric, extra, onlyInVM)
		}
	}
	return worst, nil
}
