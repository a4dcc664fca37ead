package views

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
)

// listNow is the tests' fixed clock. Stories are placed relative to the
// fleet's Start, so a Start 2h50m after listNow puts storefront's 5xx
// incident (3h10m to 2h25m before Start) around "now", 20 minutes in.
var listNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

const listIncidentLead = 2*time.Hour + 50*time.Minute

// storyApps is how many apps the default simulated org has: its stories.
var storyApps = len(fleet.New(fleet.Config{}).Apps())

// listTestTimeout bounds each list query in tests over many apps: flysim
// evaluates 500 apps' day-long timeline in seconds on an idle machine, but
// minutes under -race beside other test binaries. A guard against a hang.
const listTestTimeout = 10 * time.Minute

func newListStack(t testing.TB, apps int, promTimeout time.Duration) *stack {
	t.Helper()
	now := func() time.Time { return listNow }
	return newStack(t, stackOptions{
		Sim:         flysim.Options{Apps: apps, Start: listNow.Add(listIncidentLead), Now: now, QueryTimeout: promTimeout},
		PromTimeout: promTimeout,
		// Results stay fresh for the test's whole run: the tests count
		// whether later pages reuse the first page's answers, which must
		// not turn on whether a slow run outlasted one step.
		PromCacheTTL: func(time.Duration) time.Duration { return time.Hour },
		Configure:    func(c *Config) { c.Now = now },
	})
}

// requireNoFaults fails t, naming the page's own notice, when a page meant
// to be drawn from answered queries carries an upstream fault instead: a
// slow run must say so here rather than trip a later assertion.
func requireNoFaults(t testing.TB, what, body string) {
	t.Helper()
	n := strings.Count(body, ">unavailable<")
	notice := ""
	if i := strings.Index(body, `class="panel error notice"`); i >= 0 {
		notice = body[i:min(len(body), i+400)]
	}
	if n > 0 || notice != "" {
		t.Fatalf("%s: %d cells unavailable; the page's notice: %s", what, n, notice)
	}
}

// listRow is one app row as a person reads it.
type listRow struct {
	Name, Host, Status, Reason string
	Sparks                     int      // <svg> sparklines drawn
	Empty                      []string // cells without one: their text
	EmptyWhy                   []string
	Regions                    []string
	Machines                   string
	Href                       string
	Destroy                    bool
}

