package charts

import (
	"math"
	"strconv"
)

// Unit tells how values are labelled on axes, in hover text and in tables.
type Unit string

const (
	UnitReqPerSec Unit = "req/s"
	UnitSeconds   Unit = "s"     // shown as ms below 1 s, s above
	UnitPercent   Unit = "%"     // already 0..100
	UnitBytes     Unit = "bytes" // KiB/MiB/GiB, 1024 steps
	UnitRatio     Unit = "ratio" // 0..1 shown as %
	UnitNone      Unit = ""
)

// FormatValue renders v with its unit for people: about three significant
// digits, "—" for a missing value.
//
//	12.3 req/s · 250 ms · 1.24 s · 45.0% · 512 MiB
func FormatValue(v float64, u Unit) string {
	return string(appendValue(make([]byte, 0, 16), v, u))
}

var binaryUnits = [...]string{" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"}

func appendValue(b []byte, v float64, u Unit) []byte {
	if math.IsNaN(v) {
		return append(b, "—"...)
	}
	if math.IsInf(v, 0) {
		if v < 0 {
			b = append(b, '-')
		}
		return append(b, "∞"...)
	}
	switch u {
	case UnitSeconds:
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
	case UnitPercent:
		return appendPercent(b, v)
	case UnitRatio:
		return appendPercent(b, v*100)
	case UnitBytes:
		s, i := scaleBinary(v)
		return append(appendSig3(b, s), binaryUnits[i]...)
	case UnitReqPerSec:
		return append(appendSI(b, v), " req/s"...)
	case UnitNone:
		return appendSI(b, v)
	default:
		return append(append(appendSI(b, v), ' '), u...)
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

// appendSI shortens large counts with k and M so "12.3k req/s" stays narrow.
func appendSI(b []byte, v float64) []byte {
	a := roundSig3(math.Abs(v))
	switch {
	case a >= 1e9:
		return append(appendSig3(b, v/1e9), 'G')
	case a >= 1e6:
		return append(appendSig3(b, v/1e6), 'M')
	case a >= 1e3:
		return append(appendSig3(b, v/1e3), 'k')
	}
	return appendSig3(b, v)
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

// axisFormat labels one y axis consistently: a shared scale and number of
// decimals derived from the tick step, so ticks read 0, 0.5, 1, 1.5 rather
// than 0, 0.5, 1.00, 1.50.
type axisFormat struct {
	unit   Unit
	scale  float64
	suffix string
	dec    int
}

func newAxisFormat(u Unit, step, top float64) axisFormat {
	f := axisFormat{unit: u, scale: 1}
	switch u {
	case UnitSeconds:
		switch {
		case top < 1e-3:
			f.scale, f.suffix = 1e6, " µs"
		case top < 1:
			f.scale, f.suffix = 1e3, " ms"
		default:
			f.suffix = " s"
		}
	case UnitPercent:
		f.suffix = "%"
	case UnitRatio:
		f.scale, f.suffix = 100, "%"
	case UnitReqPerSec, UnitNone:
		switch {
		case top >= 1e9:
			f.scale, f.suffix = 1e-9, "G"
		case top >= 1e6:
			f.scale, f.suffix = 1e-6, "M"
		case top >= 1e4:
			f.scale, f.suffix = 1e-3, "k"
		}
		if u == UnitReqPerSec {
			f.suffix += " req/s"
		}
	case UnitBytes:
		// Each tick picks its own binary unit: 768 MiB, 1 GiB, 1.25 GiB.
		return f
	default:
		f.suffix = " " + string(u)
	}
	if s := step * f.scale; s > 0 && s < 1 {
		f.dec = min(int(math.Ceil(-math.Log10(s)-1e-9)), 9)
	}
	return f
}

func (f axisFormat) append(b []byte, v float64) []byte {
	if f.unit == UnitBytes {
		if v == 0 {
			return append(b, "0 B"...)
		}
		s, i := scaleBinary(v)
		s = math.Round(s*100) / 100
		return append(trimZeros(strconv.AppendFloat(b, s, 'f', 2, 64)), binaryUnits[i]...)
	}
	x := v * f.scale
	if math.Abs(x) < 0.5*math.Pow10(-f.dec) {
		b = append(b, '0') // plain 0, never "0.0" or "-0"
	} else {
		b = strconv.AppendFloat(b, x, 'f', f.dec, 64)
	}
	return append(b, f.suffix...)
}
