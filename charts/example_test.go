package charts_test

import (
	"fmt"
	"math"
	"os"
	"time"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/internal/units"
)

func ExampleChart_Table() {
	c := charts.Chart{
		Title: "Responses by status class", Unit: units.ReqPerSec, Stacked: true,
		Start: time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC), Step: time.Minute,
		Series: []charts.Series{
			{Name: "2xx", Tone: "ok", Values: []float64{41.2, 40.8}},
			{Name: "5xx", Tone: "bad", Values: []float64{0, math.NaN()}},
		},
	}
	t := c.Table()
	fmt.Println(t.Header)
	for _, row := range t.Rows {
		fmt.Println(row)
	}
	// Output:
	// [Time (UTC) 2xx 5xx]
	// [2026-11-26 14:00 41.2 req/s 0 req/s]
	// [2026-11-26 14:01 40.8 req/s —]
}

func ExampleRender() {
	start := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	c := charts.Chart{
		ID: "latency", Title: "Latency", Desc: "p50 and p95 over the last hour",
		Unit: units.Seconds, Start: start, Step: time.Minute,
		Series: []charts.Series{
			{Name: "p50", Values: []float64{0.041, 0.043, math.NaN(), 0.040}},
			{Name: "p95", Values: []float64{0.180, 0.210, math.NaN(), 0.190}},
			{Name: "p95 (1d ago)", Dashed: true, Values: []float64{0.170, 0.175, 0.172, 0.171}},
		},
		Markers: []charts.Marker{{At: start.Add(time.Minute), Kind: "deploy", Label: "Deploy: v42", Href: "?from=1764143700&to=1764144300"}},
	}
	// An .svg URL wants Standalone; a page inlines the <svg> and embeds
	// charts.CSS() in its stylesheet.
	if err := charts.Render(os.Stdout, c, charts.Options{Standalone: true}); err != nil {
		fmt.Println(err)
	}
}
