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

	"github.com/flydash/dashboard/internal/web/compress"
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
	s := sharedStack(t)
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
	r.Use(s.recoverPanics)
	r.GET("/boom", func(*gin.Context) { panic("boom") })
	srv := httptest.NewServer(compress.Handler(r))
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
