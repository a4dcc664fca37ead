package views

// region is one Fly region the launch form offers.
type region struct{ Code, Name string }

// regions are Fly's public regions, as `fly platform regions` lists them.
var regions = []region{
	{"ams", "Amsterdam, Netherlands"},
	{"arn", "Stockholm, Sweden"},
	{"bom", "Mumbai, India"},
	{"cdg", "Paris, France"},
	{"dfw", "Dallas, Texas (US)"},
	{"ewr", "Secaucus, NJ (US)"},
	{"fra", "Frankfurt, Germany"},
	{"gru", "Sao Paulo, Brazil"},
	{"iad", "Ashburn, Virginia (US)"},
	{"jnb", "Johannesburg, South Africa"},
	{"lax", "Los Angeles, California (US)"},
	{"lhr", "London, United Kingdom"},
	{"nrt", "Tokyo, Japan"},
	{"ord", "Chicago, Illinois (US)"},
	{"sin", "Singapore, Singapore"},
	{"sjc", "San Jose, California (US)"},
	{"syd", "Sydney, Australia"},
	{"yyz", "Toronto, Canada"},
}

func knownRegion(code string) bool {
	for _, r := range regions {
		if r.Code == code {
			return true
		}
	}
	return false
}
