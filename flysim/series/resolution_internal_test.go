package series

import (
	"testing"
	"time"

	"github.com/prometheus/prometheus/storage"
)

// day starts a whole day, so that every step of the dashboard divides it.
var day = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).UnixMilli()

func ms(d time.Duration) int64 { return d.Milliseconds() }

// rangeHints are the hints of fn(x[r]) in a day-long range query starting
// at start with step, as promql.Engine v0.316 computes them.
func rangeHints(fn string, start int64, step, r time.Duration) *storage.SelectHints {
	return &storage.SelectHints{Start: start - ms(r) + 1, End: start + ms(24*time.Hour), Step: ms(step), Range: ms(r), Func: fn}
}

func TestResolution(t *testing.T) {
	t.Parallel()
	instantSel := func(start int64, step time.Duration) *storage.SelectHints {
		return &storage.SelectHints{Start: start - ms(Lookback) + 1, End: start + ms(24*time.Hour), Step: ms(step), Func: "sum"}
	}
	for _, c := range []struct {
		name  string
		hints *storage.SelectHints
		want  time.Duration
	}{
		{"no hints", nil, 15 * time.Second},
		{"7d app page: rate at 30m", rangeHints("rate", day, 30*time.Minute, 30*time.Minute+15*time.Second), 225 * time.Second},
		{"24h app page: rate at 5m", rangeHints("rate", day, 5*time.Minute, 5*time.Minute+15*time.Second), 30 * time.Second},
		{"6h app page: rate at 1m", rangeHints("rate", day, time.Minute, 75*time.Second), 15 * time.Second},
		{"1h app page: rate at 15s", rangeHints("rate", day, 15*time.Second, time.Minute), 15 * time.Second},
		{"24h list: increase at 30m", rangeHints("increase", day, 30*time.Minute, 30*time.Minute+15*time.Second), 225 * time.Second},
		{"7d list: rate at 3h", rangeHints("rate", day, 3*time.Hour, 3*time.Hour+15*time.Second), 1350 * time.Second},
		{"delta", rangeHints("delta", day, 30*time.Minute, 30*time.Minute+15*time.Second), 225 * time.Second},
		// Functions that read every sample keep them all.
		{"irate", rangeHints("irate", day, 30*time.Minute, 30*time.Minute+15*time.Second), 15 * time.Second},
		{"max_over_time", rangeHints("max_over_time", day, 30*time.Minute, 30*time.Minute+15*time.Second), 15 * time.Second},
		{"sum_over_time", rangeHints("sum_over_time", day, 30*time.Minute, 30*time.Minute+15*time.Second), 15 * time.Second},
		{"plain range selector", rangeHints("", day, 30*time.Minute, 30*time.Minute+15*time.Second), 15 * time.Second},
		// A start off the coarse grid, or a window whose oldest sample it
		// would miss, keeps what the 15 s grid and the window share.
		{"start off the grid", rangeHints("rate", day+ms(45*time.Second), 30*time.Minute, 30*time.Minute+15*time.Second), 45 * time.Second},
		{"start off 15 s", rangeHints("rate", day+ms(7*time.Second), 30*time.Minute, 30*time.Minute+15*time.Second), 15 * time.Second},
		{"window of a whole step", rangeHints("rate", day, 30*time.Minute, 30*time.Minute), 15 * time.Second},
		{"grafana's 5m window at 1m", rangeHints("rate", day, time.Minute, 5*time.Minute), 15 * time.Second},
		{"10m window at 5m", rangeHints("rate", day, 5*time.Minute, 10*time.Minute), 15 * time.Second},
		{"range not on the grid", rangeHints("rate", day, 30*time.Minute, 30*time.Minute+10*time.Second), 15 * time.Second},
		// Instant queries have no step: only the window counts.
		{"instant rate 10m", &storage.SelectHints{Start: day - ms(10*time.Minute) + 1, End: day, Range: ms(10 * time.Minute), Func: "rate"}, 45 * time.Second},
		{"instant rate 5m", &storage.SelectHints{Start: day - ms(5*time.Minute) + 1, End: day, Range: ms(5 * time.Minute), Func: "rate"}, 15 * time.Second},
		{"instant selector of an instant query", &storage.SelectHints{Start: day - ms(Lookback) + 1, End: day}, 15 * time.Second},
		// Instant selectors in range queries: a sample at every step.
		{"memory at 30m", instantSel(day, 30*time.Minute), 150 * time.Second},
		{"memory at 5m", instantSel(day, 5*time.Minute), 150 * time.Second},
		{"memory at 1m", instantSel(day, time.Minute), 60 * time.Second},
		{"memory at 15s", instantSel(day, 15*time.Second), 15 * time.Second},
		{"memory off the grid", instantSel(day+ms(time.Minute), 30*time.Minute), 60 * time.Second},
		// A subquery's inner selector gets the subquery's step.
		{"subquery [1h:1m]", &storage.SelectHints{Start: day - ms(time.Hour) - ms(Lookback) + 1, End: day, Step: ms(time.Minute), Func: "max_over_time"}, 60 * time.Second},
		{"metadata", &storage.SelectHints{Start: day, End: day + 1000, Func: "series"}, 15 * time.Second},
	} {
		if got := time.Duration(resolution(c.hints, Lookback)) * 15 * time.Second; got != c.want {
			t.Errorf("%s: grid of %s, want %s", c.name, got, c.want)
		}
	}
}

