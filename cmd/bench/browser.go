package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/internal/headless"
)

// visibleScript runs in every document before its own scripts. On each
// animation frame it checks whether every chart is drawn, and records the
// time (ms since navigation start) in window.__chartsVisible the first
// time they are:
//   - the dashboard: six inline SVG charts laid out;
//   - go-echarts: six ECharts instances with their series set and nothing
//     left to paint;
//   - Prometheus' classic graph page: its graph's line paths drawn.
//
// Each page matches only its own test, so one script serves all three.
const visibleScript = `(() => {
  if (location.protocol === "about:") return;
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const drawn = () => {
    const svgs = document.querySelectorAll("section.chart figure > svg");
    if (svgs.length >= 6 && [...svgs].every(shown)) return true;
    if (window.echarts) {
      const els = document.querySelectorAll("[_echarts_instance_]");
      if (els.length >= 6 && [...els].every(el => {
        const c = window.echarts.getInstanceByDom(el);
        if (!c || !shown(el)) return false;
        const o = c.getOption();
        return o && o.series && o.series.length > 0 && !c.getZr()._needsRefresh;
      })) return true;
    }
    const lines = document.querySelectorAll(".graph_area svg path.line, .graph svg path.path");
    return lines.length > 0 && [...lines].some(p => (p.getAttribute("d") || "").length > 20 && shown(p));
  };
  const tick = () => {
    if (drawn()) { window.__chartsVisible = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`

// pageLoad is one load of a page in the browser.
type pageLoad struct {
	// ms since navigation start: the first byte of the page, every chart
	// drawn, the load event's end.
	FirstByte, Visible, LoadEvent float64
	Bytes                         float64 // encoded bytes over the network, headers included
	Requests                      int
}

// netMeter sums the network traffic of the tab since the last reset.
type netMeter struct {
	mu       sync.Mutex
	bytes    float64
	requests int
}

func (m *netMeter) listen(ev any) {
	switch ev := ev.(type) {
	case *network.EventLoadingFinished:
		m.mu.Lock()
		m.bytes += ev.EncodedDataLength
		m.mu.Unlock()
	case *network.EventRequestWillBeSent:
		m.mu.Lock()
		m.requests++
		m.mu.Unlock()
	}
}

func (m *netMeter) take() (float64, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, n := m.bytes, m.requests
	m.bytes, m.requests = 0, 0
	return b, n
}

// browser is one headless Chromium with a fresh profile and one tab.
type browser struct {
	ctx    context.Context
	cancel func()
	meter  *netMeter
	// shots, when set, is a directory for a screenshot of every load.
	shots string
	shot  int
}

func startBrowser(path string) (*browser, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%s is missing: install Debian's chromium package: %w", path, err)
	}
	profile, err := os.MkdirTemp("", "bench-chromium-")
	if err != nil {
		return nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), headless.Options(path, profile)...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b := &browser{ctx: ctx, meter: &netMeter{}, cancel: func() {
		cancelCtx()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	}}
	if err := chromedp.Do(ctx); err != nil {
		b.cancel()
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	if err := chromedp.Listen(ctx, b.meter.listen); err != nil {
		b.cancel()
		return nil, err
	}
	// Chart detection must run on the dashboard's page too, whose policy
	// forbids every script: bypassing CSP changes nothing else.
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		b.cancel()
		return nil, err
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: visibleScript}); err != nil {
		b.cancel()
		return nil, err
	}
	return b, nil
}

// load opens url and waits until every chart is drawn, then a moment
// more for late requests, and reports the times and the traffic.
func (b *browser) load(url string) (pageLoad, error) {
	var l pageLoad
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		return l, err
	}
	time.Sleep(200 * time.Millisecond)
	b.meter.take()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return l, fmt.Errorf("open %s: %w", url, err)
	}
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.__chartsVisible || 0`))
		if err != nil {
			return l, fmt.Errorf("%s: %w", url, err)
		}
		if v > 0 {
			l.Visible = v
			break
		}
		select {
		case <-ctx.Done():
			return l, fmt.Errorf("%s: the charts never all showed: %w", url, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	time.Sleep(500 * time.Millisecond)
	nav, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(e => [e.responseStart, e.loadEventEnd])(performance.getEntriesByType("navigation")[0])`))
	if err != nil {
		return l, err
	}
	l.FirstByte, l.LoadEvent = nav[0], nav[1]
	if b.shots != "" {
		img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return l, err
		}
		b.shot++
		if err := os.WriteFile(filepath.Join(b.shots, fmt.Sprintf("load-%02d.png", b.shot)), img, 0o644); err != nil {
			return l, err
		}
	}
	l.Bytes, l.Requests = b.meter.take()
	return l, nil
}

