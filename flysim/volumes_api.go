package flysim

import (
	"net/http"

	"github.com/flydash/dashboard/flysim/fleet"
)

// volumeJSON is Fly's Volume. The attachment fields are absent, not null,
// while nothing mounts the volume: the spec types them as plain strings.
type volumeJSON struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	State             string `json:"state"`
	SizeGB            int    `json:"size_gb"`
	Region            string `json:"region"`
	Zone              string `json:"zone"`
	Encrypted         bool   `json:"encrypted"`
	AttachedMachineID string `json:"attached_machine_id,omitempty"`
	AttachedAllocID   string `json:"attached_alloc_id,omitempty"`
	CreatedAt         string `json:"created_at"`
	FSType            string `json:"fstype"`
	Type              string `json:"type"`
	HostStatus        string `json:"host_status"`
	// Snapshots are not modelled; these are Fly's defaults for a new
	// volume.
	SnapshotRetention int  `json:"snapshot_retention"`
	AutoBackupEnabled bool `json:"auto_backup_enabled"`
	// Usage as statfs reports it; a raw volume has no filesystem to report.
	BlockSize   int   `json:"block_size,omitempty"`
	Blocks      int64 `json:"blocks,omitempty"`
	BlocksFree  int64 `json:"blocks_free,omitempty"`
	BlocksAvail int64 `json:"blocks_avail,omitempty"`
	BytesTotal  int64 `json:"bytes_total"`
	BytesUsed   int64 `json:"bytes_used"`
	// HostDedicationKey is empty unless the org has dedicated hosts.
	HostDedicationKey string `json:"host_dedication_key"`
}

// volumeJSON renders v with its usage now and, when attached, the alloc
// (instance) of the machine mounting it.
func (s *Sim) volumeJSON(app string, v fleet.Volume) volumeJSON {
	total := int64(v.SizeGB) << 30
	out := volumeJSON{
		ID:                v.ID,
		Name:              v.Name,
		State:             v.State,
		SizeGB:            v.SizeGB,
		Region:            v.Region,
		Zone:              v.Zone,
		Encrypted:         v.Encrypted,
		AttachedMachineID: v.AttachedMachine,
		CreatedAt:         v.CreatedAt.UTC().Format(timeFormat),
		FSType:            v.FSType,
		Type:              "local",
		HostStatus:        "ok",
		SnapshotRetention: 5,
		AutoBackupEnabled: true,
		BytesTotal:        total,
	}
	if v.AttachedMachine != "" {
		if m, err := s.fleet.Machine(app, v.AttachedMachine); err == nil {
			out.AttachedAllocID = m.InstanceID
		}
	}
	if v.FSType == "ext4" {
		// The same statfs the volume's filesystem metrics report.
		blocks, free := v.Statfs(s.fleet.Now())
		out.BlockSize, out.Blocks = fleet.VolumeBlockSize, blocks
		out.BlocksFree, out.BlocksAvail = free, free
		out.BytesUsed = (blocks - free) * fleet.VolumeBlockSize
	}
	return out
}

func (s *Sim) listVolumes(w http.ResponseWriter, r *http.Request) {
	app := r.PathValue("app")
	vols, err := s.fleet.Volumes(app)
	if err != nil {
		writeFleetError(w, err)
		return
	}
	out := make([]volumeJSON, 0, len(vols))
	for _, v := range vols {
		out = append(out, s.volumeJSON(app, v))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) createVolume(w http.ResponseWriter, r *http.Request) {
	// Snapshots, forks and zone placement are not modelled; their fields
	// are accepted and ignored, as is compute (a placement hint).
	var in struct {
		Name      string  `json:"name"`
		Region    string  `json:"region"`
		SizeGB    *int    `json:"size_gb"`
		Encrypted *bool   `json:"encrypted"`
		FSType    *string `json:"fstype"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	spec := fleet.VolumeSpec{Name: in.Name, Region: in.Region, Encrypted: in.Encrypted}
	if in.SizeGB != nil {
		if *in.SizeGB == 0 {
			writeMachinesError(w, http.StatusBadRequest, "invalid volume: size_gb must be at least 1")
			return
		}
		spec.SizeGB = *in.SizeGB
	}
	if in.FSType != nil {
		spec.FSType = *in.FSType
	}
	app := r.PathValue("app")
	v, err := s.fleet.CreateVolume(app, spec)
	if err != nil {
		writeFleetError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.volumeJSON(app, v))
}

func (s *Sim) getVolume(w http.ResponseWriter, r *http.Request) {
	app := r.PathValue("app")
	v, err := s.fleet.Volume(app, r.PathValue("id"))
	if err != nil {
		writeFleetError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.volumeJSON(app, v))
}

func (s *Sim) destroyVolume(w http.ResponseWriter, r *http.Request) {
	app := r.PathValue("app")
	v, err := s.fleet.DestroyVolume(app, r.PathValue("id"))
	if err != nil {
		writeFleetError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.volumeJSON(app, v))
}
