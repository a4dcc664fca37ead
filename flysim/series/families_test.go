package series_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/series"
)

// familyQuery is a query over one family in the style of Fly's dashboards
// (counters through rate over 60 s, histograms through quantiles, gauges
// as they are), APP standing for the app's matcher, and which apps must
// answer it.
type familyQuery struct {
	family, query string
	has           func(a fleet.App) bool
}

func everyApp(fleet.App) bool     { return true }
func httpApps(a fleet.App) bool   { return a.HTTP }
func volumeApps(a fleet.App) bool { return len(a.Volumes) > 0 }

// familyQueries has a query per family the generator makes, plus the
// queries that tell the volume's device and mount from the rootfs'.
func familyQueries() []familyQuery {
	var qs []familyQuery
	for _, name := range series.MetricNames() {
		has := everyApp
		switch {
		case strings.HasPrefix(name, "fly_edge_"), strings.HasPrefix(name, "fly_app_"):
			has = httpApps
		case strings.HasPrefix(name, "fly_volume_"):
			has = volumeApps
		}
		sel := name + `{APP}`
		var q string
		switch {
		case strings.HasSuffix(name, "_bucket"):
			q = `histogram_quantile(0.95, sum by (le) (rate(` + sel + `[60s])))`
		case strings.HasSuffix(name, "_sum"):
			base := strings.TrimSuffix(name, "_sum")
			q = `sum(rate(` + sel + `[60s])) / sum(rate(` + base + `_count{APP}[60s]))`
		case isCounter(name):
			q = `sum by (instance) (rate(` + sel + `[60s]))`
		default:
			q = `max by (instance) (` + sel + `)`
		}
		switch {
		case strings.HasPrefix(name, "fly_instance_disk_"):
			// vda, the image, and vdb, its writable layer, on every machine.
			qs = append(qs, familyQuery{name, strings.ReplaceAll(q, "{APP}", `{APP,device="vdc"}`), volumeApps})
			qs = append(qs, familyQuery{name, strings.ReplaceAll(q, "{APP}", `{APP,device="vda"}`), everyApp})
			q = strings.ReplaceAll(q, "{APP}", `{APP,device="vdb"}`)
		case strings.HasPrefix(name, "fly_instance_filesystem_"):
			qs = append(qs, familyQuery{name, strings.ReplaceAll(q, "{APP}", `{APP,mount!="/"}`), volumeApps})
			q = strings.ReplaceAll(q, "{APP}", `{APP,mount="/"}`)
		case strings.HasPrefix(name, "fly_instance_net_"):
			q = strings.ReplaceAll(q, "{APP}", `{APP,device="eth0"}`)
		}
		qs = append(qs, familyQuery{name, q, has})
	}
	return qs
}

// isCounter follows Fly's rule (_count is a counter) and its list of the
// counters that do not say so in their names.
func isCounter(name string) bool {
	switch {
	case strings.HasSuffix(name, "_count"), name == series.InstanceCPU, name == series.InstanceCPUThrottle,
		strings.HasPrefix(name, "fly_edge_data_"), name == "fly_edge_tls_handshake_errors",
		strings.HasPrefix(name, "fly_instance_net_"):
		return true
	case strings.HasPrefix(name, "fly_instance_disk_"):
		return name != "fly_instance_disk_io_in_progress"
	}
	return false
}

func TestEveryFamilyAnswersForTheAppsThatHaveIt(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	covered := map[string]bool{}
	for _, fq := range familyQueries() {
		covered[fq.family] = true
		t.Run(fq.query, func(t *testing.T) {
			t.Parallel()
			for _, a := range f.Snapshot() {
				q := strings.ReplaceAll(fq.query, "APP", `app="`+a.Name+`"`)
				n := len(instant(t, prom, q, testStart))
				if want := fq.has(a); want != (n > 0) {
					t.Errorf("%s (HTTP %v, %d volumes): %d series, want some: %v\n%s", a.Name, a.HTTP, len(a.Volumes), n, want, q)
				}
			}
		})
	}
	for _, name := range series.MetricNames() {
		if !covered[name] {
			t.Errorf("no query for %s", name)
		}
	}
}

