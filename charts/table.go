package charts

import (
	"fmt"
	"math"
	"time"

	"github.com/flydash/dashboard/internal/units"
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
	t := Table{Caption: c.Title, Header: c.tableHeader()}
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
			row = append(row, units.Format(value(&c.Series[i], j), c.Unit))
		}
		t.Rows[j] = row
	}
	return t
}

// tableHeader is "Time (UTC)" and the series' names.
func (c Chart) tableHeader() []string {
	h := make([]string, 0, len(c.Series)+1)
	h = append(h, "Time (UTC)")
	for i, s := range c.Series {
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("series %d", i+1)
		}
		h = append(h, name)
	}
	return h
}

// summaryBuckets are the row spans a summary may use: round to read, and
// aligned to UTC when grouped with Truncate.
var summaryBuckets = []time.Duration{
	time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// Summary is the table a page shows: about maxRows rows, each the mean of
// the points in a round span of UTC time (an hour, six hours...), so a day
// reads as 24 hourly rows rather than 289 five-minute ones. A span with no
// data shows "—". A chart with at most maxRows points gives Table().
func (c Chart) Summary(maxRows int) Table {
	n := c.points()
	if maxRows <= 0 || n <= maxRows || c.Step <= 0 {
		return c.Table()
	}
	want := c.Step * time.Duration((n-1+maxRows-1)/maxRows)
	bucket := want
	for _, b := range summaryBuckets {
		if b >= want && b%c.Step == 0 {
			bucket = b
			break
		}
	}
	// Only the header of Table: formatting every point to throw the rows
	// away was most of a summary's cost.
	t := Table{Caption: fmt.Sprintf("%s, mean per %s", c.Title, humanStep(bucket)), Header: c.tableHeader()}
	t.Rows = make([][]string, 0, maxRows+1)
	start := c.Start.UTC()
	for j0 := 0; j0 < n; {
		at := start.Add(time.Duration(j0) * c.Step).Truncate(bucket)
		j1 := j0
		for j1 < n && start.Add(time.Duration(j1)*c.Step).Truncate(bucket).Equal(at) {
			j1++
		}
		row := make([]string, 0, len(c.Series)+1)
		row = append(row, at.Format("2006-01-02 15:04"))
		for i := range c.Series {
			sum, k := 0.0, 0
			for j := j0; j < j1; j++ {
				if v := value(&c.Series[i], j); finite(v) {
					sum += v
					k++
				}
			}
			v := math.NaN()
			if k > 0 {
				v = sum / float64(k)
			}
			row = append(row, units.Format(v, c.Unit))
		}
		t.Rows = append(t.Rows, row)
		j0 = j1
	}
	return t
}

func humanStep(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d d", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return d.String()
}

// AppendHTML appends t as an HTML <table> with a caption, a header row of
// column headers and a row header per row: what a page's data table
// template would write cell by cell. Written here because html/template
// escapes each of a day's ~170 cells per chart through reflection, which
// was about half of an app page's CPU; every text is escaped as the SVG's
// texts are, so the result is safe to inline.
func (t Table) AppendHTML(b []byte) []byte {
	b = append(b, "<table>\n<caption>"...)
	b = appendEscaped(b, t.Caption)
	b = append(b, "</caption>\n<thead><tr>"...)
	for _, h := range t.Header {
		b = append(b, `<th scope="col">`...)
		b = appendEscaped(b, h)
		b = append(b, "</th>"...)
	}
	b = append(b, "</tr></thead>\n<tbody>"...)
	for _, row := range t.Rows {
		b = append(b, "<tr>"...)
		for i, cell := range row {
			if i == 0 {
				b = append(b, `<th scope="row">`...)
				b = appendEscaped(b, cell)
				b = append(b, "</th>"...)
				continue
			}
			b = append(b, "<td>"...)
			b = appendEscaped(b, cell)
			b = append(b, "</td>"...)
		}
		b = append(b, "</tr>\n"...)
	}
	return append(b, "</tbody>\n</table>"...)
}
