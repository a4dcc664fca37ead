package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/promql"
)

// flyNow is 20 minutes after the simulated day's traffic peak: every
// Fly-native story (throttling, the hard limit, the crash loop, the filling
// volumes) is on. The org starts then and the dashboard's clock stands there.
var flyNow = time.Date(2026, 11, 20, 15, 20, 0, 0, time.UTC)

// TestBrowserMachines: the Fly-native stories in Chromium, at 1280 px: the
// list's reasons and marked CPU column, and the Machines group's charts
// drawn, with their limit lines, limit-reached markers and projections
// visible, and a Machines panel readable at 1280 and 390 px.
func TestBrowserMachines(t *testing.T) {
	requireChromium(t)
	st, tb := flyNowSignedIn(t)

	t.Run("list", func(t *testing.T) {
		tb.open(t, st.URL+"/")
		byApp := map[string]listRow{}
		for _, r := range eval[[]listRow](t, tb, listScript) {
			byApp[r.App] = r
		}
		for _, c := range []struct{ app, verdict, reason string }{
			{fleet.ThrottledApp, "Degraded", "shared-cpu-1x out of burst balance"},
			{fleet.ConcurrencyApp, "Degraded", "at the hard concurrency limit"},
			{fleet.CrashLoopApp, "Degraded", "crash loop on "},
			{fleet.VolumeFillingApp, "Warning", "full in about 2 days"},
		} {
			r := byApp[c.app]
			if r.Verdict != c.verdict || !strings.Contains(r.Reason, c.reason) {
				t.Errorf("%s on the list: %q %q, want %s saying %q", c.app, r.Verdict, r.Reason, c.verdict, c.reason)
			}
		}
		// The throttled app's CPU sparkline is drawn in the warning colour.
		marked := eval[bool](t, tb, fmt.Sprintf(`(() => {
			const tr = Array.from(document.querySelectorAll('table.apps tbody tr')).find(tr => tr.querySelector('a.app-name').textContent === %q);
			const cells = tr ? tr.querySelectorAll('td.spark') : [];
			const svg = cells.length === 4 ? cells[3].querySelector('svg.t-warn') : null;
			return !!svg && svg.getBoundingClientRect().width > 0;
		})()`, fleet.ThrottledApp))
		if !marked {
			t.Errorf("%s: the CPU column is not marked", fleet.ThrottledApp)
		}
		tb.checkConsole(t, "list at the peak")
		tb.screenshot(t, "20-list-fly-stories")
	})

	t.Run("concurrency", func(t *testing.T) {
		tb.open(t, st.URL+"/apps/"+fleet.ConcurrencyApp+"?range=6h")
		checkNoScript(t, tb, "chat-gateway")
		checkCharts(t, tb, "chat-gateway", chartsWithoutVolumes())
		if n := visibleLimitLines(t, tb, "concurrency"); n != 2 {
			t.Errorf("concurrency: %d limit lines visible, want soft and hard", n)
		}
		found := false
		for _, m := range eval[[]markerReport](t, tb, markerScript("limit")) {
			if m.Section == "concurrency" {
				found = true
				if m.Count == 0 || !m.Visible || !strings.HasPrefix(m.Title, "Hard limit reached on ") && !strings.Contains(m.Title, " hard limit hits, ") {
					t.Errorf("concurrency: %d hard-limit markers, visible %v (%s), title %q", m.Count, m.Visible, m.Why, m.Title)
				}
			}
		}
		if !found {
			t.Error("concurrency: no chart")
		}
		checkMachinesPanel(t, tb, "chat-gateway")
		// The answer first: under the verdict, the finding in words with
		// its flyctl command, readable and selectable without JavaScript,
		// then the chart that proves it, then the fix.
		f := eval[findingReport](t, tb, findingScript)
		if !strings.Contains(f.What, " at the hard concurrency limit of 25 connections since ") || !strings.HasPrefix(f.Command, "fly scale count ") || !f.Visible {
			t.Errorf("chat-gateway: first finding %+v; want the limit, since when, and a visible fly scale count", f)
		}
		if f.FirstChart != "concurrency" || !f.ProofBetween {
			t.Errorf("chat-gateway: the first chart is %q (between the finding's words and its command: %v), want concurrency there", f.FirstChart, f.ProofBetween)
		}
		tb.checkConsole(t, "chat-gateway")
		tb.screenshot(t, "21-app-chat-gateway")
	})

	t.Run("quota and volumes", func(t *testing.T) {
		tb.open(t, st.URL+"/apps/"+fleet.ThrottledApp+"?range=24h")
		if n := visibleLimitLines(t, tb, "cpu"); n != 1 {
			t.Errorf("cpu: %d baseline lines visible, want 1", n)
		}
		checkMachinesPanel(t, tb, "pdf-render")
		tb.checkConsole(t, "pdf-render")
		tb.screenshot(t, "22-app-pdf-render")

		tb.open(t, st.URL+"/apps/"+fleet.VolumeFillingApp+"?range=24h")
		dashed := eval[int](t, tb, `Array.from(document.querySelectorAll('#volumes figure svg g.sr path.l.d')).filter(p => p.getBBox().width > 0).length`)
		if dashed != 3 {
			t.Errorf("volumes: %d projections drawn, want one per volume (3)", dashed)
		}
		note := eval[string](t, tb, `(document.querySelector('#volumes .chart-note') || {}).textContent || ''`)
		if !strings.Contains(note, "full in about 2 days at the last 6 h's rate") {
			t.Errorf("volumes: note %q", note)
		}
		// No HTTP service: the concurrency panel is one line, not a box.
		if h := eval[float64](t, tb, `document.querySelector('#concurrency').getBoundingClientRect().height`); h > 80 {
			t.Errorf("the concurrency panel of an app without HTTP is %.0f px tall, want one line", h)
		}
		tb.checkConsole(t, "orders-db")
		tb.screenshot(t, "23-app-orders-db")
	})
}

