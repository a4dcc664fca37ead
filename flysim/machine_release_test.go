package flysim

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/flydash/dashboard/flysim/fleet"
)

// Story machines read as flyctl deploys them: the process group in env and
// metadata, fly.toml's kill timeout as stop_config, the release in metadata
// (one more per deploy, the same on every machine of a release); a service
// sends force_instance_key as null.
func TestStoryMachinesCarryFlyctlsReleaseMetadata(t *testing.T) {
	t.Parallel()
	srv := startSim(t, Options{})
	c := newFlaps(t, srv, "x")
	releaseID := regexp.MustCompile(`^v[0-9A-Za-z]{23}$`)
	for _, app := range []string{"storefront", fleet.DeployApp} {
		ms, err := c.List(t.Context(), app, "")
		if err != nil || len(ms) == 0 {
			t.Fatalf("List(%s) = %d machines, %v", app, len(ms), err)
		}
		ids := map[string]bool{}
		maxDeploys := 0
		for _, m := range ms {
			md := m.Config.Metadata
			if m.Config.Env["FLY_PROCESS_GROUP"] != "app" || md["fly_process_group"] != "app" {
				t.Errorf("%s/%s: env %v, metadata %v: want FLY_PROCESS_GROUP=app in both", app, m.ID, m.Config.Env, md)
			}
			if m.Config.StopConfig == nil || m.Config.StopConfig.Timeout == nil || m.Config.StopConfig.Timeout.Duration.String() != "30s" {
				t.Errorf("%s/%s: stop_config %+v, want a 30s timeout", app, m.ID, m.Config.StopConfig)
			}
			if !releaseID.MatchString(md["fly_release_id"]) || md["fly_flyctl_version"] == "" || md["fly_platform_version"] != "v2" {
				t.Errorf("%s/%s: metadata %v lacks flyctl's release keys", app, m.ID, md)
			}
			if len(m.Config.Services) > 0 && m.Config.Services[0].ForceInstanceKey != nil {
				t.Errorf("%s/%s: force_instance_key %q, want null", app, m.ID, *m.Config.Services[0].ForceInstanceKey)
			}
			ids[md["fly_release_id"]+"/"+md["fly_release_version"]] = true
			deploys := 0
			for _, e := range m.Events {
				if e.Type == "update" {
					deploys++
				}
			}
			maxDeploys = max(maxDeploys, deploys)
			if v, _ := strconv.Atoi(md["fly_release_version"]); v != deploys+1 {
				t.Errorf("%s/%s: fly_release_version %q after %d deploys, want %d", app, m.ID, md["fly_release_version"], deploys, deploys+1)
			}
		}
		if len(ids) != 1 {
			t.Errorf("%s: machines of one release carry releases %v", app, ids)
		}
		if app == fleet.DeployApp && maxDeploys == 0 {
			t.Errorf("%s: no machine shows the deploy story's update event", app)
		}
	}
}
