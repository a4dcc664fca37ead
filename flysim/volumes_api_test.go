package flysim

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	fly "github.com/superfly/fly-go"
	"github.com/superfly/fly-go/flaps"

	"github.com/flydash/dashboard/flysim/fleet"
)

// A volume's life through fly-go: create, list, mount by a launch, refuse a
// second machine and a destroy while mounted, free on the machine's
// destroy, then go.
func TestVolumesWithFlaps(t *testing.T) {
	t.Parallel()
	clk := newClock(testStart)
	srv := startSim(t, Options{Now: clk.Now})
	c := newFlaps(t, srv, "x")
	ctx := t.Context()
	if _, err := c.CreateApp(ctx, flaps.CreateAppRequest{Name: "pg-app", Org: "demo"}); err != nil {
		t.Fatal(err)
	}

	vol, err := c.CreateVolume(ctx, "pg-app", fly.CreateVolumeRequest{Name: "pg_data", Region: "ams", SizeGb: fly.IntPointer(10)})
	if err != nil {
		t.Fatalf("CreateVolume: %v", err)
	}
	if !strings.HasPrefix(vol.ID, "vol_") || vol.Name != "pg_data" || vol.Region != "ams" || vol.SizeGb != 10 ||
		vol.State != "created" || !vol.Encrypted || vol.IsAttached() || len(vol.Zone) != 4 || !vol.CreatedAt.Equal(testStart) {
		t.Fatalf("CreateVolume = %+v, want an encrypted unattached 10 GB volume in ams created now", vol)
	}
	if vols, err := c.GetVolumes(ctx, "pg-app"); err != nil || len(vols) != 1 || vols[0].ID != vol.ID {
		t.Fatalf("GetVolumes = %+v, %v; want the one volume", vols, err)
	}
	if app, err := c.GetApp(ctx, "pg-app"); err != nil || app.VolumeCount != 1 {
		t.Errorf("GetApp = %+v, %v; want volume_count 1", app, err)
	}

	launch := func(region string) (*fly.Machine, error) {
		return c.Launch(ctx, "pg-app", fly.LaunchMachineInput{Region: region, Config: &fly.MachineConfig{
			Image:  "postgres:17",
			Mounts: []fly.MachineMount{{Volume: vol.ID, Path: "/data"}},
		}})
	}
	if _, err := launch("cdg"); flapsStatus(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "own region") {
		t.Errorf("mounting an ams volume in cdg: %v, want 400 about regions", err)
	}
	m, err := launch("ams")
	if err != nil {
		t.Fatalf("Launch with a mount: %v", err)
	}
	if len(m.Config.Mounts) != 1 || m.Config.Mounts[0].Volume != vol.ID || m.Config.Mounts[0].Path != "/data" ||
		m.Config.Mounts[0].Name != "pg_data" || m.Config.Mounts[0].SizeGb != 10 {
		t.Errorf("config.mounts = %+v, want pg_data (10 GB) at /data", m.Config.Mounts)
	}
	got, err := c.GetVolume(ctx, "pg-app", vol.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.AttachedMachine == nil || *got.AttachedMachine != m.ID || got.AttachedAllocation == nil || *got.AttachedAllocation != m.InstanceID {
		t.Errorf("attached to %v alloc %v, want machine %s alloc %s", got.AttachedMachine, got.AttachedAllocation, m.ID, m.InstanceID)
	}
	if _, err := launch("ams"); flapsStatus(err) != http.StatusConflict || !strings.Contains(err.Error(), m.ID) {
		t.Errorf("a second machine on the same volume: %v, want 409 naming %s", err, m.ID)
	}
	if _, err := c.DeleteVolume(ctx, "pg-app", vol.ID); flapsStatus(err) != http.StatusConflict {
		t.Errorf("DeleteVolume while mounted: %v, want 409", err)
	}

	if err := c.Destroy(ctx, "pg-app", fly.RemoveMachineInput{ID: m.ID, Kill: true}, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetVolume(ctx, "pg-app", vol.ID); err != nil || got.IsAttached() {
		t.Errorf("after the machine's destroy: %+v, %v; want the volume detached", got, err)
	}
	gone, err := c.DeleteVolume(ctx, "pg-app", vol.ID)
	if err != nil || gone.ID != vol.ID || gone.State != "destroying" {
		t.Fatalf("DeleteVolume = %+v, %v; want it destroying", gone, err)
	}
	if _, err := c.GetVolume(ctx, "pg-app", vol.ID); flapsStatus(err) != http.StatusNotFound {
		t.Errorf("GetVolume after its destroy: %v, want 404", err)
	}
	if vols, err := c.GetAllVolumes(ctx, "pg-app"); err != nil || len(vols) != 0 {
		t.Errorf("GetAllVolumes after the destroy = %+v, %v; want none", vols, err)
	}
}

func TestVolumeErrorsWithFlaps(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	c := newFlaps(t, srv, "x")
	ctx := t.Context()
	for name, tc := range map[string]struct {
		req  fly.CreateVolumeRequest
		want int
		say  string
	}{
		"bad name":       {fly.CreateVolumeRequest{Name: "Pg-Data", Region: "ams"}, 400, "underscores"},
		"no region":      {fly.CreateVolumeRequest{Name: "data"}, 400, "region"},
		"unknown region": {fly.CreateVolumeRequest{Name: "data", Region: "xyz"}, 400, "region"},
		"too big":        {fly.CreateVolumeRequest{Name: "data", Region: "ams", SizeGb: fly.IntPointer(501)}, 400, "1-500"},
		"zero size":      {fly.CreateVolumeRequest{Name: "data", Region: "ams", SizeGb: fly.IntPointer(0)}, 400, "size_gb"},
		"bad fstype":     {fly.CreateVolumeRequest{Name: "data", Region: "ams", FSType: new("xfs")}, 400, "fstype"},
	} {
		_, err := c.CreateVolume(ctx, "blog", tc.req)
		if flapsStatus(err) != tc.want || !strings.Contains(err.Error(), tc.say) {
			t.Errorf("%s: %v, want %d mentioning %q", name, err, tc.want, tc.say)
		}
	}
	if _, err := c.CreateVolume(ctx, "no-such-app", fly.CreateVolumeRequest{Name: "data", Region: "ams"}); flapsStatus(err) != http.StatusNotFound {
		t.Errorf("volume for an unknown app: %v, want 404", err)
	}
	if _, err := c.GetVolume(ctx, "blog", "vol_0000000000000000"); flapsStatus(err) != http.StatusNotFound {
		t.Errorf("unknown volume: %v, want 404", err)
	}
	if _, err := c.DeleteVolume(ctx, "blog", "vol_0000000000000000"); flapsStatus(err) != http.StatusNotFound {
		t.Errorf("destroying an unknown volume: %v, want 404", err)
	}
	if _, err := c.GetVolumes(ctx, "not-yours"); flapsStatus(err) != http.StatusForbidden {
		t.Errorf("another org's volumes: %v, want 403", err)
	}
	a, _ := c.CreateVolume(ctx, "blog", fly.CreateVolumeRequest{Name: "a", Region: "ams"})
	b, _ := c.CreateVolume(ctx, "blog", fly.CreateVolumeRequest{Name: "b", Region: "ams"})
	if a == nil || b == nil {
		t.Fatal("could not create the volumes to mount")
	}
	for name, mounts := range map[string][]fly.MachineMount{
		"unknown volume": {{Volume: "vol_0000000000000000", Path: "/data"}},
		"no path":        {{Volume: a.ID}},
		"two volumes":    {{Volume: a.ID, Path: "/a"}, {Volume: b.ID, Path: "/b"}},
	} {
		_, err := c.Launch(ctx, "blog", fly.LaunchMachineInput{Region: "ams", Config: &fly.MachineConfig{Image: "nginx", Mounts: mounts}})
		if flapsStatus(err) != http.StatusBadRequest {
			t.Errorf("launch with %s: %v, want 400", name, err)
		}
	}
	if vols, err := c.GetVolumes(ctx, "blog"); err != nil || len(vols) != 2 || vols[0].IsAttached() || vols[1].IsAttached() {
		t.Errorf("after refused launches: %+v, %v; want both volumes unattached", vols, err)
	}
}

// The Volumes API and the metrics read one fill model: the database story's
// volumes report through the API the blocks their filesystem metrics show,
// and each is attached to a machine of the app that mounts it.
func TestVolumesAPIAgreesWithTheMetrics(t *testing.T) {
	t.Parallel()
	now := testStart.Add(-7 * time.Hour)
	srv := startSim(t, Options{Now: func() time.Time { return now }})
	c := newFlaps(t, srv, "x")
	vols, err := c.GetVolumes(t.Context(), fleet.VolumeFillingApp)
	if err != nil || len(vols) == 0 {
		t.Fatalf("GetVolumes(%s) = %d volumes, %v", fleet.VolumeFillingApp, len(vols), err)
	}
	machines, err := c.List(t.Context(), fleet.VolumeFillingApp, "")
	if err != nil {
		t.Fatal(err)
	}
	prom := newProm(t, srv)
	for _, v := range vols {
		if !v.IsAttached() {
			t.Errorf("%s is not attached", v.ID)
			continue
		}
		i := slices.IndexFunc(machines, func(m *fly.Machine) bool { return m.ID == *v.AttachedMachine })
		if i < 0 || len(machines[i].Config.Mounts) != 1 || machines[i].Config.Mounts[0].Volume != v.ID || machines[i].Region != v.Region {
			t.Errorf("%s: attached to %s, which does not mount it in its region", v.ID, *v.AttachedMachine)
			continue
		}
		var raw struct {
			Blocks     int64 `json:"blocks"`
			BlocksFree int64 `json:"blocks_free"`
			BytesUsed  int64 `json:"bytes_used"`
			BytesTotal int64 `json:"bytes_total"`
		}
		getJSON(t, srv.URL+"/v1/apps/"+fleet.VolumeFillingApp+"/volumes/"+v.ID, &raw)
		if used := float64(raw.BytesUsed) / float64(raw.BytesTotal); used < 0.5 || used > 0.95 {
			t.Errorf("%s is %.0f%% used, want the story's filling database", v.ID, 100*used)
		}
		sel := `{app="` + fleet.VolumeFillingApp + `",instance="` + machines[i].ID + `",mount="` + machines[i].Config.Mounts[0].Path + `"}`
		for name, want := range map[string]int64{"fly_instance_filesystem_blocks": raw.Blocks, "fly_instance_filesystem_blocks_free": raw.BlocksFree} {
			res, _, _, err := prom.Query(t.Context(), name+sel, now)
			if err != nil {
				t.Fatal(err)
			}
			vec, _ := res.(model.Vector)
			if len(vec) != 1 || int64(vec[0].Value) != want {
				t.Errorf("%s%s = %v, the Volumes API says %d", name, sel, vec, want)
			}
		}
	}
}
