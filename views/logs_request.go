package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/flyapi"
	flyregions "github.com/flydash/dashboard/regions"
)

// logsRequest is what a logs page URL asks for.
type logsRequest struct {
	App string
	// At is the moment asked about; zero follows the latest lines.
	At time.Time
	// After is Fly's cursor from an earlier or later link; zero reads
	// from a little before At.
	After     time.Time
	Instances []string
	Region    string
	Refresh   string
}

// logsLead is how far before the moment a page starts, so the lines that
// led to it (a stack trace, the kernel's OOM line) are on it.
const logsLead = 20 * time.Second

// inputError is bad input, said as a sentence to show as it is.
type inputError string

func (e inputError) Error() string { return string(e) }

func parseLogsRequest(app string, q url.Values, now time.Time) (logsRequest, error) {
	r := logsRequest{App: app, Region: strings.TrimSpace(q.Get("region")), Refresh: strings.TrimSpace(q.Get("refresh"))}
	if s := strings.TrimSpace(q.Get("at")); s != "" {
		t, err := parseInstant(s)
		if err != nil {
			return r, inputError("at=" + truncateInput(s) + " is not a time: give RFC 3339 (2026-12-07T15:04:05Z) or unix seconds.")
		}
		if t.After(now.Add(time.Minute)) {
			return r, inputError("at=" + truncateInput(s) + " is in the future: there are no lines yet.")
		}
		r.At = t.UTC()
	}
	if s := strings.TrimSpace(q.Get("after")); s != "" {
		ns, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ns <= 0 {
			return r, inputError("after=" + truncateInput(s) + " is not a cursor from Fly's logs API (a Unix time in nanoseconds): follow the page's earlier and later links.")
		}
		r.After = time.Unix(0, ns).UTC()
	}
	for _, id := range q["instance"] {
		if !flyapi.ValidMachineID(id) {
			return r, inputError("instance=" + truncateInput(id) + " is not a machine id: Fly's are 14 hex digits, like 148e5996b5d598.")
		}
		r.Instances = append(r.Instances, id)
	}
	if len(r.Instances) > flyapi.MaxLogsInstances {
		return r, inputError("That is " + strconv.Itoa(len(r.Instances)) + " machines: a page follows at most " + strconv.Itoa(flyapi.MaxLogsInstances) + ".")
	}
	if _, ok := flyregions.Lookup(r.Region); r.Region != "" && !ok {
		return r, inputError("region=" + truncateInput(r.Region) + " is not a Fly region: use a code such as iad, fra or sin.")
	}
	if _, ok := refreshChoices[r.Refresh]; r.Refresh != "" && !ok {
		return r, inputError("refresh=" + truncateInput(r.Refresh) + " is not one of 30s, 1m or 5m.")
	}
	return r, nil
}

// from is where the read starts: Fly's cursor, or a little before the
// moment, or zero for Fly's latest lines.
func (r logsRequest) from() time.Time {
	switch {
	case !r.After.IsZero():
		return r.After
	case !r.At.IsZero():
		return r.At.Add(-logsLead)
	}
	return time.Time{}
}

// href is the page for r with the given changes, every other choice kept.
func (r logsRequest) href(change func(*logsRequest)) string {
	c := r
	c.Instances = append([]string(nil), r.Instances...)
	if change != nil {
		change(&c)
	}
	v := url.Values{}
	if !c.At.IsZero() {
		v.Set("at", c.At.Format(time.RFC3339))
	}
	if !c.After.IsZero() {
		v.Set("after", strconv.FormatInt(c.After.UnixNano(), 10))
	}
	v["instance"] = c.Instances
	if len(c.Instances) == 0 {
		delete(v, "instance")
	}
	if c.Region != "" {
		v.Set("region", c.Region)
	}
	if c.Refresh != "" {
		v.Set("refresh", c.Refresh)
	}
	h := "/apps/" + url.PathEscape(c.App) + "/logs"
	if len(v) > 0 {
		h += "?" + v.Encode()
	}
	return h
}
