package charts

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// TestSparkFloor: a low series on a floored scale stays near the bottom,
// while the same series unfloored fills the height.
func TestSparkFloor(t *testing.T) {
	values := []float64{0.1, 0.3, 0.2, 0.25}
	top := func(floor float64) float64 {
		var buf bytes.Buffer
		err := RenderSpark(&buf, Spark{Unit: units.Percent, Start: time.Unix(0, 0), Step: time.Minute, Values: values, Height: 28, Floor: floor})
		if err != nil {
			t.Fatal(err)
		}
		// The smallest y of the line's points is its highest point.
		m := regexp.MustCompile(`class="l"[^>]* d="([^"]+)"`).FindStringSubmatch(buf.String())
		if m == nil {
			t.Fatalf("no line in %s", buf.String())
		}
		highest := 1e9
		for _, pair := range regexp.MustCompile(`[ML]([0-9.]+)[ ,]([0-9.]+)`).FindAllStringSubmatch(m[1], -1) {
			y, _ := strconv.ParseFloat(pair[2], 64)
			highest = min(highest, y)
		}
		return highest
	}
	if unfloored, floored := top(0), top(5); !(floored > 20 && unfloored < 5) {
		t.Errorf("highest point at y=%v unfloored, %v with a 5%% floor (height 28)", unfloored, floored)
	}
	// The floor raises the scale, not the max the title reports.
	var buf bytes.Buffer
	if err := RenderSpark(&buf, Spark{Title: "5xx", Unit: units.Percent, Start: time.Unix(0, 0), Step: time.Minute, Values: values, Floor: 5}); err != nil {
		t.Fatal(err)
	}
	if want := "max 0.3% at Jan 1 00:01 UTC"; !bytes.Contains(buf.Bytes(), []byte(want)) {
		t.Errorf("a floored sparkline's title should say %q:\n%s", want, buf.String())
	}
}
