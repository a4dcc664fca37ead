package series

import (
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
)

// openEnd marks a span that has not ended.
const openEnd = math.MaxInt64

// span is a half-open interval of milliseconds.
type span struct{ from, to int64 }

// status is one value of a histogram's status (or version) label with its
// share of the group's events and how its latency compares with the group's.
type status struct {
	value   string
	share   float64
	latency float64
	fivexx  bool
}

// statuses are the classes Fly's proxy reports in the status label of
// every HTTP family ("2xx", not 200); 2xx takes the rest. Each class keeps
// its share and latency, which is what the charts, the list page and the
// 5xx incident show.
var statuses = []status{
	{"2xx", 0, 1, false},
	{"3xx", 0.06, 0.3, false},
	{"4xx", 0.037, 0.4, false},
	// The proxy's 502s (3x slower: a machine that does not answer) and
	// the app's own 500s, weighted 1:3.
	{"5xx", 0.0025, 2, true},
}

func init() {
	rest := 1.0
	for _, s := range statuses[1:] {
		rest -= s.share
	}
	statuses[0].share = rest
}

// incidentMultiplier raises every 5xx rate during an incident: 0.25% of
// responses become about 13%.
const incidentMultiplier = 60

// Latency regimes of the stories.
const (
	deployLatencyMultiplier     = 2.5
	deployCPUMultiplier         = 1.8
	regressionLatencyMultiplier = 5
	// A throttled machine's requests wait for CPU; a region whose machines
	// sit at their hard limit queues at the edge and refuses the rest.
	throttledLatencyMultiplier = 4
	limitLatencyMultiplier     = 2.5
	limitFiveXXMultiplier      = 40
)

// A response time is a mix of a fast and a slow lognormal; the slow share
// grows with traffic, so quantiles move with the daily cycle.
const (
	slowShare       = 0.1
	slowFactor      = 4
	fastSigma       = 0.45
	slowSigma       = 0.6
	fastDaily       = 0.55
	slowDaily       = 0.8
	counterNoise    = 0.3
	edgeOverheadSec = 0.003
)

// regime is a latency multiplier in force from grid index k on.
type regime struct {
	k    int64
	mult float64
}

// appModel is what the generator derives from one fleet.App: everything
// but the samples themselves.
type appModel struct {
	app      *fleet.App
	key      uint64
	life     span
	rate     float64 // requests/s at the daily mean
	latency  float64 // median seconds of a 200
	cpu      float64 // busy fraction of a vCPU at the daily mean
	daily    float64 // daily amplitude of CPU and traffic
	regions  []*regionModel
	machines []*machineModel
	volumes  []*volumeModel
	// periodic apps repeat every day to the grid step (one-day waves),
	// so their quota and proxy limits are one-day tables.
	periodic bool
	// Story moments on the grid; zero when the story has none.
	incidentStart, incidentEnd int64
	deployK                    int64
	regressionK                int64
}

type regionModel struct {
	app      *appModel
	name     string
	share    float64
	edgeHost string
	life     span
	machines []*machineModel
	latency  []regime
	// limitRegimes and fivexx are the edge's queueing and refusals while
	// a machine of the region sits at its hard limit.
	limitRegimes []regime
	fivexx       []mstep
}

type machineModel struct {
	app     *appModel
	region  *regionModel
	m       *fleet.Machine
	key     uint64
	share   float64 // of its region's traffic
	life    span
	running []span
	// exits are the machine's exits, oldest first; oomExits the moments,
	// in ms, it was OOM-killed.
	exits    []exitEvent
	oomExits []int64
	memTotal float64
	memBase  float64 // fraction of memTotal in use when nothing leaks

	// Built on first use and shared by the machine's series.
	busyOnce  sync.Once
	busyFlows []*flow
	quotaMu   sync.Mutex
	quotas    map[int64]*quotaRun // by boot grid index
	limitOnce sync.Once
	limitTab  *limitTable
}

// exitEvent is one exit of a machine's main process.
type exitEvent struct {
	at       int64 // ms
	code     int
	oom      bool
	restarts bool // an update or stop, not a crash: no exit code
}

func msOf(t time.Time) int64 { return t.UnixMilli() }

func endMs(t time.Time) int64 {
	if t.IsZero() {
		return openEnd
	}
	return t.UnixMilli()
}

// gridCeil is the first grid index at or after ms.
func gridCeil(ms int64) int64 {
	if ms == openEnd {
		return math.MaxInt64 / gridMs
	}
	k := ms / gridMs
	if ms%gridMs != 0 && ms > 0 {
		k++
	}
	return k
}

func storyGrid(a *fleet.App, name string) int64 {
	t, ok := a.StoryTimes[name]
	if !ok || t.IsZero() {
		return 0
	}
	return gridCeil(msOf(t))
}

