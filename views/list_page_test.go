package views

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/flydash/dashboard/health"
)

func TestParseListQuery(t *testing.T) {
	for _, tc := range []struct {
		query  string
		want   listQuery
		errHas string
	}{
		{"", listQuery{Page: 1}, ""},
		{"page=1", listQuery{Page: 1}, ""},
		{"page=7&q=+Store+", listQuery{Filter: "store", Page: 7}, ""},
		{"page=007", listQuery{Page: 7}, ""},
		{"page=99999999999999999999999", listQuery{Page: int(^uint(0) >> 1)}, ""},
		{"page=0", listQuery{}, "pages start at 1"},
		{"page=-1", listQuery{}, "not a page number"},
		{"page=%2B2", listQuery{}, "not a page number"},
		{"page=1.5", listQuery{}, "whole number"},
		{"page=two", listQuery{}, `page="two"`},
		{"q=" + strings.Repeat("a", 64), listQuery{}, "at most 63"},
	} {
		q, _ := url.ParseQuery(tc.query)
		got, err := parseListQuery(q)
		switch {
		case tc.errHas != "":
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s: error %v, want one saying %q", tc.query, err, tc.errHas)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.query, err)
		case got != tc.want:
			t.Errorf("%s: %+v, want %+v", tc.query, got, tc.want)
		}
	}
}

func TestPaginate(t *testing.T) {
	for _, tc := range []struct {
		total, page, size int
		lo, hi, pages     int
		ok                bool
	}{
		{0, 1, 50, 0, 0, 1, true}, // an empty org or filter still has its one page
		{0, 2, 50, 0, 0, 1, false},
		{7, 1, 50, 0, 7, 1, true},
		{50, 1, 50, 0, 50, 1, true},
		{51, 2, 50, 50, 51, 2, true},
		{500, 10, 50, 450, 500, 10, true},
		{500, 11, 50, 0, 0, 10, false},
		{500, 0, 50, 0, 0, 10, false},
	} {
		lo, hi, pages, ok := paginate(tc.total, tc.page, tc.size)
		if lo != tc.lo || hi != tc.hi || pages != tc.pages || ok != tc.ok {
			t.Errorf("paginate(%d, %d, %d) = %d, %d, %d, %v; want %d, %d, %d, %v",
				tc.total, tc.page, tc.size, lo, hi, pages, ok, tc.lo, tc.hi, tc.pages, tc.ok)
		}
	}
}

func TestPageNumbers(t *testing.T) {
	for _, tc := range []struct {
		page, pages int
		want        []int
	}{
		{1, 1, []int{1}},
		{1, 3, []int{1, 2, 3}},
		{1, 10, []int{1, 2, 3, 0, 10}},
		{5, 10, []int{1, 0, 3, 4, 5, 6, 7, 0, 10}},
		{4, 10, []int{1, 2, 3, 4, 5, 6, 0, 10}},
		{10, 10, []int{1, 0, 8, 9, 10}},
	} {
		if got := pageNumbers(tc.page, tc.pages); !slices.Equal(got, tc.want) {
			t.Errorf("pageNumbers(%d, %d) = %v, want %v", tc.page, tc.pages, got, tc.want)
		}
	}
}

func TestMatchingApps(t *testing.T) {
	var rows []appRow
	for _, n := range []string{"svc-0002", "storefront", "svc-0001", "Search-API"} {
		var r appRow
		r.Name = n
		rows = append(rows, r)
	}
	names := func(rs []appRow) (out []string) {
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	if got := names(matchingApps(rows, "svc")); !slices.Equal(got, []string{"svc-0002", "svc-0001"}) {
		t.Errorf("svc: %v, want the svc apps in their order", got)
	}
	if got := names(matchingApps(rows, "search")); !slices.Equal(got, []string{"Search-API"}) {
		t.Errorf("search: %v", got)
	}
	if got := matchingApps(rows, "xyz"); len(got) != 0 {
		t.Errorf("xyz: %v", names(got))
	}
	if got := matchingApps(rows, ""); len(got) != len(rows) {
		t.Errorf("no filter: %d rows", len(got))
	}
}

// summaryCount is one count of the list's summary.
var summaryCount = regexp.MustCompile(`<span class="count v-[a-z]+">(\d+) ([^<]+)</span>`)

// listSummary is the summary's counts by status.
func listSummary(body string) map[string]int {
	out := map[string]int{}
	for _, m := range summaryCount.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[1])
		out[m[2]] += n
	}
	return out
}

