package flysim

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// flysim against a capture of a real Fly org (testdata/realcapture, see
// docs/flysim-fidelity.md): the same metric families, label names, label
// value shapes and buckets, and the same Machines API key paths and types.

func TestCaptureFitsItsOwnRules(t *testing.T) {
	t.Parallel()
	capture, err := readCapture()
	if err != nil {
		t.Fatal(err)
	}
	if len(capture) != 66 {
		t.Errorf("the capture has %d metric families, want the 66 its README describes", len(capture))
	}
	for _, d := range checkCaptureShapes(capture) {
		t.Error(d)
	}
}

func TestFlysimMetricsMatchTheCapture(t *testing.T) {
	t.Parallel()
	capture, err := readCapture()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range compareFamilies(capture, simFamilies(t, capture)) {
		t.Error(d)
	}
}

func TestFlysimMachinesAPIMatchesTheCapture(t *testing.T) {
	t.Parallel()
	capture, err := readCaptureAPI()
	if err != nil {
		t.Fatal(err)
	}
	sim := simAPI(t)
	for _, kind := range slices.Sorted(maps.Keys(capture)) {
		t.Logf("%s: %d key paths of Fly's compared", kind, len(capture[kind]))
		for _, d := range comparePaths(kind, capture[kind], sim[kind]) {
			t.Error(d)
		}
	}
}

// simFamilies reads, through the Prometheus API, the label sets of every
// series flysim has in each family the capture has, over the ten minutes
// before the stories' anchor.
func simFamilies(t *testing.T, capture families) families {
	t.Helper()
	srv := startSim(t, Options{Now: func() time.Time { return testStart }})
	prom := newProm(t, srv)
	out := families{}
	for name := range capture {
		sets, _, _, err := prom.Series(t.Context(), []string{`{__name__="` + name + `"}`}, testStart.Add(-10*time.Minute), testStart)
		if err != nil {
			t.Fatalf("series of %s: %v", name, err)
		}
		for _, s := range sets {
			ls := map[string]string{}
			for k, v := range s {
				if k != "__name__" {
					ls[string(k)] = string(v)
				}
			}
			out[name] = append(out[name], ls)
		}
	}
	return out
}

// simAPI reads every app, machine and volume of flysim's org as a client
// does, with paths by kind as readCaptureAPI has them.
func simAPI(t *testing.T) map[string]pathTypes {
	t.Helper()
	srv := startSim(t, Options{Now: func() time.Time { return testStart }})
	get := func(path string) any {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v1"+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s %v", path, resp.StatusCode, body, err)
		}
		var doc any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return doc
	}
	out := map[string]pathTypes{"apps list": {}, "app": {}, "machines": {}, "volumes": {}}
	list := get("/apps?org_slug=" + srv.Sim.Org())
	out["apps list"].walk("", list)
	apps, _ := list.(map[string]any)["apps"].([]any)
	if len(apps) == 0 {
		t.Fatal("flysim lists no apps")
	}
	for _, a := range apps {
		name, _ := a.(map[string]any)["name"].(string)
		out["app"].walk("", get("/apps/"+name))
		out["machines"].walk("", get("/apps/"+name+"/machines"))
		out["volumes"].walk("", get("/apps/"+name+"/volumes"))
	}
	return out
}

