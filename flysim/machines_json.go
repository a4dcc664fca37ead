package flysim

import (
	"slices"
	"strings"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
)

// The wire shapes below are flysim's own rather than fly-go's, so the tests
// decoding them with fly-go prove the shapes instead of assuming them.

// timeFormat is how the Machines API writes created_at and updated_at.
const timeFormat = time.RFC3339

type machineJSON struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	State      string            `json:"state"`
	Region     string            `json:"region"`
	InstanceID string            `json:"instance_id"`
	PrivateIP  string            `json:"private_ip"`
	CreatedAt  string            `json:"created_at"`
	UpdatedAt  string            `json:"updated_at"`
	Config     machineConfigJSON `json:"config"`
	ImageRef   imageRefJSON      `json:"image_ref"`
	Events     []eventJSON       `json:"events"`
	HostStatus string            `json:"host_status"`
}

type machineConfigJSON struct {
	Image    string            `json:"image"`
	Env      map[string]string `json:"env,omitempty"`
	Guest    guestJSON         `json:"guest"`
	Services []serviceJSON     `json:"services,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

type guestJSON struct {
	CPUKind  string `json:"cpu_kind"`
	CPUs     int    `json:"cpus"`
	MemoryMB int    `json:"memory_mb"`
}

type serviceJSON struct {
	Protocol     string           `json:"protocol"`
	InternalPort int              `json:"internal_port"`
	Ports        []portJSON       `json:"ports"`
	Concurrency  *concurrencyJSON `json:"concurrency,omitempty"`
}

type concurrencyJSON struct {
	Type      string `json:"type"`
	SoftLimit int    `json:"soft_limit"`
	HardLimit int    `json:"hard_limit"`
}

type portJSON struct {
	Port       int      `json:"port"`
	Handlers   []string `json:"handlers"`
	ForceHTTPS bool     `json:"force_https,omitempty"`
}

type imageRefJSON struct {
	Registry   string `json:"registry"`
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
}

type eventJSON struct {
	Type      string            `json:"type"`
	Status    string            `json:"status"`
	Source    string            `json:"source"`
	Timestamp int64             `json:"timestamp"`
	Request   *eventRequestJSON `json:"request,omitempty"`
}

type eventRequestJSON struct {
	ExitEvent *exitEventJSON `json:"exit_event,omitempty"`
}

type exitEventJSON struct {
	ExitCode      int    `json:"exit_code"`
	OOMKilled     bool   `json:"oom_killed"`
	RequestedStop bool   `json:"requested_stop"`
	ExitedAt      string `json:"exited_at"`
}

func toMachineJSON(m fleet.Machine) machineJSON {
	cfg := machineConfigJSON{
		Image: m.Image,
		Env:   m.Env,
		Guest: guestJSON{CPUKind: m.CPUKind, CPUs: m.CPUs, MemoryMB: m.MemoryMB},
		Metadata: map[string]string{
			"fly_platform_version": "v2",
			"fly_process_group":    "app",
		},
	}
	for k, v := range m.Metadata {
		cfg.Metadata[k] = v
	}
	if m.Services {
		port := m.InternalPort
		if port == 0 {
			port = 8080
		}
		cfg.Services = []serviceJSON{{
			Protocol:     "tcp",
			InternalPort: port,
			Ports: []portJSON{
				{Port: 80, Handlers: []string{"http"}, ForceHTTPS: true},
				{Port: 443, Handlers: []string{"tls", "http"}},
			},
		}}
		if c := m.Concurrency; c != nil {
			cfg.Services[0].Concurrency = &concurrencyJSON{Type: c.Type, SoftLimit: c.SoftLimit, HardLimit: c.HardLimit}
		}
	}
	return machineJSON{
		ID:         m.ID,
		Name:       m.Name,
		State:      m.State,
		Region:     m.Region,
		InstanceID: m.InstanceID,
		PrivateIP:  m.PrivateIP,
		CreatedAt:  m.CreatedAt.UTC().Format(timeFormat),
		UpdatedAt:  m.UpdatedAt.UTC().Format(timeFormat),
		Config:     cfg,
		ImageRef:   parseImageRef(m.Image),
		Events:     eventsJSON(m.Events),
		HostStatus: "ok",
	}
}

// eventsJSON lists events newest first, as Fly does.
func eventsJSON(events []fleet.Event) []eventJSON {
	out := make([]eventJSON, 0, len(events))
	for _, e := range slices.Backward(events) {
		ej := eventJSON{Type: e.Type, Status: e.Status, Source: e.Source, Timestamp: e.At.UnixMilli()}
		if e.Type == "exit" {
			ej.Request = &eventRequestJSON{ExitEvent: &exitEventJSON{
				ExitCode:  e.ExitCode,
				OOMKilled: e.OOMKilled,
				ExitedAt:  e.At.UTC().Format(time.RFC3339Nano),
			}}
		}
		out = append(out, ej)
	}
	return out
}

// parseImageRef splits "registry/repo:tag" the way Fly reports image_ref;
// images without a registry host come from Docker Hub.
func parseImageRef(image string) imageRefJSON {
	ref := imageRefJSON{Registry: "docker-hub-mirror.fly.io"}
	rest := image
	if host, after, ok := strings.Cut(image, "/"); ok && strings.ContainsAny(host, ".:") {
		ref.Registry, rest = host, after
	} else if !strings.Contains(image, "/") {
		rest = "library/" + image
	}
	ref.Repository, ref.Tag = rest, "latest"
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		ref.Repository, ref.Tag = rest[:i], rest[i+1:]
	}
	return ref
}
