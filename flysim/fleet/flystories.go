package fleet

import (
	"math/rand/v2"
	"time"
)

// The Fly-specific stories: what makes an app slow or down on Fly rather
// than anywhere. Their moments are StoryTimes, so the metrics generator,
// the machine events and the tests agree to the second.
const (
	// volumeFillDays is how long the database's volume has left at Start.
	volumeFillDays  = 2
	volumeUsedShare = 0.8
	volumeSizeGB    = 10
	// The crash loop: over the last hour, an exit every crashEvery (give
	// or take a minute), back up after crashDownFor (flyd's restart).
	crashLoopFor = time.Hour
	crashEvery   = 5 * time.Minute
	crashDownFor = 20 * time.Second
	// dailyPeak is when the daily traffic cycle peaks (15:00 UTC), as the
	// metrics generator has it.
	dailyPeak = 15 * time.Hour
)

func flyStory(rng *rand.Rand, a *App, start time.Time) {
	switch a.Story {
	case StoryThrottled, StoryConcurrency:
		// Both happen at the daily peak; "peak" is the last one before
		// Start, when the balance is empty or the limit reached.
		peak := start.Truncate(24 * time.Hour).Add(dailyPeak)
		if peak.After(start) {
			peak = peak.Add(-24 * time.Hour)
		}
		a.StoryTimes["peak"] = peak
	case StoryVolumeFilling:
		// A Postgres primary, its standby and a read replica in London,
		// each on its own volume, as fly postgres create makes them; the
		// data grows 10% a day. The day it fills is in the future, so it
		// is no StoryTime: UsedAt, UsedAtStart and FillPerHour say it.
		for _, m := range a.Machines {
			v := newVolume(rng, "pg_data", m.Region, volumeSizeGB, m.CreatedAt.Add(-time.Minute))
			v.Zone = m.Host
			v.AttachedMachine = m.ID
			v.UsedAt = start
			v.UsedAtStart = volumeUsedShare
			v.FillPerHour = (1 - volumeUsedShare) / (volumeFillDays * 24)
			a.Volumes = append(a.Volumes, v)
			m.Mounts = []Mount{{Volume: v.ID, Name: v.Name, Path: "/data", SizeGB: v.SizeGB}}
		}
	case StoryCrashLoop:
		// The first machine's new release exits with 1 a few minutes after
		// each start; flyd restarts it, and the others keep serving.
		m := a.Machines[0]
		at := start.Add(-crashLoopFor)
		a.StoryTimes["crash_loop_start"] = at
		for at.Before(start.Add(-crashEvery / 2)) {
			m.Events = append(m.Events,
				Event{Type: "exit", Status: "stopped", Source: "flyd", At: at, ExitCode: 1},
				Event{Type: "start", Status: "started", Source: "flyd", At: at.Add(crashDownFor)},
			)
			a.StoryTimes["crash_loop_last"] = at
			m.UpdatedAt = at.Add(crashDownFor)
			at = at.Add(crashEvery - time.Minute + time.Duration(rng.IntN(120))*time.Second)
		}
	}
}
