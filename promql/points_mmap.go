//go:build linux || darwin

package promql

import (
	"os"
	"syscall"
	"unsafe"
)

// points are a cache entry's values in memory of their own, mapped from
// the OS and outside the Go heap: the collector neither scans them nor
// counts them toward its next goal, so the cache costs what it holds, not
// twice that, and an evicted entry's pages go back to the OS at once.
// Nothing outside the cache's lock ever sees them (get copies them out).
type points struct {
	vals []float64
	mem  []byte // the mapping; nil when the values are on the heap
}

var pageSize = os.Getpagesize()

func newPoints(n int) *points {
	if n == 0 {
		return &points{}
	}
	mem, err := syscall.Mmap(-1, 0, n*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return &points{vals: make([]float64, n)}
	}
	return &points{vals: unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(mem))), n), mem: mem}
}

// bytes is what the points cost: whole pages when mapped.
func (p *points) bytes() int {
	if p.mem == nil {
		return 8 * len(p.vals)
	}
	return (len(p.mem) + pageSize - 1) / pageSize * pageSize
}

func (p *points) free() {
	if p.mem != nil {
		_ = syscall.Munmap(p.mem)
	}
	p.vals, p.mem = nil, nil
}
