package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flydash/dashboard/promql"
)

// The overload run: many more clients than the dashboard admits,
// against the dashboard and cmd/flysim as processes of their own, as
// deployed. It checks what a spike must not do: answer anything but pages
// or deliberate 503s with Retry-After, grow memory with the clients, or
// starve the health check Fly uses to decide whether to route here.

// overloadPaths is the mix a crowd of people asks for: the list, app pages,
// chart images and explore views, over the ranges the pages offer.
var overloadRanges = []string{"1h", "6h", "24h", "7d"}

func overloadPath(rng *rand.Rand) string {
	app := storyApps[rng.IntN(len(storyApps))]
	r := overloadRanges[rng.IntN(len(overloadRanges))]
	catalog := promql.Catalog()
	chart := string(catalog[rng.IntN(len(catalog))].ID)
	switch n := rng.IntN(10); {
	case n < 3:
		return "/?range=" + r
	case n < 7:
		return "/apps/" + app + "?range=" + r
	case n < 9:
		return "/apps/" + app + "/charts/" + chart + ".svg?range=" + r
	default:
		return "/apps/" + app + "/explore/" + chart + "?range=" + r
	}
}

// overloadResult is what the clients and the health prober saw.
type overloadResult struct {
	ok, busy         int64 // 200s; 503s with Retry-After
	errors           map[string]int64
	elapsed          time.Duration
	pageMs, healthMs []float64
	healthFailed     int64
	idleRSS, peakRSS int // kB
	cpu              time.Duration
}

// overload has n clients request overloadPath for d. A client told 503 with
// Retry-After waits that long, as a browser showing the busy page does
// (it reloads itself after Retry-After); anything else that is not a 200
// is an error. Meanwhile a prober asks /healthz every 100 ms on a fresh
// connection, as Fly's checker does.
func overload(ctx context.Context, base string, n int, d time.Duration, pid int) (overloadResult, error) {
	res := overloadResult{errors: map[string]int64{}}
	var err error
	if res.idleRSS, err = procStatus(pid, "VmRSS"); err != nil {
		return res, err
	}
	cpu0, _ := cpuTime(pid)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	client := newLoadClient(n)
	gz := http.Header{"Accept-Encoding": {"gzip"}} // as browsers send; the client does not inflate
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		ok, busy atomic.Int64
	)
	start := time.Now()
	for c := range n {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 16))
			var mine []float64
			errs := map[string]int64{}
			for ctx.Err() == nil {
				t0 := time.Now()
				status, _, hdr, err := fetch(ctx, client, base+overloadPath(rng), gz)
				if ctx.Err() != nil {
					break // cut off by the end of the run: not an answer
				}
				switch {
				case err != nil:
					errs["transport: "+shortErr(err)]++
				case status == http.StatusOK:
					ok.Add(1)
					mine = append(mine, ms(time.Since(t0)))
				case status == http.StatusServiceUnavailable && hdr.Get("Retry-After") != "":
					busy.Add(1)
					secs, _ := strconv.Atoi(hdr.Get("Retry-After"))
					sleep(ctx, time.Duration(max(secs, 1))*time.Second)
				default:
					errs["HTTP "+strconv.Itoa(status)]++
				}
			}
			mu.Lock()
			res.pageMs = append(res.pageMs, mine...)
			for k, v := range errs {
				res.errors[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Go(func() {
		probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			t0 := time.Now()
			status, _, _, err := fetch(ctx, probe, base+"/healthz", nil)
			if ctx.Err() != nil {
				break
			}
			mu.Lock()
			if err != nil || status != http.StatusOK {
				res.healthFailed++
			} else {
				res.healthMs = append(res.healthMs, ms(time.Since(t0)))
			}
			mu.Unlock()
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
	})
	wg.Wait()
	res.elapsed = time.Since(start)
	res.ok, res.busy = ok.Load(), busy.Load()
	if res.peakRSS, err = procStatus(pid, "VmHWM"); err != nil {
		return res, err
	}
	cpu1, _ := cpuTime(pid)
	res.cpu = cpu1 - cpu0
	return res, nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

func runOverload(ctx context.Context, cfg config, r *report) error {
	ps, err := startProcessStack(ctx, "bench-overload-", "-prom-latency", cfg.latency.String())
	if err != nil {
		return err
	}
	defer ps.Close()
	port, err := freePort()
	if err != nil {
		return err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	env := append(append(ps.simEnv, "PORT="+strconv.Itoa(port)), cfg.dashEnv...)
	dash, err := startProcess(ps.dashBin, ps.dir, env)
	if err != nil {
		return err
	}
	defer dash.Stop()
	if err := waitHTTP(ctx, base+"/healthz", 60*time.Second); err != nil {
		log, _ := os.ReadFile(dash.log)
		return fmt.Errorf("the dashboard did not start: %w\n%s", err, lastLines(string(log), 20))
	}
	load0 := loadAvg()
	res, err := overload(ctx, base, cfg.overloadClients, cfg.overloadFor, dash.cmd.Process.Pid)
	if err != nil {
		return err
	}
	admission := "unknown"
	if log, err := os.ReadFile(dash.log); err == nil {
		for _, line := range strings.Split(string(log), "\n") {
			if strings.Contains(line, "admission") {
				admission = strings.TrimSpace(line)
				break
			}
		}
	}
	reportOverload(r, cfg, res, load0, admission)
	return nil
}

func reportOverload(r *report, cfg config, res overloadResult, load0, admission string) {
	label := fmt.Sprintf("%d clients for %s against the dashboard and cmd/flysim as processes (%s latency)",
		cfg.overloadClients, cfg.overloadFor, cfg.latency)
	if len(cfg.dashEnv) > 0 {
		label += ", " + strings.Join(cfg.dashEnv, " ")
	}
	var errTotal int64
	var kinds []string
	for k, v := range res.errors {
		errTotal += v
		kinds = append(kinds, fmt.Sprintf("%s ×%d", k, v))
	}
	sort.Strings(kinds)
	errText := "0"
	if errTotal > 0 {
		errText = fmt.Sprintf("%d (%s)", errTotal, strings.Join(kinds, ", "))
	}
	r.add("8", "errors other than 503 with Retry-After, "+label, errText, "0", ptr(errTotal == 0))
	peakMB := float64(res.peakRSS) / 1024
	r.add("8", "  same run: peak RSS (VmHWM)", fmt.Sprintf("%.1f MB (idle %.1f MB)", peakMB, float64(res.idleRSS)/1024),
		"<= 150 MB", ptr(peakMB <= 150))
	p99 := quantile(res.healthMs, 0.99)
	r.add("8", "  same run: /healthz every 100 ms on a new connection, p50 / p99 / max",
		fmt.Sprintf("%.1f / %.1f / %.1f ms (%d probes, %d failed)", median(res.healthMs), p99, maxOf(res.healthMs), len(res.healthMs), res.healthFailed),
		"p99 <= 250 ms", ptr(p99 <= 250 && res.healthFailed == 0))
	secs := res.elapsed.Seconds()
	r.add("8", "  same run: pages answered 200 / refused 503 (per second); page p50 / p95",
		fmt.Sprintf("%.0f/s / %.0f/s; %.0f / %.0f ms; dashboard CPU %.2f ms/page", float64(res.ok)/secs, float64(res.busy)/secs,
			median(res.pageMs), quantile(res.pageMs, 0.95), ms(res.cpu)/float64(max(res.ok, 1))), "", nil)
	r.add("8", "  same run: admission as the dashboard logged it; load average before the run", admission+"; "+load0, "", nil)
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
