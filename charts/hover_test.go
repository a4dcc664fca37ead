package charts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// TestHoverColumnsManySeries: the more lines a hover title has, the fewer
// columns, down to minColumns; the columns still cover every point.
func TestHoverColumnsManySeries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		series   int
		stacked  bool
		wantCols int
	}{
		{1, false, 60}, {3, false, 60}, {4, false, 45}, {4, true, 36}, {6, false, 30}, {7, false, 25}, {12, false, 24},
	} {
		var ss []Series
		for i := range tc.series {
			ss = append(ss, Series{Name: fmt.Sprintf("m%d", i), Values: wave(289, 0.3, 0.01, float64(i))})
		}
		c := Chart{ID: "h", Unit: units.Percent, Start: t0, Step: 5 * time.Minute, Series: ss, Stacked: tc.stacked}
		root, _ := render(t, c, Options{})
		cols := root.find(func(n *node) bool { return n.XMLName.Local == "rect" && n.hasClass("hb") })
		group := (289 + tc.wantCols - 1) / tc.wantCols
		if want := (289 + group - 1) / group; len(cols) != want {
			t.Errorf("%d series (stacked %v): %d hover columns, want %d (at most %d)", tc.series, tc.stacked, len(cols), want, tc.wantCols)
			continue
		}
		if got := strings.Count(cols[0].child("title").Text, "\n"); got != tc.series+map[bool]int{true: 1}[tc.stacked] {
			t.Errorf("%d series: %d value lines in a title", tc.series, got)
		}
		last := cols[len(cols)-1]
		x, _ := strconvParse(last.attr("x"))
		w, _ := strconvParse(last.attr("width"))
		if first, _ := strconvParse(cols[0].attr("x")); first > 60 || x+w < 600 {
			t.Errorf("%d series: columns span %v to %v", tc.series, first, x+w)
		}
	}
}
