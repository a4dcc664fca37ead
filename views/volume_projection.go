package views

import (
	"math"
	"strings"
	"time"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
)

// projectVolumes replaces each volume's "in 24 h" series (where the volume
// would be a day after each moment, which reads as more volumes) with one
// dashed line from its last point to where it is headed, on a time axis
// widened past now by up to half the range. The line ends at 100% when the
// volume fills within that; its name says when it fills either way.
func projectVolumes(c *charts.Chart, res promql.Result, machines []flyapi.Machine) {
	w := res.Window
	if w.Step <= 0 {
		return
	}
	type line struct {
		id       string
		last     int     // the used series' last point
		used     float64 // its value
		perStep  float64 // growth per step at the recent rate
		in       time.Duration
		filledBy time.Time
	}
	var lines []line
	ahead := time.Duration(0)
	vols := volumeSignals(res, machines)
	for i, id := range volumeIDs(res) {
		v := vols[i]
		in, filling := v.FullIn()
		used := usedSeries(c, id)
		if !filling || used == nil || in <= 0 {
			continue
		}
		l := line{id: id, last: lastFinite(used.Values), in: in}
		if l.last < 0 {
			continue
		}
		l.used = used.Values[l.last]
		l.perStep = (v.Projection - v.Used.Last()) / health.VolumeAhead.Hours() * w.Step.Hours()
		l.filledBy = w.End.Add(in) // as the table beside the chart says
		lines = append(lines, l)
		ahead = max(ahead, in+w.Step)
	}
	ahead = min(ahead, w.End.Sub(w.Start)/2)
	out := c.Series[:0]
	for _, s := range c.Series {
		if !(s.Dashed && !s.Limit && isProjection(s.Name, res)) {
			out = append(out, s)
		}
	}
	c.Series = out
	if len(lines) > 0 {
		c.End = w.End.Add(ahead) // every renderer's time axis, the explore view's too
	}
	for _, l := range lines {
		steps := int(ahead / w.Step)
		values := make([]float64, l.last+steps+1)
		for j := range values {
			values[j] = math.NaN()
		}
		for k := 0; k <= steps; k++ {
			v := l.used + l.perStep*float64(k)
			values[l.last+k] = math.Min(v, 100)
			if v >= 100 {
				break // the line ends where the volume is full
			}
		}
		c.Series = append(c.Series, charts.Series{
			Name: l.id + ": full " + l.filledBy.UTC().Format("Jan 2 15:04"), Values: values, Dashed: true, Slot: slotOf(c, l.id),
		})
	}
}

// isProjection reports whether name is one of res's projection series, or
// its compare period's ("vol_x in 24 h (1d ago)").
func isProjection(name string, res promql.Result) bool {
	for _, sr := range res.Series {
		if sr.Projection && strings.HasPrefix(name, sr.Name) {
			return true
		}
	}
	return false
}

func usedSeries(c *charts.Chart, id string) *charts.Series {
	for i := range c.Series {
		if c.Series[i].Name == id && !c.Series[i].Dashed {
			return &c.Series[i]
		}
	}
	return nil
}

// slotOf gives a projection its volume's colour: the index of the volume's
// used series among the solid ones, as colours are handed out.
func slotOf(c *charts.Chart, id string) int {
	k := 0
	for _, s := range c.Series {
		if s.Dashed || s.Limit {
			continue
		}
		k++
		if s.Name == id {
			return k
		}
	}
	return 0
}

func lastFinite(v []float64) int {
	for i := len(v) - 1; i >= 0; i-- {
		if !math.IsNaN(v[i]) && !math.IsInf(v[i], 0) {
			return i
		}
	}
	return -1
}