// The families agree with each other as the kernel's and the proxy's do.
func TestFamiliesAreConsistent(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	at := []time.Time{testStart, testStart.Add(-9 * time.Hour)}
	// /proc/meminfo adds up on every machine.
	for _, q := range []string{
		`fly_instance_memory_mem_free + fly_instance_memory_buffers + fly_instance_memory_cached > fly_instance_memory_mem_available`,
		`fly_instance_memory_mem_available > fly_instance_memory_mem_total`,
		`fly_instance_memory_active + fly_instance_memory_inactive + fly_instance_memory_slab + fly_instance_memory_mem_free > fly_instance_memory_mem_total`,
		`fly_instance_memory_shmem > fly_instance_memory_cached`,
		`fly_instance_memory_mem_free < 0 or fly_instance_memory_inactive < 0 or fly_instance_memory_dirty < 0`,
		`fly_instance_filesystem_blocks_avail > fly_instance_filesystem_blocks_free or fly_instance_filesystem_blocks_free > fly_instance_filesystem_blocks`,
		// The proxy never lets a machine past its hard limit (25 by default).
		`fly_app_concurrency > 25`,
		// The image on vda is read only.
		`rate(fly_instance_disk_sectors_written{device="vda"}[5m]) > 0`,
		// Every task stalled is some task stalled; a share is at most 100%.
		`fly_instance_memory_pressure_full{pressure_duration!="total"} > fly_instance_memory_pressure_some`,
		`fly_instance_memory_pressure_some{pressure_duration!="total"} > 100`,
	} {
		for _, t0 := range at {
			if got := instant(t, prom, q, t0); len(got) > 0 {
				t.Errorf("%s at %s: %v", q, t0.Format(time.TimeOnly), got)
			}
		}
	}
	app := storyApp(t, f, fleet.StoryIncident).Name
	for _, t0 := range at {
		// Data out follows requests: about one response's bytes each.
		perResponse := scalarAt(t, prom, `sum(rate(fly_edge_data_out{app="`+app+`"}[5m])) / sum(rate(fly_edge_http_responses_count{app="`+app+`"}[5m]))`, t0)
		// Concurrency follows rate times latency (Little's law) on each machine.
		little := scalarAt(t, prom, `sum(avg_over_time(fly_app_concurrency{app="`+app+`"}[30m])) / (sum(rate(fly_app_http_responses_count{app="`+app+`"}[30m])) * sum(rate(fly_app_http_response_time_seconds_sum{app="`+app+`"}[30m])) / sum(rate(fly_app_http_response_time_seconds_count{app="`+app+`"}[30m])))`, t0)
		t.Logf("%s at %s: %.0f bytes out per response; concurrency / (rate x mean latency) = %.2f", app, t0.Format(time.TimeOnly), perResponse, little)
		if math.Abs(perResponse-14000) > 1400 {
			t.Errorf("%.0f bytes out per response, want ~14000", perResponse)
		}
		if little < 0.5 || little > 2.5 {
			t.Errorf("concurrency is %.2f times rate x latency, want about 1", little)
		}
	}
}

// Label values come from one series per value, yet list every value the
// series hold.
func TestLabelValuesListEveryValue(t *testing.T) {
	t.Parallel()
	f := storyFleet()
	prom := serve(t, f)
	from := testStart.Add(-time.Hour)
	for _, match := range []string{`{app=~".+"}`, `{app="` + fleet.VolumeFillingApp + `"}`, `{__name__=~"fly_edge_.+"}`} {
		all, _, _, err := prom.Series(t.Context(), []string{match}, from, testStart)
		if err != nil {
			t.Fatal(err)
		}
		for _, label := range []string{"app", "region", "host", "instance", "__name__"} {
			want := map[string]bool{}
			for _, s := range all {
				if v := string(s[model.LabelName(label)]); v != "" {
					want[v] = true
				}
			}
			got, _, _, err := prom.LabelValues(t.Context(), label, []string{match}, from, testStart)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("%s values of %s: %d, the series hold %d", label, match, len(got), len(want))
			}
			for _, v := range got {
				if !want[string(v)] {
					t.Errorf("%s value %q of %s is on no series", label, v, match)
				}
			}
		}
	}
}
