package promql

import (
	"math"
	"strings"
	"time"

	"github.com/flydash/dashboard/internal/units"
)

// The list's Fly-native columns: four more by-app queries, so the list
// costs nine whatever the number of apps. They carry no sparkline; the
// verdict reads them (health's Fly findings).
const (
	// ColQuota: the most throttled machine's throttled share of time (%),
	// with the vCPU count and burst balance of the machines throttled.
	ColQuota Column = "quota"
	// ColLimits: hard concurrency limit hits per second at the busiest machine.
	ColLimits Column = "limits"
	// ColVolumes: each volume's use (%) and where it would be in 24 h.
	ColVolumes Column = "volumes"
	// ColMemory: the fullest machine's memory use (%), and the restarts
	// of each machine that exited non-zero within CrashSpan.
	ColMemory Column = "memory"
)

// FlyColumns lists the Fly-native columns, in query order.
func FlyColumns() []Column { return []Column{ColQuota, ColLimits, ColVolumes, ColMemory} }

// CrashSpan is how far back the restart count looks at each point: long
// enough to see a machine restarting "every few minutes" several times.
const CrashSpan = 30 * time.Minute

// Series kinds of the Fly-native columns.
const (
	KindVCPUs   = "vcpus"
	KindBalance = "balance"
	KindMemory  = "memory"
	// KindMachineMemory is each machine's memory use (%), so the verdict
	// can follow the machine an OOM kill hit as it climbs back.
	KindMachineMemory = "machine memory"
	KindRestarts      = "restarts"
	KindExitCode      = "exit code"
	// KindRollout is, at each point, how many machines restarted within
	// RolloutSpan, where that is every machine of the app and none exited
	// non-zero: a deploy, or fly apps restart.
	KindRollout = "rollout"
)

// RolloutSpan is how far back a point looks for its machines' restarts:
// two timeline steps, so a rolling restart across a step's edge is whole
// at one point or the next.
const RolloutSpan = 2 * TimelineStep

func init() {
	for col, q := range flyOverviewQueries {
		overviewQueries[col] = q
	}
}

var flyOverviewQueries = map[Column]struct {
	query Query
	build func(b builder) string
}{
	ColQuota: {
		Query{ID: "overview-quota", Title: "CPU throttled", Unit: units.Percent,
			Desc: "Share of time the most throttled machine spent throttled after its CPU quota ran out."},
		// The vCPU count and balance are those of the machines throttled at
		// that point, so the reason can say "shared-cpu-2x out of burst
		// balance" about the machine it means.
		func(b builder) string {
			byMachine := func(expr string) string { return `sum by (app, instance) (` + expr + `)` }
			vcpus := `count by (app, instance) (` + b.sel(instanceCPU, `mode="idle"`) + `)`
			throttled := byMachine(`rate(`+b.rangeSel(cpuThrottle)+`)`) + ` / ` + vcpus
			return strings.Join([]string{
				`max by (app) (` + throttled + `)`,
				withKind(`max by (app) (`+vcpus+` and on (app, instance) (`+throttled+` > 0))`, KindVCPUs),
				withKind(`max by (app) (`+byMachine(b.sel(cpuBalance))+` / 100 / `+vcpus+` and on (app, instance) (`+throttled+` > 0))`, KindBalance),
			}, "\nor\n")
		},
	},
	ColLimits: {
		Query{ID: "overview-limits", Title: "Hard limit reached", Unit: units.None,
			Desc: "Times per second each machine was at its service's hard concurrency limit."},
		// Per machine, only where it hit: the verdict names every machine
		// at its limit, and the others cost nothing.
		func(b builder) string {
			return `sum by (app, instance, region) (rate(` + b.rangeSel(hardLimitCount) + `)) > 0`
		},
	},
	ColVolumes: {
		Query{ID: "overview-volumes", Title: "Volume use", Unit: units.Percent,
			Desc: "Share of each volume in use, and where it would be in 24 hours at the last 6 hours' rate."},
		func(b builder) string {
			return withKind(`max by (app, id) (`+b.sel(volumeUsedPct)+`)`, KindUsed) + "\nor\n" +
				withKind(`max by (app, id) (predict_linear(`+b.over(projectionRange, volumeUsedPct)+`, `+seconds(projectionAhead)+`))`, KindProjection)
		},
	},
	ColMemory: {
		Query{ID: "overview-memory", Title: "Memory and restarts", Unit: units.Percent,
			Desc: "Memory use of the fullest machine, and restarts of machines that exited with a non-zero code."},
		// A restart reboots the VM, so its /proc counters start again from
		// zero: resets() counts restarts from the metrics alone. Only machines
		// that reported a non-zero exit code in the span are kept, so a
		// deploy's restart is not a crash. A deploy restarts every machine
		// cleanly: the metrics see it, so the list can date a change by it
		// without asking the Machines API for each app's events.
		func(b builder) string {
			crashed := `max by (app, instance, region) (max_over_time(` + b.over(CrashSpan, instanceExit) + `)) > 0`
			cpu0 := func(d time.Duration) string { return b.over(d, instanceCPU, `mode="idle"`, `cpu_id="0"`) }
			restarted := `count by (app) (resets(` + cpu0(RolloutSpan) + `) > 0)`
			rollout := restarted + ` == on (app) count by (app) (` + b.sel(instanceCPU, `mode="idle"`, `cpu_id="0"`) + `)` +
				` unless on (app) (max by (app) (max_over_time(` + b.over(RolloutSpan, instanceExit) + `)) > 0)`
			return strings.Join([]string{
				withKind(`max by (app) (100 * (1 - sum by (app, instance) (`+b.sel(memAvailable)+`) / sum by (app, instance) (`+b.sel(memTotal)+`)))`, KindMemory),
				withKind(`100 * (1 - sum by (app, instance, region) (`+b.sel(memAvailable)+`) / sum by (app, instance, region) (`+b.sel(memTotal)+`))`, KindMachineMemory),
				withKind(`max by (app, instance, region) (resets(`+cpu0(CrashSpan)+`)) and on (app, instance) (`+crashed+`)`, KindRestarts),
				withKind(crashed, KindExitCode),
				withKind(rollout, KindRollout),
			}, "\nor\n")
		},
	},
}

