package e2e

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/flydash/dashboard/flysim/fleet"
)

// minTextPx is the smallest chart text, in CSS px as drawn, that a person
// reads on a phone without zooming.
const minTextPx = 11

// TestBrowserChartText: on an app page with findings and on one with
// volumes, every text in every chart and the region map is drawn at least
// 11 CSS px tall, on a 390 px phone and on a 1280 px laptop: font size
// times the scale the SVG is drawn at, so a viewBox shrunk to fit is
// caught. Neither page scrolls sideways.
func TestBrowserChartText(t *testing.T) {
	requireChromium(t)
	st := newStack(t)
	browser := newBrowser(t)
	tb := newTab(t, browser)
	navigate(t, tb, st.URL+"/login")
	tb.do(t, "type the password", chromedp.SendKeys(chromedp.CSS(`#password`), e2ePassword))
	if status := clickAndLoad(t, tb, `form[action="/login"] button[type=submit]`); status != http.StatusOK {
		t.Fatalf("signing in: HTTP %d", status)
	}
	for _, vp := range []struct {
		name   string
		width  int64
		height int64
		mobile bool
	}{{"phone", 390, 844, true}, {"laptop", 1280, 900, false}} {
		t.Run(vp.name, func(t *testing.T) {
			opts := []chromedp.EmulateViewportOption{}
			if vp.mobile {
				opts = append(opts, chromedp.EmulateMobile)
			}
			tb.do(t, "set the viewport", chromedp.EmulateViewport(vp.width, vp.height, opts...))
			// pdf-render has findings and the charts that prove them;
			// orders-db has the volumes chart with its projection and table.
			for _, app := range []string{fleet.ThrottledApp, fleet.VolumeFillingApp} {
				r := chartText(t, tb, st.URL+"/apps/"+app)
				if r.Viewport != int(vp.width) {
					t.Fatalf("viewport %d px, want %d", r.Viewport, vp.width)
				}
				// The page has a dozen charts and the map: a handful of
				// texts would mean they did not render, not that they passed.
				if r.Charts < 8 || r.Drawn < 60 {
					t.Fatalf("%s: %d charts with %d texts drawn: the page did not render its charts", app, r.Charts, r.Drawn)
				}
				for _, s := range r.Small {
					t.Errorf("%s at %d px: %q in %s is drawn %.1f px tall, want at least %d", app, vp.width, s.Text, s.Where, s.Px, minTextPx)
				}
				if r.Page > r.Viewport {
					t.Errorf("%s at %d px: the page is %d px wide, it scrolls sideways", app, vp.width, r.Page)
				}
				t.Logf("%s: %d charts, %d texts drawn, %d under %d px", app, r.Charts, r.Drawn, len(r.Small), minTextPx)
			}
			tb.checkConsole(t, "app page, chart text")
			tb.screenshot(t, "32-chart-text-"+vp.name)
		})
	}
}

type chartTextReport struct {
	Viewport, Page, Charts, Drawn int
	Small                         []struct {
		Where, Text string
		Px          float64
	}
}

// chartText opens target and measures every text drawn in its SVGs.
func chartText(t *testing.T, tb *tab, target string) chartTextReport {
	t.Helper()
	tb.open(t, target)
	return eval[chartTextReport](t, tb, `(() => {
		const small = [];
		let drawn = 0;
		for (const t of document.querySelectorAll('main svg text')) {
			const box = t.getBoundingClientRect();
			if (box.width === 0 || box.height === 0) continue; // hidden, e.g. alternate time labels on a phone
			drawn++;
			const m = t.getScreenCTM();
			const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
			if (px < `+strconv.Itoa(minTextPx)+`) {
				const host = t.closest('section[id]');
				small.push({Where: host ? '#' + host.id : 'the page', Text: t.textContent.slice(0, 40), Px: Math.round(px * 10) / 10});
			}
		}
		return {Viewport: window.innerWidth, Page: document.documentElement.scrollWidth,
			Charts: document.querySelectorAll('main figure svg').length, Drawn: drawn, Small: small};
	})()`)
}