// visibleLimitLines counts a chart's limit lines that have an extent.
func visibleLimitLines(t *testing.T, tb *tab, section string) int {
	t.Helper()
	return eval[int](t, tb, `Array.from(document.querySelectorAll('#`+section+` figure svg g.sr path.l.lim')).filter(p => {
		const b = p.getBBox(), s = getComputedStyle(p);
		return b.width > 100 && s.stroke !== 'none' && s.visibility !== 'hidden';
	}).length`)
}

// checkMachinesPanel: at 1280 px and at 390 px each machine's id, region,
// size, state, restarts and release sit in their own space inside the
// panel, none overlapping another, and the release is written whole.
func checkMachinesPanel(t *testing.T, tb *tab, page string) {
	t.Helper()
	type report struct {
		Machines int
		Problems []string
		Sizes    []string
	}
	for _, width := range []int64{1280, 390} {
		tb.do(t, "set the viewport", chromedp.EmulateViewport(width, 900))
		r := eval[report](t, tb, `(() => {
			const out = {Machines: 0, Problems: [], Sizes: []};
			const panel = document.querySelector('#machines-h').closest('section').getBoundingClientRect();
			for (const li of document.querySelectorAll('ul.machine-list > li')) {
				out.Machines++;
				const parts = ['.m-id code', '.m-id .region', '.m-size', '.m-state', '.m-restarts', '.m-release'].map(sel => [sel, li.querySelector(sel)]);
				const boxes = [];
				for (const [sel, el] of parts) {
					if (!el) { out.Problems.push(sel + ' missing'); continue; }
					for (const r of el.getClientRects()) {
						if (r.width === 0) continue;
						if (r.left < panel.left - 1 || r.right > panel.right + 1) out.Problems.push(sel + ' leaves the panel');
						boxes.push([sel, r]);
					}
				}
				for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
					const [a, ra] = boxes[i], [b, rb] = boxes[j];
					if (a === b) continue;
					const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
					const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
					if (x > 1 && y > 1) out.Problems.push(a + ' overlaps ' + b);
				}
				const rel = li.querySelector('.m-release .image');
				if (rel && (rel.scrollWidth > rel.clientWidth + 1 || rel.textContent.includes('…'))) out.Problems.push('release cut: ' + rel.textContent);
				out.Sizes.push((li.querySelector('.m-size') || {}).textContent || '');
			}
			return out;
		})()`)
		if r.Machines == 0 || len(r.Problems) > 0 {
			t.Errorf("%s at %d px: %d machines; %q", page, width, r.Machines, r.Problems)
		}
		for _, s := range r.Sizes {
			if !strings.HasPrefix(strings.TrimSpace(s), "shared-cpu-") || !strings.Contains(s, "MB") && !strings.Contains(s, "GB") {
				t.Errorf("%s at %d px: machine size %q, want Fly's name and memory", page, width, s)
			}
		}
	}
	tb.do(t, "reset the viewport", chromedp.EmulateViewport(1280, 900))
}

// chartsWithoutVolumes is how many charts the page of an HTTP app on shared
// CPUs without a volume and never throttled draws: every query of both
// groups but the volumes and the throttled time, whose panels are one line.
func chartsWithoutVolumes() int { return len(promql.Catalog()) + len(promql.MachinesCatalog()) - 2 }

type findingReport struct {
	What, Command, FirstChart string
	Visible, ProofBetween     bool
}

// findingScript reads the app page's first finding, its first command, and
// the first chart; ProofBetween is set when that chart is inside the
// finding, drawn under its words and above its command.
const findingScript = `(() => {
	const f = document.querySelector('section.findings .finding');
	const code = f ? f.querySelector('code.cmd') : null;
	const chart = document.querySelector('section.panel');
	const r = code ? code.getBoundingClientRect() : {width: 0, height: 0};
	return {
		What: f ? f.querySelector('.what').textContent.trim() : '',
		Command: code ? code.textContent.trim() : '',
		Visible: r.width > 0 && r.height > 0,
		FirstChart: chart ? chart.id : '',
		ProofBetween: !!(f && chart && code) && f.contains(chart) &&
			f.querySelector('.what').getBoundingClientRect().bottom <= chart.getBoundingClientRect().top &&
			chart.getBoundingClientRect().bottom <= r.top,
	};
})()`
