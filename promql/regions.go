package promql

import "github.com/flydash/dashboard/internal/units"

// regionErrors is the region map's one query of its own: 5xx responses
// per second per edge region. The map takes requests/s and p95 per region
// from the region charts' results; only the 5xx share by region is in no
// chart. It is not in Catalog() because it has no chart of its own.
var regionErrors = Query{
	Slug: "region-errors", Title: "5xx responses by region", Unit: units.ReqPerSec, HTTP: true,
	Desc: "HTTP responses per second with a 5xx status per Fly edge region, where clients connect.",
}

var regionErrorsSpec = querySpec{
	build: func(b builder) string {
		return `sum by (region) (rate(` + b.rangeSel(edgeResponses, `status=~"5.."`) + `))`
	},
	name: func(l map[string]string) string { return l["region"] },
}

// RegionErrors is the query for 5xx responses per second by edge region.
func RegionErrors() Query { return regionErrors }

// MapQueries are the queries behind the region map, in the order requests,
// p95, 5xx: the two region charts' and RegionErrors.
func MapQueries() []Query {
	req, _ := Lookup("region-requests")
	lat, _ := Lookup("region-latency")
	return []Query{req, lat, regionErrors}
}

// RecentFrom is the index of the first point of w that RecentMean and
// RecentShare average over: what a page says its "now" numbers cover.
func RecentFrom(w Window) int { return recentFrom(w) }
