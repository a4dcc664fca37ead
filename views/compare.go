package views

import (
	"math"

	"github.com/flydash/dashboard/charts"
)

// compareMachinesOver is how many machines' previous-period lines a page
// chart draws one by one; past it they become one line, their mean, so
// compare mode stays readable with many machines. The chart's files keep
// every series.
const compareMachinesOver = 3

// meanPrevious replaces the dashed previous-period lines of machines
// (series with a colour slot) by one dashed line, their mean at each point.
func meanPrevious(c *charts.Chart, compare string) {
	var prev []int
	for i, s := range c.Series {
		if s.Dashed && !s.Limit && s.Slot > 0 {
			prev = append(prev, i)
		}
	}
	if len(prev) <= compareMachinesOver {
		return
	}
	n := 0
	for _, i := range prev {
		n = max(n, len(c.Series[i].Values))
	}
	mean := charts.Series{Name: "machines' mean (" + compare + " ago)", Values: make([]float64, n), Dashed: true, Tone: "ref"}
	for j := range mean.Values {
		sum, k := 0.0, 0
		for _, i := range prev {
			if v := c.Series[i].Values; j < len(v) && !math.IsNaN(v[j]) && !math.IsInf(v[j], 0) {
				sum += v[j]
				k++
			}
		}
		mean.Values[j] = math.NaN()
		if k > 0 {
			mean.Values[j] = sum / float64(k)
		}
	}
	kept := c.Series[:0:0]
	for i, s := range c.Series {
		if !(s.Dashed && !s.Limit && s.Slot > 0) {
			kept = append(kept, c.Series[i])
		}
	}
	c.Series = append(kept, mean)
}
