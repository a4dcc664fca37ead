// Package regions is Fly.io's region codes as data: the place each code
// names (Fly names regions after the nearest airport's IATA code) and that
// airport's coordinates, for putting a region on a map. It is a leaf: no
// dashboard package below it, nothing of HTTP or PromQL.
package regions

import "sort"

// Region is one Fly region code and where it is.
type Region struct {
	Code string
	// Name is the place as `fly platform regions` lists it.
	Name string
	// Airport is the airport the code names; Lat and Lon are its
	// coordinates in degrees (north and east positive). The data centre is
	// near it, which is all a world map can show.
	Airport  string
	Lat, Lon float64
	// Compute is true for the regions where machines can be placed today.
	// The others are edge locations or regions Fly has retired: their codes
	// still appear in metrics (users connect there) and on older machines.
	Compute bool
}

// all is sorted by code.
var all = []Region{
	{"ams", "Amsterdam, Netherlands", "Amsterdam Airport Schiphol", 52.3105, 4.7683, true},
	{"arn", "Stockholm, Sweden", "Stockholm Arlanda Airport", 59.6498, 17.9238, true},
	{"atl", "Atlanta, Georgia (US)", "Hartsfield-Jackson Atlanta International Airport", 33.6407, -84.4277, false},
	{"bog", "Bogotá, Colombia", "El Dorado International Airport", 4.7016, -74.1469, false},
	{"bom", "Mumbai, India", "Chhatrapati Shivaji Maharaj International Airport", 19.0896, 72.8656, true},
	{"bos", "Boston, Massachusetts (US)", "Boston Logan International Airport", 42.3656, -71.0096, false},
	{"cdg", "Paris, France", "Paris Charles de Gaulle Airport", 49.0097, 2.5479, true},
	{"den", "Denver, Colorado (US)", "Denver International Airport", 39.8561, -104.6737, false},
	{"dfw", "Dallas, Texas (US)", "Dallas/Fort Worth International Airport", 32.8998, -97.0403, true},
	{"ewr", "Secaucus, NJ (US)", "Newark Liberty International Airport", 40.6895, -74.1745, true},
	{"eze", "Ezeiza, Argentina", "Ministro Pistarini International Airport", -34.8222, -58.5358, false},
	{"fra", "Frankfurt, Germany", "Frankfurt Airport", 50.0379, 8.5622, true},
	{"gdl", "Guadalajara, Mexico", "Guadalajara International Airport", 20.5218, -103.3112, false},
	{"gig", "Rio de Janeiro, Brazil", "Rio de Janeiro/Galeão International Airport", -22.8100, -43.2506, false},
	{"gru", "Sao Paulo, Brazil", "São Paulo/Guarulhos International Airport", -23.4356, -46.4731, true},
	{"hkg", "Hong Kong, Hong Kong", "Hong Kong International Airport", 22.3080, 113.9185, false},
	{"iad", "Ashburn, Virginia (US)", "Washington Dulles International Airport", 38.9531, -77.4565, true},
	{"jnb", "Johannesburg, South Africa", "O. R. Tambo International Airport", -26.1367, 28.2411, true},
	{"lax", "Los Angeles, California (US)", "Los Angeles International Airport", 33.9416, -118.4085, true},
	{"lhr", "London, United Kingdom", "London Heathrow Airport", 51.4700, -0.4543, true},
	{"mad", "Madrid, Spain", "Adolfo Suárez Madrid-Barajas Airport", 40.4983, -3.5676, false},
	{"mia", "Miami, Florida (US)", "Miami International Airport", 25.7959, -80.2870, false},
	{"nrt", "Tokyo, Japan", "Narita International Airport", 35.7720, 140.3929, true},
	{"ord", "Chicago, Illinois (US)", "O'Hare International Airport", 41.9742, -87.9073, true},
	{"otp", "Bucharest, Romania", "Henri Coandă International Airport", 44.5711, 26.0850, false},
	{"phx", "Phoenix, Arizona (US)", "Phoenix Sky Harbor International Airport", 33.4373, -112.0078, false},
	{"qro", "Querétaro, Mexico", "Querétaro Intercontinental Airport", 20.6173, -100.1859, false},
	{"scl", "Santiago, Chile", "Arturo Merino Benítez International Airport", -33.3930, -70.7858, false},
	{"sea", "Seattle, Washington (US)", "Seattle-Tacoma International Airport", 47.4502, -122.3088, false},
	{"sin", "Singapore, Singapore", "Singapore Changi Airport", 1.3644, 103.9915, true},
	{"sjc", "San Jose, California (US)", "San Jose Mineta International Airport", 37.3639, -121.9289, true},
	{"syd", "Sydney, Australia", "Sydney Kingsford Smith Airport", -33.9399, 151.1753, true},
	{"waw", "Warsaw, Poland", "Warsaw Chopin Airport", 52.1657, 20.9671, false},
	{"yul", "Montreal, Canada", "Montréal-Trudeau International Airport", 45.4706, -73.7408, false},
	{"yyz", "Toronto, Canada", "Toronto Pearson International Airport", 43.6777, -79.6248, true},
}

// Lookup finds a region by its code ("syd").
func Lookup(code string) (Region, bool) {
	i := sort.Search(len(all), func(i int) bool { return all[i].Code >= code })
	if i < len(all) && all[i].Code == code {
		return all[i], true
	}
	return Region{}, false
}

// All returns every known region, sorted by code.
func All() []Region { return append([]Region(nil), all...) }

// Compute returns the regions where machines can be placed today, sorted by
// code: what the launch form offers.
func Compute() []Region {
	var out []Region
	for _, r := range all {
		if r.Compute {
			out = append(out, r)
		}
	}
	return out
}
