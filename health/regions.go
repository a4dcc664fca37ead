package health

// SlowRegions are the edge regions whose p95 crosses a latency line by
// itself: P95Degraded, or RegionOutlierFactor times the median of the other
// regions and at least RegionOutlierFloor. The verdict names the worst of
// them (latencyFinding); the region map marks every one, so the two agree.
func SlowRegions(byRegion map[string]float64) map[string]bool {
	out := map[string]bool{}
	for r, v := range byRegion {
		if !finite(v) {
			continue
		}
		if v >= P95Degraded.Seconds() {
			out[r] = true
			continue
		}
		var others []float64
		for o, w := range byRegion {
			if o != r && finite(w) {
				others = append(others, w)
			}
		}
		if len(others) == 0 || v < RegionOutlierFloor.Seconds() {
			continue
		}
		if typical := median(others); typical > 0 && v >= RegionOutlierFactor*typical {
			out[r] = true
		}
	}
	return out
}

// ErrorShareNoticeable is the 5xx share, in percent, at which a region is
// worth a second look though under ErrorShareDegraded: healthy apps on Fly
// run well under 1%.
const ErrorShareNoticeable = 1.0
