package health

import (
	"math"
	"strings"
	"testing"
	"time"
)

// t0 is the first point of a one-hour trend at a one-minute step; the
// recent span is its last 10 points.
var t0 = time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)

// trend is 61 points at 1 min: before until at (minutes from t0), after from it.
func trend(before, after float64, at int) Trend {
	v := make([]float64, 61)
	for i := range v {
		v[i] = before
		if i >= at {
			v[i] = after
		}
	}
	return Trend{Start: t0, Step: time.Minute, Values: v, From: 51}
}

func TestFlyFindings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		edit   func(s *Signals)
		want   Status
		reason []string
		flag   Metric
	}{
		{"throttled out of balance", func(s *Signals) {
			s.Fly.Throttled = trend(0, 34, 20)
			s.Fly.ThrottledSize, s.Fly.ThrottledBalance = "shared-cpu-1x", 0.02
		}, Degraded, []string{"CPU throttled since 13:20 UTC (34% of the last 10 min): shared-cpu-1x out of burst balance"}, MetricCPU},
		{"throttled just under the line", func(s *Signals) {
			s.Fly.Throttled = trend(0, 9.9, 20)
			s.Fly.ThrottledSize, s.Fly.ThrottledBalance = "shared-cpu-1x", 0
		}, Healthy, []string{"34 req/s"}, ""},
		{"throttled at the line with balance left", func(s *Signals) {
			s.Fly.Throttled = trend(10, 10, 0)
			s.Fly.ThrottledSize, s.Fly.ThrottledBalance = "shared-cpu-2x", 40
		}, Degraded, []string{"CPU throttled for more than 60 min (10% of the last 10 min): shared-cpu-2x over its CPU quota"}, MetricCPU},
		{"hard limit", func(s *Signals) {
			s.Fly.HardLimitHits = trend(0, 0.1, 45) // 60 hits in 10 min
			s.Fly.HardLimitOn = "iad/3d8d9e2c"
		}, Degraded, []string{"iad/3d8d9e2c at the hard concurrency limit since 13:45 UTC: 60 times in the last 10 min"}, MetricConcurrency},
		{"hard limit once is enough", func(s *Signals) {
			s.Fly.HardLimitHits = trend(0, 1.0/60, 60) // 1/60 per s on one of 10 points: 1 hit in 10 min
		}, Degraded, []string{"a machine at the hard concurrency limit since 14:00 UTC: once in the last 10 min"}, MetricConcurrency},
		{"the hard limit is named before the latency it causes", func(s *Signals) {
			s.P95 = 2.4
			s.Fly.HardLimitHits = trend(0, 87.49, 0) // 52,494 in 10 min
		}, Degraded, []string{"a machine at the hard concurrency limit for more than 60 min: about 52.5k times in the last 10 min; p95 2.4 s over the last 10 min"}, MetricConcurrency},
		{"hard limit: its value, and what the edge did", func(s *Signals) {
			s.ErrorShare = 9
			s.Fly.HardLimitHits = trend(0, 80, 40)
			s.Fly.HardLimitMachines = []string{"fra/30184eda", "sin/609bbf5d"}
			s.Fly.HardLimit, s.Fly.HardLimitType = 25, "connections"
		}, Degraded, []string{"fra/30184eda and sin/609bbf5d at the hard concurrency limit of 25 connections since 13:40 UTC; the edge answered 9% of requests with 5xx over the last 10 min"}, MetricConcurrency},
		{"no hard limit hits", func(s *Signals) { s.Fly.HardLimitHits = trend(0, 0, 0) }, Healthy, []string{"34 req/s"}, ""},
		{"memory at 95%", func(s *Signals) { s.Fly.Memory = trend(80, 96.4, 40) }, Degraded,
			[]string{"memory at 96% on the fullest machine since 13:40 UTC: OOM risk over the last 10 min"}, MetricMemory},
		{"memory at 94.9%", func(s *Signals) { s.Fly.Memory = trend(80, 94.9, 40) }, Healthy, []string{"34 req/s"}, ""},
		{"volume at 90%", func(s *Signals) {
			s.Fly.Volumes = []VolumeSignal{{Name: "vol_4ke1", Used: trend(89, 91, 30), Projection: 91.5}}
		}, Degraded, []string{"volume vol_4ke1 91% full since 13:30 UTC, full in about 18 days at the last 6 h's rate"}, MetricVolume},
		{"volume full within 24 h", func(s *Signals) {
			// 60% and 48 points a day: full in (100-60)/48 days = 20 h.
			s.Fly.Volumes = []VolumeSignal{{Name: "vol_db", Used: trend(60, 60, 0), Projection: 108}}
		}, Degraded, []string{"volume vol_db 60% used, full in about 20 h at the last 6 h's rate"}, MetricVolume},
		{"volume full within a week is a Warning", func(s *Signals) {
			// 80% and 10 points a day: full in 2 days.
			s.Fly.Volumes = []VolumeSignal{{Name: "vol_pg", Used: trend(80, 80, 0), Projection: 90}}
		}, Warning, []string{"volume vol_pg 80% used, full in about 2 days at the last 6 h's rate; 34 req/s, 0.2% 5xx, p95 190 ms"}, MetricVolume},
		{"volumes alike are named once", func(s *Signals) {
			s.Fly.Volumes = []VolumeSignal{{Name: "vol_a", Used: trend(80, 80, 0), Projection: 90}, {Name: "vol_b", Used: trend(80, 80, 0), Projection: 90}}
		}, Warning, []string{"2 volumes 80% used, full in about 2 days at the last 6 h's rate; 34 req/s"}, MetricVolume},
		{"volume full in more than a week is not named", func(s *Signals) {
			s.Fly.Volumes = []VolumeSignal{{Name: "vol_pg", Used: trend(50, 50, 0), Projection: 56}}
		}, Healthy, []string{"34 req/s, 0.2% 5xx, p95 190 ms"}, ""},
		{"shrinking volume", func(s *Signals) {
			s.Fly.Volumes = []VolumeSignal{{Name: "vol_pg", Used: trend(70, 70, 0), Projection: 60}}
		}, Healthy, []string{"34 req/s, 0.2% 5xx, p95 190 ms"}, ""},
		{"crash loop on one of three machines", func(s *Signals) {
			s.Fly.Crashes = []CrashSignal{{Machine: "ams/91852e6c", Restarts: trend(0, 7, 25), ExitCode: 1}}
		}, Degraded, []string{"crash loop on ams/91852e6c since 13:25 UTC: 7 restarts in 30 min, exit code 1"}, MetricMachines},
		{"two restarts are not a loop", func(s *Signals) {
			s.Fly.Crashes = []CrashSignal{{Machine: "ams/91852e6c", Restarts: trend(0, 2, 25), ExitCode: 1}}
		}, Healthy, []string{"34 req/s"}, ""},
		{"every machine crash-looping is Down", func(s *Signals) {
			s.Machines, s.Reporting = 1, 1
			s.Fly.Crashes = []CrashSignal{{Machine: "ams/91852e6c", Restarts: trend(0, 4, 25), ExitCode: 1}}
		}, Down, []string{"crash loop on ams/91852e6c since 13:25 UTC: 4 restarts in 30 min"}, MetricMachines},
		{"crash loop with nothing reporting", func(s *Signals) {
			s.Machines, s.Reporting = 1, 0
			s.Fly.Crashes = []CrashSignal{{Machine: "ams/91852e6c", Restarts: trend(0, 5, 25), ExitCode: 1}}
		}, Down, []string{"crash loop on ams/91852e6c since 13:25 UTC: 5 restarts in 30 min, exit code 1; no machine reporting (1 machine)"}, MetricMachines},
		{"a failed Fly query makes the verdict Unknown", func(s *Signals) { s.Unavailable.Volumes = true }, Unknown,
			[]string{"metrics unavailable: volumes"}, ""},
		{"worst first: throttled 3.4× its line before 5xx at 2.4×", func(s *Signals) {
			s.ErrorShare = 12
			s.Fly.Throttled = trend(0, 34, 20)
			s.Fly.ThrottledSize, s.Fly.ThrottledBalance = "shared-cpu-1x", 0
		}, Degraded, []string{"shared-cpu-1x out of burst balance; 5xx at 12% over the last 10 min"}, MetricCPU},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			s.Fly.ThrottledBalance = math.NaN()
			tc.edit(&s)
			v := Judge(s)
			if v.Status != tc.want {
				t.Errorf("status %s (%s), want %s", v.Status, v.Reason, tc.want)
			}
			for _, want := range tc.reason {
				if !strings.Contains(v.Reason, want) {
					t.Errorf("reason %q, want it to contain %q", v.Reason, want)
				}
			}
			if tc.flag != "" {
				if _, ok := v.Flags(tc.flag); !ok {
					t.Errorf("no finding flags %s: %+v", tc.flag, v.Findings)
				}
			}
		})
	}
}

func TestVolumeFullIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		used, proj float64
		want       time.Duration
		ok         bool
	}{
		{80, 90, 48 * time.Hour, true},
		{50, 50, 0, false},
		{99, 125, 24 * time.Hour / 26, true},
		{100, 101, 0, true},
		{math.NaN(), 90, 0, false},
	} {
		v := VolumeSignal{Name: "v", Used: trend(tc.used, tc.used, 0), Projection: tc.proj}
		got, ok := v.FullIn()
		if ok != tc.ok || (ok && (got-tc.want).Abs() > time.Second) {
			t.Errorf("used %v, in 24 h %v: full in %v (%v), want %v (%v)", tc.used, tc.proj, got, ok, tc.want, tc.ok)
		}
	}
}
