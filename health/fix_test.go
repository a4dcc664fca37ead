package health

import (
	"strings"
	"testing"
)

// flyctlFlags are the flags flyctl defines for each command the fixes use,
// written down from superfly/flyctl's source (flag.App() is --app/-a):
//   - scale vm: internal/command/scale/vm.go (app, config, vm-memory,
//     process-group, estimate; one argument, the size)
//   - scale count: internal/command/scale/count.go (app, config, yes,
//     max-per-region, region, process-group, with-new-volumes,
//     from-snapshot, the VM size flags; the count as argument)
//   - scale memory: internal/command/scale/memory.go (app, config, group;
//     one argument, the MB)
//   - volumes extend: internal/command/volumes/extend.go (app, config,
//     size/-s, auto-confirm; one argument, the volume ID)
//   - machine status: internal/command/machine/status.go (app, config;
//     exactly one argument, the machine ID)
//   - machine restart: internal/command/machine/restart.go (app, config,
//     signal/-s, time, force, skip-health-checks; machine IDs)
//   - logs: internal/command/logs/logs.go (app, config, region/-r,
//     instance/-i; no arguments)
var flyctlFlags = map[string]struct {
	flags map[string]bool // long names, and short ones as "-x"
	args  int
}{
	"scale vm":        {set("--app", "-a", "--config", "--vm-memory", "--process-group", "--estimate"), 1},
	"scale count":     {set("--app", "-a", "--config", "--yes", "--max-per-region", "--region", "--process-group", "--with-new-volumes", "--from-snapshot"), 1},
	"scale memory":    {set("--app", "-a", "--config", "--group"), 1},
	"volumes extend":  {set("--app", "-a", "--config", "--size", "-s", "--auto-confirm"), 1},
	"machine status":  {set("--app", "-a", "--config"), 1},
	"machine restart": {set("--app", "-a", "--config", "--signal", "-s", "--time", "--force", "--skip-health-checks"), 1},
	"logs":            {set("--app", "-a", "--config", "--region", "-r", "--instance", "-i"), 0},
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// TestFixesUseFlyctlFlags: every command each finding gives is a flyctl
// command, with only flags flyctl defines, each taking a value, and the
// number of arguments flyctl's cobra.ExactArgs asks for.
func TestFixesUseFlyctlFlags(t *testing.T) {
	t.Parallel()
	fl := Fleet{InRegion: map[string]int{"fra": 1, "sin": 1, "syd": 2}, MemoryMB: 512}
	for _, f := range []Finding{
		{Kind: KindThrottled},
		{Kind: KindHardLimit, Where: []string{"fra/30184eda", "sin/609bbf5d"}},
		{Kind: KindRegionLatency, Where: []string{"syd"}},
		{Kind: KindVolume, IDs: []string{"vol_4ke1", "vol_9xq2"}, SizeGB: 10},
		{Kind: KindOOMAhead},
		{Kind: KindCrashLoop, IDs: []string{"45aa8968d03e78"}},
	} {
		cmds := Fixes("chat-gateway", f, fl)
		if len(cmds) == 0 {
			t.Errorf("finding of kind %d: no command", f.Kind)
		}
		for _, c := range cmds {
			checkFlyctl(t, c)
		}
	}
}

func checkFlyctl(t *testing.T, c Command) {
	t.Helper()
	if len(c.Args) < 2 || c.Args[0] != "fly" {
		t.Errorf("%q: not a fly command", c)
		return
	}
	name := c.Args[1]
	rest := c.Args[2:]
	if _, ok := flyctlFlags[name]; !ok && len(c.Args) > 2 {
		name, rest = c.Args[1]+" "+c.Args[2], c.Args[3:]
	}
	spec, ok := flyctlFlags[name]
	if !ok {
		t.Errorf("%q: flyctl has no command %q in this test's list", c, name)
		return
	}
	args := 0
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if !strings.HasPrefix(a, "-") {
			args++
			continue
		}
		if !spec.flags[a] {
			t.Errorf("%q: flyctl's %s defines no flag %s", c, name, a)
		}
		if i+1 >= len(rest) || strings.HasPrefix(rest[i+1], "-") || rest[i+1] == "" {
			t.Errorf("%q: flag %s has no value", c, a)
		}
		i++ // its value
	}
	if args != spec.args {
		t.Errorf("%q: %d arguments, flyctl's %s takes %d", c, args, name, spec.args)
	}
}

func TestFixesFillIn(t *testing.T) {
	t.Parallel()
	fl := Fleet{InRegion: map[string]int{"fra": 1, "sin": 1}, MemoryMB: 512}
	for _, tc := range []struct {
		f    Finding
		want string
	}{
		{Finding{Kind: KindHardLimit, Where: []string{"fra/30184eda", "sin/609bbf5d"}}, "fly scale count 2 --region sin -a app"},
		{Finding{Kind: KindVolume, IDs: []string{"vol_4ke1"}, SizeGB: 10}, "fly volumes extend vol_4ke1 -s 20 -a app"},
		{Finding{Kind: KindOOMAhead}, "fly scale memory 1024 -a app"},
		{Finding{Kind: KindCrashLoop, IDs: []string{"45aa8968d03e78"}}, "fly machine status 45aa8968d03e78 -a app"},
	} {
		var got []string
		for _, c := range Fixes("app", tc.f, fl) {
			got = append(got, c.String())
		}
		if !strings.Contains(strings.Join(got, "\n"), tc.want) {
			t.Errorf("kind %d: commands %q, want %q among them", tc.f.Kind, got, tc.want)
		}
	}
	if got := Fixes("app", Finding{Kind: KindVolume, IDs: []string{"vol_4ke1"}}, fl); len(got) != 0 {
		t.Errorf("a volume of unknown size got %q; a size cannot be guessed", got)
	}
}
