package promapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// Time bounds for series and label lookups without start or end, as
// Prometheus has them.
var (
	minTime = time.Unix(math.MinInt64/1000+62135596801, 0).UTC()
	maxTime = time.Unix(math.MaxInt64/1000-62135596801, 999999999).UTC()
)

// parseTime accepts unix seconds (with a fraction) or RFC 3339, as
// Prometheus does.
func parseTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || f > float64(maxTime.Unix()) || f < float64(minTime.Unix()) {
			return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp: out of range", s)
		}
		sec, frac := math.Modf(f)
		frac = math.Round(frac*1000) / 1000
		return time.Unix(int64(sec), int64(frac*float64(time.Second))).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q to a valid timestamp", s)
}

func parseTimeParam(r *http.Request, name string, def time.Time) (time.Time, *apiError) {
	v := r.FormValue(name)
	if v == "" {
		return def, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, badData(name, err)
	}
	return t, nil
}

// parseDuration accepts float seconds or a Prometheus duration ("1m30s").
func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		ns := f * float64(time.Second)
		if math.IsNaN(ns) || ns >= float64(math.MaxInt64) || ns < float64(math.MinInt64) {
			return 0, fmt.Errorf("cannot parse %q to a valid duration: it overflows int64", s)
		}
		return time.Duration(ns), nil
	}
	if d, err := model.ParseDuration(s); err == nil {
		return time.Duration(d), nil
	}
	return 0, fmt.Errorf("cannot parse %q to a valid duration", s)
}

// withTimeout applies the request's timeout, which may only shorten the
// engine's.
func withTimeout(r *http.Request) (context.Context, context.CancelFunc, *apiError) {
	ctx := r.Context()
	v := r.FormValue("timeout")
	if v == "" {
		ctx, cancel := context.WithCancel(ctx)
		return ctx, cancel, nil
	}
	d, err := parseDuration(v)
	if err != nil {
		return nil, nil, badData("timeout", err)
	}
	if d <= 0 {
		return nil, nil, badData("timeout", errors.New("timeout must be positive"))
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, nil
}

func requireQuery(r *http.Request) (string, *apiError) {
	qs := r.FormValue("query")
	if strings.TrimSpace(qs) == "" {
		return "", badData("query", errors.New("missing `query` arg"))
	}
	return qs, nil
}

// matcherSets parses match[]; required says whether at least one is needed.
func (h *handler) matcherSets(r *http.Request, required bool) ([][]*labels.Matcher, *apiError) {
	matches := r.Form["match[]"]
	if len(matches) == 0 {
		if required {
			return nil, &apiError{errBadData, errors.New("no match[] parameter provided")}
		}
		return nil, nil
	}
	sets, err := h.parser.ParseMetricSelectors(matches)
	if err != nil {
		return nil, badData("match[]", err)
	}
	for _, ms := range sets {
		if matchesEverything(ms) {
			return nil, badData("match[]", errors.New("match[] must contain at least one non-empty matcher"))
		}
	}
	return sets, nil
}

func matchesEverything(ms []*labels.Matcher) bool {
	for _, m := range ms {
		if !m.Matches("") {
			return false
		}
	}
	return true
}

func (h *handler) bounds(r *http.Request) (int64, int64, *apiError) {
	start, apiErr := parseTimeParam(r, "start", minTime)
	if apiErr != nil {
		return 0, 0, apiErr
	}
	end, apiErr := parseTimeParam(r, "end", maxTime)
	if apiErr != nil {
		return 0, 0, apiErr
	}
	if end.Before(start) {
		return 0, 0, badData("end", errors.New("end timestamp must not be before start time"))
	}
	return start.UnixMilli(), end.UnixMilli(), nil
}

func parseLimit(r *http.Request) (int, *apiError) {
	v := r.FormValue("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badData("limit", fmt.Errorf("cannot parse %q: must be a non-negative integer", v))
	}
	return n, nil
}

// lookupArgs are the parameters /series and the label endpoints share.
type lookupArgs struct {
	sets       [][]*labels.Matcher
	mint, maxt int64
	limit      int
}

func (h *handler) parseLookup(r *http.Request, needMatch bool) (lookupArgs, *apiError) {
	var a lookupArgs
	var apiErr *apiError
	if a.sets, apiErr = h.matcherSets(r, needMatch); apiErr != nil {
		return a, apiErr
	}
	if a.mint, a.maxt, apiErr = h.bounds(r); apiErr != nil {
		return a, apiErr
	}
	a.limit, apiErr = parseLimit(r)
	return a, apiErr
}