func newAppModel(a *fleet.App) *appModel {
	am := &appModel{
		app:  a,
		key:  hashKey(a.Org, a.Name, a.ID),
		life: span{msOf(a.CreatedAt), endMs(a.DestroyedAt)},
	}
	am.rate = between(am.key, 1, 4, 40)
	am.latency = between(am.key, 2, 0.015, 0.06)
	// Shared-CPU apps stay under their 6.25% per vCPU baseline at peak
	// (only the throttled story outruns it); performance vCPUs have room.
	am.cpu = between(am.key, 3, 0.01, 0.028)
	if len(a.Machines) > 0 && a.Machines[0].CPUKind == "performance" {
		am.cpu = between(am.key, 3, 0.04, 0.12)
	}
	am.daily = 0.5
	switch a.Story {
	case fleet.StoryIncident:
		am.rate = 25
		am.incidentStart = storyGrid(a, "incident_start")
		am.incidentEnd = storyGrid(a, "incident_end")
	case fleet.StoryRegionalLatency:
		am.rate = 18
		am.regressionK = storyGrid(a, "regression_start")
	case fleet.StoryOOM:
		am.rate = 6
	case fleet.StoryDeploy:
		am.rate = 12
		am.cpu = 0.015
		am.deployK = storyGrid(a, "deploy")
	case fleet.StoryIdle:
		am.rate = 0.01
		am.cpu = 0.01
		am.daily = 0.2
	case fleet.StoryLaunched:
		am.rate = 1
		am.cpu = 0.02
	case fleet.StoryNoHTTP:
		if len(a.Machines) > 0 && a.Machines[0].CPUKind == "performance" {
			am.cpu = between(am.key, 3, 0.15, 0.3)
		}
		am.daily = 0.15
	case fleet.StoryThrottled:
		// PDF rendering: few requests, each a good share of a CPU second;
		// the afternoon asks for twice the baseline.
		am.rate, am.latency = 3, 0.12
		am.cpu, am.daily = 0.055, 0.8
		am.periodic = true
	case fleet.StoryConcurrency:
		am.rate, am.latency = 160, 0.25
		am.cpu, am.daily = 0.02, 0.6
		am.periodic = true
	case fleet.StoryVolumeFilling:
		am.cpu, am.daily = 0.02, 0.3
	case fleet.StoryCrashLoop:
		am.rate = 8
	}

	byRegion := map[string]*regionModel{}
	for _, m := range a.Machines {
		r := byRegion[m.Region]
		if r == nil {
			r = &regionModel{app: am, name: m.Region, edgeHost: edgeHost(m.Region), life: span{openEnd, 0}}
			byRegion[m.Region] = r
			am.regions = append(am.regions, r)
		}
		mm := newMachineModel(am, r, m)
		r.machines = append(r.machines, mm)
		am.machines = append(am.machines, mm)
		r.life.from = min(r.life.from, mm.life.from)
		r.life.to = maxEnd(r.life.to, mm.life.to)
	}
	slices.SortFunc(am.regions, func(x, y *regionModel) int {
		switch {
		case x.name < y.name:
			return -1
		case x.name > y.name:
			return 1
		}
		return 0
	})
	total := 0.0
	for _, r := range am.regions {
		r.share = between(hashKey(a.Name, r.name), 0, 0.5, 1.5)
		total += r.share
		for _, mm := range r.machines {
			mm.share = 1 / float64(len(r.machines))
		}
	}
	for _, r := range am.regions {
		r.share /= total
	}
	am.syntheticOOM()
	// Proxy limits and the CPU quota change latency, so regimes come last.
	var throttled []regime
	if len(am.machines) > 0 {
		throttled = regimesOf(dailyRuns(am.machines[0].throttledRuns(), am.storyDays(), throttledLatencyMultiplier))
	}
	for _, r := range am.regions {
		runs := r.limitRuns()
		r.limitRegimes = regimesOf(dailyRuns(runs, am.storyDays(), limitLatencyMultiplier))
		r.fivexx = dailyRuns(runs, am.storyDays(), limitFiveXXMultiplier)
		r.latency = am.latencyRegimes(r.name, append(slices.Clone(throttled), r.limitRegimes...))
	}
	am.volumes = am.volumeModels()
	return am
}

// regimesOf turns multiplier steps (mult, then 1) into latency regimes,
// which compound: each step's multiplier relative to the one before.
func regimesOf(steps []mstep) []regime {
	out := make([]regime, len(steps))
	prev := 1.0
	for i, s := range steps {
		out[i] = regime{s.k, s.mult / prev}
		prev = s.mult
	}
	return out
}

// maxCPUStep is the largest multiplier of the app's CPU steps.
func (am *appModel) maxCPUStep() float64 {
	m := 1.0
	for _, s := range am.cpuSteps() {
		m = max(m, s.mult)
	}
	return m
}

func maxEnd(a, b int64) int64 {
	if a == openEnd || b == openEnd {
		return openEnd
	}
	return max(a, b)
}

