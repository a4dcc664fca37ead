package views

import (
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
)

// flyNow is 20 minutes after the simulated day's traffic peak (15:00 UTC):
// pdf-render's burst balance is spent, chat-gateway is at its hard limit,
// notify-api has been crash-looping for an hour and orders-db's volumes are
// two days from full. The org is built with flyNow as its start, so every
// Fly-native story is "now".
var flyNow = time.Date(2026, 11, 20, 15, 20, 0, 0, time.UTC)

func newFlyStack(t testing.TB) *stack {
	t.Helper()
	now := func() time.Time { return flyNow }
	return newStack(t, stackOptions{
		Sim:       flysim.Options{Start: flyNow, Now: now},
		Configure: func(c *Config) { c.Now = now },
	})
}

// TestFlyStories: each Fly-native story shows on the list with the verdict
// and a reason naming it (marking its column), today's stories keep theirs,
// and the app page shows each story where flysim put it, through flysim
// over HTTP.
func TestFlyStories(t *testing.T) {
	t.Parallel()
	s := newFlyStack(t)
	t.Run("list", func(t *testing.T) { testFlyList(t, s) })
	t.Run("app pages", func(t *testing.T) { testFlyPages(t, s) })
	t.Run("chart files", func(t *testing.T) { testFlyChartFiles(t, s) })
	// One stack for these too: the timeline's day for every app is
	// flysim's heaviest query.
	t.Run("since on every view", func(t *testing.T) { testSinceOnEveryView(t, s) })
	t.Run("answer first", func(t *testing.T) { testAnswerFirst(t, s) })
}

func testFlyList(t *testing.T, s *stack) {
	_, body, _ := s.get(t, "/")
	rows := parseList(t, body)
	checkVerdicts(t, rows, []verdictCase{
		{fleet.ThrottledApp, health.Degraded, []string{"CPU throttled since ", "% of the last 10 min): shared-cpu-1x out of burst balance"}},
		{fleet.ConcurrencyApp, health.Degraded, []string{" at the hard concurrency limit since ", "; the edge answered ", " of requests with 5xx over the last 10 min"}},
		{fleet.CrashLoopApp, health.Degraded, []string{"crash loop on iad/", "restarts in 30 min, exit code 1"}},
		// Full in two days: a limit ahead, a Warning.
		{fleet.VolumeFillingApp, health.Warning, []string{"3 volumes 8", "% used, full in about 2 days at the last 6 h's rate"}},
		// Today's stories, at this moment: the incident is over, the
		// regression goes on.
		{fleet.RegionalLatencyApp, health.Degraded, []string{" in syd"}},
		{fleet.IncidentApp, health.Healthy, []string{"req/s"}},
		{fleet.HealthyApp, health.Healthy, []string{"req/s"}},
		{fleet.OOMApp, health.Warning, []string{"out of memory in about "}},
		{fleet.DeployApp, health.Healthy, []string{"req/s"}},
		{fleet.IdleApp, health.Idle, []string{"req/s over the last 10 min"}},
		{fleet.NoHTTPApp, health.Healthy, []string{"3 of 3 machines reporting"}},
	})
	// The matching column is marked: throttling on the CPU sparkline, the
	// crash loop on the machines count; the healthy app's are not.
	doc, _ := html.Parse(strings.NewReader(body))
	row := func(app string) *html.Node {
		return find(doc, func(n *html.Node) bool {
			return n.Data == "tr" && find(n, func(a *html.Node) bool { return hasClass(a, "app-name") && text(a) == app }) != nil
		})
	}
	cpuMarked := func(app string) bool {
		cells := findAll(row(app), func(n *html.Node) bool { return n.Data == "td" && hasClass(n, "spark") })
		return len(cells) == 4 && find(cells[3], func(n *html.Node) bool { return n.Data == "svg" && hasClass(n, "t-warn") }) != nil
	}
	machinesMarked := func(app string) bool {
		return find(row(app), func(n *html.Node) bool { return n.Data == "td" && hasClass(n, "machines") && hasClass(n, "t-warn") }) != nil
	}
	if !cpuMarked(fleet.ThrottledApp) || cpuMarked(fleet.HealthyApp) {
		t.Errorf("CPU column marked: %s %v, %s %v; want only the throttled app", fleet.ThrottledApp, cpuMarked(fleet.ThrottledApp), fleet.HealthyApp, cpuMarked(fleet.HealthyApp))
	}
	if !machinesMarked(fleet.CrashLoopApp) || machinesMarked(fleet.HealthyApp) {
		t.Errorf("machines column marked: %s %v, %s %v; want only the crash-looping app", fleet.CrashLoopApp, machinesMarked(fleet.CrashLoopApp), fleet.HealthyApp, machinesMarked(fleet.HealthyApp))
	}
	// Worst first: the four degraded apps lead.
	for i, r := range rows[:4] {
		if r.Status != "Degraded" {
			t.Errorf("row %d is %s (%s), want the degraded apps first", i, r.Name, r.Status)
		}
	}
}

