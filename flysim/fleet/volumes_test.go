package fleet

import (
	"errors"
	"math"
	"testing"
	"time"
)

// A deleted app takes its volumes with it, and their history stays in the
// snapshot (the metrics stop at DestroyedAt rather than vanishing).
func TestDeleteAppDestroysItsVolumes(t *testing.T) {
	t.Parallel()
	f := New(Config{Start: start, Now: fixed(start)})
	if _, err := f.CreateApp("demo", "with-disk"); err != nil {
		t.Fatal(err)
	}
	v, err := f.CreateVolume("with-disk", VolumeSpec{Name: "data", Region: "ams", SizeGB: 3})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.Launch("with-disk", MachineSpec{Image: "redis", Region: "ams", Mounts: []MountSpec{{Volume: v.ID, Path: "/data"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Volume("with-disk", v.ID); got.AttachedMachine != m.ID {
		t.Fatalf("attached to %q, want %s", got.AttachedMachine, m.ID)
	}
	if err := f.DeleteApp("with-disk", true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Volumes("with-disk"); !errors.Is(err, ErrAppNotFound) {
		t.Errorf("volumes of a deleted app: %v, want app not found", err)
	}
	for _, a := range f.Snapshot() {
		if a.Name != "with-disk" {
			continue
		}
		if len(a.Volumes) != 1 || a.Volumes[0].DestroyedAt.IsZero() || a.Volumes[0].State != "destroyed" || a.Volumes[0].AttachedMachine != "" {
			t.Errorf("snapshot volume = %+v, want destroyed, detached and kept", a.Volumes)
		}
	}
}

func TestUsedFractionFollowsTheFill(t *testing.T) {
	t.Parallel()
	v := Volume{SizeGB: 10, CreatedAt: start.Add(-time.Hour), UsedAt: start, UsedAtStart: 0.8, FillPerHour: 0.1 / 24}
	for _, tc := range []struct {
		after time.Duration
		want  float64
	}{{-24 * time.Hour, 0.7}, {0, 0.8}, {24 * time.Hour, 0.9}, {10 * 24 * time.Hour, 1}} {
		if got := v.UsedFraction(start.Add(tc.after)); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("after %v: %v, want %v", tc.after, got, tc.want)
		}
	}
	fresh := Volume{SizeGB: 1, CreatedAt: start}
	if got := fresh.UsedFraction(start.Add(time.Hour)); got != VolumeFreshUsed {
		t.Errorf("a new, unwritten volume is %v used, want the filesystem's own %v", got, VolumeFreshUsed)
	}
	blocks, free := v.Statfs(start)
	if blocks != 2579496 || free != blocks-int64(math.Round(0.8*float64(blocks))) {
		t.Errorf("statfs of 10 GB at 80%% = %d blocks, %d free", blocks, free)
	}
}