// parseList reads the rows of the apps table.
func parseList(t testing.TB, body string) []listRow {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var rows []listRow
	for _, table := range findAll(doc, func(n *html.Node) bool { return n.Data == "table" && hasClass(n, "apps") }) {
		for _, tr := range findAll(table, func(n *html.Node) bool { return n.Data == "tr" && n.Parent.Data == "tbody" }) {
			var r listRow
			if a := find(tr, func(n *html.Node) bool { return n.Data == "a" && hasClass(n, "app-name") }); a != nil {
				r.Name, r.Href = text(a), attr(a, "href")
			}
			if a := find(tr, func(n *html.Node) bool { return n.Data == "a" && hasClass(n, "host") }); a != nil {
				r.Host = text(a)
			}
			if b := find(tr, func(n *html.Node) bool { return hasClass(n, "badge") }); b != nil {
				r.Status = text(b)
			}
			if s := find(tr, func(n *html.Node) bool { return hasClass(n, "reason") }); s != nil {
				r.Reason = text(s)
			}
			for _, td := range findAll(tr, func(n *html.Node) bool { return n.Data == "td" && hasClass(n, "spark") }) {
				r.Sparks += len(findAll(td, func(n *html.Node) bool { return n.Data == "svg" }))
				if e := find(td, func(n *html.Node) bool { return hasClass(n, "spark-empty") }); e != nil {
					r.Empty = append(r.Empty, text(e))
					r.EmptyWhy = append(r.EmptyWhy, attr(e, "title"))
				}
			}
			if td := find(tr, func(n *html.Node) bool { return n.Data == "td" && hasClass(n, "regions") }); td != nil {
				for _, c := range findAll(td, func(n *html.Node) bool { return n.Data == "code" }) {
					r.Regions = append(r.Regions, text(c))
				}
			}
			if td := find(tr, func(n *html.Node) bool { return n.Data == "td" && hasClass(n, "machines") }); td != nil {
				r.Machines = strings.Join(strings.Fields(text(td)), " ")
			}
			r.Destroy = find(tr, func(n *html.Node) bool {
				return (n.Data == "form" && attr(n, "action") == "/apps/"+r.Name+"/destroy") || (n.Data == "a" && attr(n, "href") == "/apps/"+r.Name+"/destroy")
			}) != nil
			rows = append(rows, r)
		}
	}
	return rows
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(n, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

func getList(t *testing.T, s *stack, path string) []listRow {
	t.Helper()
	status, body, _ := s.get(t, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, status, body)
	}
	return parseList(t, body)
}

// verdictCase is the verdict an app's row must show: its status and
// substrings of its reason.
type verdictCase struct {
	app    string
	status health.Status
	reason []string
}

// checkVerdicts checks each case against its app's row.
func checkVerdicts(t *testing.T, rows []listRow, cases []verdictCase) {
	t.Helper()
	for _, tc := range cases {
		r, ok := rowNamed(rows, tc.app)
		if !ok {
			t.Errorf("%s: no row", tc.app)
			continue
		}
		if r.Status != tc.status.String() {
			t.Errorf("%s: %s (%s), want %s", tc.app, r.Status, r.Reason, tc.status)
		}
		for _, want := range tc.reason {
			if !strings.Contains(r.Reason, want) {
				t.Errorf("%s: reason %q does not say %q", tc.app, r.Reason, want)
			}
		}
	}
}

func rowNamed(rows []listRow, name string) (listRow, bool) {
	for _, r := range rows {
		if r.Name == name {
			return r, true
		}
	}
	return listRow{}, false
}

// TestListStories runs the list's checks on one simulated org, so they share
// its query cache: the stories' verdicts, the order, the sparklines, the
// app page's verdict.
func TestListStories(t *testing.T) {
	t.Parallel()
	s := newListStack(t, 0, 0)
	t.Run("verdicts", func(t *testing.T) { testListVerdicts(t, s) })
	t.Run("order", func(t *testing.T) { testListOrder(t, s) })
	t.Run("sparklines", func(t *testing.T) { testListSparklines(t, s) })
	t.Run("app page", func(t *testing.T) { testAppPageVerdict(t, s) })
}

// testListVerdicts: every flysim story gets the verdict and reason its
// metrics call for, over HTTP, with storefront's incident "now".
func testListVerdicts(t *testing.T, s *stack) {
	rows := getList(t, s, "/")
	if len(rows) != storyApps {
		t.Fatalf("%d rows, want the %d story apps", len(rows), storyApps)
	}
	checkVerdicts(t, rows, []verdictCase{
		{"storefront", health.Degraded, []string{"5xx at 1", "% since ", " UTC over the last 10 min"}},
		{"search-api", health.Degraded, []string{"p95 ", " in syd", "the other regions"}},
		{"queue-worker", health.Healthy, []string{"3 of 3 machines reporting", "CPU "}},
		{"old-landing", health.Idle, []string{"req/s over the last 10 min"}},
		{"blog", health.Healthy, []string{"req/s", "5xx", "p95"}},
		// The OOM kill was over two hours ago and the machine came back,
		// its memory climbing toward the next; the deploy made billing-api
		// slower, under the thresholds, and the list says since when.
		{"image-resizer", health.Warning, []string{"climbing since the OOM kill at ", "out of memory in about "}},
		{"billing-api", health.Healthy, []string{"x since ", "req/s"}},
	})
	// The regions come from the metrics, and match the machines'.
	if r, _ := rowNamed(rows, "search-api"); !slices.Equal(r.Regions, []string{"iad", "nrt", "ord", "sjc", "syd"}) || r.Machines != "7" {
		t.Errorf("search-api regions %v, machines %q; want iad nrt ord sjc syd, 7", r.Regions, r.Machines)
	}
	if r, _ := rowNamed(rows, "queue-worker"); !slices.Equal(r.Regions, []string{"iad", "ord"}) {
		t.Errorf("queue-worker regions %v, want iad ord", r.Regions)
	}
	for _, r := range rows {
		// Destroy lives one step away, on the app's page, not on every row.
		if r.Host != r.Name+".fly.dev" || r.Destroy || r.Href != "/apps/"+r.Name {
			t.Errorf("%s: host %q, destroy control on the row %v, link %q", r.Name, r.Host, r.Destroy, r.Href)
		}
	}

	// An absolute window judges its own end, and says when that was:
	// ending before the incident, storefront was healthy.
	from, to := listNow.Add(-time.Hour), listNow.Add(-30*time.Minute)
	rows = getList(t, s, "/?from="+from.Format(time.RFC3339)+"&to="+to.Format(time.RFC3339))
	if r, _ := rowNamed(rows, "storefront"); r.Status != "Healthy" {
		t.Errorf("storefront before the incident: %s (%s), want Healthy", r.Status, r.Reason)
	}
	from, to = listNow.Add(-20*time.Minute), listNow.Add(-5*time.Minute)
	rows = getList(t, s, "/?from="+from.Format(time.RFC3339)+"&to="+to.Format(time.RFC3339))
	if r, _ := rowNamed(rows, "storefront"); r.Status != "Degraded" || !strings.Contains(r.Reason, "to Nov 20 11:55 UTC") {
		t.Errorf("storefront in an absolute window: %s %q, want Degraded ending Nov 20 11:55 UTC", r.Status, r.Reason)
	}
	if r, _ := rowNamed(rows, "storefront"); !strings.Contains(r.Href, "from=") {
		t.Errorf("the app link %q drops the list's range", r.Href)
	}
}

// testAppPageVerdict: the app page repeats the list's verdict, computed
// from its own panels, without extra queries.
func testAppPageVerdict(t *testing.T, s *stack) {
	for app, want := range map[string][]string{
		"storefront":   {"Degraded", "5xx at 1"},
		"search-api":   {"Degraded", " in syd"},
		"queue-worker": {"No HTTP service"},
	} {
		_, p0 := s.Sim.Sim.Counts()
		status, body, _ := s.get(t, "/apps/"+app+"?range=1h")
		_, p1 := s.Sim.Sim.Counts()
		if status != http.StatusOK {
			t.Fatalf("%s: %d", app, status)
		}
		doc, err := html.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		v := find(doc, func(n *html.Node) bool { return hasClass(n, "app-verdict") })
		if v == nil {
			t.Errorf("%s: no verdict on the app page", app)
			continue
		}
		for _, w := range want {
			if !strings.Contains(text(v), w) {
				t.Errorf("%s: verdict %q does not say %q", app, text(v), w)
			}
		}
		// The panels, the region map's one, and the timeline's columns.
		if n := len(promql.Catalog()) + len(promql.MachinesCatalog()) + 1 + len(promql.Columns()); p1-p0 > int64(n) {
			t.Errorf("%s: the app page sent %d queries, want at most %d", app, p1-p0, n)
		}
	}
}

// testListOrder: worst first by default; by name on ?sort=name.
func testListOrder(t *testing.T, s *stack) {
	rank := map[string]int{}
	for _, st := range health.Statuses() {
		rank[st.String()] = int(st)
	}
	rows := getList(t, s, "/")
	for i := 1; i < len(rows); i++ {
		if rank[rows[i-1].Status] > rank[rows[i].Status] {
			t.Errorf("%s (%s) listed before %s (%s)", rows[i-1].Name, rows[i-1].Status, rows[i].Name, rows[i].Status)
		}
	}
	if len(rows) == 0 || rows[0].Status != "Degraded" || rows[len(rows)-1].Name != "old-landing" {
		t.Errorf("order %v: want the degraded apps first and the idle app last", names(rows))
	}
	// A worker whose volumes fill is a Warning, above every healthy app;
	// two loads give one order.
	first := map[string]int{}
	for i, r := range rows {
		first[r.Name] = i
	}
	for _, r := range rows {
		if r.Status == "Healthy" && first[r.Name] < first["orders-db"] {
			t.Errorf("order %v: healthy %s above orders-db", names(rows), r.Name)
		}
	}
	if again := getList(t, s, "/"); !slices.Equal(names(again), names(rows)) {
		t.Errorf("two loads, two orders: %v then %v", names(rows), names(again))
	}

	rows = getList(t, s, "/?sort=name&range=1h")
	if got := names(rows); !slices.IsSorted(got) || len(got) != storyApps {
		t.Errorf("?sort=name gives %v", got)
	}
	// The range links keep the sort, and the sort links keep the range.
	_, body, _ := s.get(t, "/?sort=name&range=1h")
	for _, want := range []string{`href="/?range=24h&amp;sort=name"`, `href="/?range=1h"`} {
		if !strings.Contains(body, want) {
			t.Errorf("no link %s", want)
		}
	}
	if status, body, _ := s.get(t, "/?sort=size"); status != http.StatusBadRequest || !strings.Contains(body, "sort=size") {
		t.Errorf("?sort=size: %d, want 400 naming the parameter", status)
	}
	if status, _, _ := s.get(t, "/?range=2w"); status != http.StatusBadRequest {
		t.Errorf("?range=2w: %d, want 400", status)
	}
}

func names(rows []listRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name)
	}
	return out
}

