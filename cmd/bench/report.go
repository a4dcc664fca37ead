package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"
)

// report gathers the figures for the closing Markdown table.
type report struct {
	date  string
	model string
	cpus  int
	rows  []row
}

type row struct {
	item, figure, value, goal string
	// met is "yes", "no" or "" (no goal).
	met  string
	load string
}

func (r *report) machine() {
	r.date = time.Now().UTC().Format("2006-01-02 15:04 UTC")
	r.cpus = runtime.NumCPU()
	r.model = "unknown CPU"
	if out, err := exec.Command("lscpu").Output(); err == nil {
		for line := range strings.SplitSeq(string(out), "\n") {
			if name, ok := strings.CutPrefix(line, "Model name:"); ok {
				r.model = strings.TrimSpace(name)
				break
			}
		}
	}
}

// add records a figure and prints it at once, so a long run shows progress.
func (r *report) add(item, figure, value, goal string, met *bool) {
	m := ""
	if met != nil {
		m = "no"
		if *met {
			m = "yes"
		}
	}
	rw := row{item: item, figure: figure, value: value, goal: goal, met: m, load: loadAvg()}
	r.rows = append(r.rows, rw)
	line := fmt.Sprintf("  %-58s %s", figure, value)
	if goal != "" {
		line += fmt.Sprintf("   (goal %s: %s)", goal, m)
	}
	fmt.Println(line)
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\n## Figures (%s; %d CPUs, %s)\n\n", r.date, r.cpus, r.model)
	fmt.Fprintln(w, "| # | figure | value | goal | met | load avg |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, rw := range r.rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", rw.item, rw.figure, rw.value, rw.goal, rw.met, rw.load)
	}
}

// loadAvg is the 1, 5 and 15 minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func ptr(b bool) *bool { return &b }

// median of a copy of xs; 0 for none.
func median(xs []float64) float64 {
	return quantile(xs, 0.5)
}

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(q * float64(len(s)-1))
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func kb(n int) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }
