package flysim

import (
	"testing"

	"github.com/superfly/fly-go/flaps"
)

// TestReleaseIP: fly-go's DeleteIPAssignment removes one address (204),
// leaves the others, and an address the app does not have is a 404.
func TestReleaseIP(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	c := newFlaps(t, srv, "x")
	ctx := t.Context()
	if _, err := c.CreateApp(ctx, flaps.CreateAppRequest{Name: "two-v6", Org: "demo"}); err != nil {
		t.Fatal(err)
	}
	var v6 []string
	for range 2 {
		ip, err := c.AssignIP(ctx, "two-v6", flaps.AssignIPRequest{Type: "v6"})
		if err != nil {
			t.Fatal(err)
		}
		v6 = append(v6, ip.IP)
	}
	if err := c.DeleteIPAssignment(ctx, "two-v6", v6[1]); err != nil {
		t.Fatalf("DeleteIPAssignment: %v", err)
	}
	res, err := c.GetIPAssignments(ctx, "two-v6")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.IPs) != 1 || res.IPs[0].IP != v6[0] {
		t.Errorf("after removing %s: %+v, want only %s", v6[1], res.IPs, v6[0])
	}
	if err := c.DeleteIPAssignment(ctx, "two-v6", v6[1]); flapsStatus(err) != 404 {
		t.Errorf("removing it again: %v, want 404", err)
	}
	if err := c.DeleteIPAssignment(ctx, "no-such-app", v6[0]); flapsStatus(err) != 404 {
		t.Errorf("an unknown app: %v, want 404", err)
	}
}
