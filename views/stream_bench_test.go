package views

import (
	"bytes"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// BenchmarkAppPageParts compares the app page sent in parts (stream.go)
// with the same page drawn first and rendered whole into one buffer, its
// charts drawn one after another or all at once: what streaming buys over
// the simpler form, in time and memory a page.
func BenchmarkAppPageParts(b *testing.B) {
	s, p, results := streamFixture(b)
	req := chartRequest{App: "shop", Range: timeRange{From: results[0].Window.Start, To: results[0].Window.End}, HTTP: true}
	whole := func(b *testing.B, parallel bool) {
		for b.Loop() {
			panels := make([]panel, len(results))
			var wg sync.WaitGroup
			for i, res := range results {
				panels[i] = newPanel(res, "shop", nil)
				draw := func() { s.drawPanel(&panels[i], res, nil, req, nil, time.Time{}, nil) }
				if parallel {
					wg.Go(draw)
				} else {
					draw()
				}
			}
			wg.Wait()
			split := len(panels) * 6 / 11
			page := *p
			page.Panels, page.MachinePanels = panels[:split], panels[split:]
			var buf bytes.Buffer
			if err := s.tmpl["app_show"].Execute(&buf, &page); err != nil {
				b.Fatal(err)
			}
			rec := httptest.NewRecorder()
			_, _ = rec.Write(buf.Bytes())
		}
	}
	b.Run("parts", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			streamed(s, p, results)
		}
	})
	b.Run("whole-serial", func(b *testing.B) { b.ReportAllocs(); whole(b, false) })
	b.Run("whole-parallel", func(b *testing.B) { b.ReportAllocs(); whole(b, true) })
}
