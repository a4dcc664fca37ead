package views

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/flydash/dashboard/promql"
)

// quantity is a number followed by a unit as the pages write them: "12.3
// req/s", "1.38 MB/s", "45.0%", "512 MiB", "250 ms", "12.3k req/s".
var quantity = regexp.MustCompile(`(?:^|[^\w.:/-])(-?[0-9]+(?:\.[0-9]+)?)\s?[kMG]?\s?(?:req/s|[kMG]?B/s|ms|µs|s|%|B|KiB|MiB|GiB|TiB)(?:[^\w/]|$)`)

// significant counts a number's significant digits: "0.0333" has 3,
// "1200" has 4 (its zeros are written, so they are read).
func significant(num string) int {
	d := strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(num), "0")
	return len(d)
}

// TestNumbersReadAtAGlance reads every app page of the simulated org as a
// person would, axis labels, hover text and table cells, and finds no
// quantity written with more than four significant digits.
func TestNumbersReadAtAGlance(t *testing.T) {
	t.Parallel()
	// The pattern sees what the pages used to write.
	for _, old := range []string{"4000000 B/s", "12.345 req/s", "35.175%"} {
		if m := quantity.FindStringSubmatch(old); m == nil || significant(m[1]) <= 4 {
			t.Fatalf("the check misses %q", old)
		}
	}
	s := sharedStack(t)
	for _, a := range s.Sim.Sim.Fleet().Apps() {
		app := a.Name
		for _, rng := range []string{"1h", "24h", "7d"} {
			path := "/apps/" + app + "?range=" + rng
			status, body, _ := s.get(t, path)
			if status != http.StatusOK {
				t.Fatalf("%s: %d", path, status)
			}
			doc, err := html.Parse(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, n := range findAll(doc, func(n *html.Node) bool {
				return n.Type == html.ElementNode && slices.Contains([]string{"text", "title", "td", "th"}, n.Data)
			}) {
				txt := text(n)
				for _, m := range quantity.FindAllStringSubmatch(txt, -1) {
					checked++
					if significant(m[1]) > 4 {
						t.Errorf("%s: <%s> %q writes %s with more than 4 significant digits", path, n.Data, txt, m[1])
					}
				}
			}
			if checked < 50 {
				t.Errorf("%s: only %d quantities found to check; the page's numbers are not where this test looks", path, checked)
			}
		}
	}
}

// noisy is a decimal carrying arithmetic noise (nine or more digits after
// a run of zeros or nines) or an exponent.
var noisy = regexp.MustCompile(`(?m)(?:^|[,\[])-?(?:[0-9]+\.[0-9]*(?:0{6,}|9{6,})[1-9][0-9]*|[0-9.]+[eE][+-]?[0-9]+)(?:[,\]\r]|$)`)

// TestFilesHoldNoFloatNoise fetches every chart of every app as CSV and
// JSON and finds no value like 35.175000000000004 or 2.33218048e+08.
func TestFilesHoldNoFloatNoise(t *testing.T) {
	t.Parallel()
	for _, old := range []string{"t,35.175000000000004,1\n", "t,2.33218048e+08\n", `"values":[0.30000000000000004]`} {
		if !noisy.MatchString(old) {
			t.Fatalf("the check misses %q", old)
		}
	}
	s := sharedStack(t)
	qs := append(promql.Catalog(), promql.MachinesCatalog()...)
	for _, a := range s.Sim.Sim.Fleet().Apps() {
		app := a.Name
		for _, q := range qs {
			for _, ext := range []string{".csv", ".json"} {
				path := "/apps/" + app + "/charts/" + string(q.ID) + ext + "?range=24h&compare=1d"
				status, body, _ := s.get(t, path)
				if status != http.StatusOK {
					t.Fatalf("%s: %d", path, status)
				}
				if ext == ".json" {
					// The PromQL text and times are not values.
					body = body[strings.Index(body, `"series"`):]
				} else {
					// Nor is the header of machine ids and region names.
					body = body[strings.IndexByte(body, '\n')+1:]
				}
				if m := noisy.FindString(body); m != "" {
					t.Errorf("%s holds %q: float noise or an exponent", path, m)
				}
			}
		}
	}
}
