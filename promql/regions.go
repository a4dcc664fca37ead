package promql

// RegionErrors is the query for 5xx responses per second by edge region.
func RegionErrors() Query {
	e, _ := find(Region5xx)
	return e.Query
}

// MapQueries are the queries behind the region map, in the order requests,
// p95, 5xx: the two region charts' and RegionErrors.
func MapQueries() []Query {
	req, _ := Lookup(RegionRequests)
	lat, _ := Lookup(RegionLatency)
	return []Query{req, lat, RegionErrors()}
}

// RecentFrom is the index of the first point of w that RecentMean and
// RecentShare average over: what a page says its "now" numbers cover.
func RecentFrom(w Window) int { return recentFrom(w) }
