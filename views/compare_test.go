package views

import (
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
)

// TestCompareWithManyMachines: search-api's seven machines compared with
// the day before draw seven lines and one dashed mean on the page, not
// fourteen tangled ones; the chart's CSV keeps every machine's day before.
func TestCompareWithManyMachines(t *testing.T) {
	t.Parallel()
	s := sharedStack(t)
	_, body, _ := s.get(t, "/apps/search-api?range=6h&compare=1d")
	cpu := panelOf(t, body, "cpu")
	if m := regexp.MustCompile(`[a-z]{3}/[0-9a-f]{8} \(1d ago\)`).FindAllString(cpu, -1); len(m) > 0 || !strings.Contains(cpu, ">machines&#39; mean (1d ago)</text>") {
		t.Errorf("the CPU chart draws machines' previous day one by one (%q), want their mean alone", m)
	}
	_, file, _ := s.get(t, "/apps/search-api/charts/cpu.csv?range=6h&compare=1d")
	rows, err := csv.NewReader(strings.NewReader(file)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("cpu.csv: %v", err)
	}
	prev := 0
	for _, h := range rows[0] {
		if strings.HasSuffix(h, "(1d ago)") && !strings.HasPrefix(h, "baseline") {
			prev++
		}
	}
	if prev != 7 {
		t.Errorf("cpu.csv has %d machines' previous day, want all 7: %q", prev, rows[0])
	}
}
