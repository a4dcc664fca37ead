package views

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
)

// BenchmarkLogsPage times the logs page over a logs API that takes
// latency to answer: page-ms, against upstream-ms, flysim's own answer to
// the page's call (latency included), and their ratio. One machine's
// lines are one call; two machines' are two at once, merged. ns/op counts
// both requests.
func BenchmarkLogsPage(b *testing.B) {
	const latency = 100 * time.Millisecond
	s := newStack(b, stackOptions{Sim: flysim.Options{LogsLatency: latency}})
	app, err := s.Sim.Sim.Fleet().App(fleet.ConcurrencyApp)
	if err != nil {
		b.Fatal(err)
	}
	at := app.StoryTimes["peak"]
	var fra, sin string
	for _, m := range app.Machines {
		switch m.Region {
		case "fra":
			fra = m.ID
		case "sin":
			sin = m.ID
		}
	}
	for _, bc := range []struct {
		name     string
		machines []string
	}{{"one-machine", []string{fra}}, {"two-machines", []string{fra, sin}}} {
		b.Run(bc.name, func(b *testing.B) {
			path := logsHref(app.Name, at, "", bc.machines...)
			var upstream, page time.Duration
			api := s.Sim.URL + "/api/v1/apps/" + app.Name + "/logs?instance=" + fra + "&next_token=" + strconv.FormatInt(at.Add(-logsLead).UnixNano(), 10)
			for b.Loop() {
				began := time.Now()
				req, _ := http.NewRequest(http.MethodGet, api, nil)
				req.Header.Set("Authorization", "Bearer x")
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("logs API: %v %v", resp, err)
				}
				resp.Body.Close()
				upstream += time.Since(began)
				began = time.Now()
				if status, _, _ := s.get(b, path); status != http.StatusOK {
					b.Fatalf("GET %s: %d", path, status)
				}
				page += time.Since(began)
			}
			b.ReportMetric(upstream.Seconds()*1000/float64(b.N), "upstream-ms")
			b.ReportMetric(page.Seconds()*1000/float64(b.N), "page-ms")
			b.ReportMetric(page.Seconds()/upstream.Seconds(), "page/upstream")
		})
	}
}
