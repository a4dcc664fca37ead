package views

import flyregions "github.com/flydash/dashboard/regions"

// region is one Fly region the launch form offers.
type region struct{ Code, Name string }

// regions are Fly's regions where machines can be placed today, as `fly
// platform regions` lists them.
var regions = func() []region {
	var out []region
	for _, r := range flyregions.Compute() {
		out = append(out, region{r.Code, r.Name})
	}
	return out
}()

func knownRegion(code string) bool {
	for _, r := range regions {
		if r.Code == code {
			return true
		}
	}
	return false
}
