package health

import (
	"strings"
	"testing"
	"time"
)

// day is a 24 h trend at 5 min from t0: values by index, NaN elsewhere.
func day(fill float64, spans ...[3]float64) Trend {
	v := make([]float64, 289)
	for i := range v {
		v[i] = fill
	}
	for _, s := range spans { // from, to (indexes), value
		for i := int(s[0]); i <= int(s[1]); i++ {
			v[i] = s[2]
		}
	}
	return Trend{Start: t0, Step: 5 * time.Minute, Values: v, From: 287}
}

func TestTimeline(t *testing.T) {
	t.Parallel()
	busy := day(30)
	for _, tc := range []struct {
		name string
		edit func(s *Signals)
		want []string // each episode's words, oldest first
	}{
		{"an incident that ended", func(s *Signals) {
			s.History.ErrorShare = day(0.2, [3]float64{100, 104, 13})
		}, []string{"Recovered at 21:40 UTC yesterday: 5xx at 13% from 21:20 UTC yesterday"}},
		{"a dip under the line does not end it", func(s *Signals) {
			s.History.ErrorShare = day(0.2, [3]float64{100, 104, 13}, [3]float64{106, 108, 9})
		}, []string{"Recovered at 22:00 UTC yesterday: 5xx at 13% from 21:20 UTC yesterday"}},
		{"a gap longer than MergeGap does", func(s *Signals) {
			s.History.ErrorShare = day(0.2, [3]float64{100, 101, 13}, [3]float64{106, 107, 9})
		}, []string{"Recovered at 21:25 UTC yesterday: 5xx at 13% from 21:20 UTC yesterday", "Recovered at 21:55 UTC yesterday: 5xx at 9% from 21:50 UTC yesterday"}},
		{"quiet traffic is not judged", func(s *Signals) {
			s.History.Requests = day(0.01)
			s.History.ErrorShare = day(0.2, [3]float64{100, 104, 60})
		}, nil},
		{"ongoing since the look-back began", func(s *Signals) {
			s.Fly.Throttled = day(30)
		}, []string{"CPU throttled up to 30% of the time for more than 24 h"}},
		{"a slow region, named", func(s *Signals) {
			s.History.P95ByRegion = map[string]Trend{"iad": day(0.2), "nrt": day(0.2), "syd": day(0.2, [3]float64{180, 288, 1.5})}
		}, []string{"p95 1.5 s in syd since 04:00 UTC"}},
		{"a crash loop on one machine", func(s *Signals) {
			s.Fly.Crashes = []CrashSignal{{Machine: "iad/45aa8968", Restarts: day(nan, [3]float64{200, 210, 11}), ExitCode: 1}}
		}, []string{"Recovered at 06:30 UTC: crash loop on iad/45aa8968, 11 restarts in 30 min from 05:40 UTC"}},
		{"an OOM kill", func(s *Signals) {
			s.Fly.Crashes = []CrashSignal{{Machine: "cdg/1a2b3c4d", Restarts: day(nan, [3]float64{150, 155, 1}), ExitCode: ExitOOM}}
		}, []string{"Recovered at 01:55 UTC: OOM kill on cdg/1a2b3c4d from 01:30 UTC"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Signals{History: History{Requests: busy, ErrorShare: day(0.2), P95: day(0.2), CPU: day(10)}}
			tc.edit(&s)
			var got []string
			for _, e := range Timeline(s) {
				got = append(got, e.Words())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("episodes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestSinceIsTheEpisodeStart: a current finding's "since" is where its
// episode began, whatever span the recent mean covers.
func TestSinceIsTheEpisodeStart(t *testing.T) {
	t.Parallel()
	s := base()
	s.History = History{Requests: day(30), ErrorShare: day(0.2, [3]float64{250, 288, 12}), P95: day(0.2), CPU: day(10)}
	s.ErrorShare = 12
	v := Judge(s)
	want := t0.Add(250 * 5 * time.Minute)
	if len(v.Findings) == 0 || !v.Findings[0].Since.Equal(want) || !strings.Contains(v.Reason, "since 09:50 UTC") {
		t.Errorf("verdict %q, findings %+v; want the 5xx finding since %s", v.Reason, v.Findings, want)
	}
}

func TestAhead(t *testing.T) {
	t.Parallel()
	t.Run("memory toward OOM after a kill", func(t *testing.T) {
		s := base()
		s.History = History{Requests: day(30), ErrorShare: day(0.2), P95: day(0.2), CPU: day(10)}
		// Killed at index 200, then from 40% climbing 0.5% per 5 min (6%
		// an hour): 84% at the end, 16% and under 3 h from full.
		mem := day(50)
		for i := 200; i <= 288; i++ {
			mem.Values[i] = 40 + float64(i-200)*0.5
		}
		s.Fly.Memory = mem
		s.Fly.Crashes = []CrashSignal{{Machine: "cdg/1a2b3c4d", Restarts: day(nan, [3]float64{200, 205, 1}), ExitCode: ExitOOM}}
		v := Judge(s)
		if v.Status != Warning || !strings.Contains(v.Reason, "memory at 83% and climbing since the OOM kill at 05:40 UTC: at this rate out of memory in about 3 h") {
			t.Errorf("verdict %s %q; want a Warning naming the OOM kill and the time left", v.Status, v.Reason)
		}
	})
	t.Run("p95 step at a deploy", func(t *testing.T) {
		s := base()
		p95 := day(0.2, [3]float64{190, 288, 0.6})
		s.History = History{Requests: day(30), ErrorShare: day(0.2), P95: p95, CPU: day(10)}
		s.P95 = 0.6
		s.Deploys = []time.Time{t0.Add(190*5*time.Minute + 2*time.Minute)}
		v := Judge(s)
		if v.Status != Healthy || !strings.Contains(v.Reason, "p95 600 ms, 3.0x since the deploy at 04:52 UTC") {
			t.Errorf("verdict %s %q; want the change named at the deploy", v.Status, v.Reason)
		}
		// The list knows no deploys, only that every machine restarted.
		s.Restarts = []time.Time{t0.Add(190*5*time.Minute - 5*time.Minute)}
		if v := Judge(s); !strings.Contains(v.Reason, "p95 600 ms, 3.0x since the deploy at 04:52 UTC") {
			t.Errorf("verdict %q; want the deploy's own time when both are known", v.Reason)
		}
		s.Deploys = nil
		if v := Judge(s); !strings.Contains(v.Reason, "p95 600 ms, 3.0x since the deploy or restart at 04:45 UTC") {
			t.Errorf("verdict %q; want the change laid at the restart of every machine", v.Reason)
		}
		s.Restarts = []time.Time{t0.Add(170 * 5 * time.Minute)}
		if v := Judge(s); !strings.Contains(v.Reason, "p95 600 ms, 3.0x since 04:50 UTC") {
			t.Errorf("verdict %q; want the change named at its time, with no restart near it", v.Reason)
		}
	})
	t.Run("recovered within the hour", func(t *testing.T) {
		s := base()
		s.History = History{Requests: day(30), ErrorShare: day(0.2, [3]float64{270, 280, 14}), P95: day(0.2), CPU: day(10)}
		v := Judge(s)
		if v.Status != Warning || !strings.Contains(v.Reason, "Recovered at 12:20 UTC: 5xx at 14% from 11:30 UTC") {
			t.Errorf("verdict %s %q; want a Warning naming the incident", v.Status, v.Reason)
		}
	})
}

func TestClockOn(t *testing.T) {
	t.Parallel()
	asOf := time.Date(2026, 12, 7, 18, 50, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 7, 0, 5, 0, 0, time.UTC), "00:05 UTC"},
		{time.Date(2026, 12, 6, 20, 55, 0, 0, time.UTC), "20:55 UTC yesterday"},
		{time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), "09:00 UTC on Dec 5"},
		// Another zone's clock is said in UTC, on UTC's day.
		{time.Date(2026, 12, 7, 1, 0, 0, 0, time.FixedZone("PST", -8*3600)), "09:00 UTC"},
	} {
		if got := clockOn(tc.at, asOf); got != tc.want {
			t.Errorf("clockOn(%s) at %s = %q, want %q", tc.at, asOf, got, tc.want)
		}
	}
}

// TestLastEndedSaidOnce: the list's line under the verdict does not repeat
// an incident the reason already names.
func TestLastEndedSaidOnce(t *testing.T) {
	t.Parallel()
	s := base()
	s.History = History{Requests: day(30), ErrorShare: day(0.2, [3]float64{270, 280, 14}), P95: day(0.2), CPU: day(10)}
	v := Judge(s)
	if got := v.LastEnded(); got != "" || strings.Count(v.Reason, "Recovered") != 1 {
		t.Errorf("reason %q and line %q: want the recovery said once, in the reason", v.Reason, got)
	}
	s.History.ErrorShare = day(0.2, [3]float64{100, 104, 13})
	v = Judge(s)
	if got, want := v.LastEnded(), "Recovered at 21:40 UTC yesterday: 5xx at 13% from 21:20 UTC yesterday"; got != want || strings.Contains(v.Reason, "Recovered") {
		t.Errorf("reason %q and line %q: want the old incident only on the line, as %q", v.Reason, got, want)
	}
}
