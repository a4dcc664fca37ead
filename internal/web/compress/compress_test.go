package compress

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// fetch GETs url asking for acceptEncoding and returns the body as sent,
// gunzipped when it says gzip, with whether it did.
func fetch(t *testing.T, client *http.Client, url, acceptEncoding string) (*http.Response, []byte, bool) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", acceptEncoding)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	gz := resp.Header.Get("Content-Encoding") == "gzip"
	if gz {
		if r, err = gzip.NewReader(resp.Body); err != nil {
			t.Fatalf("GET %s: says gzip, is not: %v", url, err)
		}
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp, b, gz
}

// TestGzipLeavesAlone: small bodies, bodies already encoded, images that
// are already compressed, partial content and clients that refuse gzip
// get the handler's bytes unchanged.
func TestGzipLeavesAlone(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("<p>hello fly</p>\n", 400)
	r := gin.New()
	r.GET("/small", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", []byte("<p>hi</p>")) })
	r.GET("/big", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(big)) })
	r.GET("/chunks", func(c *gin.Context) {
		c.Header("Content-Type", "text/plain")
		for range 400 {
			_, _ = c.Writer.WriteString("line of text\n")
		}
	})
	r.GET("/encoded", func(c *gin.Context) {
		c.Header("Content-Encoding", "br")
		c.Data(http.StatusOK, "text/html", []byte(big))
	})
	r.GET("/skip", func(c *gin.Context) {
		c.Header(Skip, "1")
		c.Data(http.StatusServiceUnavailable, "text/html", []byte(big))
	})
	r.GET("/png", func(c *gin.Context) { c.Data(http.StatusOK, "image/png", []byte(big)) })
	r.GET("/partial", func(c *gin.Context) {
		c.Header("Content-Range", "bytes 0-99/1000")
		c.Data(http.StatusPartialContent, "text/html", []byte(big))
	})
	srv := httptest.NewServer(Handler(r))
	t.Cleanup(srv.Close)
	client := srv.Client()

	for _, tc := range []struct {
		path, accept string
		want         bool // compressed
	}{
		{"/big", "gzip", true},
		{"/big", "br;q=1.0, gzip;q=0.5", true},
		// gzhttp reads only named codings; browsers name gzip.
		{"/big", "*", false},
		{"/chunks", "gzip", true},
		{"/big", "gzip;q=0", false},
		{"/big", "identity", false},
		{"/small", "gzip", false},
		{"/encoded", "gzip", false},
		{"/png", "gzip", false},
		{"/skip", "gzip", false},
		{"/partial", "gzip", false},
	} {
		_, body, got := fetch(t, client, srv.URL+tc.path, tc.accept)
		if got != tc.want {
			t.Errorf("%s with %q: compressed %v, want %v", tc.path, tc.accept, got, tc.want)
			continue
		}
		want := big
		switch tc.path {
		case "/small":
			want = "<p>hi</p>"
		case "/chunks":
			want = strings.Repeat("line of text\n", 400)
		}
		if string(body) != want {
			t.Errorf("%s with %q: body of %d bytes differs from the handler's %d", tc.path, tc.accept, len(body), len(want))
		}
	}
}

// TestFilesGzippedOnce: a static file comes gzipped to a client that asks
// and plain to one that does not, the same bytes either way, with its own
// type; a small file and a missing one are told apart.
func TestFilesGzippedOnce(t *testing.T) {
	t.Parallel()
	css := strings.Repeat("body { color: #123; }\n", 200)
	files := NewFiles(fstest.MapFS{
		"app.css": {Data: []byte(css)},
		"tiny.js": {Data: []byte("x()")},
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a, ok := files.Asset(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		a.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, tc := range []struct {
		path, accept string
		gz           bool
		want         string
	}{
		{"/app.css", "gzip", true, css},
		{"/app.css", "identity", false, css},
		{"/tiny.js", "gzip", false, "x()"},
	} {
		resp, body, gz := fetch(t, client, srv.URL+tc.path, tc.accept)
		if gz != tc.gz || string(body) != tc.want {
			t.Errorf("%s with %q: gzipped %v and %d bytes, want %v and %d", tc.path, tc.accept, gz, len(body), tc.gz, len(tc.want))
		}
		want := "text/css"
		if tc.path == "/tiny.js" {
			want = "text/javascript"
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
			t.Errorf("%s: Content-Type %q, want %s", tc.path, ct, want)
		}
	}
	if _, ok := files.Asset("../etc/passwd"); ok {
		t.Error("a path out of the files was served")
	}
	if a, _ := files.Asset("app.css"); !bytes.Equal(a.plain, []byte(css)) || a.gzipped() == nil {
		t.Error("app.css is not kept gzipped")
	}
}
