package series_test

import (
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
)

// Memory pressure (PSI) is 0 while memory has room and climbs as the OOM
// story's leak nears the limit: avg10 ahead of avg300, the total counting
// the stalls.
func TestMemoryPressureRisesBeforeTheOOMKill(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryOOM)
	oom := app.StoryTimes["oom"]
	killed := oomKilled(t, app)
	some := func(d string) string {
		return `fly_instance_memory_pressure_some{app="` + app.Name + `",instance="` + killed + `",pressure_duration="` + d + `"}`
	}
	early := scalarAt(t, prom, some("avg10"), oom.Add(-5*time.Hour))
	avg10 := scalarAt(t, prom, some("avg10"), oom.Add(-15*time.Second))
	avg300 := scalarAt(t, prom, some("avg300"), oom.Add(-15*time.Second))
	full := scalarAt(t, prom, `fly_instance_memory_pressure_full{app="`+app.Name+`",instance="`+killed+`",pressure_duration="avg10"}`, oom.Add(-15*time.Second))
	stalled := scalarAt(t, prom, `increase(`+some("total")+`[1h])`, oom.Add(-15*time.Second)) / 1e6
	t.Logf("some avg10 %.2f%% 5h before the kill; just before: some avg10 %.2f%%, avg300 %.2f%%, full avg10 %.2f%%, %.0f s stalled in the last hour", early, avg10, avg300, full, stalled)
	if early != 0 {
		t.Errorf("memory pressure 5 h before the kill is %.2f%%, want 0 while memory has room", early)
	}
	if avg10 < 20 || avg10 > 100 {
		t.Errorf("memory pressure (some, avg10) just before the kill is %.2f%%, want 20-100%%", avg10)
	}
	if avg300 >= avg10 {
		t.Errorf("avg300 %.2f%% is not behind avg10 %.2f%% while pressure climbs", avg300, avg10)
	}
	if full <= 0 || full >= avg10 {
		t.Errorf("full avg10 %.2f%% should be above 0 and under some's %.2f%%", full, avg10)
	}
	if stalled < 60 || stalled > 3600 {
		t.Errorf("the total counts %.0f s stalled in the hour before the kill, want a minute or more, under the hour", stalled)
	}
	// Machines with room never stall.
	if got := scalarAt(t, prom, `max(fly_instance_memory_pressure_some{app!="`+app.Name+`",pressure_duration="avg300"})`, testStart); got != 0 {
		t.Errorf("memory pressure on the other apps' machines reaches %.2f%%, want 0", got)
	}
}