func (b *browser) Close() { b.cancel() }

// pageKind is one of the pages compared.
type pageKind struct {
	name   string
	charts int
	url    func() string
	loads  []pageLoad
}

func runBrowser(ctx context.Context, cfg config, r *report) error {
	s, err := startStack(ctx, stackOptions{Sim: flysim.Options{PromLatency: cfg.latency}})
	if err != nil {
		return err
	}
	defer s.Close()
	ec, err := startEChartsServer(s.Prom)
	if err != nil {
		return err
	}
	defer ec.Close()

	// Every load asks for a window nobody asked for before, so both
	// servers pay for their queries each time, as on a first view.
	end, n := time.Now(), 0
	window := func() (time.Time, time.Time) {
		to := end.Add(-time.Duration(n) * 7 * time.Minute)
		n++
		return to.Add(-24 * time.Hour), to
	}
	kinds := []*pageKind{
		{name: "dashboard (server-side SVG)", charts: 6, url: func() string {
			from, to := window()
			return fmt.Sprintf("%s/apps/%s?from=%d&to=%d", s.URL, floorApp, from.Unix(), to.Unix())
		}},
		{name: "go-echarts page (ECharts in the browser)", charts: 6, url: func() string {
			from, to := window()
			return echartsPageURL(ec.URL, floorApp, from, to)
		}},
	}
	var promNote string
	if cfg.prometheus {
		start := time.Now()
		p, err := startPrometheus(ctx, s, floorApp, "latency", 24*time.Hour)
		if err != nil {
			promNote = "skipped: " + err.Error()
		} else {
			defer p.Close()
			fmt.Printf("  Prometheus %s loaded in %s\n", p.URL, time.Since(start).Round(time.Second))
			kinds = append(kinds, &pageKind{name: "Prometheus graph page (1 chart: latency)", charts: 1, url: func() string { return p.GraphURL(24 * time.Hour) }})
		}
	} else {
		promNote = "skipped (-prometheus=false)"
	}

	b, err := startBrowser(cfg.chromium)
	if err != nil {
		return err
	}
	defer b.Close()
	b.shots = cfg.screenshots
	for i := range cfg.browserLoads {
		for j := range kinds {
			k := kinds[(i+j)%len(kinds)]
			if i == 0 {
				k = kinds[j]
			}
			l, err := b.load(k.url())
			if err != nil {
				return fmt.Errorf("%s: %w", k.name, err)
			}
			k.loads = append(k.loads, l)
		}
	}

	type summary struct{ firstVisible, warmVisible, firstBytes, warmBytes, warmLoad, warmFirstByte float64 }
	sum := func(k *pageKind) summary {
		var vis, byt, le, fb []float64
		later := k.loads[1:]
		if len(later) == 0 {
			later = k.loads // one load: it is both the first and the later
		}
		for _, l := range later {
			vis, byt, le, fb = append(vis, l.Visible), append(byt, l.Bytes), append(le, l.LoadEvent), append(fb, l.FirstByte)
		}
		return summary{k.loads[0].Visible, median(vis), k.loads[0].Bytes, median(byt), median(le), median(fb)}
	}
	ours := sum(kinds[0])
	for i, k := range kinds {
		sm := sum(k)
		r.add("6", fmt.Sprintf("%s: charts visible, first load / later loads (median of %d)", k.name, max(len(k.loads)-1, 1)),
			fmt.Sprintf("%.0f ms / %.0f ms (later loads: first byte %.0f ms, load event %.0f ms)", sm.firstVisible, sm.warmVisible, sm.warmFirstByte, sm.warmLoad), "", nil)
		r.add("6", fmt.Sprintf("%s: bytes transferred, first load / later loads", k.name),
			fmt.Sprintf("%s / %s (%d requests first)", kb(int(sm.firstBytes)), kb(int(sm.warmBytes)), k.loads[0].Requests), "", nil)
		if i > 0 {
			r.add("6", fmt.Sprintf("  ratio %s / dashboard: time first, later; bytes first, later", k.name),
				fmt.Sprintf("%.2fx, %.2fx; %.1fx, %.1fx", sm.firstVisible/ours.firstVisible, sm.warmVisible/ours.warmVisible,
					sm.firstBytes/ours.firstBytes, sm.warmBytes/ours.warmBytes), "", nil)
		}
	}
	if promNote != "" {
		r.add("6", "Prometheus graph page", promNote, "", nil)
		if cfg.prometheus {
			return errors.New("prometheus: " + promNote)
		}
	}
	return nil
}