// syntheticOOM gives an OOM story that arrived without its machine events
// (a hand-built fleet) the kill its StoryTimes promise.
func (am *appModel) syntheticOOM() {
	if am.app.Story != fleet.StoryOOM || len(am.machines) == 0 {
		return
	}
	for _, mm := range am.machines {
		if len(mm.oomExits) > 0 {
			return
		}
	}
	at, ok := am.app.StoryTimes["oom"]
	if !ok {
		return
	}
	mm := am.machines[0]
	exit := msOf(at)
	restart := exit + 20_000
	var running []span
	for _, s := range mm.running {
		switch {
		case s.to <= exit || s.from >= restart:
			running = append(running, s)
		default:
			if s.from < exit {
				running = append(running, span{s.from, exit})
			}
			if s.to > restart {
				running = append(running, span{restart, s.to})
			}
		}
	}
	mm.running = running
	mm.oomExits = []int64{exit}
	mm.exits = append(mm.exits, exitEvent{at: exit, code: 137, oom: true})
	mm.memBase = between(mm.key, 7, 0.25, 0.5)
}

func (am *appModel) latencyRegimes(region string, extra []regime) []regime {
	rs := append([]regime{{math.MinInt64, 1}}, extra...)
	if am.deployK > 0 {
		rs = append(rs, regime{am.deployK, deployLatencyMultiplier})
	}
	if am.regressionK > 0 && region == am.app.SlowRegion {
		rs = append(rs, regime{am.regressionK, regressionLatencyMultiplier})
	}
	slices.SortFunc(rs, func(a, b regime) int {
		switch {
		case a.k < b.k:
			return -1
		case a.k > b.k:
			return 1
		}
		return 0
	})
	// Multipliers compound: a regime keeps those before it.
	for i := 1; i < len(rs); i++ {
		rs[i].mult *= rs[i-1].mult
	}
	return rs
}

// edgeHost is the 4-hex host of the Fly proxy serving region.
func edgeHost(region string) string {
	const hex = "0123456789abcdef"
	h := hashKey("edge", region)
	b := make([]byte, 4)
	for i := range b {
		b[i] = hex[(h>>(4*i))&0xf]
	}
	return string(b)
}

func newMachineModel(am *appModel, r *regionModel, m *fleet.Machine) *machineModel {
	mm := &machineModel{app: am, region: r, m: m, key: hashKey(am.app.Name, m.ID)}
	mm.life = span{msOf(m.CreatedAt), min(endMs(m.DestroyedAt), am.life.to)}
	mm.life.from = max(mm.life.from, am.life.from)
	mm.running, mm.exits = runningSpans(m, mm.life)
	for _, e := range mm.exits {
		if e.oom {
			mm.oomExits = append(mm.oomExits, e.at)
		}
	}
	mib := float64(max(m.MemoryMB, 256))
	// The kernel keeps a slice of the guest's memory for itself, so
	// mem_total is a little under the machine's size, as on Fly.
	mm.memTotal = math.Floor(mib*1024*0.94) * 1024
	mm.memBase = between(mm.key, 7, 0.25, 0.5)
	if am.app.Story == fleet.StoryOOM && len(mm.oomExits) == 0 {
		// The machines that were not killed run close to their limit.
		mm.memBase = between(mm.key, 7, 0.7, 0.8)
	}
	return mm
}

// runningSpans reads a machine's events: it runs from its creation until an
// exit (or an update, which restarts it), and again from the next start.
func runningSpans(m *fleet.Machine, life span) (running []span, exits []exitEvent) {
	events := slices.Clone(m.Events)
	sort.SliceStable(events, func(i, j int) bool { return events[i].At.Before(events[j].At) })
	up := true
	from := life.from
	for _, e := range events {
		at := msOf(e.At)
		if at < life.from || at >= life.to {
			continue
		}
		switch e.Type {
		case "exit", "update", "stop", "suspend":
			exits = append(exits, exitEvent{at: at, code: e.ExitCode, oom: e.OOMKilled, restarts: e.Type != "exit"})
			if up {
				if at > from {
					running = append(running, span{from, at})
				}
				up = false
			}
		case "start":
			if !up {
				up, from = true, at
			}
		}
	}
	if up && life.to > from {
		running = append(running, span{from, life.to})
	}
	return running, exits
}

// statusSteps of a region's edge: its refusals at the hard limit, or the
// app's incident.
func (r *regionModel) statusSteps(s status) []mstep {
	if s.fivexx && len(r.fivexx) > 0 {
		return r.fivexx
	}
	return r.app.statusSteps(s)
}

// statusRate is the mean rate of one status in a group carrying rate, and
// its multiplier steps (the incident).
func (am *appModel) statusSteps(s status) []mstep {
	if !s.fivexx || am.incidentStart == 0 || am.incidentEnd <= am.incidentStart {
		return nil
	}
	return []mstep{{am.incidentStart, incidentMultiplier}, {am.incidentEnd, 1}}
}

// cpuSteps is the deploy's lasting CPU change.
func (am *appModel) cpuSteps() []mstep {
	if am.deployK == 0 {
		return nil
	}
	return []mstep{{am.deployK, deployCPUMultiplier}}
}