// panelOf is the section of one chart panel on an app page.
func panelOf(t *testing.T, body, slug string) string {
	t.Helper()
	i := strings.Index(body, `id="`+slug+`"`)
	if i < 0 {
		t.Errorf("no %s panel", slug)
		return ""
	}
	end := strings.Index(body[i:], "</section>")
	return body[i : i+end]
}

func testFlyPages(t *testing.T, s *stack) {
	get := func(app string) string {
		_, p0 := s.Sim.Sim.Counts()
		status, body, _ := s.get(t, "/apps/"+app+"?range=6h")
		_, p1 := s.Sim.Sim.Counts()
		if status != http.StatusOK {
			t.Fatalf("%s: %d", app, status)
		}
		// The panels, the region map's one, and the timeline's columns.
		if n := len(promql.Catalog()) + len(promql.MachinesCatalog()) + 1 + len(promql.Columns()); p1-p0 > int64(n) {
			t.Errorf("%s: the app page sent %d queries, want at most %d", app, p1-p0, n)
		}
		return body
	}
	verdict := func(body string) string {
		doc, _ := html.Parse(strings.NewReader(body))
		if v := find(doc, func(n *html.Node) bool { return hasClass(n, "app-verdict") }); v != nil {
			return text(v)
		}
		return ""
	}

	body := get(fleet.ThrottledApp)
	if v := verdict(body); !strings.Contains(v, "CPU throttled") || !strings.Contains(v, "shared-cpu-1x out of burst balance") {
		t.Errorf("%s: page verdict %q does not name the throttling", fleet.ThrottledApp, v)
	}
	// Use against the baseline on the CPU chart; throttled time, another
	// measure, on its own chart.
	quota := panelOf(t, body, "cpu-quota")
	for _, want := range []string{"<figure>", `class="l s`} {
		if !strings.Contains(quota, want) {
			t.Errorf("%s: CPU throttled panel lacks %q", fleet.ThrottledApp, want)
		}
	}
	if strings.Contains(quota, ">baseline</text>") {
		t.Errorf("%s: the CPU throttled panel draws the baseline, a CPU use, on its time-throttled axis", fleet.ThrottledApp)
	}
	if !strings.Contains(panelOf(t, body, "cpu"), ">baseline</text>") {
		t.Errorf("%s: the CPU panel has no baseline to read use against", fleet.ThrottledApp)
	}
	if !strings.Contains(panelOf(t, body, "cpu-balance"), "<figure>") {
		t.Errorf("%s: no burst balance chart", fleet.ThrottledApp)
	}
	if !strings.Contains(body, `<span class="m-size" title="shared-cpu-1x, 512 MB">shared-cpu-1x <small class="muted">512 MB</small>`) {
		t.Errorf("%s: the machines panel does not give the size as Fly names it", fleet.ThrottledApp)
	}

	body = get(fleet.ConcurrencyApp)
	if v := verdict(body); !strings.Contains(v, "fra/") || !strings.Contains(v, "sin/") || !strings.Contains(v, " at the hard concurrency limit of 25 connections since ") {
		t.Errorf("%s: page verdict %q does not name the machines and their limit", fleet.ConcurrencyApp, v)
	}
	conc := panelOf(t, body, "concurrency")
	for _, want := range []string{">soft limit 20</text>", ">hard limit 25</text>", "<title>Hard limit reached on ", `class="mk k-limit"`} {
		if !strings.Contains(conc, want) {
			t.Errorf("%s: concurrency panel lacks %q", fleet.ConcurrencyApp, want)
		}
	}

	body = get(fleet.VolumeFillingApp)
	vol := panelOf(t, body, "volumes")
	for _, want := range []string{`class="chart-note"`, "full in about 2 days at the last 6 h&#39;s rate", `<table class="volumes">`} {
		if !strings.Contains(vol, want) {
			t.Errorf("%s: volumes panel lacks %q", fleet.VolumeFillingApp, want)
		}
	}
	if n := strings.Count(vol, "full in about"); n != 1 {
		t.Errorf("%s: the volumes panel says when a volume fills %d times, want once above its table", fleet.VolumeFillingApp, n)
	}
	// One table row per volume: name, mount, machine, size, use, full by.
	app, _ := s.Sim.Sim.Fleet().App(fleet.VolumeFillingApp)
	for _, v := range app.Volumes {
		row := `<code>` + v.ID + `</code></small></th><td><code>/data</code></td><td><code>` + v.Region + "/" + v.AttachedMachine[:8] + `</code></td><td class="num">` + strconv.Itoa(v.SizeGB) + ` GB</td>`
		if !strings.Contains(vol, row) {
			t.Errorf("%s: no table row for volume %s: want %s", fleet.VolumeFillingApp, v.ID, row)
		}
	}
	// Each projection's legend says when it fills, as the table does.
	for _, v := range app.Volumes {
		cell := regexp.MustCompile(`<code>` + v.ID + `</code>.*?<td class="warn">([A-Z][a-z]{2} \d+ \d\d:\d\d) UTC</td>`).FindStringSubmatch(vol)
		if cell == nil || !strings.Contains(vol, ">"+v.ID+": full "+cell[1]+"</text>") {
			t.Errorf("%s: volume %s's projection does not say it fills when its table row does (%q)", fleet.VolumeFillingApp, v.ID, cell)
		}
	}
	if n := strings.Count(vol, `<td class="warn">`); n != len(app.Volumes) {
		t.Errorf("%s: %d volumes with a full-by date, want all %d", fleet.VolumeFillingApp, n, len(app.Volumes))
	}
	if c := panelOf(t, body, "concurrency"); !strings.Contains(c, "No HTTP service behind Fly&#39;s proxy, so no concurrency limits apply.") || strings.Contains(c, "Show PromQL") {
		t.Errorf("%s: the concurrency panel of an app without HTTP is not one line", fleet.VolumeFillingApp)
	}

	body = get(fleet.CrashLoopApp)
	if v := verdict(body); !strings.Contains(v, "crash loop on iad/") {
		t.Errorf("%s: page verdict %q does not name the crash loop", fleet.CrashLoopApp, v)
	}
	doc, _ := html.Parse(strings.NewReader(body))
	most := 0
	for _, td := range findAll(doc, func(n *html.Node) bool { return n.Data == "span" && hasClass(n, "restarts") }) {
		if n, err := strconv.Atoi(strings.TrimPrefix(text(td), "≥ ")); err == nil {
			most = max(most, n)
		}
	}
	// An exit every 4-6 minutes for the hour before now, in a 6 h range.
	if most < 9 {
		t.Errorf("%s: the looping machine shows %d restarts, want about a dozen", fleet.CrashLoopApp, most)
	}
	if n := strings.Count(body, `<span class="state looping">crash loop</span>`); n != 1 {
		t.Errorf("%s: %d machines read as a crash loop, want the looping one alone", fleet.CrashLoopApp, n)
	}

	body = get(fleet.HealthyApp)
	if v := panelOf(t, body, "volumes"); !strings.Contains(v, "No volumes are mounted") {
		t.Errorf("%s: the volumes panel of an app without volumes is not one line saying so", fleet.HealthyApp)
	}
	// The simulated org has no Grafana at fly-metrics.net to open.
	if strings.Contains(body, "fly-metrics.net") {
		t.Errorf("%s: the simulated org links to Fly's Grafana, where its id means nothing", fleet.HealthyApp)
	}
}

