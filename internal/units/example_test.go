package units_test

import (
	"fmt"
	"math"

	"github.com/flydash/dashboard/internal/units"
)

func ExampleFormat() {
	fmt.Println(units.Format(12.34, units.ReqPerSec))
	fmt.Println(units.Format(0.25, units.Seconds))
	fmt.Println(units.Format(1.24, units.Seconds))
	fmt.Println(units.Format(0.45, units.Ratio))
	fmt.Println(units.Format(512<<20, units.Bytes))
	fmt.Println(units.Format(math.NaN(), units.Bytes))
	fmt.Println(units.Format(1.38e6, units.BytesPerSec))
	// Output:
	// 12.3 req/s
	// 250 ms
	// 1.24 s
	// 45.0%
	// 512 MiB
	// —
	// 1.38 MB/s
}