// A steady series (no start, stop or restart in the Select) reads a rate
// window's first and last samples only, so its grid may be the step, or
// what the step and R - 15 s share; other selectors keep theirs.
func TestSteadyResolution(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		hints *storage.SelectHints
		want  time.Duration
	}{
		{"24h page: rate at 5m", rangeHints("rate", day, 5*time.Minute, 5*time.Minute+15*time.Second), 5 * time.Minute},
		{"7d page: increase at 30m", rangeHints("increase", day, 30*time.Minute, 30*time.Minute+15*time.Second), 30 * time.Minute},
		{"6h page: rate at 1m", rangeHints("rate", day, time.Minute, 75*time.Second), time.Minute},
		{"1h page: rate at 15s", rangeHints("rate", day, 15*time.Second, time.Minute), 15 * time.Second},
		{"10m window at 5m", rangeHints("rate", day, 5*time.Minute, 10*time.Minute+15*time.Second), 5 * time.Minute},
		{"start off the grid", rangeHints("rate", day+ms(45*time.Second), 30*time.Minute, 30*time.Minute+15*time.Second), 45 * time.Second},
		{"max_over_time", rangeHints("max_over_time", day, 30*time.Minute, 30*time.Minute+15*time.Second), 15 * time.Second},
		{"memory at 5m", &storage.SelectHints{Start: day - ms(Lookback) + 1, End: day, Step: ms(5 * time.Minute), Func: "sum"}, 150 * time.Second},
	} {
		if got := time.Duration(steadyResolution(c.hints, Lookback)) * 15 * time.Second; got != c.want {
			t.Errorf("%s: grid of %s, want %s", c.name, got, c.want)
		}
	}

	// Steady: one span over the whole Select, from before its first sample.
	k := func(i int64) int64 { return i * gridMs }
	for _, c := range []struct {
		name  string
		spans []span
		want  bool
	}{
		{"running throughout", []span{{k(0), openEnd}}, true},
		{"ended after the Select", []span{{k(0), k(200)}}, true},
		{"started inside", []span{{k(120), openEnd}}, false},
		{"stopped inside", []span{{k(0), k(150)}}, false},
		{"restarted inside", []span{{k(0), k(150)}, {k(152), openEnd}}, false},
		{"an old span, then one throughout", []span{{k(0), k(50)}, {k(90), openEnd}}, true},
		{"none", nil, false},
	} {
		d := &seriesDesc{spans: c.spans}
		if got := d.steady(k(100), k(180), 10_000); got != c.want {
			t.Errorf("%s: steady %v, want %v", c.name, got, c.want)
		}
	}
}

// The block cache serves what it was given, forgets the least recently
// used half once full, and refuses a Select that would flood it.
func TestBlockCache(t *testing.T) {
	t.Parallel()
	c := newBlockCache(4 * blockFloats) // two blocks per generation
	blocks := make([]*rowBlock, 5)
	for i := range blocks {
		blocks[i] = new(rowBlock)
	}
	key := func(i int) blockKey { return blockKey{stream: 1, b: int64(i)} }
	c.put(key(0), blocks[0])
	c.put(key(1), blocks[1])
	if c.get(key(0)) != blocks[0] || c.get(key(1)) != blocks[1] {
		t.Fatal("cache lost a block it had room for")
	}
	c.put(key(2), blocks[2]) // a new generation: 0 and 1 are old
	if c.get(key(0)) != blocks[0] {
		t.Fatal("block 0 gone one generation early")
	}
	c.put(key(3), blocks[3]) // 0 was used: 1 goes
	if c.get(key(1)) != nil {
		t.Error("block 1, least recently used, is still cached")
	}
	if c.get(key(2)) != blocks[2] || c.get(key(3)) != blocks[3] {
		t.Error("recent blocks gone")
	}
	if c.get(blockKey{stream: 2, b: 0}) != nil {
		t.Error("another stream's key found a block")
	}
	hits, lookups := c.stats()
	if hits != 5 || lookups != 7 {
		t.Errorf("%d hits of %d lookups, want 5 of 7", hits, lookups)
	}
	if !c.admits(2*blockFloats) || c.admits(2*blockFloats+1) {
		t.Error("the cache should admit a Select up to half its size, no more")
	}
	if newBlockCache(0).admits(0) {
		t.Error("a cache of size 0 admits selects")
	}
}

// A wave's phase is (k - shift) mod period for any grid index, before the
// epoch too.
func TestWavePhase(t *testing.T) {
	t.Parallel()
	for _, period := range []int64{4, 7, 20, 360, 5760} {
		w := newWave(1, period, period/3)
		for _, k := range []int64{-3 * period, -period - 1, -1, 0, 1, period - 1, period, 118_000_123, 1 << 40} {
			want := ((k-w.shift)%period + period) % period
			if got := w.phase(k); got != want {
				t.Errorf("period %d, k %d: phase %d, want %d", period, k, got, want)
			}
		}
	}
}
