package e2e

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/flydash/dashboard/flysim/fleet"
)

// TestBrowserPhone: at 390 px, as on a phone, the list reflows without
// scrolling sideways, and an app page with findings shows its verdict and
// its machines before the first chart; links and summaries are at least
// 24 px tall to tap.
func TestBrowserPhone(t *testing.T) {
	requireChromium(t)
	st := newStack(t)
	browser := newBrowser(t)
	tb := newTab(t, browser)
	tb.do(t, "emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	navigate(t, tb, st.URL+"/login")
	tb.do(t, "type the password", chromedp.SendKeys(chromedp.CSS(`#password`), e2ePassword))
	if status := clickAndLoad(t, tb, `form[action="/login"] button[type=submit]`); status != http.StatusOK {
		t.Fatalf("signing in: HTTP %d", status)
	}

	t.Run("list", func(t *testing.T) {
		tb.open(t, st.URL+"/")
		type widths struct{ Viewport, Page, Rows int }
		w := eval[widths](t, tb, `({Viewport: window.innerWidth, Page: document.documentElement.scrollWidth, Rows: document.querySelectorAll('table.apps tbody tr').length})`)
		if w.Viewport != 390 || w.Rows == 0 {
			t.Fatalf("viewport %d px with %d apps, want 390 px and the story apps", w.Viewport, w.Rows)
		}
		if w.Page > w.Viewport {
			t.Errorf("the list is %d px wide in a %d px viewport: it scrolls sideways", w.Page, w.Viewport)
		}
		// Every sparkline is inside the screen, not clipped past its edge.
		if n := eval[int](t, tb, `Array.from(document.querySelectorAll('table.apps td.spark')).filter(td => td.getBoundingClientRect().right > window.innerWidth + 1).length`); n > 0 {
			t.Errorf("%d sparkline cells reach past the right edge", n)
		}
		checkTapTargets(t, tb, "list")
		tb.checkConsole(t, "list on a phone")
		tb.screenshot(t, "30-phone-list")
	})

	t.Run("app page", func(t *testing.T) {
		tb.open(t, st.URL+"/apps/"+fleet.IncidentApp+"?range=6h")
		type tops struct{ Verdict, Machines, Chart, Page, Viewport float64 }
		r := eval[tops](t, tb, `(() => {
			const top = sel => { const e = document.querySelector(sel); return e ? e.getBoundingClientRect().top + window.scrollY : -1; };
			return {Verdict: top('.app-verdict'), Machines: top('#machines-h'), Chart: top('.charts figure'),
				Page: document.documentElement.scrollWidth, Viewport: window.innerWidth};
		})()`)
		if r.Verdict < 0 || r.Machines < 0 || r.Chart < 0 {
			t.Fatalf("verdict at %v, machines at %v, first chart at %v: one is missing", r.Verdict, r.Machines, r.Chart)
		}
		if r.Verdict > r.Chart || r.Machines > r.Chart {
			t.Errorf("verdict at %.0f px and machines at %.0f px, first chart at %.0f px: want both above it", r.Verdict, r.Machines, r.Chart)
		}
		if r.Page > r.Viewport {
			t.Errorf("the app page is %.0f px wide in a %.0f px viewport", r.Page, r.Viewport)
		}
		checkTapTargets(t, tb, "app page")
		tb.checkConsole(t, "app page on a phone")
		tb.screenshot(t, "31-phone-app")
	})
}

// checkTapTargets finds links, buttons and summaries shorter than 24 px
// that are not inline in a sentence.
func checkTapTargets(t *testing.T, tb *tab, page string) {
	t.Helper()
	small := eval[[]string](t, tb, `Array.from(document.querySelectorAll('main a, main button, main summary, header a, header button'))
		.filter(e => {
			const r = e.getBoundingClientRect();
			if (r.width === 0 || e.closest('p, li, td.health, svg, .verdict')) return false;
			return r.height < 24;
		})
		.map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 30) + ' ' + Math.round(e.getBoundingClientRect().height) + 'px')`)
	if len(small) > 0 {
		t.Errorf("%s: %d tap targets under 24 px: %q", page, len(small), small)
	}
}
