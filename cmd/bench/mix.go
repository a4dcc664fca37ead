package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flydash/dashboard/promql"
)

// The mix run: what a crowd of people asks of one dashboard machine, by
// kind of request, against the dashboard and cmd/flysim as processes of
// their own (flysim adds 50 ms latency and up to 20 ms jitter to both
// APIs). It prints, in one run, peak RSS, p50/p99 per kind, /healthz p99,
// the requests shed (503 with Retry-After) and every status seen.

// mixKinds are the kinds of request and how often each is asked, in
// tenths of a percent.
var mixKinds = []struct {
	name   string
	weight int
	path   func(rng *rand.Rand, app, chart string) string
}{
	{"list", 200, func(rng *rand.Rand, _, _ string) string { return "/?range=" + pick(rng, "1h", "6h", "24h", "7d") }},
	{"app", 250, func(rng *rand.Rand, app, _ string) string {
		return "/apps/" + app + "?range=" + pick(rng, "1h", "24h", "7d")
	}},
	{"compare", 100, func(rng *rand.Rand, app, _ string) string {
		return "/apps/" + app + "?range=" + pick(rng, "1h", "24h") + "&compare=" + pick(rng, "1d", "7d")
	}},
	{"svg", 100, func(rng *rand.Rand, app, chart string) string { return chartFile(rng, app, chart, ".svg") }},
	{"csv", 50, func(rng *rand.Rand, app, chart string) string { return chartFile(rng, app, chart, ".csv") }},
	{"json", 50, func(rng *rand.Rand, app, chart string) string { return chartFile(rng, app, chart, ".json") }},
	{"explore", 100, func(rng *rand.Rand, app, chart string) string {
		return "/apps/" + app + "/explore/" + chart + "?range=" + pick(rng, "1h", "24h", "7d")
	}},
	{"static", 150, func(rng *rand.Rand, _, _ string) string { return pick(rng, "/static/app.css", "/static-charts.css") }},
}

func pick(rng *rand.Rand, xs ...string) string { return xs[rng.IntN(len(xs))] }

func chartFile(rng *rand.Rand, app, chart, ext string) string {
	return "/apps/" + app + "/charts/" + chart + ext + "?range=" + pick(rng, "1h", "24h", "7d")
}

func mixRequest(rng *rand.Rand) (kind, path string) {
	catalog := promql.Catalog()
	app, chart := storyApps[rng.IntN(len(storyApps))], string(catalog[rng.IntN(len(catalog))].ID)
	n := rng.IntN(1000)
	for _, k := range mixKinds {
		if n < k.weight {
			return k.name, k.path(rng, app, chart)
		}
		n -= k.weight
	}
	panic("mixKinds' weights do not add up to 1000")
}

// mixResult is what the clients, the health prober and the RSS sampler saw.
type mixResult struct {
	ms       map[string][]float64 // per kind, answered 200
	statuses map[string]int64     // "200", "503+Retry-After", "transport: ..."
	shed     int64
	noData   int64 // app pages with a panel saying "No data"
	healthMs []float64
	healthKO int64
	idleRSS  int
	peakRSS  int
	mem      string // the Go runtime's view at peak, from /metrics
	elapsed  time.Duration
}

