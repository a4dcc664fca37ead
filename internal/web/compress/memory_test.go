package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
)

// TestOpenResponsesHoldNoCompressor: responses part-sent (a streamed app
// page waiting on its next chart, a slow client) hold no compressor
// between writes, so the memory compression takes does not grow with
// the responses in flight. A stateful gzip writer holds about 900 KB.
func TestOpenResponsesHoldNoCompressor(t *testing.T) {
	const open = 20
	page := bytes.Repeat([]byte(`<path d="M10 20L30 40" class="line"/><text x="1">p95 598 ms</text>`), 1000)
	release := make(chan struct{})
	var written sync.WaitGroup
	written.Add(open)
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
		w.(http.Flusher).Flush()
		written.Done()
		<-release
		_, _ = w.Write(page)
	}))

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	recs := make([]*httptest.ResponseRecorder, open)
	var done sync.WaitGroup
	for i := range recs {
		recs[i] = httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/apps/x", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		done.Go(func() { h.ServeHTTP(recs[i], req) })
	}
	written.Wait()
	during := heap()
	close(release)
	done.Wait()

	// Each recorder holds its compressed first half; the rest is what the
	// compressors keep.
	held := int64(during) - int64(before)
	if limit := int64(open * 150 << 10); held > limit {
		t.Errorf("%d responses half-sent hold %d KB (%d KB each); want under %d KB: a compressor per response", open, held>>10, held/open>>10, limit>>10)
	}
	for i, rec := range recs {
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatalf("response %d: not gzip: %v", i, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(b, append(append([]byte(nil), page...), page...)) {
			t.Fatalf("response %d: %d bytes back (%v), want the page twice (%d)", i, len(b), err, 2*len(page))
		}
	}
}
