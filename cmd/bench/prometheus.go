package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
	"github.com/flydash/dashboard/promql"
)

// Debian's prometheus package puts its binaries here.
const (
	prometheusBin = "/usr/bin/prometheus"
	promtoolBin   = "/usr/bin/promtool"
)

// prometheusServer is a real Prometheus holding the storefront's last 24 h
// of the metrics one canned query reads, exported from flysim's generator
// and loaded as TSDB blocks, so its graph page draws the same data.
type prometheusServer struct {
	URL string
	// Expr is the PromQL its graph page is opened on.
	Expr string
	dir  string
	cmd  *exec.Cmd
}

// startPrometheus exports app's metrics for query over [now-span, now]
// from the stack's simulator, builds blocks with promtool and starts
// Prometheus on them, scraping nothing.
func startPrometheus(ctx context.Context, s *stack, app, slug string, span time.Duration) (*prometheusServer, error) {
	for _, bin := range []string{prometheusBin, promtoolBin} {
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("%s is missing: install Debian's prometheus package (apt-get install prometheus)", bin)
		}
	}
	q, ok := promql.Lookup(promql.ChartID(slug))
	if !ok {
		return nil, fmt.Errorf("no canned query %q", slug)
	}
	end := time.Now()
	w, err := promql.NewWindow(end.Add(-span), end, chartWidth)
	if err != nil {
		return nil, err
	}
	expr, err := q.PromQL(app, w, 0)
	if err != nil {
		return nil, err
	}
	fa, err := s.Sim.Sim.Fleet().App(app)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bench-prometheus-")
	if err != nil {
		return nil, err
	}
	p := &prometheusServer{Expr: expr, dir: dir}
	ok = false
	defer func() {
		if !ok {
			p.Close()
		}
	}()

	// Export a rate window's worth before the range too, so the first
	// point of the graph has data behind it.
	var lines bytes.Buffer
	match := func(metric string) bool { return strings.Contains(expr, metric) }
	if err := series.ExportJSONLines(&lines, []fleet.App{fa}, end.Add(-span-10*time.Minute), end, 15*time.Second, match); err != nil {
		return nil, err
	}
	om := filepath.Join(dir, "data.om")
	if err := jsonLinesToOpenMetrics(&lines, om); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	out, err := exec.CommandContext(ctx, promtoolBin, "tsdb", "create-blocks-from", "openmetrics", om, data).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("promtool create-blocks-from openmetrics: %w\n%s", err, out)
	}
	_ = os.Remove(om)
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte("global:\n  scrape_interval: 15s\nscrape_configs: []\n"), 0o644); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p.URL = "http://" + addr
	p.cmd = exec.Command(prometheusBin,
		"--config.file="+cfgFile, "--storage.tsdb.path="+data, "--web.listen-address="+addr,
		"--storage.tsdb.retention.time=15d",
		"--web.console.templates=/etc/prometheus/consoles", "--web.console.libraries=/etc/prometheus/console_libraries")
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		return nil, err
	}
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, p.URL+"/-/ready", 60*time.Second); err != nil {
		log, _ := os.ReadFile(logFile.Name())
		return nil, fmt.Errorf("prometheus did not get ready: %w\n%s", err, lastLines(string(log), 20))
	}
	// The graph must have something to draw: check the data is there.
	n, err := p.seriesCount(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("prometheus answers the query with no series: the blocks did not load")
	}
	ok = true
	return p, nil
}

// seriesCount runs Expr as an instant query.
func (p *prometheusServer) seriesCount(ctx context.Context) (int, error) {
	u := p.URL + "/api/v1/query?query=" + url.QueryEscape(p.Expr)
	status, body, _, err := fetch(ctx, http.DefaultClient, u, nil)
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, fmt.Errorf("prometheus query: %d %s", status, body)
	}
	var resp struct {
		Data struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return 0, err
	}
	return len(resp.Data.Result), nil
}

// GraphURL is Prometheus' own graph page on Expr over the last span, as a
// person would open it: the classic UI Debian ships (its React UI is not
// packaged).
func (p *prometheusServer) GraphURL(span time.Duration) string {
	v := url.Values{}
	v.Set("g0.expr", p.Expr)
	v.Set("g0.tab", "0")
	v.Set("g0.stacked", "0")
	v.Set("g0.range_input", strconv.Itoa(int(span/time.Hour))+"h")
	return p.URL + "/classic/graph?" + v.Encode()
}

func (p *prometheusServer) Close() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
		}
	}
	_ = os.RemoveAll(p.dir)
}

// jsonLinesToOpenMetrics rewrites VictoriaMetrics import lines as the
// OpenMetrics text promtool reads: families kept together, one sample a
// line with its timestamp in seconds, "# EOF" at the end.
func jsonLinesToOpenMetrics(r io.Reader, path string) error {
	type importLine struct {
		Metric     map[string]string `json:"metric"`
		Values     []float64         `json:"values"`
		Timestamps []int64           `json:"timestamps"`
	}
	byFamily := map[string][]importLine{}
	dec := json.NewDecoder(r)
	for {
		var l importLine
		if err := dec.Decode(&l); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		byFamily[l.Metric["__name__"]] = append(byFamily[l.Metric["__name__"]], l)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	names := make([]string, 0, len(byFamily))
	for name := range byFamily {
		names = append(names, name)
	}
	sort.Strings(names)
	var buf []byte
	for _, name := range names {
		for _, l := range byFamily[name] {
			keys := make([]string, 0, len(l.Metric))
			for k := range l.Metric {
				if k != "__name__" {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			prefix := []byte(name + "{")
			for i, k := range keys {
				if i > 0 {
					prefix = append(prefix, ',')
				}
				prefix = append(prefix, k...)
				prefix = append(prefix, '=')
				prefix = strconv.AppendQuote(prefix, l.Metric[k])
			}
			prefix = append(prefix, "} "...)
			for i, v := range l.Values {
				buf = append(buf[:0], prefix...)
				buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
				buf = append(buf, ' ')
				buf = strconv.AppendFloat(buf, float64(l.Timestamps[i])/1000, 'f', 3, 64)
				buf = append(buf, '\n')
				if _, err := bw.Write(buf); err != nil {
					return err
				}
			}
		}
	}
	if _, err := bw.WriteString("# EOF\n"); err != nil {
		return err
	}
	return bw.Flush()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP polls url until it answers 200 or the timeout passes.
func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		status, _, _, err := fetch(ctx, http.DefaultClient, url, nil)
		if err == nil && status == http.StatusOK {
			return nil
		}
		last = err
		if err == nil {
			last = fmt.Errorf("status %d", status)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return last
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