// mix has n clients send mixRequest for d, as browsers with gzip. A client
// told 503 with Retry-After waits that long, as the busy page does.
func mix(ctx context.Context, base string, n int, d time.Duration, pid int) (mixResult, error) {
	res := mixResult{ms: map[string][]float64{}, statuses: map[string]int64{}}
	var err error
	if res.idleRSS, err = procStatus(pid, "VmRSS"); err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	client := newLoadClient(n)
	gz := http.Header{"Accept-Encoding": {"gzip"}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for c := range n {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 25))
			for ctx.Err() == nil {
				kind, path := mixRequest(rng)
				t0 := time.Now()
				status, body, hdr, err := fetch(ctx, client, base+path, gz)
				if ctx.Err() != nil {
					break // cut off by the end of the run: not an answer
				}
				took := ms(time.Since(t0))
				key := strconv.Itoa(status)
				switch {
				case err != nil:
					key = "transport: " + shortErr(err)
				case status == http.StatusServiceUnavailable && hdr.Get("Retry-After") != "":
					key = "503+Retry-After"
				case status != http.StatusOK:
					key += " " + kind + " (" + whyNot(body, hdr) + ")"
				}
				mu.Lock()
				res.statuses[key]++
				if status == http.StatusOK && err == nil {
					res.ms[kind] = append(res.ms[kind], took)
					if (kind == "app" || kind == "compare") && bytes.Contains(plain(body, hdr), []byte("No data")) {
						res.noData++
					}
				}
				mu.Unlock()
				if key == "503+Retry-After" {
					secs, _ := strconv.Atoi(hdr.Get("Retry-After"))
					sleep(ctx, time.Duration(max(secs, 1))*time.Second)
				}
			}
		})
	}
	wg.Go(func() {
		probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		peak := 0
		for ctx.Err() == nil {
			t0 := time.Now()
			status, _, _, err := fetch(ctx, probe, base+"/healthz", nil)
			if ctx.Err() != nil {
				break
			}
			took := ms(time.Since(t0))
			// The Go runtime's own account at the highest RSS seen.
			if rss, _ := procStatus(pid, "VmRSS"); rss > peak {
				peak = rss
				if mem := goMemory(ctx, probe, base); mem != "" {
					mu.Lock()
					res.mem = fmt.Sprintf("at %.0f MB RSS: %s", float64(rss)/1024, mem)
					mu.Unlock()
				}
			}
			mu.Lock()
			if err != nil || status != http.StatusOK {
				res.healthKO++
			} else {
				res.healthMs = append(res.healthMs, took)
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
	res.shed = res.statuses["503+Retry-After"]
	res.peakRSS, err = procStatus(pid, "VmHWM")
	return res, err
}

// plain is body as sent before compression.
func plain(body []byte, hdr http.Header) []byte {
	if hdr.Get("Content-Encoding") != "gzip" {
		return body
	}
	b, err := gunzip(body)
	if err != nil {
		return nil
	}
	return b
}

// whyNot is the first sentence a refusal gives: a page's message or an
// image's description.
func whyNot(body []byte, hdr http.Header) string {
	b := string(plain(body, hdr))
	for _, tag := range []string{"<desc>", `<p class="message">`, "<p>"} {
		if _, rest, ok := strings.Cut(b, tag); ok {
			msg, _, _ := strings.Cut(rest, "<")
			msg, _, _ = strings.Cut(msg, ".")
			return msg
		}
	}
	return ""
}

// goMemory reads the dashboard's /metrics for where its memory is: heap
// in use, heap the runtime holds idle and has not returned, stacks.
func goMemory(ctx context.Context, c *http.Client, base string) string {
	status, body, _, err := fetch(ctx, c, base+"/metrics", nil)
	if err != nil || status != http.StatusOK {
		return ""
	}
	v := map[string]float64{}
	for line := range strings.SplitSeq(string(body), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if ok && strings.HasPrefix(name, "go_memstats_") {
			v[name], _ = strconv.ParseFloat(val, 64)
		}
	}
	mb := func(k string) float64 { return v["go_memstats_"+k] / (1 << 20) }
	return fmt.Sprintf("heap in use %.1f MB, heap idle %.1f MB (released %.1f), stacks %.1f MB, other runtime %.1f MB",
		mb("heap_inuse_bytes"), mb("heap_idle_bytes"), mb("heap_released_bytes"), mb("stack_inuse_bytes"),
		mb("sys_bytes")-mb("heap_sys_bytes")-mb("stack_sys_bytes"))
}

func runMix(ctx context.Context, cfg config, r *report) error {
	ps, err := startProcessStack(ctx, "bench-mix-", "-prom-latency", "50ms", "-machines-latency", "50ms", "-jitter", "20ms")
	if err != nil {
		return err
	}
	defer ps.Close()
	dash, base, err := startDashboard(ctx, cfg, ps.dashBin, ps.dir, ps.simEnv)
	if err != nil {
		return err
	}
	defer dash.Stop()
	load0 := loadAvg()
	res, err := mix(ctx, base, cfg.mixClients, cfg.mixFor, dash.cmd.Process.Pid)
	if err != nil {
		return err
	}
	reportMix(r, cfg, res, load0)
	return nil
}

func reportMix(r *report, cfg config, res mixResult, load0 string) {
	label := fmt.Sprintf("mix, %d clients for %s, flysim process at 50 ms ± 20 ms", cfg.mixClients, cfg.mixFor)
	peakMB := float64(res.peakRSS) / 1024
	r.add("mix", label+": peak RSS (VmHWM)", fmt.Sprintf("%.1f MB (idle %.1f MB)", peakMB, float64(res.idleRSS)/1024), "<= 150 MB", ptr(peakMB <= 150))
	r.add("mix", "  same run: Go memory at the peak", res.mem, "", nil)
	p99 := quantile(res.healthMs, 0.99)
	r.add("mix", "  same run: /healthz p99 (every 100 ms, new connection)",
		fmt.Sprintf("%.1f ms (%d probes, %d failed)", p99, len(res.healthMs), res.healthKO), "<= 250 ms", ptr(p99 <= 250 && res.healthKO == 0))
	var statuses []string
	other := int64(0)
	for k, v := range res.statuses {
		statuses = append(statuses, fmt.Sprintf("%s ×%d", k, v))
		if k != "200" && k != "503+Retry-After" {
			other += v
		}
	}
	sort.Strings(statuses)
	r.add("mix", "  same run: statuses; shed (503 with Retry-After)",
		fmt.Sprintf("%s; shed %d", strings.Join(statuses, ", "), res.shed), "only 200 and 503+Retry-After", ptr(other == 0))
	var kinds []string
	for _, k := range mixKinds {
		xs := res.ms[k.name]
		kinds = append(kinds, fmt.Sprintf("%s %d: %.0f/%.0f", k.name, len(xs), median(xs), quantile(xs, 0.99)))
	}
	r.add("mix", "  same run: per kind, answers and p50/p99 ms", strings.Join(kinds, "; "), "", nil)
	r.add("mix", "  same run: app pages with a panel saying \"No data\"; load before",
		fmt.Sprintf("%d; %s", res.noData, load0), "", nil)
}
