package views

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Fly keeps metrics for about 15 days; a wider window has nothing to show.
const maxSpan = 15 * 24 * time.Hour

// rangeChoice is one of the relative ranges offered as links.
type rangeChoice struct {
	Key string
	Dur time.Duration
}

var rangeChoices = []rangeChoice{
	{"5m", 5 * time.Minute},
	{"15m", 15 * time.Minute},
	{"1h", time.Hour},
	{"6h", 6 * time.Hour},
	{"24h", 24 * time.Hour},
	{"7d", 7 * 24 * time.Hour},
}

// defaultRange covers a day: enough to see "since when" for most incidents
// while keeping the step at a couple of minutes.
const defaultRange = "24h"

// timeRange is the window a page shows, as the URL asks for it.
type timeRange struct {
	Key      string // "24h" etc.; "" for an absolute window
	From, To time.Time
}

func (r timeRange) Absolute() bool      { return r.Key == "" }
func (r timeRange) Span() time.Duration { return r.To.Sub(r.From) }
func (r timeRange) String() string      { return describeRange(r) }

// errBadRange is the kind of every range parsing error; its message is
// written for the person who typed the URL.
var errBadRange = errors.New("bad time range")

type rangeError struct{ msg string }

func (e rangeError) Error() string { return e.msg }
func (e rangeError) Unwrap() error { return errBadRange }

// parseRange reads range=, or from= and to=, from the query string.
func parseRange(q url.Values, now time.Time) (timeRange, error) {
	from, to := strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to"))
	if from != "" || to != "" {
		if from == "" || to == "" {
			return timeRange{}, rangeError{"An absolute range needs both from and to."}
		}
		f, err := parseInstant(from)
		if err != nil {
			return timeRange{}, rangeError{fmt.Sprintf("from=%q is not a time: use RFC 3339 (2026-11-26T14:00:00Z) or unix seconds.", truncateInput(from))}
		}
		t, err := parseInstant(to)
		if err != nil {
			return timeRange{}, rangeError{fmt.Sprintf("to=%q is not a time: use RFC 3339 (2026-11-26T14:00:00Z) or unix seconds.", truncateInput(to))}
		}
		if !t.After(f) {
			return timeRange{}, rangeError{"from must be before to."}
		}
		if t.Sub(f) > maxSpan {
			return timeRange{}, rangeError{"That range is longer than 15 days, and Fly keeps metrics for about 15 days. Pick a shorter range."}
		}
		if t.Sub(f) < time.Minute {
			return timeRange{}, rangeError{"That range is shorter than a minute: there is nothing to chart."}
		}
		if f.After(now) {
			return timeRange{}, rangeError{"That range is in the future: there are no metrics yet."}
		}
		return timeRange{From: f.UTC(), To: t.UTC()}, nil
	}
	key := strings.TrimSpace(q.Get("range"))
	if key == "" {
		key = defaultRange
	}
	r := resolveKey(key, now)
	if r.Key == "" {
		return timeRange{}, rangeError{fmt.Sprintf("range=%q is not one of 5m, 15m, 1h, 6h, 24h or 7d.", truncateInput(key))}
	}
	return r, nil
}

func resolveKey(key string, now time.Time) timeRange {
	for _, c := range rangeChoices {
		if c.Key == key {
			return timeRange{Key: key, From: now.Add(-c.Dur).UTC(), To: now.UTC()}
		}
	}
	return timeRange{}
}

func parseInstant(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, errBadRange
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
}

func describeRange(r timeRange) string {
	if !r.Absolute() {
		return "last " + humanKey(r.Key)
	}
	return r.From.Format("Jan 2 15:04") + " – " + r.To.Format("Jan 2 15:04") + " UTC"
}

func humanKey(k string) string {
	switch k {
	case "5m":
		return "5 minutes"
	case "15m":
		return "15 minutes"
	case "1h":
		return "hour"
	case "6h":
		return "6 hours"
	case "24h":
		return "24 hours"
	case "7d":
		return "7 days"
	}
	return k
}

// truncateInput keeps echoed input short: error pages repeat what was typed.
func truncateInput(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
