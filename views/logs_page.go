package views

import (
	"context"
	"errors"
	"slices"
	"time"
	"unicode/utf8"

	fly "github.com/superfly/fly-go"

	"github.com/flydash/dashboard/flyapi"
)

// logsPage is an app's log lines around a moment, from Fly's logs API.
type logsPage struct {
	layout
	App   string
	Req   logsRequest
	Lines []logLine
	// Err says who failed and how; the page still answers 200.
	Err string
	// TooOld is set when the moment is older than Fly keeps logs.
	TooOld  bool
	Latest  bool // the page shows Fly's latest lines, not a moment's
	Full    bool // a full page: Fly may have more after it
	Earlier string
	Later   string
	// Charts is the app page around the moment: the metrics go back
	// further than the logs.
	Charts, AppHref, Retry string
	// Machines and Regions filter the page; AllHref drops both.
	Machines, Regions []filterLink
	AllHref           string
	RefreshNav        []navLink
}

type filterLink struct {
	Label, Href string
	Current     bool
}

// logLine is one line as the page shows it. Message is text: the
// template escapes it like any other.
type logLine struct {
	At                    time.Time
	Provider, Level       string
	Instance, Region      string
	Message               string
	Cut                   int // characters cut from a very long line
	Anchor                string
	MachineHref, OnlyHref string
	RegionHref            string
	Moment                bool // the first line at or after the moment asked about
}

// maxLineChars is where a line is cut: a minified bundle or a base64
// blob logged by mistake would bury the page.
const maxLineChars = 2000

// logsPage reads the page's one call to Fly's logs API and lays out what
// it answered, or why it did not.
func (s *server) logsPage(ctx context.Context, r logsRequest) (logsPage, error) {
	now := s.now()
	p := logsPage{App: r.App, Req: r, AppHref: "/apps/" + r.App, Retry: r.href(nil)}
	if !r.At.IsZero() {
		p.Charts = zoomHref(r.App, r.At, nil)
	}
	p.RefreshNav = []navLink{{Label: "off", Href: r.href(func(c *logsRequest) { c.Refresh = "" }), Current: r.Refresh == ""}}
	for _, k := range []string{"30s", "1m", "5m"} {
		p.RefreshNav = append(p.RefreshNav, navLink{Label: k, Href: r.href(func(c *logsRequest) { c.Refresh, c.At, c.After = k, time.Time{}, time.Time{} }), Current: r.Refresh == k})
	}
	from := r.from()
	if !from.IsZero() && from.Before(now.Add(-flyapi.LogsRetention)) {
		p.TooOld = true
		return p, nil
	}
	page, err := s.fly.ReadLogs(ctx, r.App, from, r.Region, r.Instances)
	switch {
	case errors.Is(err, flyapi.ErrNotFound):
		return p, err
	case err != nil:
		s.log.Warn("logs", "app", r.App, "err", err)
		p.Err = explainLogs(err)
		return p, nil
	}
	p.Latest = from.IsZero()
	p.Full = len(page.Entries) >= flyapi.LogsPageSize
	p.Lines = s.logLines(r, page.Entries)
	p.links(page)
	return p, nil
}

func (s *server) logLines(r logsRequest, entries []fly.LogEntry) []logLine {
	out := make([]logLine, 0, len(entries))
	marked := r.At.IsZero()
	for _, e := range entries {
		l := newLogLine(r.App, e)
		l.RegionHref = r.href(func(c *logsRequest) { c.Region, c.After = l.Region, time.Time{} })
		if !marked && !l.At.Before(r.At) {
			l.Moment, marked = true, true
		}
		out = append(out, l)
	}
	return out
}

// newLogLine is an entry as shown: Fly's provider, level, machine and
// region, and the message, cut if very long.
func newLogLine(app string, e fly.LogEntry) logLine {
	l := logLine{At: flyapi.EntryTime(e), Provider: e.Meta.Event.Provider, Level: e.Level, Instance: e.Instance, Region: e.Region, Message: e.Message}
	if l.Instance == "" {
		l.Instance = e.Meta.Instance
	}
	if l.Region == "" {
		l.Region = e.Meta.Region
	}
	if n := utf8.RuneCountInString(l.Message); n > maxLineChars {
		cut := 0
		for i := range l.Message {
			if cut == maxLineChars {
				l.Message = l.Message[:i]
				break
			}
			cut++
		}
		l.Cut = n - maxLineChars
	}
	l.Anchor = lineAnchor(l.At, l.Instance)
	if flyapi.ValidMachineID(l.Instance) {
		l.MachineHref = machineHref(app, l.Instance)
	}
	return l
}

// links are the page's paging and filters. Later is Fly's own cursor.
// Fly reads only forward, so earlier starts a page's span before this one.
func (p *logsPage) links(page flyapi.LogsPage) {
	r := p.Req
	if n := len(p.Lines); n > 0 {
		first, last := p.Lines[0].At, p.Lines[n-1].At
		span := max(last.Sub(first), time.Minute)
		p.Earlier = r.href(func(c *logsRequest) { c.After, c.Refresh = first.Add(-span), "" })
		p.Later = r.href(func(c *logsRequest) { c.After, c.Refresh = page.Next, "" })
	}
	p.AllHref = r.href(func(c *logsRequest) { c.Instances, c.Region, c.After = nil, "", time.Time{} })
	var ids, regions []string
	for _, l := range p.Lines {
		ids = append(ids, l.Instance)
		regions = append(regions, l.Region)
	}
	ids = append(ids, r.Instances...)
	if r.Region != "" {
		regions = append(regions, r.Region)
	}
	slices.Sort(ids)
	slices.Sort(regions)
	for _, id := range slices.Compact(ids) {
		if id == "" {
			continue
		}
		p.Machines = append(p.Machines, filterLink{Label: id, Current: slices.Contains(r.Instances, id),
			Href: r.href(func(c *logsRequest) { c.Instances, c.After = []string{id}, time.Time{} })})
	}
	for _, rg := range slices.Compact(regions) {
		if rg == "" {
			continue
		}
		p.Regions = append(p.Regions, filterLink{Label: rg, Current: r.Region == rg,
			Href: r.href(func(c *logsRequest) { c.Region, c.After = rg, time.Time{} })})
	}
}

// explainLogs says who failed and how, in flyapi.Explain's words for Fly's
// logs API.
func explainLogs(err error) string {
	return flyapi.ExplainAPI("Fly's logs API", err)
}
