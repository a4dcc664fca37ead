package e2e

import (
	"strings"
	"testing"
)

// chartReport describes one drawn chart of a page.
type chartReport struct {
	Section       string // the panel's id: the query's slug
	Width, Height float64
	Lines, Drawn  int    // series paths, and those with a visible extent
	XLabels       string // the time axis' labels, joined
}

// checkCharts asserts that the page shows want charts and that each is
// drawn: a non-zero box and at least one series path with a visible extent.
func checkCharts(t *testing.T, tb *tab, page string, want int) []chartReport {
	t.Helper()
	got := eval[[]chartReport](t, tb, `Array.from(document.querySelectorAll('figure svg.fdc')).map(svg => {
		const r = svg.getBoundingClientRect();
		const lines = Array.from(svg.querySelectorAll('g.sr path'));
		const drawn = lines.filter(p => {
			if ((p.getAttribute('d') || '').trim() === '') return false;
			const b = p.getBBox();
			return b.width > 0 || b.height > 0;
		});
		const section = svg.closest('section');
		return {
			Section: section ? section.id : '',
			Width: r.width, Height: r.height,
			Lines: lines.length, Drawn: drawn.length,
			XLabels: Array.from(svg.querySelectorAll('g.xl text')).map(e => e.textContent).join(' '),
		};
	})`)
	if len(got) != want {
		t.Errorf("%s: %d charts, want %d", page, len(got), want)
	}
	for _, c := range got {
		if c.Width < 100 || c.Height < 50 {
			t.Errorf("%s: chart %s is %.0fx%.0f px", page, c.Section, c.Width, c.Height)
		}
		if c.Lines == 0 || c.Drawn == 0 {
			t.Errorf("%s: chart %s draws %d series paths, %d with a visible extent", page, c.Section, c.Lines, c.Drawn)
		}
	}
	return got
}

// checkVisibleSVGs asserts that every SVG matched (sparklines, verdict
// glyphs) has a non-zero box; none at all is fine.
func checkVisibleSVGs(t *testing.T, tb *tab, page, selector string) {
	t.Helper()
	empty := eval[int](t, tb, `Array.from(document.querySelectorAll('`+selector+`')).filter(svg => {
		const r = svg.getBoundingClientRect();
		return r.width === 0 || r.height === 0;
	}).length`)
	if empty > 0 {
		t.Errorf("%s: %d SVGs have no size", page, empty)
	}
}

// markerReport is what a chart shows of one kind of event marker.
type markerReport struct {
	Section string
	Count   int
	Visible bool
	Why     string // why not visible
	Title   string // the first marker's hover text
}

// markerScript reports, for each chart, its markers of kind and whether
// the first one can be seen and pointed at: a glyph with a box inside the
// chart, not hidden by CSS, and on top at its own centre.
func markerScript(kind string) string {
	return `Array.from(document.querySelectorAll('figure svg.fdc')).map(svg => {
		const section = svg.closest('section');
		const marks = svg.querySelectorAll('.mks .mk.k-` + kind + `');
		const out = {Section: section ? section.id : '', Count: marks.length, Visible: false, Why: '', Title: ''};
		if (marks.length === 0) return out;
		const mk = marks[0];
		const title = mk.querySelector('title');
		out.Title = title ? title.textContent : '';
		const glyph = mk.querySelector('.gl');
		const line = mk.querySelector('.ml');
		if (!glyph || !line) { out.Why = 'no glyph or line'; return out; }
		glyph.scrollIntoView({block: 'center', behavior: 'instant'});
		const g = glyph.getBoundingClientRect(), l = line.getBoundingClientRect(), s = svg.getBoundingClientRect();
		const style = getComputedStyle(glyph), lineStyle = getComputedStyle(line);
		if (g.width === 0 || g.height === 0) { out.Why = 'glyph has no size'; return out; }
		if (l.height === 0) { out.Why = 'line has no height'; return out; }
		if (g.left < s.left || g.right > s.right || g.top < s.top || g.bottom > s.bottom) { out.Why = 'glyph outside the chart'; return out; }
		if (style.visibility === 'hidden' || style.display === 'none' || style.opacity === '0' || style.fill === 'none') { out.Why = 'glyph hidden by CSS'; return out; }
		if (lineStyle.visibility === 'hidden' || lineStyle.opacity === '0' || lineStyle.stroke === 'none') { out.Why = 'line hidden by CSS'; return out; }
		const top = document.elementFromPoint(g.left + g.width / 2, g.top + g.height / 2);
		// Markers of one moment (a deploy of every machine) overlap: any of
		// them on top will do.
		if (!top || !top.closest('.mk.k-` + kind + `')) { out.Why = 'covered by ' + (top ? top.tagName + '.' + top.getAttribute('class') : 'nothing'); return out; }
		out.Visible = true;
		return out;
	})`
}

// checkRegionMap: the app page's region map is drawn, at a visible size,
// with a mark for each of the app's regions that the pointer can reach.
func checkRegionMap(t *testing.T, tb *tab, want []string) {
	t.Helper()
	type report struct {
		Width, Height float64
		Marks         []string
		Hit           string
	}
	got := eval[report](t, tb, `(() => {
		const svg = document.querySelector('#map figure svg.fdm');
		if (!svg) return {Width: 0, Height: 0, Marks: [], Hit: ''};
		const r = svg.getBoundingClientRect();
		const marks = [...svg.querySelectorAll('g.mr > title')].map(t => t.textContent.split(' ')[0]).sort();
		// What is under the pointer at the first disc's centre: its mark.
		const disc = svg.querySelector('g.mr circle.dk');
		let hit = '';
		if (disc) {
			disc.scrollIntoView();
			const b = disc.getBoundingClientRect();
			const el = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
			const g = el && el.closest('g.mr');
			hit = g ? g.querySelector('title').textContent.split(' ')[0] : '';
		}
		return {Width: r.width, Height: r.height, Marks: marks, Hit: hit};
	})()`)
	if got.Width < 300 || got.Height < 150 {
		t.Errorf("region map is %.0fx%.0f px", got.Width, got.Height)
	}
	if strings.Join(got.Marks, " ") != strings.Join(want, " ") {
		t.Errorf("region map marks %v, want %v", got.Marks, want)
	}
	if got.Hit == "" {
		t.Error("the pointer over a disc does not reach its mark (no hover title)")
	}
}
