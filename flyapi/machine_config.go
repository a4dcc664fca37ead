package flyapi

import (
	"strconv"

	fly "github.com/superfly/fly-go"
)

// Concurrency is a service's proxy concurrency block: Fly's proxy prefers
// machines under SoftLimit and sends none more than HardLimit.
type Concurrency struct {
	Type      string // "connections" or "requests"
	SoftLimit int
	HardLimit int
}

// Mount is one volume mounted into a machine.
type Mount struct {
	Volume string // vol_...
	Name   string
	Path   string
	SizeGB int // the volume's size when the machine's config says it
}

// Fly's proxy applies these to a service that sets no concurrency block
// (fly.toml reference, [http_service.concurrency]).
var defaultConcurrency = Concurrency{Type: "connections", SoftLimit: 20, HardLimit: 25}

// fromFlyConfig reads what the Machines panel and the limit lines need from
// a machine's config: its size as flyctl names it, the HTTP service's
// concurrency limits and the volumes it mounts.
func fromFlyConfig(out *Machine, cfg *fly.MachineConfig) {
	if cfg.Guest != nil {
		// flyctl's own naming (fly machine list's SIZE column).
		out.Size = cfg.Guest.ToSize()
	}
	for _, svc := range cfg.Services {
		if !serves(svc, "http") {
			continue
		}
		c := defaultConcurrency
		if sc := svc.Concurrency; sc != nil {
			if sc.Type != "" {
				c.Type = sc.Type
			}
			if sc.SoftLimit > 0 {
				c.SoftLimit = sc.SoftLimit
			}
			if sc.HardLimit > 0 {
				c.HardLimit = sc.HardLimit
			}
			// Fly treats a soft limit over the hard one as the hard one.
			c.SoftLimit = min(c.SoftLimit, c.HardLimit)
		}
		out.Concurrency = &c
		break
	}
	for _, m := range cfg.Mounts {
		out.Mounts = append(out.Mounts, Mount{Volume: m.Volume, Name: m.Name, Path: m.Path, SizeGB: m.SizeGb})
	}
}

func serves(svc fly.MachineService, handler string) bool {
	for _, p := range svc.Ports {
		for _, h := range p.Handlers {
			if h == handler {
				return true
			}
		}
	}
	return false
}

// SizeLabel is the machine's size the way Fly's docs and pricing say it:
// "shared-cpu-1x, 256 MB", "performance-2x, 4 GB".
func (m Machine) SizeLabel() string {
	size := m.Size
	if size == "" || size == "unknown" {
		if m.CPUKind == "" {
			return ""
		}
		size = m.CPUKind + "-" + strconv.Itoa(m.CPUs) + "x"
		if m.CPUKind == "shared" {
			size = "shared-cpu-" + strconv.Itoa(m.CPUs) + "x"
		}
	}
	if m.MemoryMB <= 0 {
		return size
	}
	mem := strconv.Itoa(m.MemoryMB) + " MB"
	if m.MemoryMB >= 1024 && m.MemoryMB%1024 == 0 {
		mem = strconv.Itoa(m.MemoryMB/1024) + " GB"
	}
	return size + ", " + mem
}
