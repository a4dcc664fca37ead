package flysim

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The metrics half of the capture comparison: what a real Fly org sent
// (testdata/realcapture/output.txt) against the series flysim serves. Both
// sides are reduced to families of label sets; the checks are pure, so a
// test can feed them a flysim with one difference put back and read the
// words they fail with.

// families maps a metric name to the label sets of its series.
type families map[string][]map[string]string

// captureFile is the vendored federate dump.
const captureFile = "testdata/realcapture/output.txt"

// readCapture parses the dump; it has no # TYPE lines, so every name
// (fly_…_bucket included) is a family of its own, as the series API names
// them.
func readCapture() (families, error) {
	raw, err := os.ReadFile(captureFile)
	if err != nil {
		return nil, err
	}
	// The file ends without a newline, which the parser requires.
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(append(raw, '\n')))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", captureFile, err)
	}
	out := families{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			ls := map[string]string{}
			for _, lp := range m.GetLabel() {
				ls[lp.GetName()] = lp.GetValue()
			}
			out[name] = append(out[name], ls)
		}
	}
	return out, nil
}

// labelRule says what the values of one label look like on Fly.
type labelRule struct {
	// pattern, when set, is the shape every value has; what names it.
	pattern *regexp.Regexp
	what    string
	// include: flysim has every value the capture has for the family.
	include bool
	// closed: flysim has no other values than the capture's and extras
	// (with the reason those are not in a four-machine capture).
	closed bool
	extras []string
	// grouped compares values over the families of a group (the disks'
	// fly_instance_disk_*), not family by family: the capture joins two
	// days, and only the later one saw vdb, in some disk families.
	grouped bool
}

// labelRules covers every label the capture has; a label without a rule
// fails the test, so a new one is never compared by nobody.
var labelRules = map[string]labelRule{
	"instance": {pattern: regexp.MustCompile(`^[0-9a-f]{14}$`), what: "a Machine ID of 14 hex digits"},
	"host":     {pattern: regexp.MustCompile(`^[0-9a-f]{4}$`), what: "a host of 4 hex digits"},
	"region":   {pattern: regexp.MustCompile(`^[a-z]{3}$`), what: "a 3-letter region code"},
	"app":      {pattern: regexp.MustCompile(`^[a-z0-9-]+$`), what: "an app name"},
	"status":   {pattern: regexp.MustCompile(`^[1-5]xx$`), what: `a status class such as "2xx"`, include: true},
	"version":  {pattern: regexp.MustCompile(`^TLSv1\.[0-3]$`), what: `a TLS version such as "TLSv1.3"`, include: true},
	"cpu_id":   {pattern: regexp.MustCompile(`^[0-9]+$`), what: "a CPU number", include: true},
	"mount":    {pattern: regexp.MustCompile(`^/`), what: "a mount path", include: true},
	"mode":     {include: true, closed: true},
	"minutes":  {include: true, closed: true},
	// avg10, avg60, avg300, total.
	"pressure_duration": {include: true, closed: true},
	// vdc is a mounted volume; no machine of the capture mounts one.
	"device": {include: true, closed: true, extras: []string{"vdc"}, grouped: true},
	// Fly runs a blue and a green proxy; the capture saw green.
	"proxy_id": {include: true, closed: true, extras: []string{"blue"}},
	// le is compared as a whole set per family (compareBuckets).
	"le": {include: true, closed: true},
}

// captureMarks are values DataDog's anonymisation left in the capture: a
// non-hex instance ID and an app name with a trailing space. Real Fly
// values have the shapes above.
var captureMarks = []string{"20976671ha2292", "example-app-3 "}

