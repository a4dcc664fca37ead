package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	echarts "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/components"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/flydash/dashboard/promql"
)

// echartsAsset is where scripts/fetch-echarts.sh puts ECharts' bundle.
const echartsAsset = "views/static/vendor/echarts.min.js"

// echartsServer serves what a conventional Go dashboard would: the same
// six charts as a go-echarts page, drawn by ECharts in the browser, with
// the data fetched by the same promql client as the dashboard's page.
type echartsServer struct {
	URL  string
	prom *promql.Client
	// js and jsGzip are the bundle, compressed once as a static file
	// server (gzip_static) would.
	js, jsGzip []byte
	srv        *http.Server
}

func startEChartsServer(prom *promql.Client) (*echartsServer, error) {
	js, err := os.ReadFile(echartsAsset)
	if err != nil {
		return nil, fmt.Errorf("%w: run `bash scripts/fetch-echarts.sh` from the repository root first", err)
	}
	e := &echartsServer{prom: prom, js: js, jsGzip: gzipBytes(js)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.URL = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /assets/echarts.min.js", e.serveJS)
	mux.HandleFunc("GET /apps/{app}", e.servePage)
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

func (e *echartsServer) Close() { _ = e.srv.Close() }

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func acceptsGzip(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
}

// serveJS serves the bundle as any static file server would: cacheable,
// compressed when the browser accepts it.
func (e *echartsServer) serveJS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Vary", "Accept-Encoding")
	body := e.js
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = e.jsGzip
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// servePage runs the app page's six queries over ?from=&to= (unix
// seconds) and renders them with go-echarts' page renderer.
func (e *echartsServer) servePage(w http.ResponseWriter, r *http.Request) {
	from, err1 := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
	to, err2 := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
	if err1 != nil || err2 != nil {
		http.Error(w, "from and to are unix seconds", http.StatusBadRequest)
		return
	}
	win, err := promql.NewWindow(time.Unix(from, 0), time.Unix(to, 0), chartWidth)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	results := e.prom.Run(r.Context(), r.PathValue("app"), promql.Catalog(), win, 0)
	var page bytes.Buffer
	if err := renderEChartsPage(&page, results, e.URL+"/assets/"); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Vary", "Accept-Encoding")
	body := page.Bytes()
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = gzipBytes(body)
	}
	_, _ = w.Write(body)
}

// renderEChartsPage is the conventional go-echarts page: one line chart per
// query on a time axis, stacked areas where the dashboard stacks, a title,
// a legend and an axis tooltip, points as go-echarts' own LineData. The one
// departure from the defaults is animation off, so "drawn" means finished
// rather than the first frame of a one-second sweep: that favours ECharts.
func renderEChartsPage(w *bytes.Buffer, results []promql.Result, assetsHost string) error {
	page := components.NewPage()
	page.SetPageTitle("storefront")
	page.SetAssetsHost(assetsHost)
	page.SetLayout(components.PageFlexLayout)
	for _, res := range results {
		if res.Err != nil {
			return fmt.Errorf("%s: %w", res.Query.ID, res.Err)
		}
		line := echarts.NewLine()
		line.SetGlobalOptions(
			echarts.WithInitializationOpts(opts.Initialization{Width: "720px", Height: "260px", AssetsHost: assetsHost}),
			echarts.WithAnimation(false),
			echarts.WithTitleOpts(opts.Title{Title: res.Query.Title}),
			echarts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
			echarts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
			echarts.WithXAxisOpts(opts.XAxis{Type: "time"}),
			echarts.WithYAxisOpts(opts.YAxis{Type: "value", Name: string(res.Query.Unit)}),
		)
		for _, sr := range res.Series {
			data := make([]opts.LineData, len(sr.Values))
			for i, v := range sr.Values {
				t := res.Window.Time(i).UnixMilli()
				if math.IsNaN(v) || math.IsInf(v, 0) {
					data[i] = opts.LineData{Value: []any{t, nil}}
				} else {
					data[i] = opts.LineData{Value: []any{t, v}}
				}
			}
			kind := opts.LineChart{ShowSymbol: opts.Bool(false)}
			seriesOpts := []echarts.SeriesOpts{}
			if res.Query.Stacked {
				kind.Stack = "total"
				seriesOpts = append(seriesOpts, echarts.WithAreaStyleOpts(opts.AreaStyle{Opacity: opts.Float(0.3)}))
			}
			line.AddSeries(sr.Name, data, append(seriesOpts, echarts.WithLineChartOpts(kind))...)
		}
		page.AddCharts(line)
	}
	return page.Render(w)
}

// echartsPageURL is the comparison page over the window ending at to.
func echartsPageURL(base, app string, from, to time.Time) string {
	return fmt.Sprintf("%s/apps/%s?from=%d&to=%d", base, app, from.Unix(), to.Unix())
}
