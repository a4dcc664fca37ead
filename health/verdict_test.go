package health

import (
	"math"
	"slices"
	"sort"
	"testing"
	"time"
)

var nan = math.NaN()

// base is a healthy, busy app; cases change what they test.
func base() Signals {
	return Signals{
		Machines: 3, Reporting: 3,
		Requests: 34, ErrorShare: 0.25, P95: 0.19,
		P95ByRegion: map[string]float64{"lhr": 0.18, "sin": 0.19, "sjc": 0.19},
		CPU:         16,
		Span:        10 * time.Minute,
	}
}

func TestJudge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		edit       func(s *Signals)
		want       Status
		wantReason string
		wantFlag   Metric
	}{
		{"healthy", func(s *Signals) {}, Healthy, "34 req/s, 0.2% 5xx, p95 190 ms", ""},
		{"5xx just under degraded", func(s *Signals) { s.ErrorShare = 4.99 }, Healthy, "34 req/s, 4.9% 5xx, p95 190 ms", ""},
		{"5xx at degraded", func(s *Signals) { s.ErrorShare = 5 }, Degraded, "5xx at 5% over the last 10 min", MetricErrors},
		{"5xx incident", func(s *Signals) { s.ErrorShare = 12.4 }, Degraded, "5xx at 12% over the last 10 min", MetricErrors},
		{"5xx at down", func(s *Signals) { s.ErrorShare = 50 }, Down, "5xx at 50% over the last 10 min", MetricErrors},
		{"5xx on a quiet app is not judged", func(s *Signals) { s.Requests, s.ErrorShare = 0.01, 100 }, Idle, "0.01 req/s over the last 10 min", ""},
		{"app-wide p95", func(s *Signals) {
			s.P95 = 1.2
			s.P95ByRegion = map[string]float64{"lhr": 1.1, "sin": 1.3, "sjc": 1.2}
		}, Degraded, "p95 1.2 s over the last 10 min", MetricLatency},
		{"p95 just under a second", func(s *Signals) {
			s.P95 = 0.999
			s.P95ByRegion = map[string]float64{"lhr": 0.99, "sin": 0.99}
		}, Healthy, "34 req/s, 0.2% 5xx, p95 999 ms", ""},
		{"one slow region over a second", func(s *Signals) {
			s.P95 = 0.6
			s.P95ByRegion = map[string]float64{"iad": 0.23, "syd": 1.8, "nrt": 0.22}
		}, Degraded, "p95 1.8 s in syd, 8× the other regions over the last 10 min", MetricLatency},
		{"regional outlier under a second", func(s *Signals) {
			s.P95 = 0.47
			s.P95ByRegion = map[string]float64{"iad": 0.23, "nrt": 0.23, "ord": 0.22, "sjc": 0.23, "syd": 0.97}
		}, Degraded, "p95 970 ms in syd, 4× the other regions over the last 10 min", MetricLatency},
		{"fast outlier under the floor", func(s *Signals) {
			s.P95ByRegion = map[string]float64{"iad": 0.06, "syd": 0.3}
		}, Healthy, "34 req/s, 0.2% 5xx, p95 190 ms", ""},
		{"slow region without an outlier", func(s *Signals) {
			s.P95 = 0.9
			s.P95ByRegion = map[string]float64{"iad": 0.8, "syd": 1.1}
		}, Degraded, "p95 1.1 s in syd over the last 10 min", MetricLatency},
		{"single region", func(s *Signals) {
			s.P95 = 1.5
			s.P95ByRegion = map[string]float64{"ams": 1.5}
		}, Degraded, "p95 1.5 s over the last 10 min", MetricLatency},
		{"cpu saturated", func(s *Signals) { s.CPU = 96 }, Degraded, "CPU at 96% on the busiest machine over the last 10 min", MetricCPU},
		{"two findings, worst first", func(s *Signals) {
			s.ErrorShare = 7
			s.P95 = 2.5
		}, Degraded, "p95 2.5 s, 5xx at 7% over the last 10 min", MetricErrors},
		{"down outranks degraded", func(s *Signals) {
			s.ErrorShare = 60
			s.P95 = 3
		}, Down, "5xx at 60%, p95 3 s over the last 10 min", MetricLatency},
		{"no machine reporting", func(s *Signals) { s.Reporting = 0 }, Down, "no machine reporting (3 machines)", MetricMachines},
		{"no machine series at all", func(s *Signals) { s.Reporting = nan }, Down, "no machine reporting (3 machines)", MetricMachines},
		{"no machine reporting on a worker", func(s *Signals) {
			s.Reporting, s.Requests, s.ErrorShare, s.P95, s.P95ByRegion = 0, nan, nan, nan, nil
		}, Down, "no machine reporting (3 machines)", MetricMachines},
		{"just launched", func(s *Signals) {
			s.Reporting, s.Requests, s.ErrorShare, s.P95, s.P95ByRegion, s.CPU = nan, nan, nan, nan, nil, nan
			s.JustLaunched = true
		}, Unknown, "launched moments ago: no metrics yet", ""},
		{"launched a while ago and reporting", func(s *Signals) { s.JustLaunched = true }, Healthy, "34 req/s, 0.2% 5xx, p95 190 ms", ""},
		{"scaled to zero", func(s *Signals) { s.Reporting, s.Requests = 0, 0 }, Idle, "no machine running and no traffic: stopped or scaled to zero", ""},
		{"idle", func(s *Signals) { s.Requests = 0.0133 }, Idle, "0.013 req/s over the last 10 min", ""},
		{"idle at zero", func(s *Signals) { s.Requests = 0 }, Idle, "0 req/s over the last 10 min", ""},
		{"idle threshold", func(s *Signals) { s.Requests = IdleBelow }, Healthy, "0.05 req/s, 0.2% 5xx, p95 190 ms", ""},
		{"no HTTP service", func(s *Signals) {
			s.Requests, s.ErrorShare, s.P95, s.P95ByRegion, s.CPU = nan, nan, nan, nil, 31.8
		}, Healthy, "3 of 3 machines reporting, CPU 31% of its vCPUs", ""},
		{"no machines at all", func(s *Signals) {
			s.Machines, s.Reporting, s.Requests, s.ErrorShare, s.P95, s.P95ByRegion, s.CPU = 0, nan, nan, nan, nan, nil, nan
		}, Idle, "no machines", ""},
		{"requests query failed", func(s *Signals) { s.Unavailable.Requests = true }, Unknown, "metrics unavailable: requests", ""},
		{"latency query failed", func(s *Signals) { s.Unavailable.Latency = true }, Unknown, "metrics unavailable: latency", ""},
		{"latency failed on an idle app", func(s *Signals) {
			s.Requests = 0.01
			s.Unavailable.Latency = true
		}, Idle, "0.01 req/s over the last 10 min", ""},
		{"a failure does not hide a finding", func(s *Signals) {
			s.ErrorShare = 20
			s.Unavailable.Latency, s.Unavailable.CPU = true, true
		}, Degraded, "5xx at 20% over the last 10 min", MetricErrors},
		{"machines query failed", func(s *Signals) {
			s.Reporting = nan
			s.Unavailable.Machines = true
		}, Unknown, "metrics unavailable: machines reporting", ""},
		// The Machines API's count is a different upstream from Prometheus:
		// the verdict says which one is missing, and needs the count only
		// when no machine shows it is running.
		{"machine count unknown, serving", func(s *Signals) {
			s.Machines = 0
			s.Unavailable.MachineCount = true
		}, Healthy, "34 req/s, 0.2% 5xx, p95 190 ms", ""},
		{"machine count unknown, nothing running", func(s *Signals) {
			s.Machines, s.Reporting, s.Requests, s.ErrorShare, s.P95, s.P95ByRegion, s.CPU = 0, 0, nan, nan, nan, nil, nan
			s.Unavailable.MachineCount = true
		}, Unknown, "machine count unavailable from the Fly Machines API", ""},
		{"machine count unknown, worker", func(s *Signals) {
			s.Machines, s.Requests, s.ErrorShare, s.P95, s.P95ByRegion, s.CPU = 0, nan, nan, nan, nil, 31.8
			s.Reporting = 2
			s.Unavailable.MachineCount = true
		}, Healthy, "2 machines reporting, CPU 31% of its vCPUs", ""},
		{"both upstreams missing", func(s *Signals) {
			s.Machines, s.Reporting = 0, nan
			s.Unavailable = Unavailable{Machines: true, Requests: true, Errors: true, Latency: true, CPU: true, MachineCount: true}
		}, Unknown, "metrics unavailable: requests, CPU, machines reporting; machine count unavailable from the Fly Machines API", ""},
		{"coarse span", func(s *Signals) {
			s.ErrorShare = 9.3
			s.Span = 30*time.Minute + 15*time.Second
		}, Degraded, "5xx at 9.3% over the last 30 min", MetricErrors},
		{"window in the past", func(s *Signals) {
			s.ErrorShare = 13
			s.End = time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)
		}, Degraded, "5xx at 13% in the 10 min to Nov 20 09:15 UTC", MetricErrors},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base()
			tc.edit(&s)
			v := Judge(s)
			if v.Status != tc.want || v.Reason != tc.wantReason {
				t.Errorf("Judge = %s %q, want %s %q", v.Status, v.Reason, tc.want, tc.wantReason)
			}
			if tc.wantFlag != "" {
				if _, ok := v.Flags(tc.wantFlag); !ok {
					t.Errorf("no finding on %s: %+v", tc.wantFlag, v.Findings)
				}
			}
			if (v.Status == Down || v.Status == Degraded || v.Status == Warning) != (len(v.Findings) > 0) {
				t.Errorf("status %s with findings %+v", v.Status, v.Findings)
			}
		})
	}
}