func sum(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

// listPagesApps is the org of the paging tests: three pages of 50.
const listPagesApps = 120

// TestListPages runs the paging checks on one org of 120 apps. It does not
// run in parallel: its org's day-long timeline takes both CPUs of a CI
// machine for a while, which would slow every other test's pages.
func TestListPages(t *testing.T) {
	s := newListStack(t, listPagesApps, listTestTimeout)
	t.Run("pages and filter", func(t *testing.T) { testListPagesAndFilter(t, s) })
	t.Run("links", func(t *testing.T) { testListPagerLinks(t, s) })
}

// testListPagesAndFilter: the pages hold every app once, worst first across
// pages; the summary counts all apps on every page; ?q= filters by name;
// neither paging nor filtering sends a query the first page did not; bad
// page numbers are refused.
func testListPagesAndFilter(t *testing.T, s *stack) {
	const apps = listPagesApps
	get := func(path string) (string, []listRow) {
		t.Helper()
		status, body, _ := s.get(t, path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, status, body)
		}
		return body, parseList(t, body)
	}
	body, first := get("/")
	requireNoFaults(t, "the first page", body)
	summary := listSummary(body)
	if sum(summary) != apps {
		t.Errorf("summary %v counts %d apps, want %d", summary, sum(summary), apps)
	}
	if len(first) != listPageSize || !strings.Contains(body, "1–50 of 120 apps") {
		t.Errorf("first page: %d rows, want %d and a line saying 1–50 of 120", len(first), listPageSize)
	}
	m0, p0 := s.Sim.Sim.Counts()
	views := 1

	// Every page, worst first across them, and the summary on each.
	rank := map[string]int{}
	for _, st := range health.Statuses() {
		rank[st.String()] = int(st)
	}
	all := first
	for _, pc := range []struct{ page, rows int }{{2, 50}, {3, 20}} {
		body, rows := get(fmt.Sprintf("/?page=%d", pc.page))
		views++
		if len(rows) != pc.rows {
			t.Errorf("page %d: %d rows, want %d", pc.page, len(rows), pc.rows)
		}
		if got := listSummary(body); !equalCounts(got, summary) {
			t.Errorf("page %d: summary %v, page 1's %v", pc.page, got, summary)
		}
		all = append(all, rows...)
	}
	seen := map[string]bool{}
	for i, r := range all {
		if seen[r.Name] {
			t.Errorf("%s is on two pages", r.Name)
		}
		seen[r.Name] = true
		if i > 0 && rank[all[i-1].Status] > rank[r.Status] {
			t.Errorf("row %d: %s (%s) after %s (%s)", i, r.Name, r.Status, all[i-1].Name, all[i-1].Status)
		}
	}
	if len(seen) != apps {
		t.Errorf("the pages list %d distinct apps, want %d", len(seen), apps)
	}
	got := map[string]int{}
	for _, r := range all {
		got[r.Status]++
	}
	if !equalCounts(got, summary) {
		t.Errorf("rows by status %v, summary %v", got, summary)
	}

	// By name, the pages are the sorted names, cut at 50.
	var byName []string
	for page := 1; page <= 3; page++ {
		_, rows := get(fmt.Sprintf("/?sort=name&page=%d", page))
		views++
		byName = append(byName, names(rows)...)
	}
	if !slices.IsSorted(byName) || len(byName) != apps {
		t.Errorf("sort=name over three pages: %d apps, sorted %v", len(byName), slices.IsSorted(byName))
	}

	// ?q= keeps the matching apps in order; case does not matter.
	var want []string
	for _, r := range all {
		if strings.Contains(r.Name, "svc-00") {
			want = append(want, r.Name)
		}
	}
	body, rows := get("/?q=SVC-00")
	views++
	body2, rows2 := get("/?q=SVC-00&page=2")
	views++
	if gotNames := append(names(rows), names(rows2)...); !slices.Equal(gotNames, want) {
		t.Errorf("q=svc-00: %v\nwant %v", gotNames, want)
	}
	if !strings.Contains(body, fmt.Sprintf("1–50 of %d apps matching “svc-00” (120 in the org)", len(want))) || sum(listSummary(body2)) != apps {
		t.Errorf("a filtered page does not say how many match, or its summary is not the org's")
	}
	body, rows = get("/?q=xyz")
	views++
	if len(rows) != 0 || !strings.Contains(body, "No app matches “xyz”") || !strings.Contains(body, `href="/">Show all 120 apps`) {
		t.Errorf("q=xyz: %d rows; want none and a message with a link to clear the filter", len(rows))
	}
	if sum(listSummary(body)) != apps {
		t.Errorf("q=xyz: the summary should still count the org's %d apps", apps)
	}

	// None of that asked Prometheus again, and each view at most listed the apps.
	m1, p1 := s.Sim.Sim.Counts()
	if p1 != p0 {
		t.Errorf("pages and filters sent %d Prometheus queries; the first page's should answer them all", p1-p0)
	}
	if m1-m0 > int64(views) {
		t.Errorf("%d Machines API calls for %d views", m1-m0, views)
	}

	for path, wantStatus := range map[string]int{
		"/?page=0": 400, "/?page=-2": 400, "/?page=abc": 400, "/?page=2.5": 400,
		"/?page=4": 404, "/?page=2&q=storefront": 404, "/?q=" + strings.Repeat("x", 80): 400,
	} {
		status, body, _ := s.get(t, path)
		if status != wantStatus {
			t.Errorf("GET %s: %d, want %d", path, status, wantStatus)
		}
		switch {
		case wantStatus == 400 && strings.Contains(path, "page=") && !strings.Contains(body, "not a page number"):
			t.Errorf("GET %s: the message does not say what is wrong with the page", path)
		case path == "/?page=4" && !strings.Contains(body, "There is no page 4: 120 apps make 3 pages of 50."):
			t.Errorf("GET %s: the message does not say how many pages there are", path)
		case path == "/?page=2&q=storefront" && !strings.Contains(body, `href="/?q=storefront"`):
			t.Errorf("GET %s: no link back to the filter's first page", path)
		}
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// testListPagerLinks: the page links are plain links in a labelled nav
// with the current page marked; they, the range links, the sort links and
// the filter form keep the filter, and a new range or order starts at page 1.
func testListPagerLinks(t *testing.T, s *stack) {
	status, body, _ := s.get(t, "/?q=svc&sort=name&range=1h&page=2")
	if status != http.StatusOK {
		t.Fatalf("%d\n%s", status, body)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	nav := find(doc, func(n *html.Node) bool { return n.Data == "nav" && hasClass(n, "pager") })
	if nav == nil || attr(nav, "aria-label") == "" {
		t.Fatal("no pager nav with an aria-label")
	}
	var current []string
	hrefs := map[string]string{}
	for _, a := range findAll(nav, func(n *html.Node) bool { return n.Data == "a" }) {
		hrefs[text(a)] = attr(a, "href")
		if attr(a, "aria-current") == "page" {
			current = append(current, text(a))
		}
	}
	if !slices.Equal(current, []string{"2"}) {
		t.Errorf("current page marked on %v, want [2]", current)
	}
	for label, want := range map[string]string{
		"Previous": "/?q=svc&range=1h&sort=name",
		"1":        "/?q=svc&range=1h&sort=name",
		"Next":     "/?page=3&q=svc&range=1h&sort=name",
		"3":        "/?page=3&q=svc&range=1h&sort=name",
	} {
		if hrefs[label] != want {
			t.Errorf("pager link %q: %q, want %q", label, hrefs[label], want)
		}
	}
	for _, want := range []string{
		`href="/?q=svc&amp;range=24h&amp;sort=name"`,                           // a range link: filter kept, page dropped
		`href="/?q=svc&amp;range=1h"`,                                          // the worst-first link
		`href="/?page=2&amp;q=svc&amp;range=1h&amp;refresh=30s&amp;sort=name"`, // refreshing keeps the page
		`<input type="hidden" name="range" value="1h">`,
		`<input type="hidden" name="sort" value="name">`,
		`name="q" type="search" value="svc"`,
		`<a href="/?range=1h&amp;sort=name">Clear</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s", want)
		}
	}
	if strings.Contains(body, `<input type="hidden" name="page"`) || strings.Contains(body, "<script") {
		t.Error("the filter form carries the page, or the page a script")
	}
}
