package views

import (
	"net/url"
	"strings"
	"time"

	"github.com/flydash/dashboard/promql"
)

// view is everything in a page's URL that decides what it shows, so every
// view can be bookmarked and shared.
type view struct {
	Range   timeRange
	Compare string // "", "1d" or "7d"
	Refresh string // "", "30s", "1m" or "5m"
}

var refreshChoices = map[string]int{"30s": 30, "1m": 60, "5m": 300}

func parseView(q url.Values, now time.Time) (view, error) {
	r, err := parseRange(q, now)
	if err != nil {
		return view{}, err
	}
	v := view{Range: r}
	v.Compare = strings.TrimSpace(q.Get("compare"))
	if _, ok := compareOffsets[v.Compare]; v.Compare != "" && !ok {
		return view{}, rangeError{"compare=" + truncateInput(v.Compare) + " is not one of 1d or 7d."}
	}
	v.Refresh = strings.TrimSpace(q.Get("refresh"))
	if _, ok := refreshChoices[v.Refresh]; v.Refresh != "" && !ok {
		return view{}, rangeError{"refresh=" + truncateInput(v.Refresh) + " is not one of 30s, 1m or 5m."}
	}
	return v, nil
}

// refreshSeconds is the meta refresh period. An absolute window never
// changes, so it never refreshes.
func (v view) refreshSeconds() int {
	if v.Range.Absolute() {
		return 0
	}
	return refreshChoices[v.Refresh]
}

type navLink struct {
	Label, Href string
	Current     bool
}

// rangeNav holds the links that change one part of the view and keep the rest.
type rangeNav struct {
	Ranges, Compare, Refresh []navLink
}

func newRangeNav(u *url.URL, v view) rangeNav {
	var n rangeNav
	for _, c := range rangeChoices {
		n.Ranges = append(n.Ranges, navLink{Label: c.Key, Href: linkWith(u, map[string]string{"range": c.Key, "from": "", "to": ""}), Current: v.Range.Key == c.Key})
	}
	n.Compare = []navLink{
		{Label: "off", Href: linkWith(u, map[string]string{"compare": ""}), Current: v.Compare == ""},
		{Label: "1 day ago", Href: linkWith(u, map[string]string{"compare": "1d"}), Current: v.Compare == "1d"},
		{Label: "7 days ago", Href: linkWith(u, map[string]string{"compare": "7d"}), Current: v.Compare == "7d"},
	}
	if !v.Range.Absolute() {
		n.Refresh = []navLink{
			{Label: "off", Href: linkWith(u, map[string]string{"refresh": ""}), Current: v.Refresh == ""},
			{Label: "30s", Href: linkWith(u, map[string]string{"refresh": "30s"}), Current: v.Refresh == "30s"},
			{Label: "1m", Href: linkWith(u, map[string]string{"refresh": "1m"}), Current: v.Refresh == "1m"},
			{Label: "5m", Href: linkWith(u, map[string]string{"refresh": "5m"}), Current: v.Refresh == "5m"},
		}
	}
	return n
}

// linkWith is u with the given query parameters set (or removed when the
// value is empty), everything else kept.
func linkWith(u *url.URL, set map[string]string) string {
	q := u.Query()
	for k, v := range set {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return u.Path
	}
	return u.Path + "?" + q.Encode()
}

func newChartLinks(app string, id promql.ChartID, q url.Values) chartLinks {
	keep := url.Values{}
	for _, k := range []string{"range", "from", "to", "compare"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	suffix := ""
	if len(keep) > 0 {
		suffix = "?" + keep.Encode()
	}
	base, slug := "/apps/"+url.PathEscape(app), string(id)
	return chartLinks{
		SVG:     base + "/charts/" + slug + ".svg" + suffix,
		CSV:     base + "/charts/" + slug + ".csv" + suffix,
		JSON:    base + "/charts/" + slug + ".json" + suffix,
		Explore: base + "/explore/" + slug + suffix,
		Self:    base + suffix + "#" + slug,
	}
}
