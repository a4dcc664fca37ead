package series_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/flydash/dashboard/flysim/fleet"
)

// The Fly-specific stories, each asserted by the queries Fly's own
// dashboards (fly-app, fly-instance) chart them with.

// byLabel maps an instant vector's values by one label's value.
func byLabel(vec model.Vector, label model.LabelName) map[string]float64 {
	out := map[string]float64{}
	for _, s := range vec {
		out[string(s.Metric[label])] = float64(s.Value)
	}
	return out
}

func byInstance(vec model.Vector) map[string]float64 { return byLabel(vec, "instance") }

func byRegion(vec model.Vector) map[string]float64 { return byLabel(vec, "region") }

func TestThrottledAtItsDailyPeak(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryThrottled)
	peak := app.StoryTimes["peak"]
	night := peak.Add(-12 * time.Hour)
	sel := `{app="` + app.Name + `"}`
	// fly-instance's "CPU Quota Balance and Throttling" panel, per machine.
	balance := `fly_instance_cpu_balance` + sel + ` / 100`
	throttle := `rate(fly_instance_cpu_throttle` + sel + `[1m])`
	// fly-instance's utilization: every mode but idle and steal, per vCPU.
	cpu := `sum by (instance) (rate(fly_instance_cpu{app="` + app.Name + `",mode!="idle",mode!="steal"}[1m])) / count by (instance) (fly_instance_cpu{app="` + app.Name + `",mode="idle"})`
	baseline := `fly_instance_cpu_baseline` + sel + ` / on (instance) count by (instance) (fly_instance_cpu{app="` + app.Name + `",mode="idle"}) * 100`
	for _, at := range []time.Time{peak, night} {
		bal, thr, use, base := byInstance(instant(t, prom, balance, at)), byInstance(instant(t, prom, throttle, at)),
			byInstance(instant(t, prom, cpu, at)), byInstance(instant(t, prom, `max by (instance) (`+baseline+`)`, at))
		if len(bal) != len(app.Machines) || len(thr) != len(app.Machines) || len(use) != len(app.Machines) {
			t.Fatalf("at %s: balance %v, throttle %v, cpu %v: want one per machine", at, bal, thr, use)
		}
		for _, m := range app.Machines {
			id := m.ID
			t.Logf("%s %s: balance %.1f s, throttled %.1f cs/s, CPU %.2f%% (baseline %.2f%%)", at.Format(time.TimeOnly), id[:8], bal[id], thr[id], use[id], base[id])
			if base[id] != 6.25 {
				t.Errorf("%s: baseline %.2f%% of its vCPU, want 6.25%% (shared-cpu-1x)", id, base[id])
			}
			if at.Equal(peak) {
				if bal[id] != 0 || thr[id] < 10 {
					t.Errorf("%s at the peak: balance %.1f s and throttled %.1f cs/s, want empty and throttled", id, bal[id], thr[id])
				}
				// Pinned at the baseline: moderate on a 0-100% chart.
				if use[id] < 0.8*base[id] || use[id] > 1.25*base[id] {
					t.Errorf("%s at the peak: CPU %.2f%%, want pinned at the %.2f%% baseline", id, use[id], base[id])
				}
			} else if bal[id] < 400 || thr[id] != 0 {
				t.Errorf("%s at night: balance %.1f s and throttled %.1f cs/s, want near the 500 s cap and none", id, bal[id], thr[id])
			}
		}
	}
	// Requests wait for CPU: the edge's p95 is several times the night's.
	p95 := `histogram_quantile(0.95, sum by (le) (rate(fly_edge_http_response_time_seconds_bucket` + sel + `[5m])))`
	hi, lo := scalarAt(t, prom, p95, peak), scalarAt(t, prom, p95, night)
	t.Logf("p95 %.3f s at the peak, %.3f s at night", hi, lo)
	if hi < 2.5*lo {
		t.Errorf("p95 at the throttled peak %.3f s, at night %.3f s: want a clear rise", hi, lo)
	}
}

