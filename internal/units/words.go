package units

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The verdict's words compare a value with a threshold, so they truncate
// and never round up: 4.99% of 5xx under a 5% threshold reads "4.9%", not
// "5%". Shares and rates keep two significant digits, as people say them.

// FloorPercent writes a share: one decimal under 10% ("0.2%", "5.2%"),
// whole numbers above ("13%").
func FloorPercent(v float64) string {
	if v < 10 {
		return trim(strconv.FormatFloat(math.Floor(v*10)/10, 'f', 1, 64)) + "%"
	}
	return strconv.FormatFloat(math.Floor(v), 'f', 0, 64) + "%"
}

// FloorSeconds writes a duration given in seconds: "970 ms", "1.8 s".
func FloorSeconds(v float64) string {
	if v < 1 {
		return strconv.FormatFloat(math.Floor(v*1000), 'f', 0, 64) + " ms"
	}
	return trim(strconv.FormatFloat(math.Floor(v*10)/10, 'f', 1, 64)) + " s"
}

// FloorRate writes requests per second with two significant digits below 10.
func FloorRate(v float64) string {
	var s string
	switch {
	case v >= 10:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		s = trim(strconv.FormatFloat(v, 'f', 1, 64))
	case v >= 0.001:
		s = trim(strconv.FormatFloat(v, 'g', 2, 64))
	case v > 0:
		return "under 0.001 req/s"
	default:
		s = "0"
	}
	return s + " req/s"
}

// Duration writes a timeout or deadline: "250 ms", "1.5 s", "10 s".
func Duration(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
