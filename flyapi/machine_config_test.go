package flyapi_test

import (
	"context"
	"testing"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
)

// TestMachineConfigAndOrgID: what the Machines panel, the limit lines and
// the Grafana link read from the Machines API, through flysim over HTTP.
func TestMachineConfigAndOrgID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, srv := newClient(t, flysim.Options{}, 0)
	app, err := c.GetApp(ctx, "blog")
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.Sim.Fleet().OrgNumericID(); app.OrgNumericID != want || want <= 0 {
		t.Errorf("org numeric id %d, want %d", app.OrgNumericID, want)
	}
	ms, err := c.Machines(ctx, "blog")
	if err != nil || len(ms) == 0 {
		t.Fatalf("machines: %v %v", err, ms)
	}
	for _, m := range ms {
		if m.Size != "shared-cpu-1x" || m.SizeLabel() != "shared-cpu-1x, 256 MB" {
			t.Errorf("%s: size %q, label %q; want shared-cpu-1x, 256 MB", m.ID, m.Size, m.SizeLabel())
		}
		if m.Concurrency == nil || m.Concurrency.HardLimit <= 0 || m.Concurrency.SoftLimit > m.Concurrency.HardLimit {
			t.Errorf("%s: concurrency %+v", m.ID, m.Concurrency)
		}
	}
	search, err := c.Machines(ctx, "search-api")
	if err != nil || len(search) == 0 {
		t.Fatal(err)
	}
	if got := search[0].SizeLabel(); got != "performance-1x, 2 GB" {
		t.Errorf("search-api size %q, want performance-1x, 2 GB", got)
	}
	worker, err := c.Machines(ctx, "queue-worker")
	if err != nil || len(worker) == 0 {
		t.Fatal(err)
	}
	if worker[0].Concurrency != nil {
		t.Errorf("a worker without a service has concurrency limits %+v", worker[0].Concurrency)
	}
}

func TestSizeLabel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m    flyapi.Machine
		want string
	}{
		{flyapi.Machine{Size: "shared-cpu-2x", CPUKind: "shared", CPUs: 2, MemoryMB: 512}, "shared-cpu-2x, 512 MB"},
		{flyapi.Machine{Size: "performance-2x", CPUKind: "performance", CPUs: 2, MemoryMB: 4096}, "performance-2x, 4 GB"},
		{flyapi.Machine{CPUKind: "shared", CPUs: 1, MemoryMB: 1536}, "shared-cpu-1x, 1536 MB"},
		{flyapi.Machine{}, ""},
	} {
		if got := tc.m.SizeLabel(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.m, got, tc.want)
		}
	}
}
