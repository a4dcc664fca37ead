package fleet

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Volume errors; the API layer maps them to Fly's statuses.
var (
	ErrVolumeNotFound = errors.New("volume not found")
	ErrVolumeAttached = errors.New("volume is attached to a machine")
	ErrInvalidVolume  = errors.New("invalid volume")
)

// Volume limits as flyctl enforces them: names of lowercase letters, digits
// and underscores up to 30 characters; 1 to 500 GB.
const (
	MaxVolumeGB     = 500
	DefaultVolumeGB = 1
)

var volumeNamePattern = regexp.MustCompile(`^[a-z0-9_]{1,30}$`)

// VolumeSpec is what a create asks for. Zero SizeGB means DefaultVolumeGB;
// nil Encrypted means encrypted, as on Fly; "" FSType means ext4.
type VolumeSpec struct {
	Name      string
	Region    string
	SizeGB    int
	Encrypted *bool
	FSType    string
}

// MountSpec is one entry of a launch's config.mounts.
type MountSpec struct {
	Volume string // vol_... ID
	Path   string // absolute destination, e.g. /data
}

// CreateVolume adds an unattached volume to app.
func (f *Fleet) CreateVolume(app string, spec VolumeSpec) (Volume, error) {
	if !volumeNamePattern.MatchString(spec.Name) {
		return Volume{}, fmt.Errorf("%w: name %q: use 1-30 lowercase letters, digits and underscores", ErrInvalidVolume, spec.Name)
	}
	if spec.Region == "" {
		return Volume{}, fmt.Errorf("%w: region is required (a volume lives on one host in one region)", ErrInvalidVolume)
	}
	if !KnownRegion(spec.Region) {
		return Volume{}, fmt.Errorf("%w %q", ErrInvalidRegion, spec.Region)
	}
	if spec.SizeGB == 0 {
		spec.SizeGB = DefaultVolumeGB
	}
	if spec.SizeGB < 1 || spec.SizeGB > MaxVolumeGB {
		return Volume{}, fmt.Errorf("%w: size_gb must be 1-%d, got %d", ErrInvalidVolume, MaxVolumeGB, spec.SizeGB)
	}
	switch spec.FSType {
	case "":
		spec.FSType = "ext4"
	case "ext4", "raw":
	default:
		return Volume{}, fmt.Errorf("%w: fstype must be ext4 or raw, got %q", ErrInvalidVolume, spec.FSType)
	}
	return inApp(f, app, func(a *App) (Volume, error) {
		v := newVolume(f.rng, spec.Name, spec.Region, spec.SizeGB, f.now().UTC())
		if spec.Encrypted != nil {
			v.Encrypted = *spec.Encrypted
		}
		v.FSType = spec.FSType
		a.Volumes = append(a.Volumes, v)
		return *v, nil
	})
}

// Volumes returns app's live volumes in creation order.
func (f *Fleet) Volumes(app string) ([]Volume, error) {
	return inApp(f, app, func(a *App) ([]Volume, error) {
		out := make([]Volume, 0, len(a.Volumes))
		for _, v := range a.Volumes {
			if v.DestroyedAt.IsZero() {
				out = append(out, *v)
			}
		}
		return out, nil
	})
}

// Volume returns one live volume of app.
func (f *Fleet) Volume(app, id string) (Volume, error) {
	return inVolume(f, app, id, func(v *Volume) (Volume, error) { return *v, nil })
}

// DestroyVolume destroys an unattached volume and returns it as it goes
// ("destroying"). An attached one must lose its machine first, as on Fly.
func (f *Fleet) DestroyVolume(app, id string) (Volume, error) {
	return inVolume(f, app, id, func(v *Volume) (Volume, error) {
		if v.AttachedMachine != "" {
			return Volume{}, fmt.Errorf("%w %s: destroy the machine first", ErrVolumeAttached, v.AttachedMachine)
		}
		out := *v
		out.State = "destroying"
		v.State, v.DestroyedAt = "destroyed", f.now().UTC()
		return out, nil
	})
}

