package views

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// rawGet fetches url with the given Accept-Encoding and returns the body as
// sent: net/http decompresses transparently only when it asked itself.
func rawGet(t *testing.T, client *http.Client, url, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("truncated gzip stream: %v", err)
	}
	return out
}

// TestGzipAppPage: the app page, its stylesheet and a chart image come
// compressed to a client that asks, and plain to one that does not.
func TestGzipAppPage(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	for _, path := range []string{"/apps/storefront?range=1h", "/static/app.css", "/apps/storefront/charts/latency.svg?range=1h"} {
		resp, body := rawGet(t, s.Client, s.URL+path, "gzip, deflate, br")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
			t.Errorf("%s: Content-Encoding %q, want gzip", path, ce)
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q lacks Accept-Encoding", path, resp.Header.Get("Vary"))
		}
		plain := gunzip(t, body)
		if len(body)*2 > len(plain) {
			t.Errorf("%s: %d bytes gzipped from %d: less than half off", path, len(body), len(plain))
		}
		if cl := resp.Header.Get("Content-Length"); cl != "" && cl != itoa(len(body)) {
			t.Errorf("%s: Content-Length %s for a %d-byte body", path, cl, len(body))
		}

		resp, body = rawGet(t, s.Client, s.URL+path, "identity")
		if ce := resp.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("%s without gzip: Content-Encoding %q", path, ce)
		}
		if len(body) < len(plain)/2 {
			t.Errorf("%s without gzip: %d bytes, the gzipped one held %d", path, len(body), len(plain))
		}
	}
	if resp, _ := rawGet(t, s.Client, s.URL+"/apps/storefront?range=1h", "gzip"); !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("Content-Type %q after compression", resp.Header.Get("Content-Type"))
	}
}

// TestGzipLeavesAlone: small bodies, bodies already encoded, images that
// are already compressed, partial content and clients that refuse gzip
// get the handler's bytes unchanged.
func TestGzipLeavesAlone(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("<p>hello fly</p>\n", 400)
	r := gin.New()
	r.Use(gzipResponses)
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
	r.GET("/png", func(c *gin.Context) { c.Data(http.StatusOK, "image/png", []byte(big)) })
	r.GET("/partial", func(c *gin.Context) {
		c.Header("Content-Range", "bytes 0-99/1000")
		c.Data(http.StatusPartialContent, "text/html", []byte(big))
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	client := srv.Client()

	for _, tc := range []struct {
		path, accept string
		want         bool // compressed
	}{
		{"/big", "gzip", true},
		{"/big", "br;q=1.0, gzip;q=0.5", true},
		{"/big", "*", true},
		{"/chunks", "gzip", true},
		{"/big", "gzip;q=0", false},
		{"/big", "identity", false},
		{"/small", "gzip", false},
		{"/encoded", "gzip", false},
		{"/png", "gzip", false},
		{"/partial", "gzip", false},
	} {
		resp, body := rawGet(t, client, srv.URL+tc.path, tc.accept)
		got := resp.Header.Get("Content-Encoding") == "gzip"
		if got != tc.want {
			t.Errorf("%s with %q: compressed %v, want %v", tc.path, tc.accept, got, tc.want)
			continue
		}
		if got {
			body = gunzip(t, body)
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

// TestGzipPanicPage: a handler that panics still gets the recovery
// middleware's error page, readable, not a broken gzip stream.
func TestGzipPanicPage(t *testing.T) {
	t.Parallel()
	s := &server{log: slog.New(slog.DiscardHandler)}
	tmpl, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	s.tmpl = tmpl
	r := gin.New()
	r.Use(gzipResponses, s.recoverPanics)
	r.GET("/boom", func(*gin.Context) { panic("boom") })
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	resp, body := rawGet(t, srv.Client(), srv.URL+"/boom", "gzip")
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		body = gunzip(t, body)
	}
	if !strings.Contains(string(body), "Something broke") {
		t.Errorf("error page missing: %.200q", body)
	}
}
