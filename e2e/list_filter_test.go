package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/flydash/dashboard/flysim/fleet"
)

// testListFilter: the list's name filter is a plain form. Typed into and
// submitted, it puts q= in the URL beside the range and order it came
// from and shows the matching rows; when nothing matches the page says so,
// and its link brings back every app on the same range and order.
func testListFilter(t *testing.T, st *stack, browser context.Context) {
	tb := newTab(t, browser)
	tb.open(t, st.URL+"/?range=6h&sort=name")
	all := len(eval[[]listRow](t, tb, listScript))

	tb.do(t, "type a filter", chromedp.SendKeys(chromedp.CSS(`#list-q`), "STORE"))
	if status := clickAndLoad(t, tb, `form.list-filter button[type=submit]`); status != http.StatusOK {
		t.Fatalf("filtering: HTTP %d", status)
	}
	loc, _ := url.Parse(tb.location(t))
	if q := loc.Query(); q.Get("q") != "STORE" || q.Get("range") != "6h" || q.Get("sort") != "name" || q.Has("page") {
		t.Errorf("the filter form went to %s; want q=STORE with range=6h and sort=name, no page", loc)
	}
	if rows := eval[[]listRow](t, tb, listScript); len(rows) != 1 || rows[0].App != fleet.IncidentApp {
		t.Errorf("q=STORE shows %v, want only %s", rows, fleet.IncidentApp)
	}
	if n := eval[string](t, tb, `(document.querySelector('.showing-rows') || {}).textContent || ''`); !strings.Contains(n, "1 app matching “store”") {
		t.Errorf("the filtered list says %q, want how many apps match", n)
	}
	checkNoScript(t, tb, "filtered list")
	tb.screenshot(t, "01b-list-filtered")

	tb.do(t, "type a filter nothing matches", chromedp.SetValue(chromedp.CSS(`#list-q`), "xyz"))
	if status := clickAndLoad(t, tb, `form.list-filter button[type=submit]`); status != http.StatusOK {
		t.Fatalf("filtering: HTTP %d", status)
	}
	if msg := eval[string](t, tb, `(document.querySelector('.no-match') || {}).textContent || ''`); !strings.Contains(msg, "No app matches “xyz”") {
		t.Errorf("no match says %q", strings.TrimSpace(msg))
	}
	if status := clickAndLoad(t, tb, `.no-match a`); status != http.StatusOK {
		t.Fatalf("clearing the filter: HTTP %d", status)
	}
	loc, _ = url.Parse(tb.location(t))
	if q := loc.Query(); q.Has("q") || q.Get("range") != "6h" || q.Get("sort") != "name" {
		t.Errorf("clearing went to %s; want range=6h and sort=name without q", loc)
	}
	if rows := eval[[]listRow](t, tb, listScript); len(rows) != all || all == 0 {
		t.Errorf("after clearing, %d rows; the unfiltered list had %d", len(rows), all)
	}
	tb.checkConsole(t, "list filter")
}
