package charts

import (
	"bytes"
	"io"
	"math"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// benchChart mirrors the measured-options test data: regions with a spike
// and a 20-minute gap, at one-minute steps.
func benchChart(series, points int) Chart {
	c := Chart{ID: "bench", Title: "p95 by region", Unit: units.Seconds, Start: t0, Step: time.Minute,
		Markers: []Marker{{At: t0.Add(100 * time.Minute), Kind: "deploy", Label: "Deploy", Href: "/apps/x?range=1h"}, {At: t0.Add(200 * time.Minute), Kind: "oom", Label: "OOM"}}}
	for i := range series {
		v := wave(points, 0.1+0.05*float64(i), 0.03, float64(i))
		for j := points / 2; j < points/2+20 && j < points; j++ {
			v[j] = math.NaN()
		}
		v[points/3] *= 5
		c.Series = append(c.Series, Series{Name: "region-" + itoa(i), Values: v})
	}
	return c
}

func benchRender(b *testing.B, c Chart) {
	var buf bytes.Buffer
	if err := Render(&buf, c, Options{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Render(io.Discard, c, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "svg-bytes")
}

func BenchmarkRender4x360(b *testing.B)  { benchRender(b, benchChart(4, 360)) }
func BenchmarkRender10x720(b *testing.B) { benchRender(b, benchChart(10, 720)) }

func BenchmarkRender4x360Stacked(b *testing.B) {
	c := benchChart(4, 360)
	c.Stacked = true
	benchRender(b, c)
}

func BenchmarkSpark(b *testing.B) {
	s := Spark{ID: "s", Title: "Requests", Unit: units.ReqPerSec, Start: t0, Step: time.Minute, Values: wave(180, 10, 3, 0)}
	var buf bytes.Buffer
	if err := RenderSpark(&buf, s); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := RenderSpark(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "svg-bytes")
}
