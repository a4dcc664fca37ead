package promql

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// builder renders selectors. Every selector goes through it, so the app
// matcher and the offset can never be forgotten in one branch of a query.
type builder struct {
	matchers   []string // always-present matchers, already quoted
	rateWindow string
	offset     string // "" or " offset 1d"
}

func newBuilder(w Window, offset time.Duration) (builder, error) {
	if offset < 0 || offset%time.Second != 0 {
		return builder{}, fmt.Errorf("%w: %s (want a positive number of whole seconds)", ErrBadOffset, offset)
	}
	if w.Step <= 0 {
		return builder{}, fmt.Errorf("%w: the window has no step", ErrBadWindow)
	}
	b := builder{rateWindow: promDuration(w.RateWindow())}
	if offset > 0 {
		b.offset = " offset " + promDuration(offset)
	}
	return b, nil
}

// sel renders an instant-vector selector: metric{matchers...} [offset].
func (b builder) sel(metric string, extra ...string) string {
	all := append(append([]string(nil), b.matchers...), extra...)
	s := metric
	if len(all) > 0 {
		s += "{" + strings.Join(all, ",") + "}"
	}
	return s + b.offset
}

// rangeSel renders a range-vector selector over the rate window.
func (b builder) rangeSel(metric string, extra ...string) string {
	return b.rangeSelWindow(b.rateWindow, metric, extra...)
}

func (b builder) rangeSelWindow(window, metric string, extra ...string) string {
	all := append(append([]string(nil), b.matchers...), extra...)
	s := metric
	if len(all) > 0 {
		s += "{" + strings.Join(all, ",") + "}"
	}
	return s + "[" + window + "]" + b.offset
}

// promDuration writes d in the largest single unit that divides it exactly
// ("1d", "5m", "75s"): compound durations like "1m15s" are not understood by
// every engine version.
func promDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d%u.d == 0 {
			return fmt.Sprintf("%d%s", d/u.d, u.name)
		}
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}

// over renders a range-vector selector over a fixed window d, for trends
// whose look-back is part of the question (the last 6 h's fill rate), not
// the chart's resolution.
func (b builder) over(d time.Duration, metric string, extra ...string) string {
	return b.rangeSelWindow(promDuration(d), metric, extra...)
}

// seconds writes d as a plain number of seconds, as predict_linear takes it.
func seconds(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

// perVCPU divides a per-machine sum by the machine's vCPU count (one idle
// series each), as Fly's dashboards do: fly_instance_cpu counts per vCPU,
// while the quota and the throttle counter are the machine's.
func perVCPU(b builder, expr string) string {
	return expr + ` / count by (instance, region) (` + b.sel(instanceCPU, `mode="idle"`) + `)`
}

func withKind(expr, kind string) string {
	return `label_replace(` + expr + `, "kind", "` + kind + `", "", "")`
}