func TestVolumeFillsInAboutTwoDays(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryVolumeFilling)
	if len(app.Volumes) != len(app.Machines) {
		t.Fatalf("%s: %d volumes for %d machines", app.Name, len(app.Volumes), len(app.Machines))
	}
	sel := `{app="` + app.Name + `"}`
	used := instant(t, prom, `fly_volume_used_pct`+sel, testStart)
	// Where the dashboards' linear prediction puts it in 1 and 2.5 days.
	in1d := instant(t, prom, `predict_linear(fly_volume_used_pct`+sel+`[6h], 86400)`, testStart)
	in2d := instant(t, prom, `predict_linear(fly_volume_used_pct`+sel+`[6h], 2.5*86400)`, testStart)
	if len(used) != len(app.Volumes) || len(in1d) != len(used) || len(in2d) != len(used) {
		t.Fatalf("used %v, predictions %v %v: want one per volume", used, in1d, in2d)
	}
	for i, s := range used {
		t.Logf("volume %s: %.2f%% used, %.1f%% in a day, %.1f%% in 2.5 days", s.Metric["id"], s.Value, in1d[i].Value, in2d[i].Value)
		if s.Value < 78 || s.Value > 83 || in1d[i].Value >= 100 || in2d[i].Value < 100 {
			t.Errorf("volume %s: %.1f%% used, %.1f%% in a day, %.1f%% in 2.5 days: want ~80%% and full in ~2 days", s.Metric["id"], s.Value, in1d[i].Value, in2d[i].Value)
		}
		if s.Metric["instance"] != "" {
			t.Errorf("fly_volume_used_pct has an instance label: %v", s.Metric)
		}
	}
	// The machines see the same on their mount (fly-instance's disk panel).
	fs := `1 - fly_instance_filesystem_blocks_avail{app="` + app.Name + `",mount="/data"} / fly_instance_filesystem_blocks{app="` + app.Name + `",mount="/data"}`
	for _, s := range instant(t, prom, fs, testStart) {
		if s.Value < 0.78 || s.Value > 0.83 {
			t.Errorf("%s: /data %.1f%% used, want ~80%%", s.Metric["instance"], 100*s.Value)
		}
	}
	// And the writes that fill it: vdc writes more than a day's growth.
	written := scalarAt(t, prom, `sum(increase(fly_instance_disk_sectors_written{app="`+app.Name+`",device="vdc"}[1d])) * 512`, testStart)
	grown := float64(len(app.Volumes)) * 0.1 * 10 * (1 << 30)
	if written < grown {
		t.Errorf("vdc wrote %.2g bytes in a day, less than the %.2g the volumes grew", written, grown)
	}
}

func TestHardLimitAtPeakOnSomeMachines(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryConcurrency)
	peak := app.StoryTimes["peak"]
	night := peak.Add(-12 * time.Hour)
	sel := `{app="` + app.Name + `"}`
	conc := byInstance(instant(t, prom, `max by (instance) (max_over_time(fly_app_concurrency`+sel+`[10m]))`, peak))
	hard := byInstance(instant(t, prom, `sum by (instance) (increase(fly_app_hard_limit_reached_count`+sel+`[10m]))`, peak))
	soft := byInstance(instant(t, prom, `sum by (instance) (increase(fly_app_soft_limit_reached_count`+sel+`[10m]))`, peak))
	atLimit := map[string]bool{}
	for _, m := range app.Machines {
		id := m.ID
		t.Logf("%s %s: concurrency %v (hard %d), hard-limit hits %.0f, soft %.0f in 10 min", m.Region, id[:8], conc[id], m.Concurrency.HardLimit, hard[id], soft[id])
		if conc[id] > float64(m.Concurrency.HardLimit) {
			t.Errorf("%s: concurrency %v above its hard limit", id, conc[id])
		}
		if conc[id] == float64(m.Concurrency.HardLimit) {
			atLimit[m.Region] = true
			if hard[id] <= 0 || soft[id] < hard[id] {
				t.Errorf("%s at its hard limit: %.0f hard and %.0f soft limit hits, want both climbing", id, hard[id], soft[id])
			}
		} else if hard[id] != 0 {
			t.Errorf("%s below its hard limit counts %.0f hard-limit hits", id, hard[id])
		}
	}
	if len(atLimit) == 0 || len(atLimit) == len(appRegions(app)) {
		t.Fatalf("regions at the hard limit at the peak: %v of %v, want some", atLimit, appRegions(app))
	}
	// The edge queues and refuses in those regions: 503s and latency.
	share := `sum by (region) (rate(fly_edge_http_responses_count{app="` + app.Name + `",status=~"5.."}[5m])) / sum by (region) (rate(fly_edge_http_responses_count` + sel + `[5m]))`
	p95 := `histogram_quantile(0.95, sum by (le, region) (rate(fly_edge_http_response_time_seconds_bucket` + sel + `[5m])))`
	for _, at := range []time.Time{peak, night} {
		errs, lat := byRegion(instant(t, prom, share, at)), byRegion(instant(t, prom, p95, at))
		for _, r := range appRegions(app) {
			t.Logf("%s %s: 5xx %.2f%%, p95 %.3f s", at.Format(time.TimeOnly), r, 100*errs[r], lat[r])
			limited := atLimit[r] && at.Equal(peak)
			if limited != (errs[r] > 0.03) {
				t.Errorf("%s at %s: 5xx share %.2f%%, at the hard limit %v", r, at.Format(time.TimeOnly), 100*errs[r], limited)
			}
		}
		if at.Equal(peak) {
			for r := range atLimit {
				if lat[r] < 1.5*lat[otherRegion(app, atLimit)] {
					t.Errorf("p95 in %s %.3f s at the limit, not above %.3f s elsewhere", r, lat[r], lat[otherRegion(app, atLimit)])
				}
			}
		}
	}
}

