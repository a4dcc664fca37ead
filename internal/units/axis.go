package units

import (
	"math"
	"strconv"
)

// Axis labels one value axis consistently: a shared scale and number of
// decimals derived from the tick step, so ticks read 0, 0.5, 1, 1.5 rather
// than 0, 0.5, 1.00, 1.50, and 2 MB/s, 4 MB/s rather than 2000000 B/s.
type Axis struct {
	unit   Unit
	scale  float64
	suffix string
	dec    int
}

// NewAxis is the format for ticks step apart up to top.
func NewAxis(u Unit, step, top float64) Axis {
	f := Axis{unit: u, scale: 1}
	switch u {
	case Seconds:
		switch {
		case top < 1e-3:
			f.scale, f.suffix = 1e6, " µs"
		case top < 1:
			f.scale, f.suffix = 1e3, " ms"
		default:
			f.suffix = " s"
		}
	case Percent:
		f.suffix = "%"
	case Ratio:
		f.scale, f.suffix = 100, "%"
	case Bytes:
		// Each tick picks its own binary unit: 768 MiB, 1 GiB, 1.25 GiB.
		return f
	default:
		_, i := scaleSI(top, 1e4)
		if u == BytesPerSec {
			// Rates of bytes always take a prefix: 500 B/s, 20 kB/s.
			_, i = scaleSI(top, 1)
		}
		f.scale = math.Pow10(-3 * i)
		f.suffix = siPrefixes[i]
		switch u {
		case None:
		case BytesPerSec:
			f.suffix = " " + f.suffix + "B/s"
		default:
			f.suffix += " " + string(u)
		}
	}
	if s := step * f.scale; s > 0 && s < 1 {
		f.dec = min(int(math.Ceil(-math.Log10(s)-1e-9)), 9)
	}
	return f
}

// Append writes the tick at v.
func (f Axis) Append(b []byte, v float64) []byte {
	if f.unit == Bytes {
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
