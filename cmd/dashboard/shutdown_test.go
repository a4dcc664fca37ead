package main

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/promql"
)

// TestShutdownAnswersEveryRequestAccepted: 20 chart requests, each its own
// query to a Prometheus that takes 2 s, are in flight when SIGTERM arrives,
// some drawing and the rest queued for admission. Every one is answered
// with its chart; none is refused or cut off. Not parallel: the signal
// reaches every run() in the process.
func TestShutdownAnswersEveryRequestAccepted(t *testing.T) {
	// Admission is sized from GOMAXPROCS: with at least 2, its slots and
	// queue (8 + 16) hold all 20, so none is refused for want of room.
	defer runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 2))
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 2))

	sim := startSim(t, flysim.Options{PromLatency: 2 * time.Second})
	s := startRun(t, realTokenEnv(sim, "", "FlyV1 fm2_shutdowntest"))
	b := newBrowser(s.URL)
	b.signIn(t, testPassword)

	const n = 20
	apps := []string{"storefront", "search-api", "image-resizer", "billing-api", "queue-worker", "old-landing", "blog"}
	catalog := promql.Catalog()
	type answer struct {
		path   string
		status int
		body   string
		err    error
	}
	answers := make(chan answer, n)
	var wg sync.WaitGroup
	for i := range n {
		// A different app or chart each: no two share a query.
		path := fmt.Sprintf("/apps/%s/charts/%s.svg?range=1h", apps[i%len(apps)], catalog[i/len(apps)].ID)
		wg.Go(func() {
			a := answer{path: path}
			resp, err := b.client.Get(s.URL + path)
			if err == nil {
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				a.status, a.body = resp.StatusCode, string(data)
			}
			a.err = err
			answers <- a
		})
	}
	// Signal once all 20 are accepted: drawing or waiting for a slot.
	deadline := time.Now().Add(60 * time.Second)
	for {
		running, waiting := gauge(t, s.MetricsURL, "flydash_pages_in_flight"), gauge(t, s.MetricsURL, "flydash_pages_waiting")
		if running+waiting == n && waiting > 0 {
			break
		}
		if running+waiting > n || time.Now().After(deadline) {
			t.Fatalf("%d drawing and %d waiting; want all %d in flight, some queued", running, waiting, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(answers)
	lost := 0
	for a := range answers {
		if a.err != nil || a.status != http.StatusOK || !strings.Contains(a.body, "</svg>") || strings.Contains(a.body, "did not answer") {
			lost++
			t.Errorf("%s after SIGTERM: %d %v\n%.200s", a.path, a.status, a.err, a.body)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d requests in flight at SIGTERM were not answered with their chart", lost, n)
	}
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("run after SIGTERM: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("run did not return after SIGTERM")
	}
}

// gauge reads one unlabelled metric from a /metrics page.
func gauge(t *testing.T, url, name string) int {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("%s = %q", name, v)
			}
			return n
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}