// TestGrafanaLinkForARealOrg: with a real org (Demo off), every panel
// opens the app in Fly's Grafana under the org's numeric id.
func TestGrafanaLinkForARealOrg(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{Configure: func(c *Config) { c.Demo = false }})
	_, body, _ := s.get(t, "/apps/blog?range=1h")
	org := s.Sim.Sim.Fleet().OrgNumericID()
	if want := `href="https://fly-metrics.net/d/fly-app/fly-app?orgId=` + strconv.FormatInt(org, 10) + `&amp;var-app=blog"`; !strings.Contains(body, want) {
		t.Errorf("no Grafana link %s", want)
	}
}

// testFlyChartFiles: a Machines chart is a chart like the others: its CSV
// holds the limit lines it draws, and it has an explore view.
func testFlyChartFiles(t *testing.T, s *stack) {
	status, body, _ := s.get(t, "/apps/"+fleet.ConcurrencyApp+"/charts/concurrency.csv?range=1h")
	if status != http.StatusOK {
		t.Fatalf("concurrency.csv: %d", status)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("concurrency.csv: %v, %d rows", err, len(rows))
	}
	header := strings.Join(rows[0], ",")
	if !strings.Contains(header, "hard limit 25") || !strings.Contains(header, "soft limit 20") || strings.Contains(header, "reached") {
		t.Errorf("concurrency.csv header %q: want the limit lines and no limit-reached counts", header)
	}
	for _, slug := range []string{"cpu-quota", "cpu-balance", "volumes", "data-out"} {
		if status, _, _ := s.get(t, "/apps/"+fleet.ThrottledApp+"/charts/"+slug+".svg"); status != http.StatusOK {
			t.Errorf("%s.svg: %d", slug, status)
		}
	}
	if status, body, _ := s.get(t, "/apps/"+fleet.ConcurrencyApp+"/explore/concurrency"); status != http.StatusOK || !strings.Contains(body, "hard limit 25") {
		t.Errorf("explore concurrency: %d, limit line shown %v", status, strings.Contains(body, "hard limit 25"))
	}
}
