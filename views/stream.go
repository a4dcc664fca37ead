package views

import (
	"bytes"
	"html/template"
	"net/http"
	"runtime"
	"runtime/debug"

	"github.com/gin-gonic/gin"
)

// The app page is sent in parts rather than rendered whole into one
// buffer: its top (layout, heading, verdict, range links) goes out while
// the charts are still being drawn, each chart is drawn on its own
// goroutine as soon as the page has its data (a few ahead of the one being
// sent), and each part is written as soon as it and the parts before it
// are done. The page no longer sits
// whole in memory (about 200 KB and the garbage of growing a buffer to
// it, 50 times over with 50 viewers), and the charts' drawing uses both
// cores instead of one. What is not yet sent still becomes an error page
// when its template fails; a chart whose template fails after the top
// has gone out becomes an alert in its own panel instead.

// partFailed replaces a part whose template failed once the page has
// started: the rest of the page is still worth having.
const partFailed = `<p class="panel error" role="alert">This part of the page could not be drawn.</p>`

// chartFailed is what a panel says when drawing its chart failed.
const chartFailed = "This chart could not be drawn."

// streamAppPage sends the app page p with status 200. draw(i, pn) fills in
// the i-th of the panels (which come with their query and links); all are
// drawn at once and written in order. The first ones are the proofs of
// p.Findings, each written inside its finding's section; those from split
// on go under the Machines group's heading. The findings' Proof,
// p.Panels and p.MachinePanels are filled as a side effect (the page in
// one piece, for the test that holds both forms to the same bytes).
func (s *server) streamAppPage(c *gin.Context, p *appPage, panels []panel, split int, draw func(i int, pn *panel)) {
	tmpl, ok := s.tmpl["app_show"]
	if !ok {
		s.log.Error("unknown template", "page", "app_show")
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	n := len(panels)
	all := append([]panel(nil), panels...)
	proofs := 0
	for _, f := range p.Findings {
		if f.hasProof && proofs < min(split, n) {
			proofs++
		}
	}
	defer func() {
		k := 0
		for i := range p.Findings {
			if p.Findings[i].hasProof && k < proofs {
				p.Findings[i].Proof = &all[k]
				k++
			}
		}
		p.Panels, p.MachinePanels = all[proofs:min(split, n)], all[min(split, n):]
	}()
	parts := make([]*bytes.Buffer, n)
	done := make([]chan struct{}, n)
	for i := range n {
		done[i] = make(chan struct{})
	}
	// At most one chart per CPU is drawn ahead of the one being sent: both
	// cores work on one page, while a page in flight holds two charts'
	// SVG and markup (a chart's part is about 30 KB, its SVG string as
	// much again), not all seven: 50 pages in flight are what peak memory
	// is made of.
	ahead := make(chan struct{}, runtime.GOMAXPROCS(0))
	go func() {
		for i := range n {
			ahead <- struct{}{} // taken back once part i is sent
			go func() {
				defer close(done[i])
				parts[i] = s.drawPart(tmpl, &all[i], func(pn *panel) { draw(i, pn) })
			}()
		}
	}()
	// sent releases part i; every part is released on every path, since
	// the goroutines write into p and the launcher waits on ahead.
	sent := func(i int) {
		putBuffer(parts[i])
		parts[i] = nil
		<-ahead
	}
	waitAll := func() {
		for i := range n {
			<-done[i]
			sent(i)
		}
	}

	top := getBuffer()
	defer putBuffer(top)
	err := tmpl.ExecuteTemplate(top, "layout_top", p.layout)
	if err == nil {
		err = tmpl.ExecuteTemplate(top, "app_head", p)
	}
	if err == nil {
		err = tmpl.ExecuteTemplate(top, "app_grid_open", nil)
	}
	if err == nil && len(p.Findings) > 0 {
		err = tmpl.ExecuteTemplate(top, "findings_open", nil)
	}
	if err != nil {
		waitAll()
		s.log.Error("render", "page", "app_show", "err", err)
		c.String(http.StatusInternalServerError, "internal error: the page could not be drawn")
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	// Write errors are a client gone; the goroutines still finish.
	_, _ = c.Writer.Write(top.Bytes())
	// The browser can fetch the stylesheets while the charts are drawn.
	// gzhttp takes a flushed page without a length as worth compressing.
	c.Writer.Flush()

	i := 0
	writeNext := func() {
		<-done[i]
		if i == split {
			s.writePart(c, tmpl, "machines_group_h", nil)
		}
		_, _ = c.Writer.Write(parts[i].Bytes())
		sent(i)
		if all[i].MapFollows() {
			s.writePart(c, tmpl, "region_map", p.Map)
		}
		i++
	}
	if len(p.Findings) > 0 {
		for k := range p.Findings {
			f := &p.Findings[k]
			s.writePart(c, tmpl, "finding_open", f)
			if f.hasProof && i < proofs {
				writeNext()
			}
			s.writePart(c, tmpl, "finding_close", f)
		}
		s.writePart(c, tmpl, "findings_close", nil)
	}
	s.writePart(c, tmpl, "app_charts_open", nil)
	for i < n {
		writeNext()
	}
	if p.excerpt != nil {
		p.Excerpt = p.excerpt()
	}
	s.writePart(c, tmpl, "app_side", p)
	s.writePart(c, tmpl, "layout_bottom", p.layout)
}

// drawPart draws one panel and renders it. The charts are drawn on
// goroutines of their own, out of reach of the server's panic recovery,
// where a panic would end the process: here it becomes an error in the
// chart's own panel instead, and the rest of the page is unaffected.
func (s *server) drawPart(tmpl *template.Template, pn *panel, draw func(*panel)) (b *bytes.Buffer) {
	stub := *pn
	b = getBuffer()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("draw chart", "chart", stub.Query.ID, "panic", r, "stack", string(debug.Stack()))
			*pn = stub
			pn.Err = chartFailed
			b.Reset()
			s.renderPanel(tmpl, b, pn)
		}
	}()
	draw(pn)
	s.renderPanel(tmpl, b, pn)
	return b
}

func (s *server) renderPanel(tmpl *template.Template, b *bytes.Buffer, pn *panel) {
	if err := tmpl.ExecuteTemplate(b, "panel", pn); err != nil {
		s.log.Error("render", "page", "app_show", "chart", pn.Query.ID, "err", err)
		b.Reset()
		b.WriteString(partFailed)
	}
}

// writePart sends one more part of a page already started.
func (s *server) writePart(c *gin.Context, tmpl *template.Template, name string, data any) {
	b := getBuffer()
	defer putBuffer(b)
	if err := tmpl.ExecuteTemplate(b, name, data); err != nil {
		s.log.Error("render", "part", name, "err", err)
		b.Reset()
		b.WriteString(partFailed)
	}
	_, _ = c.Writer.Write(b.Bytes())
}
