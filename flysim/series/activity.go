package series

import (
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
)

// Activity is what an app's logs follow from its metrics: when each
// machine runs, how many requests it serves and when it sits at its
// service's hard limit. It reads the same model the samples come from, so
// a log line and a chart agree to the scrape step.
type Activity struct {
	am     *appModel
	byID   map[string]*machineModel
	demand map[string]func(k int64) float64
}

// NewActivity models app a. It keeps a pointer to a: do not change it.
func NewActivity(a *fleet.App) *Activity {
	am := newAppModel(a)
	act := &Activity{am: am, byID: make(map[string]*machineModel, len(am.machines)), demand: map[string]func(int64) float64{}}
	for _, mm := range am.machines {
		act.byID[mm.m.ID] = mm
		if mm.m.Services && am.app.HTTP {
			key := hashKey(mm.m.ID, "concurrency")
			traffic := newFlow(am.rate*mm.trafficShare(), 1, mm.trafficWaves(key), nil, key, 0)
			act.demand[mm.m.ID] = traffic.rateAt
		}
	}
	return act
}

// Running reports whether the machine's main process runs at t.
func (a *Activity) Running(machineID string, t time.Time) bool {
	mm := a.byID[machineID]
	if mm == nil {
		return false
	}
	ms := msOf(t)
	for _, s := range mm.running {
		if ms >= s.from && ms < s.to {
			return true
		}
	}
	return false
}

// RequestRate is the requests per second the machine serves at t: the
// rate its fly_app_http_responses_count grows by; 0 while it is down or
// has no HTTP service.
func (a *Activity) RequestRate(machineID string, t time.Time) float64 {
	rate := a.demand[machineID]
	if rate == nil || !a.Running(machineID, t) {
		return 0
	}
	return max(0, rate(floorDiv(msOf(t), gridMs)))
}

// MayReachHardLimit reports whether the machine's traffic comes near its
// limits some time of the day: only then can AtHardLimit be true.
func (a *Activity) MayReachHardLimit(machineID string) bool {
	mm := a.byID[machineID]
	return mm != nil && mm.limitDay() != nil
}

// AtHardLimit reports whether the machine sits at its service's hard
// concurrency limit at t, the steps fly_app_hard_limit_reached_count grows.
func (a *Activity) AtHardLimit(machineID string, t time.Time) bool {
	mm := a.byID[machineID]
	if mm == nil || !a.Running(machineID, t) {
		return false
	}
	tab := mm.limitDay()
	if tab == nil {
		return false
	}
	k := floorDiv(msOf(t), gridMs)
	return tab.atHard[k-floorDiv(k, dayGrid)*dayGrid]
}

// Hash and Unit are the generator's own hashes, for what is generated
// beside it (the logs): the same inputs give the same numbers everywhere.
func Hash(parts ...string) uint64 { return hashKey(parts...) }

// Unit maps (key, n) to [0, 1).
func Unit(key, n uint64) float64 { return unit(key, n) }
