package charts

import (
	_ "embed"
	"math"
	"strconv"
	"strings"
	"sync"
)

// worldmapLand is Natural Earth's 1:110m land, simplified by
// scripts/build-worldmap.sh: one ring per line, lon,lat in tenths of a
// degree, the first point absolute and the rest deltas.
//
//go:embed worldmap_land.txt
var worldmapLand string

// landPath is the land as one SVG path in the map's coordinates, projected
// once: every map shares it, so a render only copies it.
var landPath = sync.OnceValue(func() string {
	w := &svgBuf{b: make([]byte, 0, 32<<10)}
	for _, line := range strings.Split(worldmapLand, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		p := path{w: w}
		var lon, lat int
		lastX, lastY := math.NaN(), math.NaN()
		for i, pair := range strings.Fields(line) {
			a, b, ok := strings.Cut(pair, ",")
			dx, err1 := strconv.Atoi(a)
			dy, err2 := strconv.Atoi(b)
			if !ok || err1 != nil || err2 != nil {
				panic("charts: worldmap_land.txt is corrupt: " + pair) // embedded and tested: a build error, not input
			}
			if i == 0 {
				lon, lat = dx, dy
			} else {
				lon, lat = lon+dx, lat+dy
			}
			x, y := mapGeo.project(float64(lat)/10, float64(lon)/10)
			y = math.Min(math.Max(y, 0), mapGeo.height)
			// Whole pixels: a coastline at 720 px needs no more, and it
			// keeps the path (on every app page) a third smaller.
			x, y = math.Round(x), math.Round(y)
			if x == lastX && y == lastY {
				continue
			}
			p.to(x, y)
			lastX, lastY = x, y
		}
		if p.n > 0 {
			w.c('Z')
		}
	}
	return string(w.b)
})
