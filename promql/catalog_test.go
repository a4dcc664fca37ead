package promql

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

func testWindow(t testing.TB) Window {
	t.Helper()
	end := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	w, err := NewWindow(end.Add(-6*time.Hour), end, 720)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestCatalogOrderAndLookup(t *testing.T) {
	t.Parallel()
	var ids []ChartID
	for _, q := range Catalog() {
		ids = append(ids, q.ID)
		got, ok := Lookup(q.ID)
		if !ok || got != q {
			t.Errorf("Lookup(%q) = %+v, %v; want the catalog entry", q.ID, got, ok)
		}
		if e, ok := find(q.ID); !ok || e.build == nil || e.name == nil {
			t.Errorf("%s has no query builder", q.ID)
		}
		if q.Title == "" || q.Desc == "" || q.Unit == "" {
			t.Errorf("%s lacks a title, description or unit: %+v", q.ID, q)
		}
	}
	want := []ChartID{"http-status", "latency", "region-latency", "region-requests", "cpu", "memory"}
	if !slices.Equal(ids, want) {
		t.Errorf("catalog order = %v, want %v", ids, want)
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup of an unknown slug succeeded")
	}
	// Callers get a copy: changing it must not change the catalog.
	c := Catalog()
	c[0].Title = "changed"
	if Catalog()[0].Title == "changed" {
		t.Error("Catalog returned its own slice")
	}
}

func TestValidAppName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"web", true},
		{"my-app-2", true},
		{"0", true},
		{"-leading-and-trailing-", true}, // flyctl accepts these, so must we
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"Web", false},
		{"my_app", false},
		{"my.app", false},
		{"my app", false},
		{"café", false},
		{"аpp", false}, // Cyrillic a
		{`a"}) or vector(1`, false},
		{`a\"`, false},
		{"a\x00", false},
		{"a\n", false},
		{"web`", false},
		{"web{", false},
	} {
		if got := ValidAppName(tc.name); got != tc.ok {
			t.Errorf("ValidAppName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestPromQLRejectsHostileNames(t *testing.T) {
	t.Parallel()
	w := testWindow(t)
	for _, name := range []string{
		`a"}) or vector(1`, `web"} or up{app="x`, "web\" or 1", "Web", "ünïcode", "日本",
		strings.Repeat("a", 64), "", " web", "web ", "web\n", `web\`, "web'", "web$", "web/../x",
	} {
		for _, q := range append(allQueries(), RegionErrors()) {
			got, err := q.PromQL(name, w, 0)
			if !errors.Is(err, ErrInvalidApp) {
				t.Errorf("%s.PromQL(%q) = %q, %v; want ErrInvalidApp", q.ID, name, got, err)
			}
			if got != "" {
				t.Errorf("%s.PromQL(%q) returned a query along with the error", q.ID, name)
			}
		}
	}
}

// TestPromQLSelectors parses every query with Prometheus' own parser and
// checks that every selector is limited to the app and carries the offset.
func TestPromQLSelectors(t *testing.T) {
	t.Parallel()
	w := testWindow(t)
	for _, app := range []string{"web", "a", "-x-", strings.Repeat("9", 63)} {
		for _, offset := range []time.Duration{0, 24 * time.Hour, 7 * 24 * time.Hour, 90 * time.Minute} {
			for _, q := range append(allQueries(), RegionErrors()) {
				text, err := q.PromQL(app, w, offset)
				if err != nil {
					t.Fatalf("%s.PromQL(%q, %s): %v", q.ID, app, offset, err)
				}
				expr, err := promParser.ParseExpr(text)
				if err != nil {
					t.Fatalf("%s: Prometheus cannot parse %q: %v", q.ID, text, err)
				}
				selectors := 0
				parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
					vs, ok := node.(*parser.VectorSelector)
					if !ok {
						return nil
					}
					selectors++
					if !hasMatcher(vs.LabelMatchers, "app", app) {
						t.Errorf("%s: selector %s is not limited to app %q", q.ID, vs, app)
					}
					if vs.OriginalOffset != offset {
						t.Errorf("%s: selector %s has offset %s, want %s", q.ID, vs, vs.OriginalOffset, offset)
					}
					return nil
				})
				if selectors == 0 {
					t.Errorf("%s: no selector in %q", q.ID, text)
				}
				if offset == 0 && strings.Contains(text, "offset") {
					t.Errorf("%s: offset rendered for zero: %q", q.ID, text)
				}
			}
		}
	}
}

func hasMatcher(ms []*labels.Matcher, name, value string) bool {
	for _, m := range ms {
		if m.Name == name && m.Type == labels.MatchEqual && m.Value == value {
			return true
		}
	}
	return false
}

func TestPromQLText(t *testing.T) {
	t.Parallel()
	w := testWindow(t) // 6 h at 720 px: 1 m step, 75 s rate window
	q, _ := Lookup("region-requests")
	for _, tc := range []struct {
		offset time.Duration
		want   string
	}{
		{0, `sum by (region) (rate(fly_edge_http_responses_count{app="web"}[75s]))`},
		{24 * time.Hour, `sum by (region) (rate(fly_edge_http_responses_count{app="web"}[75s] offset 1d))`},
		{7 * 24 * time.Hour, `sum by (region) (rate(fly_edge_http_responses_count{app="web"}[75s] offset 7d))`},
		{90 * time.Minute, `sum by (region) (rate(fly_edge_http_responses_count{app="web"}[75s] offset 90m))`},
	} {
		got, err := q.PromQL("web", w, tc.offset)
		if err != nil || got != tc.want {
			t.Errorf("offset %s:\n got %q, %v\nwant %q", tc.offset, got, err, tc.want)
		}
	}
	cpu, _ := Lookup("cpu")
	got, _ := cpu.PromQL("web", w, 24*time.Hour)
	want := `sum by (instance, region) (rate(fly_instance_cpu{app="web",mode!="idle",mode!="steal"}[75s] offset 1d))` +
		` / count by (instance, region) (fly_instance_cpu{app="web",mode="idle"} offset 1d)`
	if got != want {
		t.Errorf("cpu with offset:\n got %q\nwant %q", got, want)
	}
}

func TestPromQLBadInput(t *testing.T) {
	t.Parallel()
	w := testWindow(t)
	q, _ := Lookup("cpu")
	for _, offset := range []time.Duration{-time.Hour, 1500 * time.Millisecond} {
		if _, err := q.PromQL("web", w, offset); !errors.Is(err, ErrBadOffset) {
			t.Errorf("offset %s: err = %v, want ErrBadOffset", offset, err)
		}
	}
	if _, err := (Query{ID: "nope"}).PromQL("web", w, 0); !errors.Is(err, ErrUnknownQuery) {
		t.Errorf("unknown query: err = %v", err)
	}
	if _, err := q.PromQL("web", Window{}, 0); !errors.Is(err, ErrBadWindow) {
		t.Errorf("zero window: err = %v", err)
	}
}

func TestRateWindow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		step time.Duration
		want string
	}{
		{15 * time.Second, "1m"}, // 4 scrapes
		{30 * time.Second, "1m"},
		{time.Minute, "75s"},
		{5 * time.Minute, "315s"},
		{time.Hour, "3615s"},
	} {
		w := Window{Step: tc.step}
		rw := w.RateWindow()
		if got := promDuration(rw); got != tc.want {
			t.Errorf("step %s: rate window %s, want %s", tc.step, got, tc.want)
		}
		if rw < tc.step+ScrapeInterval || rw < 4*ScrapeInterval {
			t.Errorf("step %s: rate window %s leaves samples out", tc.step, rw)
		}
	}
}

// FuzzPromQL: whatever the name, either it is refused or the query parses
// and selects exactly that app.
func FuzzPromQL(f *testing.F) {
	for _, s := range []string{"web", `a"}) or vector(1`, "x\\", "ü", "-"} {
		f.Add(s)
	}
	w := testWindow(f)
	q, _ := Lookup("http-status")
	f.Fuzz(func(t *testing.T, name string) {
		text, err := q.PromQL(name, w, 0)
		if err != nil {
			if !errors.Is(err, ErrInvalidApp) {
				t.Fatalf("PromQL(%q): unexpected error %v", name, err)
			}
			return
		}
		expr, err := promParser.ParseExpr(text)
		if err != nil {
			t.Fatalf("PromQL(%q) = %q does not parse: %v", name, text, err)
		}
		parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
			if vs, ok := node.(*parser.VectorSelector); ok && !hasMatcher(vs.LabelMatchers, "app", name) {
				t.Fatalf("PromQL(%q): selector %s escapes the app", name, vs)
			}
			return nil
		})
	})
}

// promParser is Prometheus' own parser with default options: no
// experimental functions, so a query it accepts is plain PromQL.
var promParser = parser.NewParser(parser.Options{})
