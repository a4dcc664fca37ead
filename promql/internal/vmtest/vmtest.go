// Package vmtest runs a real VictoriaMetrics (the Debian package, 1.79.x)
// for tests, set up to behave like Fly's Prometheus endpoint: the API under
// a path prefix such as /prometheus/<org>, no hiding of recent samples and
// no result cache (which would align start and end by itself).
//
// The binary is installed with apt-get when missing and the test runs as
// root. Elsewhere the test is skipped with a loud message, except under
// CI=true, where a missing engine fails the test: CI must not go green by
// skipping the real thing.
package vmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Binary is where the Debian package installs VictoriaMetrics.
const Binary = "/usr/bin/victoria-metrics"

// DefaultPrefix mirrors Fly's URL shape for an org called "demo".
const DefaultPrefix = "/prometheus/demo"

// Options tune Start.
type Options struct {
	// PathPrefix is where the API lives; default DefaultPrefix.
	PathPrefix string
	// ExtraFlags are appended to the command line.
	ExtraFlags []string
}

// Server is a running VictoriaMetrics.
type Server struct {
	// URL is the Prometheus API root, e.g. http://127.0.0.1:8428/prometheus/demo:
	// what promql.Config.URL takes.
	URL string

	cmd       *exec.Cmd
	exited    chan struct{}
	logs      *syncWriter
	once      sync.Once
	removeDir string
}

var installMu sync.Mutex

// Require returns the binary's path, installing the package if needed and
// possible; otherwise it skips t (or fails it when CI=true).
func Require(t testing.TB) string {
	t.Helper()
	installMu.Lock()
	defer installMu.Unlock()
	if _, err := os.Stat(Binary); err == nil {
		return Binary
	}
	ci := os.Getenv("CI") == "true"
	unavailable := func(why string) {
		t.Helper()
		msg := "VictoriaMetrics is not installed and " + why + "; install the Debian package victoria-metrics to run this test"
		if ci {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED (no real engine): " + msg)
	}
	if os.Geteuid() != 0 {
		unavailable("this test is not running as root")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		unavailable("apt-get is not available")
	}
	var out []byte
	var err error
	// Another package's tests may hold the dpkg lock: retry a few times.
	for attempt := range 6 {
		cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", "victoria-metrics")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err = cmd.CombinedOutput()
		if err == nil {
			break
		}
		if attempt == 0 {
			// The package lists may be missing on a fresh machine.
			_ = exec.Command("apt-get", "update").Run()
			continue
		}
		time.Sleep(time.Duration(attempt) * 2 * time.Second)
	}
	if err != nil {
		unavailable(fmt.Sprintf("apt-get install failed (%v): %s", err, lastLines(out, 5)))
	}
	return Binary
}

// Start runs a fresh VictoriaMetrics with its own data directory and stops it
// when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := Require(t)
	if opts.PathPrefix == "" {
		opts.PathPrefix = DefaultPrefix
	}
	s, err := startRetrying(bin, t.TempDir(), opts)
	if err != nil {
		t.Fatalf("vmtest: starting VictoriaMetrics: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartShared starts a server that outlives any one test, for a package's
// TestMain or a sync.Once; call Require first so a missing binary skips.
// Stop removes its data directory.
func StartShared(opts Options) (*Server, error) {
	if opts.PathPrefix == "" {
		opts.PathPrefix = DefaultPrefix
	}
	dir, err := os.MkdirTemp("", "vmtest-")
	if err != nil {
		return nil, err
	}
	s, err := startRetrying(Binary, dir, opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.removeDir = dir
	return s, nil
}

func startRetrying(bin, dataDir string, opts Options) (*Server, error) {
	var lastErr error
	// The free port can be taken between probing and binding: retry.
	for attempt := range 3 {
		s, err := start(bin, filepath.Join(dataDir, strconv.Itoa(attempt)), opts)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func start(bin, dataDir string, opts Options) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{
		"-storageDataPath=" + dataDir,
		"-httpListenAddr=" + addr,
		"-http.pathPrefix=" + opts.PathPrefix,
		"-search.latencyOffset=0s",
		"-search.disableCache",
		"-loggerLevel=ERROR",
	}, opts.ExtraFlags...)
	logs := &syncWriter{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + addr + opts.PathPrefix, cmd: cmd, exited: make(chan struct{}), logs: logs}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitHealthy(30 * time.Second); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w; output: %s", err, lastLines([]byte(logs.String()), 10))
	}
	return s, nil
}

// waitHealthy polls /health; the deadline is a setup guard, not an assertion.
func (s *Server) waitHealthy(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return errors.New("victoria-metrics exited during start")
		default:
		}
		resp, err := http.Get(s.URL + "/health")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "OK" {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("victoria-metrics not healthy after %s", limit)
}

// Stop ends the process; safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		if s.removeDir != "" {
			os.RemoveAll(s.removeDir)
		}
	})
}

// Series is one line of VictoriaMetrics' JSON import format.
type Series struct {
	Metric     map[string]string `json:"metric"` // including "__name__"
	Values     []float64         `json:"values"`
	Timestamps []int64           `json:"timestamps"` // unix milliseconds
}

// Import loads series and flushes them, so the next query sees them.
func (s *Server) Import(ctx context.Context, series []Series) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for _, sr := range series {
		if err := enc.Encode(sr); err != nil {
			return err
		}
	}
	if err := s.post(ctx, "/api/v1/import", &body); err != nil {
		return err
	}
	return s.Flush(ctx)
}

// Flush makes recently imported samples searchable.
func (s *Server) Flush(ctx context.Context) error {
	return s.get(ctx, "/internal/force_flush")
}

func (s *Server) post(ctx context.Context, path string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+path, body)
	if err != nil {
		return err
	}
	return do(req)
}

func (s *Server) get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		return err
	}
	return do(req)
}

func do(req *http.Request) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, b)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

// FreePort asks the kernel for a loopback port that is free right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Logs returns the server's output so far, for failure messages.
func (s *Server) Logs() string { return s.logs.String() }

// syncWriter collects the process output; the process writes while a
// failing test may read.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
