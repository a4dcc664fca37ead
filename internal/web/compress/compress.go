// Package compress gzips the dashboard's responses: pages, chart files
// and data through klauspost/compress's gzhttp, static assets once each.
package compress

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzhttp"
)

// MinSize is the smallest body worth compressing: below about one packet,
// gzip's header and the CPU buy nothing. gzhttp buffers up to this much
// before deciding, and allocates no compressor for smaller bodies.
const MinSize = 1024

// types are the media types worth compressing; images other than SVG,
// and anything already compressed, are left alone.
var types = []string{"text/html", "text/css", "text/plain", "text/csv", "text/javascript",
	"application/javascript", "application/json", "image/svg+xml"}

// Skip is the header a handler sets to send its response uncompressed
// (the busy page: a 503 should cost nothing). gzhttp removes it.
const Skip = gzhttp.HeaderNoCompression

// Handler compresses h's responses for clients that accept gzip. gzhttp
// decides from the response's own headers (a body already encoded,
// partial content, its type); writers bounds the memory its compressors
// hold. zstd is off: its encoders hold state per response, and every
// browser takes gzip.
func Handler(h http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(MinSize), gzhttp.CompressionLevel(level),
		gzhttp.Implementation(newWriters().factory()), gzhttp.ContentTypes(types), gzhttp.EnableZstd(false))
	if err != nil { // only for invalid options, which these are not
		panic(err)
	}
	return wrap(h)
}

// Asset is a file served from memory, gzipped once at first request rather
// than per response.
type Asset struct {
	name, ctype string
	plain       []byte
	once        sync.Once
	gz          []byte // nil when not worth compressing
}

// NewAsset serves b as a file called name (its extension gives the type).
func NewAsset(name string, b []byte) *Asset {
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(b)
	}
	return &Asset{name: name, ctype: ctype, plain: b}
}

func (a *Asset) gzipped() []byte {
	a.once.Do(func() {
		mt, _, _ := strings.Cut(a.ctype, ";")
		if len(a.plain) < MinSize || !compressible(mt) {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.plain)
		_ = zw.Close()
		a.gz = buf.Bytes()
	})
	return a.gz
}

func (a *Asset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Add("Vary", "Accept-Encoding")
	body := a.plain
	if AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := a.gzipped(); gz != nil {
			h.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// Files are fsys's files served from memory, each compressible one
// gzipped once. The files are embedded, so they never change while it runs.
type Files struct {
	fsys   fs.FS
	mu     sync.Mutex
	assets map[string]*Asset
}

// NewFiles serves the files of fsys.
func NewFiles(fsys fs.FS) *Files { return &Files{fsys: fsys, assets: map[string]*Asset{}} }

// Asset is the file at name (a slash-separated path, leading slash or not),
// or false when there is no such file.
func (f *Files) Asset(name string) (*Asset, bool) {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.assets[name]; ok {
		return a, true
	}
	b, err := fs.ReadFile(f.fsys, name)
	if err != nil {
		return nil, false
	}
	a := NewAsset(name, b)
	f.assets[name] = a
	return a, true
}

func compressible(mediaType string) bool {
	for _, t := range types {
		if strings.EqualFold(strings.TrimSpace(mediaType), t) {
			return true
		}
	}
	return false
}

// AcceptsGzip reads an Accept-Encoding header: gzip (or *) with a quality
// other than zero.
func AcceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q, hasQ := strings.CutPrefix(strings.ReplaceAll(strings.TrimSpace(params), " ", ""), "q=")
		if !hasQ || strings.Trim(q, "0.") != "" {
			return true
		}
	}
	return false
}
