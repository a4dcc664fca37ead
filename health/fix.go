package health

import (
	"slices"
	"strconv"
	"strings"
)

// Command is one flyctl command line that addresses a finding, and why.
type Command struct {
	Args []string // "fly", "scale", "count", ...
	Why  string
}

func (c Command) String() string { return strings.Join(c.Args, " ") }

// Fleet is what the fix needs to know of the app's machines: how many run
// in each region and their memory, when the Machines API answered.
type Fleet struct {
	InRegion map[string]int
	MemoryMB int
}

// Fixes are the flyctl commands for f, with app, machines, volumes, sizes
// and regions filled in; none when a value they need is unknown. Each
// command's flags are those flyctl defines (fix_test.go names the files).
func Fixes(app string, f Finding, fl Fleet) []Command {
	a := []string{"-a", app}
	var out []Command
	switch f.Kind {
	case KindThrottled, KindCPU:
		out = append(out, Command{append([]string{"fly", "scale", "vm", "performance-1x"}, a...),
			"a dedicated vCPU has no quota to run out of; or, when the load is a burst you expect, let it pass"})
	case KindHardLimit:
		for _, region := range regionsOf(f.Where) {
			n := fl.InRegion[region]
			if n == 0 {
				continue
			}
			out = append(out, Command{append([]string{"fly", "scale", "count", strconv.Itoa(n + 1), "--region", region}, a...),
				"one more machine in " + region + " shares its load; or raise hard_limit in [http_service.concurrency] in fly.toml if each machine has room"})
		}
	case KindLatency, KindRegionLatency:
		for _, region := range f.Where {
			out = append(out, Command{append([]string{"fly", "scale", "count", strconv.Itoa(fl.InRegion[region] + 1), "--region", region}, a...),
				"a machine in " + region + " serves its users without the trip to the nearest other region"})
		}
	case KindVolume:
		if f.SizeGB > 0 {
			for _, id := range f.IDs {
				out = append(out, Command{append([]string{"fly", "volumes", "extend", id, "-s", strconv.Itoa(f.SizeGB * 2)}, a...),
					"doubles the volume; stop and start its machine for the file system to grow"})
			}
		}
	case KindMemory, KindOOMKill, KindOOMAhead:
		if fl.MemoryMB > 0 {
			out = append(out, Command{append([]string{"fly", "scale", "memory", strconv.Itoa(fl.MemoryMB * 2)}, a...),
				"twice the memory puts the OOM killer out of reach while the cause is found"})
		}
	case KindCrashLoop:
		for _, id := range f.IDs {
			out = append(out,
				Command{append([]string{"fly", "logs", "-i", id}, a...), "the machine's last lines say why it exits"},
				Command{append([]string{"fly", "machine", "status", id}, a...), "its exits and restarts as Fly recorded them"},
				Command{append([]string{"fly", "machine", "restart", id}, a...), "once the cause is fixed"})
		}
	}
	return out
}

// regionsOf reads the regions out of machine labels ("fra/30184eda").
func regionsOf(where []string) []string {
	var out []string
	for _, w := range where {
		r, _, ok := strings.Cut(w, "/")
		if ok && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