func TestWorstFirst(t *testing.T) {
	t.Parallel()
	type app struct {
		name string
		v    Verdict
	}
	apps := []app{
		{"a-idle", Verdict{Status: Idle}},
		{"b-healthy", Verdict{Status: Healthy}},
		{"c-worker", Verdict{Status: Healthy, Describe: DescribeNoHTTP}},
		{"i-volume-filling-worker", Judge(Signals{Machines: 3, Reporting: 3, Requests: nan, ErrorShare: nan, P95: nan, CPU: 4,
			Fly: FlySignals{Volumes: []VolumeSignal{{Name: "vol_pg", Used: trend(80, 80, 0), Projection: 90}}}})},
		{"d-slow", Judge(Signals{Machines: 1, Reporting: 1, Requests: 5, ErrorShare: 0, P95: 1.1, CPU: 5})},
		{"e-failing", Judge(Signals{Machines: 1, Reporting: 1, Requests: 5, ErrorShare: 20, P95: 0.1, CPU: 5})},
		{"f-down", Judge(Signals{Machines: 2, Reporting: 0, Requests: nan, ErrorShare: nan, P95: nan, CPU: nan})},
		{"g-unknown", Verdict{Status: Unknown}},
		{"h-healthy", Verdict{Status: Healthy}},
	}
	sort.SliceStable(apps, func(i, j int) bool { return Worse(apps[i].v, apps[j].v) })
	var got []string
	for _, a := range apps {
		got = append(got, a.name)
	}
	want := []string{"f-down", "e-failing", "d-slow", "g-unknown", "i-volume-filling-worker", "b-healthy", "c-worker", "h-healthy", "a-idle"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestStatusNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range Statuses() {
		if seen[s.Class()] || s.String() == "" {
			t.Errorf("status %d: name %q class %q", s, s, s.Class())
		}
		seen[s.Class()] = true
	}
	if got := Warning.String(); got != "Warning" {
		t.Errorf("Warning = %q", got)
	}
	if got := Status(42).String(); got != "Status(42)" {
		t.Errorf("Status(42) = %q", got)
	}
}

func TestMinutes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{minutes(45 * time.Second), "45 s"},
		{minutes(3*time.Hour + 15*time.Second), "3 h"},
		{minutes(72 * time.Hour), "3 days"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