// testListSparklines: four SVG sparklines per HTTP app; an app without an
// HTTP service gets only CPU, and its HTTP cells say why.
func testListSparklines(t *testing.T, s *stack) {
	_, body, _ := s.get(t, "/")
	for _, r := range parseList(t, body) {
		want := 4
		if r.Name == fleet.NoHTTPApp || r.Name == fleet.VolumeFillingApp {
			want = 1
			if len(r.Empty) != 3 || !strings.Contains(r.EmptyWhy[0], "no public HTTP service") {
				t.Errorf("%s's empty cells: %q %q", r.Name, r.Empty, r.EmptyWhy)
			}
		}
		if r.Sparks != want {
			t.Errorf("%s: %d sparklines, want %d", r.Name, r.Sparks, want)
		}
	}
	doc, _ := html.Parse(strings.NewReader(body))
	for _, svg := range findAll(doc, func(n *html.Node) bool { return n.Data == "svg" && hasClass(n, "fds") }) {
		if attr(svg, "width") != "120" || find(svg, func(n *html.Node) bool { return n.Data == "title" }) == nil {
			t.Errorf("sparkline without its size or title: %v", svg.Attr)
			break
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("the list carries a script")
	}
}

// TestListWithoutPrometheus: when every overview query fails, the apps
// are still listed with their actions; each metric cell says it is
// unavailable, and verdicts say they cannot be given.
func TestListWithoutPrometheus(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{Sim: flysim.Options{PromErrorRate: 1}, PromTimeout: 2 * time.Second})
	status, body, _ := s.get(t, "/")
	if status != http.StatusOK {
		t.Fatalf("list: %d", status)
	}
	rows := parseList(t, body)
	if len(rows) != storyApps {
		t.Fatalf("%d rows, want %d", len(rows), storyApps)
	}
	for _, r := range rows {
		if r.Sparks != 0 || len(r.Empty) != 4 || r.Empty[0] != "unavailable" || r.EmptyWhy[0] != "Requests: "+seeAbove {
			t.Errorf("%s: %d sparklines, empty cells %q %q", r.Name, r.Sparks, r.Empty, r.EmptyWhy)
		}
		if r.Status != "Unknown" || !strings.HasPrefix(r.Reason, "metrics unavailable") || r.Destroy {
			t.Errorf("%s: %s %q, destroy %v", r.Name, r.Status, r.Reason, r.Destroy)
		}
	}
	if !strings.Contains(body, `>Retry</a>`) {
		t.Error("no retry link for the failed columns")
	}
}