// FlyOverview is one app's Fly-native numbers from the list's queries, on
// the overview's grid (one value per point; nil means no series).
type FlyOverview struct {
	Throttled, ThrottledVCPUs, ThrottledBalance []float64
	HardLimitHits                               []float64 // the busiest machine's, point by point
	HardLimits                                  []MachineOverview
	MachineMemory                               []MachineOverview
	Memory                                      []float64
	Volumes                                     []VolumeOverview
	Crashes                                     []CrashOverview
	// Rollouts is, point by point, how many machines restarted within
	// RolloutSpan when that was all of them and none crashed; NaN otherwise.
	Rollouts []float64
}

// VolumeOverview is one volume's use and its 24 h projection.
type VolumeOverview struct {
	ID, Region       string
	Used, Projection []float64
}

// MachineOverview is one machine's series of a column.
type MachineOverview struct {
	Instance, Region string
	Values           []float64
}

// CrashOverview is one machine that exited non-zero within CrashSpan.
type CrashOverview struct {
	Instance, Region   string
	Restarts, ExitCode []float64
}

// addFly files one series of a Fly-native column into r.
func (r *AppOverview) addFly(col Column, labels map[string]string, values []float64) {
	f := &r.Fly
	kind := labels["kind"]
	switch col {
	case ColQuota:
		switch kind {
		case KindVCPUs:
			f.ThrottledVCPUs = values
		case KindBalance:
			f.ThrottledBalance = values
		default:
			f.Throttled = values
		}
	case ColLimits:
		f.HardLimits = append(f.HardLimits, MachineOverview{labels["instance"], labels["region"], values})
		if f.HardLimitHits == nil {
			f.HardLimitHits = make([]float64, len(values))
			for i := range f.HardLimitHits {
				f.HardLimitHits[i] = math.NaN()
			}
		}
		for i, v := range values {
			if i < len(f.HardLimitHits) && !math.IsNaN(v) && (math.IsNaN(f.HardLimitHits[i]) || v > f.HardLimitHits[i]) {
				f.HardLimitHits[i] = v
			}
		}
	case ColVolumes:
		v := f.volume(labels["id"], labels["region"])
		if kind == KindProjection {
			v.Projection = values
		} else {
			v.Used = values
		}
	case ColMemory:
		switch kind {
		case KindMemory:
			f.Memory = values
		case KindMachineMemory:
			f.MachineMemory = append(f.MachineMemory, MachineOverview{labels["instance"], labels["region"], values})
		case KindRollout:
			f.Rollouts = values
		case KindRestarts, KindExitCode:
			c := f.crash(labels["instance"], labels["region"])
			if kind == KindRestarts {
				c.Restarts = values
			} else {
				c.ExitCode = values
			}
		}
	}
}

func (f *FlyOverview) volume(id, region string) *VolumeOverview {
	for i := range f.Volumes {
		if f.Volumes[i].ID == id {
			return &f.Volumes[i]
		}
	}
	f.Volumes = append(f.Volumes, VolumeOverview{ID: id, Region: region})
	return &f.Volumes[len(f.Volumes)-1]
}

func (f *FlyOverview) crash(instance, region string) *CrashOverview {
	for i := range f.Crashes {
		if f.Crashes[i].Instance == instance {
			return &f.Crashes[i]
		}
	}
	f.Crashes = append(f.Crashes, CrashOverview{Instance: instance, Region: region})
	return &f.Crashes[len(f.Crashes)-1]
}
