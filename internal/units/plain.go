package units

import (
	"math"
	"strconv"
)

// Exact rounds away the float noise of arithmetic (35.175000000000004 from
// a sum of rates) by keeping 12 significant digits, far more than any
// metric carries, so a file holds the number a person would write and the
// screen rounds the same number the file holds.
func Exact(v float64) float64 {
	a := math.Abs(v)
	if a == 0 || math.IsNaN(v) || math.IsInf(v, 0) || a < 1e-300 || a > 1e300 {
		return v
	}
	// Scaling by an exact power of ten keeps the rounding exact: 10^k is a
	// float64 without error for k up to 22.
	e := 11 - int(math.Floor(math.Log10(a)))
	switch {
	case e > 22:
		return v
	case e >= 0:
		p := math.Pow10(e)
		return math.Round(v*p) / p
	case e >= -22:
		p := math.Pow10(-e)
		return math.Round(v/p) * p
	}
	return v
}

// Plain writes v for a CSV cell: the shortest decimal that reads back as
// Exact(v), without an exponent for ordinary values (233218048, not
// 2.33218048e+08), and "" for a missing value.
func Plain(v float64) string {
	return string(AppendPlain(nil, v))
}

// AppendPlain is Plain appending to b.
func AppendPlain(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return b
	}
	v = Exact(v)
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}