// TestListEmptyOrg: an org whose apps are all gone welcomes the person and
// points at "Launch an app".
func TestListEmptyOrg(t *testing.T) {
	t.Parallel()
	s := newListStack(t, 1, 0)
	fly, err := flyapi.New(context.Background(), flyapi.Config{Token: "test-token", Org: s.Sim.Sim.Org(), BaseURL: s.Sim.URL, APIBaseURL: s.Sim.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := fly.DestroyApp(context.Background(), "storefront"); err != nil {
		t.Fatalf("destroy through the Machines API: %v", err)
	}
	status, body, _ := s.get(t, "/")
	if status != http.StatusOK {
		t.Fatalf("list: %d", status)
	}
	if rows := parseList(t, body); len(rows) != 0 {
		t.Errorf("%d rows in an empty org", len(rows))
	}
	for _, want := range []string{`class="empty"`, "No apps in " + s.Sim.Sim.Org() + " yet", `href="/apps/new"`} {
		if !strings.Contains(body, want) {
			t.Errorf("empty state lacks %q", want)
		}
	}
}

// TestListJustLaunched: an app launched a moment ago has no metrics yet;
// the list says so instead of calling it Down or "No HTTP service".
func TestListJustLaunched(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{Sim: flysim.Options{Apps: 1}})
	form := url.Values{"name": {"fresh-app"}, "image": {"flyio/hellofly:latest"}, "region": {"ams"}}
	if status, _, _ := s.post(t, "/apps", form); status != http.StatusSeeOther {
		t.Fatalf("POST /apps: %d", status)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if status, _, _ := s.get(t, "/apps/fresh-app/launch"); status == http.StatusSeeOther {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the launch did not finish")
		}
	}
	_, body, _ := s.get(t, "/")
	r, ok := rowNamed(parseList(t, body), "fresh-app")
	if !ok {
		t.Fatal("the launched app is not listed")
	}
	// It serves HTTP, or may: what kind of app it is cannot be told yet.
	if cell := rowText(t, body, "fresh-app"); strings.Contains(cell, "No HTTP service") {
		t.Errorf("a just-launched app reads %q; it is not known to have no HTTP service", cell)
	}
	if r.Status == "Down" || (r.Status == "Unknown" && r.Reason != "launched moments ago: no metrics yet") {
		t.Errorf("a just-launched app: %s %q", r.Status, r.Reason)
	}
	t.Logf("just launched: %s %q", r.Status, r.Reason)
}
