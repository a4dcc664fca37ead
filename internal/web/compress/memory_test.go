package compress

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
)

// TestOpenResponsesHoldFewCompressors: past statefulPerCPU per CPU,
// responses part-sent (a streamed app page waiting on its next chart, a
// slow client) hold no compressor between writes, so the memory
// compression takes does not grow with the responses in flight. A
// stateful gzip writer holds about 900 KB.
func TestOpenResponsesHoldFewCompressors(t *testing.T) {
	stateful := statefulPerCPU * runtime.GOMAXPROCS(0)
	open := stateful + 20
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
	if limit := int64(stateful<<20 + open*150<<10); held > limit {
		t.Errorf("%d responses half-sent hold %d KB (%d KB each); want under %d KB: %d stateful writers, the rest none", open, held>>10, held/int64(open)>>10, limit>>10, stateful)
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

// TestQuietResponseCompressesFully: with the writers free, a response gets
// level 4, whose bytes the stateless fallback does not match.
func TestQuietResponseCompressesFully(t *testing.T) {
	var page []byte
	for i := range 3000 {
		page = fmt.Appendf(page, `<path d="M%d %dL%d %d" class="line"/>`, i%97, i%13, i%89, i%7)
	}
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		_, _ = w.Write(page)
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/apps/x/charts/cpu.svg", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(rec, req)

	size := func(lvl int) int {
		var b bytes.Buffer
		zw, _ := kgzip.NewWriterLevel(&b, lvl)
		_, _ = zw.Write(page)
		_ = zw.Close()
		return b.Len()
	}
	if got, want, stateless := rec.Body.Len(), size(level), size(kgzip.StatelessCompression); got != want {
		t.Errorf("a response on its own sent %d bytes; level %d gives %d (stateless %d)", got, level, want, stateless)
	}
}
