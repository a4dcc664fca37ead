package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// renderCommand is charts' own benchmark, run five times; the median of
// the five is reported. It lives with the renderer so `go test -bench`
// there stays the one way to time it.
var renderCommand = []string{"go", "test", "-run", "^$", "-bench", "^BenchmarkRender(4x360|10x720|4x360Stacked)$", "-benchmem", "-count", "5", "github.com/flydash/dashboard/charts"}

func runRender(ctx context.Context, r *report) error {
	cmd := exec.CommandContext(ctx, renderCommand[0], renderCommand[1:]...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(renderCommand, " "), err)
	}
	nsPerOp := map[string][]float64{}
	svgBytes := map[string]float64{}
	err := scanLines(&out, func(line string) {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkRender") {
			return
		}
		name := strings.TrimPrefix(f[0], "BenchmarkRender")
		name, _, _ = strings.Cut(name, "-")
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				nsPerOp[name] = append(nsPerOp[name], v)
			case "svg-bytes":
				svgBytes[name] = v
			}
		}
	})
	if err != nil {
		return err
	}
	for _, name := range []string{"4x360", "4x360Stacked", "10x720"} {
		runs := nsPerOp[name]
		if len(runs) == 0 {
			return fmt.Errorf("no result for BenchmarkRender%s in:\n%s", name, out.String())
		}
		msPerChart := median(runs) / 1e6
		goal, met := "", (*bool)(nil)
		if name == "4x360" {
			goal, met = "<= 3 ms", ptr(msPerChart <= 3)
		}
		r.add("4", fmt.Sprintf("render one chart, %s points (median of %d runs)", name, len(runs)),
			fmt.Sprintf("%.2f ms (SVG %s; runs %.2f–%.2f ms)", msPerChart, kb(int(svgBytes[name])), quantile(runs, 0)/1e6, quantile(runs, 1)/1e6),
			goal, met)
	}
	return nil
}
