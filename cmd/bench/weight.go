package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/flydash/dashboard/flysim"
)

// storyApps are flysim's story apps, each with a different mix of series.
var storyApps = []string{"storefront", "search-api", "image-resizer", "billing-api", "queue-worker", "old-landing", "blog"}

// The parts of an app page, found by the markup views and charts write.
var (
	reDataTable = regexp.MustCompile(`(?s)<details class="data-table">.*?</details>`)
	rePromQL    = regexp.MustCompile(`(?s)<details class="promql">.*?</details>`)
	reSVG       = regexp.MustCompile(`(?s)<svg.*?</svg>`)
	reHover     = regexp.MustCompile(`(?s)<g class="hv".*?</g>\n?`)
	reSeries    = regexp.MustCompile(`(?s)<g class="sr[" ].*?</g>`)
	rePathData  = regexp.MustCompile(` d="([^"]*)"`)
	rePathStep  = regexp.MustCompile(`([MLZ])\s*(?:(-?[\d.]+)[ ,](-?[\d.]+))?`)
	reScript    = regexp.MustCompile(`(?is)<script\b[^>]*>.*?</script>|<script\b[^>]*/>`)
	reScriptSrc = regexp.MustCompile(`(?is)<script\b[^>]*\bsrc="([^"]+)"`)
	reStyle     = regexp.MustCompile(`(?is)<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"|<link\b[^>]*href="([^"]+)"[^>]*rel="stylesheet"`)
)

// pageWeight is one page's bytes, whole and by part.
type pageWeight struct {
	app              string
	plain, gzipped   int // as served, without and with Accept-Encoding: gzip
	tables, promql   int
	svg, hover       int
	series           int
	scripts, jsBytes int
	css, cssGzipped  int
	// gzipped size of the page with some parts taken out: what dropping
	// them would save on the wire.
	gzNoTables, gzNoHover, gzNoTablesHover int
	// relPaths is the series path data written with relative coordinates
	// (l dx dy, one decimal); leanPlain and leanGzipped the page without
	// data tables and hover columns and with relative paths.
	relPaths, leanPlain, leanGzipped int
	body                             string
}

func gzipLen(s string) int {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.DefaultCompression)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.Len()
}

func sumLen(re *regexp.Regexp, s string) int {
	n := 0
	for _, m := range re.FindAllString(s, -1) {
		n += len(m)
	}
	return n
}

// measureWeight fetches the app page (and what it links to) as a browser
// would, plain and gzipped, and takes it apart.
func measureWeight(ctx context.Context, s *stack, app, query string) (pageWeight, error) {
	w := pageWeight{app: app}
	client := newLoadClient(1)
	url := s.URL + "/apps/" + app + query
	status, body, _, err := fetch(ctx, client, url, http.Header{"Accept-Encoding": {"identity"}})
	if err != nil || status != http.StatusOK {
		return w, fmt.Errorf("GET %s: %d %v", url, status, err)
	}
	// The same request again, compressed: the query cache makes it the
	// same page (same window), so the sizes compare.
	status, gz, hdr, err := fetch(ctx, client, url, http.Header{"Accept-Encoding": {"gzip"}})
	if err != nil || status != http.StatusOK {
		return w, fmt.Errorf("GET %s (gzip): %d %v", url, status, err)
	}
	if hdr.Get("Content-Encoding") != "gzip" {
		return w, fmt.Errorf("GET %s with Accept-Encoding: gzip came back %q", url, hdr.Get("Content-Encoding"))
	}
	page := string(body)
	w.body = page
	w.plain, w.gzipped = len(body), len(gz)
	w.tables = sumLen(reDataTable, page)
	w.promql = sumLen(rePromQL, page)
	for _, svg := range reSVG.FindAllString(page, -1) {
		w.svg += len(svg)
		w.hover += sumLen(reHover, svg)
		w.series += sumLen(reSeries, svg)
	}
	w.scripts = len(reScript.FindAllString(page, -1))
	for _, m := range reScript.FindAllString(page, -1) {
		w.jsBytes += len(m)
	}
	for _, m := range reScriptSrc.FindAllStringSubmatch(page, -1) {
		_, js, _, err := fetch(ctx, client, s.URL+m[1], nil)
		if err != nil {
			return w, err
		}
		w.jsBytes += len(js)
	}
	for _, m := range reStyle.FindAllStringSubmatch(page, -1) {
		href := m[1] + m[2]
		if !strings.HasPrefix(href, "/") {
			continue
		}
		_, css, _, err := fetch(ctx, client, s.URL+href, http.Header{"Accept-Encoding": {"identity"}})
		if err != nil {
			return w, err
		}
		_, cssGz, _, err := fetch(ctx, client, s.URL+href, http.Header{"Accept-Encoding": {"gzip"}})
		if err != nil {
			return w, err
		}
		w.css += len(css)
		w.cssGzipped += len(cssGz)
	}
	noTables := reDataTable.ReplaceAllString(page, "")
	w.gzNoTables = gzipLen(noTables)
	w.gzNoHover = gzipLen(reHover.ReplaceAllString(page, ""))
	lean := reHover.ReplaceAllString(noTables, "")
	w.gzNoTablesHover = gzipLen(lean)
	lean = reSeries.ReplaceAllStringFunc(lean, func(g string) string {
		return rePathData.ReplaceAllStringFunc(g, func(attr string) string {
			rel := relativePath(rePathData.FindStringSubmatch(attr)[1])
			w.relPaths += len(rel)
			return ` d="` + rel + `"`
		})
	})
	w.leanPlain, w.leanGzipped = len(lean), gzipLen(lean)
	return w, nil
}

// relativePath rewrites the absolute M/L path data charts writes as
// relative moves with one decimal: the same line within 0.1 px, in far
// fewer and far more repetitive bytes. It estimates what that change to
// charts would save; the bench does not draw with it.
func relativePath(d string) string {
	var b strings.Builder
	var px, py float64
	started := false
	for _, m := range rePathStep.FindAllStringSubmatch(d, -1) {
		if m[1] == "Z" {
			b.WriteString("Z")
			continue
		}
		x, errX := strconv.ParseFloat(m[2], 64)
		y, errY := strconv.ParseFloat(m[3], 64)
		if errX != nil || errY != nil {
			return d
		}
		// Deltas from the rounded position, so errors do not add up.
		x, y = math.Round(x*10)/10, math.Round(y*10)/10
		if m[1] == "M" || !started {
			b.WriteString("M" + shortNum(x) + " " + shortNum(y))
		} else {
			dy := shortNum(y - py)
			sep := " "
			if strings.HasPrefix(dy, "-") {
				sep = ""
			}
			b.WriteString("l" + shortNum(x-px) + sep + dy)
		}
		px, py, started = x, y, true
	}
	return b.String()
}

// shortNum is v with one decimal at most and no leading zero (.5, -.5).
func shortNum(v float64) string {
	s := strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
	if s == "-0" {
		return "0"
	}
	if strings.HasPrefix(s, "0.") {
		return s[1:]
	}
	if strings.HasPrefix(s, "-0.") {
		return "-" + s[2:]
	}
	return s
}

func runWeight(ctx context.Context, r *report) error {
	s, err := startStack(ctx, stackOptions{Sim: flysim.Options{}})
	if err != nil {
		return err
	}
	defer s.Close()
	var main pageWeight
	heaviest := pageWeight{}
	for _, app := range storyApps {
		w, err := measureWeight(ctx, s, app, "?range=24h")
		if err != nil {
			return err
		}
		if app == floorApp {
			main = w
		}
		if w.plain > heaviest.plain {
			heaviest = w
		}
	}
	w := main
	r.add("5", "app page over 24h (storefront): HTML bytes / gzipped as served",
		fmt.Sprintf("%s / %s", kb(w.plain), kb(w.gzipped)), "<= 120 KB / <= 30 KB", ptr(w.plain <= 120*1024 && w.gzipped <= 30*1024))
	r.add("5", "app page over 24h: JavaScript (script elements; bytes)", fmt.Sprintf("%d; %d B", w.scripts, w.jsBytes), "0", ptr(w.scripts == 0 && w.jsBytes == 0))
	r.add("5", "  parts: data tables in <details> / chart SVGs / of which hover columns (<rect><title>) / series paths / PromQL <details> / rest",
		fmt.Sprintf("%s / %s / %s / %s / %s / %s", kb(w.tables), kb(w.svg), kb(w.hover), kb(w.series), kb(w.promql),
			kb(w.plain-w.tables-w.svg-w.promql)), "", nil)
	r.add("5", "  gzipped without the data tables / without hover rects / without both",
		fmt.Sprintf("%s / %s / %s", kb(w.gzNoTables), kb(w.gzNoHover), kb(w.gzNoTablesHover)), "", nil)
	r.add("5", "  series paths with relative coordinates (estimate); page without tables and hover columns, with relative paths: plain / gzipped",
		fmt.Sprintf("%s; %s / %s", kb(w.relPaths), kb(w.leanPlain), kb(w.leanGzipped)), "", nil)
	r.add("5", "  stylesheets the page links (plain / gzipped)", fmt.Sprintf("%s / %s", kb(w.css), kb(w.cssGzipped)), "", nil)
	r.add("5", fmt.Sprintf("heaviest story app page over 24h (%s): HTML / gzipped; tables; SVGs", heaviest.app),
		fmt.Sprintf("%s / %s; %s; %s", kb(heaviest.plain), kb(heaviest.gzipped), kb(heaviest.tables), kb(heaviest.svg)), "", nil)
	return nil
}
