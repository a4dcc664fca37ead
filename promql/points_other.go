//go:build !linux && !darwin

package promql

// points are a cache entry's values; here, on the heap.
type points struct{ vals []float64 }

func newPoints(n int) *points { return &points{vals: make([]float64, n)} }

func (p *points) bytes() int { return 8 * len(p.vals) }

func (p *points) free() { p.vals = nil }
