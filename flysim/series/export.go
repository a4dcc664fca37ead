package series

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/flydash/dashboard/flysim/fleet"
)

// ExportJSONLines writes the samples of apps in [start, end] as
// VictoriaMetrics /api/v1/import JSON lines, one series a line, so a real
// VictoriaMetrics can be loaded with exactly what the simulator serves.
// Only samples at multiples of step (a positive multiple of 15 s) are
// written; match selects metric names (nil: all). Staleness markers are left
// out: VictoriaMetrics has none.
func ExportJSONLines(w io.Writer, apps []fleet.App, start, end time.Time, step time.Duration, match func(metric string) bool) error {
	stepMs := step.Milliseconds()
	if stepMs <= 0 || stepMs%gridMs != 0 {
		return fmt.Errorf("series: export step %s is not a positive multiple of %ds", step, gridSec)
	}
	if end.Before(start) {
		return errors.New("series: export end before start")
	}
	var fams []family
	for _, f := range families {
		if match == nil || match(f.name) {
			fams = append(fams, f)
		}
	}
	mint, maxt := start.UnixMilli(), end.UnixMilli()
	q := newQuerier(apps, end, mint, maxt)
	bw := bufio.NewWriterSize(w, 1<<16)
	var line []byte
	var writeErr error
	for i := range apps {
		b := builder{rows: &rowCache{}}
		q.model(i).enumerate(newSelector(nil), fams, mint, maxt, &b, func(d *seriesDesc) {
			if writeErr != nil {
				return
			}
			line, writeErr = appendSeriesLine(line[:0], d, mint, maxt, q.nowK, stepMs)
			if writeErr == nil && line != nil {
				_, writeErr = bw.Write(line)
			}
		})
		if writeErr != nil {
			return writeErr
		}
	}
	return bw.Flush()
}

// appendSeriesLine renders one series; it returns nil for a series without
// samples on the export's steps.
func appendSeriesLine(buf []byte, d *seriesDesc, mint, maxt, nowK, stepMs int64) ([]byte, error) {
	var ts []int64
	var vs []float64
	for _, p := range appendSamples(nil, d, mint, maxt, nowK, stepMs/gridMs) {
		if math.IsNaN(p.F) {
			continue
		}
		ts = append(ts, p.T)
		vs = append(vs, p.F)
	}
	if len(ts) == 0 {
		return nil, nil
	}
	metric := make(map[string]string, d.lset.Len())
	d.lset.Range(func(l labels.Label) { metric[l.Name] = l.Value })
	m, err := json.Marshal(metric)
	if err != nil {
		return nil, err
	}
	// A series is written as several lines of at most linePoints samples
	// (VictoriaMetrics merges them): Debian's VictoriaMetrics sometimes
	// fails a line longer than its 64 KiB read block with "no forward
	// progress made", and a day at 15 s is ~120 KiB on one line.
	for lo := 0; lo < len(ts); lo += linePoints {
		hi := min(lo+linePoints, len(ts))
		buf = append(buf, `{"metric":`...)
		buf = append(buf, m...)
		buf = append(buf, `,"values":[`...)
		for i, v := range vs[lo:hi] {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
		}
		buf = append(buf, `],"timestamps":[`...)
		for i, t := range ts[lo:hi] {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendInt(buf, t, 10)
		}
		buf = append(buf, "]}\n"...)
	}
	return buf, nil
}

// linePoints bounds the samples on one exported line (~25 KiB).
const linePoints = 1000
