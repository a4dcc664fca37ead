// Package units writes the dashboard's numbers for people and for files:
// the one place that decides how a rate, a duration, a share or a size
// reads on an axis, in a table, in hover text, in a verdict and in a CSV
// cell. charts, health and views all format through it; it imports nothing
// of theirs.
package units

import (
	"math"
	"strconv"
)

// Unit is the unit of a query's values and of the chart drawn from it.
type Unit string

const (
	ReqPerSec   Unit = "req/s"
	Seconds     Unit = "s"     // ms below 1 s, s above
	Percent     Unit = "%"     // already 0..100
	Bytes       Unit = "bytes" // KiB/MiB/GiB, 1024 steps, as Fly sizes memory
	BytesPerSec Unit = "B/s"   // kB/s, MB/s, 1000 steps, as network rates read
	Ratio       Unit = "ratio" // 0..1 shown as %
	None        Unit = ""
)

// Format writes v with its unit in about three significant digits, "—" for
// a missing value:
//
//	12.3 req/s · 250 ms · 1.24 s · 45.0% · 512 MiB · 1.38 MB/s
func Format(v float64, u Unit) string {
	return string(Append(make([]byte, 0, 16), v, u))
}

var (
	binaryUnits = [...]string{" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"}
	siPrefixes  = [...]string{"", "k", "M", "G", "T"}
)

// Append is Format appending to b, for writers that build a page in bytes.
func Append(b []byte, v float64, u Unit) []byte {
	if math.IsNaN(v) {
		return append(b, "—"...)
	}
	if math.IsInf(v, 0) {
		if v < 0 {
			b = append(b, '-')
		}
		return append(b, "∞"...)
	}
	v = Exact(v)
	switch u {
	case Seconds:
		a := math.Abs(v)
		switch {
		case a == 0:
			return append(b, "0 s"...)
		case a < 1e-3:
			return append(appendSig3(b, v*1e6), " µs"...)
		case roundSig3(a) < 1:
			return append(appendSig3(b, v*1e3), " ms"...)
		default:
			return append(appendSig3(b, v), " s"...)
		}
	case Percent:
		return appendPercent(b, v)
	case Ratio:
		return appendPercent(b, v*100)
	case Bytes:
		s, i := scaleBinary(v)
		return append(appendSig3(b, s), binaryUnits[i]...)
	case BytesPerSec:
		s, i := scaleSI(v, 1)
		b = append(appendSig3(b, s), ' ')
		return append(append(b, siPrefixes[i]...), "B/s"...)
	case None:
		s, i := scaleSI(v, 1)
		return append(appendSig3(b, s), siPrefixes[i]...)
	default:
		s, i := scaleSI(v, 1)
		b = append(appendSig3(b, s), siPrefixes[i]...)
		return append(append(b, ' '), u...)
	}
}

// scaleBinary picks the 1024-power unit in which |v| reads between 1 and
// 1024, counting a value that would round up to 1024 as the next unit.
func scaleBinary(v float64) (float64, int) {
	i := 0
	for i < len(binaryUnits)-1 && roundSig3(math.Abs(v)) >= 1024 {
		v /= 1024
		i++
	}
	return v, i
}

// scaleSI picks the 1000-power prefix in which |v| reads under 1000; from
// is the smallest value that gets a prefix at all (10 000 on an axis, so
// ticks read 2000, 4000 rather than 2k, 4k).
func scaleSI(v, from float64) (float64, int) {
	i := 0
	if math.Abs(v) < from {
		return v, 0
	}
	for i < len(siPrefixes)-1 && roundSig3(math.Abs(v)) >= 1000 {
		v /= 1000
		i++
	}
	return v, i
}

// appendPercent keeps one decimal ("45.0%") so columns of percentages line
// up, but shows small non-zero shares (an error rate of 0.03%) with two
// significant digits instead of rounding them to a misleading 0.0%.
func appendPercent(b []byte, v float64) []byte {
	a := math.Abs(v)
	switch {
	case a == 0:
		b = append(b, '0')
	case a >= 0.095:
		b = strconv.AppendFloat(b, v, 'f', 1, 64)
	default:
		d := 1 - int(math.Floor(math.Log10(a)))
		b = trimZeros(strconv.AppendFloat(b, v, 'f', min(d, 6), 64))
	}
	return append(b, '%')
}

func sig3Decimals(a float64) int {
	switch {
	case a >= 100:
		return 0
	case a >= 10:
		return 1
	case a >= 1:
		return 2
	case a == 0:
		return 0
	}
	return min(2-int(math.Floor(math.Log10(a))), 9)
}

func roundSig3(a float64) float64 {
	p := math.Pow10(sig3Decimals(a))
	return math.Round(a*p) / p
}

// appendSig3 writes about three significant digits without trailing zeros.
func appendSig3(b []byte, v float64) []byte {
	a := math.Abs(v)
	d := sig3Decimals(a)
	if a != 0 && roundSig3(a) >= 100 {
		d = 0
	} else if a != 0 && d == 2 && roundSig3(a) >= 10 {
		d = 1
	}
	if math.Round(v*math.Pow10(d)) == 0 {
		return append(b, '0')
	}
	return trimZeros(strconv.AppendFloat(b, v, 'f', d, 64))
}

func trimZeros(b []byte) []byte {
	dot := -1
	for i := len(b) - 1; i >= 0 && b[i] >= '.' && b[i] <= '9'; i-- {
		if b[i] == '.' {
			dot = i
			break
		}
	}
	if dot < 0 {
		return b
	}
	i := len(b)
	for i > dot+1 && b[i-1] == '0' {
		i--
	}
	if i == dot+1 {
		i = dot
	}
	return b[:i]
}
