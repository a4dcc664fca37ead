package flysim

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

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
	// IncompleteConfig is set by Fly only when it could not read a config
	// in full; flysim's are always whole, and the spec's schema has no null.
	IncompleteConfig *machineConfigJSON `json:"incomplete_config,omitempty"`
	ImageRef         imageRefJSON       `json:"image_ref"`
	Events           []eventJSON        `json:"events"`
	Checks           []checkStatusJSON  `json:"checks"`
	HostStatus       string             `json:"host_status"`
}

type imageRefJSON struct {
	Registry   string            `json:"registry"`
	Repository string            `json:"repository"`
	Tag        string            `json:"tag"`
	Digest     string            `json:"digest"`
	Labels     map[string]string `json:"labels"`
}

type eventJSON struct {
	ID        string            `json:"id"`
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

// checkStatusJSON is a check's latest result (Fly's CheckStatus).
type checkStatusJSON struct {
	Name      string `json:"name"`
	Status    string `json:"status"`
	Output    string `json:"output"`
	UpdatedAt string `json:"updated_at"`
}

// toMachineJSON renders m with cfg, the config its launch gave (or the one
// a deploy writes for story machines).
func toMachineJSON(m fleet.Machine, cfg machineConfigJSON) machineJSON {
	cfg = fullConfig(m, cfg)
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
		Events:     eventsJSON(m),
		Checks:     checkStatuses(m, cfg),
		HostStatus: "ok",
	}
}

// checkStatuses reports each of the config's checks, named as Fly names
// them: service checks "servicecheck-NN-<type>-<port>", top-level checks by
// their key. A started machine passes them (stories show failure through
// exits, not checks); one still booting is critical, as Fly's are until the
// first pass.
func checkStatuses(m fleet.Machine, cfg machineConfigJSON) []checkStatusJSON {
	status, output := "critical", "the machine is not running"
	if m.State == "started" {
		status, output = "passing", "Success"
	}
	updated := m.UpdatedAt.UTC().Format(timeFormat)
	out := []checkStatusJSON{}
	n := 0
	for _, svc := range cfg.Services {
		for _, ch := range svc.Checks {
			port := svc.InternalPort
			if ch.Port != nil {
				port = *ch.Port
			}
			out = append(out, checkStatusJSON{Name: fmt.Sprintf("servicecheck-%02d-%s-%d", n, cmp.Or(ch.Type, "tcp"), port), Status: status, Output: output, UpdatedAt: updated})
			n++
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Checks)) {
		out = append(out, checkStatusJSON{Name: name, Status: status, Output: output, UpdatedAt: updated})
	}
	return out
}

// eventsJSON lists m's events newest first, as Fly does. IDs are ULIDs, as
// Fly's: the event's millisecond and a hash of machine and position, so
// they are the same on every read.
func eventsJSON(m fleet.Machine) []eventJSON {
	out := make([]eventJSON, 0, len(m.Events))
	for i, e := range slices.Backward(m.Events) {
		ej := eventJSON{ID: eventID(m.ID, i, e.At), Type: e.Type, Status: e.Status, Source: e.Source, Timestamp: e.At.UnixMilli()}
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

func eventID(machine string, i int, at time.Time) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", machine, i))
	var entropy [10]byte
	copy(entropy[:], sum[:])
	id, err := ulid.New(uint64(max(at.UnixMilli(), 0)), bytes.NewReader(entropy[:]))
	if err != nil {
		// Only a time past year 10889 fails; keep the ID well formed.
		return ulid.ULID{}.String()
	}
	return id.String()
}

// imageDigest is a stable stand-in for the image's manifest digest: Fly
// reports the sha256 of what the registry served; flysim has no registry,
// so it hashes the reference.
func imageDigest(image string) string {
	sum := sha256.Sum256([]byte(image))
	return "sha256:" + hex.EncodeToString(sum[:])
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
	ref.Digest, ref.Labels = imageDigest(image), map[string]string{}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		ref.Repository, ref.Tag = rest[:i], rest[i+1:]
	}
	return ref
}