// The ext4 shape of a volume, as statfs reports it: 4 KiB blocks, ~1.6% of
// the device taken by inode tables and the journal, no blocks reserved for
// root (Fly's volumes keep none), and an empty filesystem's metadata.
const (
	VolumeBlockSize    = 4096
	VolumeExt4Overhead = 0.016
	VolumeFreshUsed    = 0.015
)

// UsedFraction is the share of v the app's files take at t: UsedAtStart at
// UsedAt (or at creation), growing by FillPerHour, never below an empty
// filesystem's metadata nor above full. The metrics and the Volumes API
// both read it, so fly_volume_used_pct and bytes_used agree.
func (v Volume) UsedFraction(t time.Time) float64 {
	ref := v.UsedAt
	if ref.IsZero() {
		ref = v.CreatedAt
	}
	u := v.UsedAtStart + v.FillPerHour*t.Sub(ref).Hours()
	return min(1, max(VolumeFreshUsed, u))
}

// Statfs is v's filesystem at t in blocks of VolumeBlockSize: its size and
// the blocks free (all of them available: nothing is reserved).
func (v Volume) Statfs(t time.Time) (blocks, free int64) {
	blocks = int64(math.Floor(float64(v.SizeGB) * (1 << 30) * (1 - VolumeExt4Overhead) / VolumeBlockSize))
	return blocks, blocks - int64(math.Round(float64(blocks)*v.UsedFraction(t)))
}

// inVolume runs fn on one live volume of app, as inApp does on the app.
func inVolume[T any](f *Fleet, app, id string, fn func(*Volume) (T, error)) (T, error) {
	return inApp(f, app, func(a *App) (T, error) {
		for _, v := range a.Volumes {
			if v.ID == id && v.DestroyedAt.IsZero() {
				return fn(v)
			}
		}
		var zero T
		return zero, fmt.Errorf("%w: %s", ErrVolumeNotFound, id)
	})
}

// mount checks a launch's mounts against a's volumes and, if all is well,
// returns what the machine will mount. Fly gives a machine at most one
// volume, in its own region, not attached elsewhere.
func mounts(a *App, region string, specs []MountSpec) ([]Mount, []*Volume, error) {
	if len(specs) > 1 {
		return nil, nil, fmt.Errorf("%w: a machine mounts at most one volume, got %d mounts", ErrInvalidConfig, len(specs))
	}
	var out []Mount
	var vols []*Volume
	for i, s := range specs {
		if s.Volume == "" {
			return nil, nil, fmt.Errorf("%w: mounts[%d].volume is required: create the volume first and give its ID", ErrInvalidConfig, i)
		}
		if !strings.HasPrefix(s.Path, "/") || s.Path == "/" {
			return nil, nil, fmt.Errorf("%w: mounts[%d].path must be an absolute path other than /, got %q", ErrInvalidConfig, i, s.Path)
		}
		idx := slices.IndexFunc(a.Volumes, func(v *Volume) bool { return v.ID == s.Volume && v.DestroyedAt.IsZero() })
		if idx < 0 {
			return nil, nil, fmt.Errorf("%w: mounts[%d]: %w: %s", ErrInvalidConfig, i, ErrVolumeNotFound, s.Volume)
		}
		v := a.Volumes[idx]
		if v.Region != region {
			return nil, nil, fmt.Errorf("%w: mounts[%d]: volume %s is in %s, the machine in %s; a volume can only be mounted in its own region", ErrInvalidConfig, i, v.ID, v.Region, region)
		}
		if v.AttachedMachine != "" {
			return nil, nil, fmt.Errorf("%w %s; a volume attaches to one machine at a time", ErrVolumeAttached, v.AttachedMachine)
		}
		out = append(out, Mount{Volume: v.ID, Name: v.Name, Path: s.Path, SizeGB: v.SizeGB})
		vols = append(vols, v)
	}
	return out, vols, nil
}

// detach frees the volumes m mounts; Fly detaches them when m is destroyed.
func detach(a *App, m *Machine) {
	for _, v := range a.Volumes {
		if v.AttachedMachine == m.ID {
			v.AttachedMachine = ""
		}
	}
}