// The comparison fails, in words that name the difference, when one of the
// differences flysim used to have is put back into its output.
func TestCaptureComparisonCatchesOldDifferences(t *testing.T) {
	t.Parallel()
	capture, err := readCapture()
	if err != nil {
		t.Fatal(err)
	}
	sim := simFamilies(t, capture)
	for _, c := range []struct {
		name   string
		change func(f families)
		want   string
	}{
		{"status codes instead of classes", relabel("status", map[string]string{"2xx": "200", "3xx": "304", "4xx": "404", "5xx": "500"}),
			`fly_edge_http_response_time_seconds_bucket: status values ["200" "304" "404" "500"] are not a status class such as "2xx"`},
		{"one bucket set for every histogram", oneBucketSet,
			`fly_app_connect_time_seconds_bucket: flysim never sends le ["0.0005" "0.001" "1.5" "2"], which Fly does`},
		{"the response buckets stop at 10 s", oneBucketSet,
			`fly_edge_http_response_time_seconds_bucket: flysim never sends le ["0.2" "120" "15" "30" "60"], which Fly does`},
		{"no teql0", drop("device", "teql0"),
			`fly_instance_net_*: flysim never sends device ["teql0"], which Fly does`},
		{"root disk on vdb", drop("device", "vda"),
			`fly_instance_disk_*: flysim never sends device ["vda"], which Fly does`},
		{"no guest CPU modes", drop("mode", "guest", "guest_nice"),
			`fly_instance_cpu: flysim never sends mode ["guest" "guest_nice"], which Fly does`},
		{"rustls' TLS version names", relabel("version", map[string]string{"TLSv1.3": "TLSv1_3", "TLSv1.2": "TLSv1_2"}),
			`fly_edge_tls_handshake_time_seconds_bucket: version values ["TLSv1_2" "TLSv1_3"] are not a TLS version such as "TLSv1.3"`},
		{"no memory pressure", func(f families) { delete(f, "fly_instance_memory_pressure_some") },
			`fly_instance_memory_pressure_some: flysim has no such family; Fly sends it`},
		{"hosts named by their region", func(f families) {
			for _, sets := range f {
				for _, ls := range sets {
					ls["host"] = ls["region"]
				}
			}
		}, `fly_instance_up: host values ["ams" "cdg" "fra"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			changed := cloneFamilies(sim)
			c.change(changed)
			diffs := compareFamilies(capture, changed)
			if !slices.ContainsFunc(diffs, func(d string) bool { return strings.Contains(d, c.want) }) {
				t.Errorf("with %s, the comparison does not say %q; it says:\n%s", c.name, c.want, strings.Join(diffs, "\n"))
			}
		})
	}
}

func TestCaptureAPIComparisonCatchesOldDifferences(t *testing.T) {
	t.Parallel()
	capture, err := readCaptureAPI()
	if err != nil {
		t.Fatal(err)
	}
	sim := simAPI(t)
	for _, c := range []struct {
		kind, drop string // drop removes the path and everything under it
		want       string
	}{
		{"machines", "[].config.env", "machines: flysim never sends [].config.env, which Fly sends as object"},
		{"machines", "[].config.stop_config", "machines: flysim never sends [].config.stop_config.timeout, which Fly sends as string"},
		{"machines", "[].config.metadata.fly_release_id", "machines: flysim never sends [].config.metadata.fly_release_id, which Fly sends as string"},
		{"machines", "[].config.metadata.fly_flyctl_version", "machines: flysim never sends [].config.metadata.fly_flyctl_version, which Fly sends as string"},
		{"machines", "[].config.services[].force_instance_key", "machines: flysim never sends [].config.services[].force_instance_key, which Fly sends as null"},
		{"volumes", "[].host_dedication_key", "volumes: flysim never sends [].host_dedication_key, which Fly sends as string"},
	} {
		t.Run(c.drop, func(t *testing.T) {
			changed := pathTypes{}
			for p, types := range sim[c.kind] {
				if p != c.drop && !strings.HasPrefix(p, c.drop+".") && !strings.HasPrefix(p, c.drop+"[]") {
					changed[p] = types
				}
			}
			diffs := comparePaths(c.kind, capture[c.kind], changed)
			if !slices.Contains(diffs, c.want) {
				t.Errorf("without %s, the comparison does not say %q; it says:\n%s", c.drop, c.want, strings.Join(diffs, "\n"))
			}
		})
	}
	// A type flysim gets wrong is named too.
	changed := maps.Clone(sim["machines"])
	changed["[].events[].timestamp"] = map[string]bool{"string": true}
	want := "machines: flysim sends [].events[].timestamp as string, Fly as number"
	if diffs := comparePaths("machines", capture["machines"], changed); !slices.Contains(diffs, want) {
		t.Errorf("with timestamps as strings, the comparison does not say %q; it says:\n%s", want, strings.Join(diffs, "\n"))
	}
}

func cloneFamilies(f families) families {
	out := families{}
	for name, sets := range f {
		for _, ls := range sets {
			out[name] = append(out[name], maps.Clone(ls))
		}
	}
	return out
}

// relabel renames the label's values.
func relabel(label string, to map[string]string) func(families) {
	return func(f families) {
		for _, sets := range f {
			for _, ls := range sets {
				if nv, ok := to[ls[label]]; ok {
					ls[label] = nv
				}
			}
		}
	}
}

// drop removes the series whose label has one of the values.
func drop(label string, vals ...string) func(families) {
	return func(f families) {
		for name, sets := range f {
			f[name] = slices.DeleteFunc(sets, func(ls map[string]string) bool { return slices.Contains(vals, ls[label]) })
		}
	}
}

// oneBucketSet gives every histogram flysim's old generic buckets.
func oneBucketSet(f families) {
	old := []string{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}
	for name, sets := range f {
		if !strings.HasSuffix(name, "_bucket") {
			continue
		}
		seen := map[string]bool{}
		var out []map[string]string
		for _, ls := range sets {
			base := maps.Clone(ls)
			delete(base, "le")
			var key string
			for _, k := range slices.Sorted(maps.Keys(base)) {
				key += k + "=" + base[k] + ","
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			for _, le := range old {
				with := maps.Clone(base)
				with["le"] = le
				out = append(out, with)
			}
		}
		f[name] = out
	}
}
