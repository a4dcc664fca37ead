package charts

import (
	"fmt"
	"time"
)

// Table is a chart's data for the screen-reader table a page puts in a
// <details> element.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Table lists every point: the time in UTC ("2006-01-02 15:04", with
// seconds when the step is not whole minutes), then one column per series
// formatted with FormatValue.
func (c Chart) Table() Table {
	n := c.points()
	t := Table{Caption: c.Title, Header: make([]string, 0, len(c.Series)+1)}
	t.Header = append(t.Header, "Time (UTC)")
	for i, s := range c.Series {
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("series %d", i+1)
		}
		t.Header = append(t.Header, name)
	}
	layout := "2006-01-02 15:04"
	if c.Step%time.Minute != 0 {
		layout = "2006-01-02 15:04:05"
	}
	start := c.Start.UTC()
	t.Rows = make([][]string, n)
	for j := range n {
		row := make([]string, 0, len(c.Series)+1)
		row = append(row, start.Add(time.Duration(j)*c.Step).Format(layout))
		for i := range c.Series {
			row = append(row, FormatValue(value(&c.Series[i], j), c.Unit))
		}
		t.Rows[j] = row
	}
	return t
}