// compareFamilies lists, in words, every way flysim's families differ from
// the capture's: a family missing, a label name missing or extra, a value
// of the wrong shape, a value the capture has that flysim lacks, or one
// Fly does not send.
func compareFamilies(capture, sim families) []string {
	var diffs []string
	groupsDone := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(capture)) {
		got, ok := sim[name]
		if !ok || len(got) == 0 {
			diffs = append(diffs, fmt.Sprintf("%s: flysim has no such family; Fly sends it", name))
			continue
		}
		capNames, simNames := labelNames(capture[name]), labelNames(got)
		if missing := minus(capNames, simNames); len(missing) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: flysim's series lack the labels %v that Fly's carry", name, missing))
		}
		if extra := minus(simNames, capNames); len(extra) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: flysim's series carry labels %v that Fly's do not", name, extra))
		}
		for _, label := range capNames {
			rule := labelRules[label]
			if !rule.grouped {
				diffs = append(diffs, compareValues(name, label, rule, values(capture[name], label), values(got, label))...)
				continue
			}
			g := group(name)
			if !groupsDone[g+"/"+label] {
				groupsDone[g+"/"+label] = true
				diffs = append(diffs, compareValues(g+"_*", label, rule, groupValues(capture, g, label), groupValues(sim, g, label))...)
			}
		}
	}
	return diffs
}

// compareValues checks one label of one family against its rule.
func compareValues(family, label string, rule labelRule, capVals, simVals []string) []string {
	var diffs []string
	if rule.pattern != nil {
		var bad []string
		for _, v := range simVals {
			if !rule.pattern.MatchString(v) {
				bad = append(bad, v)
			}
		}
		if len(bad) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: %s values %s are not %s, as Fly's %s are", family, label, quoted(bad, 6), rule.what, quoted(capVals, 6)))
		}
	}
	if rule.include {
		if missing := minus(capVals, simVals); len(missing) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: flysim never sends %s %s, which Fly does (flysim sends %s)", family, label, quoted(missing, 20), quoted(simVals, 20)))
		}
	}
	if rule.closed {
		if extra := minus(minus(simVals, capVals), rule.extras); len(extra) > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: flysim sends %s %s, which Fly does not (Fly sends %s)", family, label, quoted(extra, 20), quoted(capVals, 20)))
		}
	}
	return diffs
}

// checkCaptureShapes is the rules' own test: every value the capture has
// fits its label's shape, anonymisation marks aside, and every label the
// capture has has a rule.
func checkCaptureShapes(capture families) []string {
	var diffs []string
	for _, name := range slices.Sorted(maps.Keys(capture)) {
		for _, label := range labelNames(capture[name]) {
			rule, ok := labelRules[label]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s: the capture has label %q, which labelRules does not cover", name, label))
				continue
			}
			for _, v := range values(capture[name], label) {
				if rule.pattern != nil && !rule.pattern.MatchString(v) && !slices.Contains(captureMarks, v) {
					diffs = append(diffs, fmt.Sprintf("%s: the capture's %s %q is not %s: the rule is wrong", name, label, v, rule.what))
				}
			}
		}
	}
	return diffs
}

// group is a family's first three words: fly_instance_disk, fly_instance_net.
func group(name string) string {
	parts := strings.SplitN(name, "_", 4)
	return strings.Join(parts[:min(3, len(parts))], "_")
}

// groupValues are the label's values over every family of the group.
func groupValues(f families, g, label string) []string {
	var all []map[string]string
	for name, sets := range f {
		if group(name) == g {
			all = append(all, sets...)
		}
	}
	return values(all, label)
}

func labelNames(sets []map[string]string) []string {
	seen := map[string]bool{}
	for _, ls := range sets {
		for k := range ls {
			seen[k] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func values(sets []map[string]string, label string) []string {
	seen := map[string]bool{}
	for _, ls := range sets {
		if v, ok := ls[label]; ok {
			seen[v] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// minus is a without the elements of b.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// quoted lists at most n values, saying how many more there are.
func quoted(vs []string, n int) string {
	var q []string
	for i, v := range vs {
		if i == n {
			q = append(q, fmt.Sprintf("and %d more", len(vs)-n))
			break
		}
		q = append(q, fmt.Sprintf("%q", v))
	}
	return "[" + strings.Join(q, " ") + "]"
}
