package flyapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	fly "github.com/superfly/fly-go"
)

// Machine is what the dashboard shows of a Fly Machine.
type Machine struct {
	ID        string
	Name      string
	Region    string
	State     string
	Image     string
	CPUKind   string
	CPUs      int
	MemoryMB  int
	CreatedAt time.Time
	UpdatedAt time.Time
	// HTTPService is set when the machine is behind Fly's HTTP proxy.
	HTTPService bool
	// Size is flyctl's name for the guest ("shared-cpu-1x"); Concurrency
	// the HTTP service's limits (nil without one); Mounts its volumes.
	Size        string
	Concurrency *Concurrency
	Mounts      []Mount
	// Events, newest first, as Fly lists them.
	Events []Event
	// Metadata is config.metadata: Fly's own keys (fly_process_group...)
	// and the marks a launch leaves (see launch_state.go).
	Metadata map[string]string
}

// Event is a machine event: launch, start, exit, update (a deploy)...
type Event struct {
	Type      string
	Status    string
	Source    string
	At        time.Time
	ExitCode  int
	OOMKilled bool
}

// LaunchSpec is what the launch form asks for.
type LaunchSpec struct {
	Image  string
	Region string
	// Size is one of LaunchSizes; empty means DefaultSize.
	Size string
}

// Machines lists the app's machines, sorted by region then ID.
func (c *Client) Machines(ctx context.Context, app string) ([]Machine, error) {
	ms, err := get(ctx, c.cache, "machines/"+app, func(ctx context.Context) ([]Machine, error) { return c.machines(ctx, app) })
	return slices.Clone(ms), err
}

func (c *Client) machines(ctx context.Context, app string) ([]Machine, error) {
	ctx, cancel := c.readDeadline(ctx)
	defer cancel()
	list, err := c.flaps.List(ctx, app, "")
	if err != nil {
		return nil, c.classify(ctx, "list machines of "+app, err)
	}
	out := make([]Machine, 0, len(list))
	for _, m := range list {
		if m == nil {
			continue
		}
		out = append(out, fromFlyMachine(m))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Region != out[j].Region {
			return out[i].Region < out[j].Region
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Machine gets one machine.
func (c *Client) Machine(ctx context.Context, app, id string) (Machine, error) {
	ctx, cancel := c.readDeadline(ctx)
	defer cancel()
	m, err := c.flaps.Get(ctx, app, id)
	if err != nil {
		return Machine{}, c.classify(ctx, "get machine "+id, err)
	}
	return fromFlyMachine(m), nil
}

// launchMachine starts one machine of spec's size serving HTTP on 8080
// behind Fly's proxy on ports 80 and 443, as `fly launch` would for a web
// app, named name and carrying metadata in its config.
func (c *Client) launchMachine(ctx context.Context, app, name string, spec LaunchSpec, metadata map[string]string) (Machine, error) {
	defer c.cache.clear()
	guest, err := Guest(spec.Size)
	if err != nil {
		return Machine{}, err
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	m, err := c.flaps.Launch(ctx, app, fly.LaunchMachineInput{
		Name:   name,
		Region: spec.Region,
		Config: &fly.MachineConfig{
			Image:    spec.Image,
			Metadata: metadata,
			Guest:    guest,
			Services: []fly.MachineService{{
				Protocol:     "tcp",
				InternalPort: 8080,
				Ports: []fly.MachinePort{
					{Port: fly.Pointer(80), Handlers: []string{"http"}, ForceHTTPS: true},
					{Port: fly.Pointer(443), Handlers: []string{"tls", "http"}},
				},
			}},
		},
	})
	if err != nil {
		return Machine{}, c.classify(ctx, "launch machine in "+app, err)
	}
	return fromFlyMachine(m), nil
}

// machinesEver lists the app's machines, destroyed ones included, uncached.
func (c *Client) machinesEver(ctx context.Context, app string) ([]Machine, error) {
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	// flaps appends the state argument to the URL as the query string.
	list, err := c.flaps.List(ctx, app, "include_deleted=true")
	if err != nil {
		return nil, c.classify(ctx, "list machines of "+app, err)
	}
	out := make([]Machine, 0, len(list))
	for _, m := range list {
		if m != nil {
			out = append(out, fromFlyMachine(m))
		}
	}
	return out, nil
}

// destroyMachine kills and destroys one machine; one already gone is fine.
func (c *Client) destroyMachine(ctx context.Context, app, id string) error {
	defer c.cache.clear()
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	err := c.flaps.Destroy(ctx, app, fly.RemoveMachineInput{ID: id, Kill: true}, "")
	if err = c.classify(ctx, fmt.Sprintf("destroy machine %s of %s", id, app), err); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

func fromFlyMachine(m *fly.Machine) Machine {
	out := Machine{
		ID:        m.ID,
		Name:      m.Name,
		Region:    m.Region,
		State:     m.State,
		Image:     m.FullImageRef(),
		CreatedAt: parseTime(m.CreatedAt),
		UpdatedAt: parseTime(m.UpdatedAt),
	}
	if cfg := m.GetConfig(); cfg != nil {
		if out.Image == "" {
			out.Image = cfg.Image
		}
		for _, svc := range cfg.Services {
			for _, p := range svc.Ports {
				for _, h := range p.Handlers {
					if h == "http" {
						out.HTTPService = true
					}
				}
			}
		}
		if cfg.Guest != nil {
			out.CPUKind, out.CPUs, out.MemoryMB = cfg.Guest.CPUKind, cfg.Guest.CPUs, cfg.Guest.MemoryMB
		}
		out.Metadata = cfg.Metadata
		fromFlyConfig(&out, cfg)
	}
	for _, e := range m.Events {
		if e == nil {
			continue
		}
		ev := Event{Type: e.Type, Status: e.Status, Source: e.Source, At: e.Time().UTC()}
		if e.Request != nil && e.Request.ExitEvent != nil {
			ev.ExitCode = e.Request.ExitEvent.ExitCode
			ev.OOMKilled = e.Request.ExitEvent.OOMKilled
		}
		out.Events = append(out.Events, ev)
	}
	sort.SliceStable(out.Events, func(i, j int) bool { return out.Events[i].At.After(out.Events[j].At) })
	return out
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
