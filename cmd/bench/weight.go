package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"

	"github.com/flydash/dashboard/flysim"
)

// storyApps are flysim's story apps, each with a different mix of series.
var storyApps = []string{"storefront", "search-api", "image-resizer", "billing-api", "queue-worker", "old-landing", "blog"}

// What the weight counts on a page, by the markup views and charts write.
var (
	// A drawn chart or map: its outer <svg> names its namespace; the plot
	// and legend inside it, and the timeline strip, do not.
	reSVG       = regexp.MustCompile(`<svg xmlns="http://www.w3.org/2000/svg"`)
	reDataTable = regexp.MustCompile(`(?s)<details class="data-table">.*?</details>`)
	reScript    = regexp.MustCompile(`(?is)<script\b`)
)

// maxGzipPerChart is the goal: an app page weighs at most this much on the
// wire per chart it draws, the region map counted as one.
const maxGzipPerChart = 6 * 1024

// pageWeight is one app page as a browser gets it.
type pageWeight struct {
	app            string
	plain, gzipped int // without and with Accept-Encoding: gzip
	charts         int // SVGs drawn: the charts and the region map
	scripts        int
	body           string
}

func (w pageWeight) perChart() int { return w.gzipped / max(w.charts, 1) }

// measureWeight fetches the app page plain and gzipped; the query cache
// makes the second the same page (same window), so the sizes compare.
func measureWeight(ctx context.Context, s *stack, app, query string) (pageWeight, error) {
	w := pageWeight{app: app}
	client := newLoadClient(1)
	url := s.URL + "/apps/" + app + query
	status, body, _, err := fetch(ctx, client, url, http.Header{"Accept-Encoding": {"identity"}})
	if err != nil || status != http.StatusOK {
		return w, fmt.Errorf("GET %s: %d %v", url, status, err)
	}
	status, gz, hdr, err := fetch(ctx, client, url, http.Header{"Accept-Encoding": {"gzip"}})
	if err != nil || status != http.StatusOK {
		return w, fmt.Errorf("GET %s (gzip): %d %v", url, status, err)
	}
	if hdr.Get("Content-Encoding") != "gzip" {
		return w, fmt.Errorf("GET %s with Accept-Encoding: gzip came back %q", url, hdr.Get("Content-Encoding"))
	}
	w.body = string(body)
	w.plain, w.gzipped = len(body), len(gz)
	w.charts = len(reSVG.FindAllString(w.body, -1))
	w.scripts = len(reScript.FindAllString(w.body, -1))
	return w, nil
}

func runWeight(ctx context.Context, r *report) error {
	s, err := startStack(ctx, stackOptions{Sim: flysim.Options{}})
	if err != nil {
		return err
	}
	defer s.Close()
	var main, heaviest pageWeight
	for _, app := range storyApps {
		w, err := measureWeight(ctx, s, app, "?range=24h")
		if err != nil {
			return err
		}
		if app == floorApp {
			main = w
		}
		if w.perChart() > heaviest.perChart() {
			heaviest = w
		}
	}
	for _, w := range []pageWeight{main, heaviest} {
		r.add("5", fmt.Sprintf("app page over 24h (%s): gzipped as served, per chart (plain)", w.app),
			fmt.Sprintf("%s for %d charts = %s a chart (%s)", kb(w.gzipped), w.charts, kb(w.perChart()), kb(w.plain)),
			"<= 6 KB a chart", ptr(w.perChart() <= maxGzipPerChart))
	}
	r.add("5", "app page over 24h: script elements", fmt.Sprint(main.scripts), "0", ptr(main.scripts == 0))
	return nil
}