func appRegions(app fleet.App) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range app.Machines {
		if !seen[m.Region] {
			seen[m.Region] = true
			out = append(out, m.Region)
		}
	}
	return out
}

func otherRegion(app fleet.App, not map[string]bool) string {
	for _, r := range appRegions(app) {
		if !not[r] {
			return r
		}
	}
	return ""
}

func TestCrashLoopOneMachine(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	app := storyApp(t, f, fleet.StoryCrashLoop)
	exits := map[string]int{}
	for _, m := range app.Machines {
		for _, e := range m.Events {
			if e.Type == "exit" && e.ExitCode == 1 && !e.At.Before(app.StoryTimes["crash_loop_start"]) {
				exits[m.ID]++
			}
		}
	}
	sel := `{app="` + app.Name + `"}`
	flaps := byInstance(instant(t, prom, `changes(fly_instance_up`+sel+`[1h])`, testStart))
	code := byInstance(instant(t, prom, `max_over_time(fly_instance_exit_code`+sel+`[1h])`, testStart))
	resets := byInstance(instant(t, prom, `max by (instance) (resets(fly_instance_cpu`+sel+`[1h]))`, testStart))
	up := byInstance(instant(t, prom, `fly_instance_up`+sel, testStart))
	crashing := 0
	for _, m := range app.Machines {
		id := m.ID
		t.Logf("%s: %d exits with 1 in the hour, up changed %v times, max exit code %v, CPU counters reset %v times, up now %v",
			id[:8], exits[id], flaps[id], code[id], resets[id], up[id])
		if exits[id] == 0 {
			if flaps[id] != 0 || code[id] != 0 || up[id] != 1 {
				t.Errorf("%s serves, yet up changed %v times and exit code reads %v", id, flaps[id], code[id])
			}
			continue
		}
		crashing++
		if exits[id] < 8 || flaps[id] < float64(exits[id]) || code[id] != 1 || resets[id] < float64(exits[id]-1) {
			t.Errorf("%s: %d exits, yet up changed %v times, exit code %v, %v counter resets", id, exits[id], flaps[id], code[id], resets[id])
		}
	}
	if crashing != 1 {
		t.Errorf("%d machines crash-loop, want exactly one", crashing)
	}
	// Its last exit is still in the exit metrics' reach of the events API.
	if got := instant(t, prom, fmt.Sprintf(`fly_instance_exit_code%s offset %ds`, sel, int(testStart.Sub(app.StoryTimes["crash_loop_last"]).Seconds())), testStart); len(got) != len(app.Machines) {
		t.Errorf("exit codes at the last exit: %v", got)
	}
}
