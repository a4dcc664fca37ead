package health

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

func minutes(d time.Duration) string {
	switch {
	case d <= 0:
		return "moment"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s"
	case d < 2*time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days"
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Percent writes a share: one decimal under 10% ("0.2%", "5.2%"), whole
// numbers above ("13%"). Values are truncated, never rounded up, so a value
// under a threshold never reads as the threshold itself.
func Percent(v float64) string {
	if v < 10 {
		return trim(strconv.FormatFloat(math.Floor(v*10)/10, 'f', 1, 64)) + "%"
	}
	return strconv.FormatFloat(math.Floor(v), 'f', 0, 64) + "%"
}

// Seconds writes a duration in s the way people say it: "970 ms", "1.8 s";
// truncated like Percent.
func Seconds(v float64) string {
	if v < 1 {
		return strconv.FormatFloat(math.Floor(v*1000), 'f', 0, 64) + " ms"
	}
	return trim(strconv.FormatFloat(math.Floor(v*10)/10, 'f', 1, 64)) + " s"
}

// Rate writes requests per second with two significant digits below 10.
func Rate(v float64) string {
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

func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
