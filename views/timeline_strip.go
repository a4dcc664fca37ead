package views

import (
	"net/url"
	"time"

	"github.com/flydash/dashboard/health"
)

// stripEpisode is one episode on the app page's timeline strip, placed on
// the charts' time axis in thousandths of the range, linking to its own
// stretch of time.
type stripEpisode struct {
	X, W  float64
	Href  string
	Title string
	Class string
}

// timelineStrip places the verdict's episodes that overlap r; a few
// minutes either side of each in its link, so it is seen starting.
func timelineStrip(app string, v health.Verdict, r timeRange) []stripEpisode {
	span := r.To.Sub(r.From).Seconds()
	if span <= 0 {
		return nil
	}
	at := func(t time.Time) float64 { return min(max(t.Sub(r.From).Seconds()/span*1000, 0), 1000) }
	var out []stripEpisode
	for _, e := range v.Timeline {
		end := e.End
		if e.Ongoing {
			end = r.To
		}
		if end.Before(r.From) || e.Start.After(r.To) {
			continue
		}
		x, x2 := at(e.Start), at(end)
		q := url.Values{
			"from": {e.Start.Add(-15 * time.Minute).UTC().Format(time.RFC3339)},
			"to":   {end.Add(15 * time.Minute).UTC().Format(time.RFC3339)},
		}
		out = append(out, stripEpisode{X: x, W: max(x2-x, 3), Href: "/apps/" + url.PathEscape(app) + "?" + q.Encode(),
			Title: e.Words(), Class: "v-" + e.Status.Class()})
	}
	return out
}
