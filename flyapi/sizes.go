package flyapi

import (
	"slices"
	"strconv"

	fly "github.com/superfly/fly-go"
)

// DefaultSize is what `fly launch` gives a web app.
const DefaultSize = "shared-cpu-1x"

// LaunchSizes are the presets the launch form offers, smallest first: the
// CPU presets of fly-go's table (flyctl's `--vm-size`), without GPUs.
var LaunchSizes = []string{
	"shared-cpu-1x", "shared-cpu-2x", "shared-cpu-4x", "shared-cpu-8x",
	"performance-1x", "performance-2x", "performance-4x", "performance-8x",
}

// ValidSize says whether size is one of LaunchSizes.
func ValidSize(size string) bool { return slices.Contains(LaunchSizes, size) }

// Guest is the machine guest of a size from fly-go's preset table; empty
// means DefaultSize.
func Guest(size string) (*fly.MachineGuest, error) {
	if size == "" {
		size = DefaultSize
	}
	if !ValidSize(size) {
		return nil, &Error{Op: "size a machine", Kind: ErrInvalid, Detail: "unknown size " + strconv.Quote(size)}
	}
	g := &fly.MachineGuest{}
	if err := g.SetSize(size); err != nil {
		return nil, &Error{Op: "size a machine", Kind: ErrInvalid, Detail: err.Error()}
	}
	return g, nil
}

// SizeWords says what a size gives: "1 shared vCPU, 256 MB".
func SizeWords(size string) string {
	g, err := Guest(size)
	if err != nil {
		return ""
	}
	cpu := strconv.Itoa(g.CPUs) + " " + g.CPUKind + " vCPU"
	if g.CPUs > 1 {
		cpu += "s"
	}
	mem := strconv.Itoa(g.MemoryMB) + " MB"
	if g.MemoryMB >= 1024 && g.MemoryMB%1024 == 0 {
		mem = strconv.Itoa(g.MemoryMB/1024) + " GB"
	}
	return cpu + ", " + mem
}
