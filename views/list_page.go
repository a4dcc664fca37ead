package views

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// listPageSize is the rows of one page of the list. An org of 500 apps
// (one app per customer is common on Fly) was 3.3 MB of HTML on one page;
// 50 rows are about 200 sparklines, a screenful or two, and the worst apps
// are on the first page anyway.
const listPageSize = 50

// maxFilterLen is the longest name filter that can match: Fly app names are
// at most 63 characters.
const maxFilterLen = 63

// listQuery is the part of the list's URL that picks rows: ?q= and ?page=.
// Neither changes the queries, so every page and filter of one range is
// answered from the same cached overview.
type listQuery struct {
	Filter string // lower-cased; "" shows every app
	Page   int    // from 1
}

// listQueryError is a message for the person who typed the URL, written
// as sentences.
type listQueryError string

func (e listQueryError) Error() string { return string(e) }

// parseListQuery reads ?q= and ?page=.
func parseListQuery(q url.Values) (listQuery, error) {
	lq := listQuery{Filter: strings.ToLower(strings.TrimSpace(q.Get("q"))), Page: 1}
	if len(lq.Filter) > maxFilterLen {
		return lq, listQueryError(fmt.Sprintf("q= is %d characters long; Fly app names have at most %d, so nothing could match.", len(lq.Filter), maxFilterLen))
	}
	p := strings.TrimSpace(q.Get("page"))
	if p == "" {
		return lq, nil
	}
	if strings.Trim(p, "0123456789") != "" {
		return lq, listQueryError(fmt.Sprintf("page=%q is not a page number: use a whole number from 1.", truncateInput(p)))
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		// Only digits, so too large for an int: past any end.
		n = int(^uint(0) >> 1)
	}
	if n < 1 {
		return lq, listQueryError(fmt.Sprintf("page=%s is not a page number: pages start at 1.", p))
	}
	lq.Page = n
	return lq, nil
}

// matchingApps keeps the rows whose name contains filter (lower-cased),
// in their order.
func matchingApps(rows []appRow, filter string) []appRow {
	if filter == "" {
		return rows
	}
	var out []appRow
	for _, r := range rows {
		if strings.Contains(strings.ToLower(r.Name), filter) {
			out = append(out, r)
		}
	}
	return out
}

// paginate gives the rows [lo, hi) of page (from 1) among total rows, and
// how many pages there are: at least one, an empty one when total is 0.
// ok is false when page is past the last.
func paginate(total, page, size int) (lo, hi, pages int, ok bool) {
	pages = max(1, (total+size-1)/size)
	if page < 1 || page > pages {
		return 0, 0, pages, false
	}
	lo = (page - 1) * size
	return lo, min(total, lo+size), pages, true
}

// pageNumbers are the page links to offer: the first and last, and two
// either side of the current one; 0 stands for a gap ("…").
func pageNumbers(page, pages int) []int {
	var out []int
	for n := 1; n <= pages; n++ {
		if n == 1 || n == pages || (n >= page-2 && n <= page+2) {
			out = append(out, n)
		} else if len(out) > 0 && out[len(out)-1] != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// pager is the list's filter form and page links.
type pager struct {
	// OrgApps is how many apps the org has; Total how many match.
	OrgApps, Total int
	Filter         string
	// From and To number the rows shown, from 1.
	From, To    int
	Page, Pages int
	Prev, Next  string // "" on the first or last page
	Links       []navLink
	// Clear is the list without the filter; Keep the parameters the
	// filter form carries along, so filtering keeps the range and order.
	Clear string
	Keep  []hiddenInput
}

type hiddenInput struct{ Name, Value string }

// pageParams are the parameters the filter form keeps; page is not one of
// them, since a new filter starts at its first page.
var pageParams = []string{"range", "from", "to", "sort", "refresh"}

// pageList filters and pages the sorted rows of p.Apps, leaving the page's
// rows in p.Apps and the links in p.Pager. A page past the end is a 404
// that says how many pages there are, unless the listing failed, whose
// page shows the error instead. It reports false when it has answered.
func (s *server) pageList(c *gin.Context, p *appListPage, lq listQuery, listed bool) bool {
	u := c.Request.URL
	rows := matchingApps(p.Apps, lq.Filter)
	pg := pager{OrgApps: len(p.Apps), Total: len(rows), Filter: lq.Filter, Page: lq.Page}
	lo, hi, pages, ok := paginate(len(rows), lq.Page, listPageSize)
	if !ok && listed {
		what := fmt.Sprintf("%d apps make", len(rows))
		if lq.Filter != "" {
			what = fmt.Sprintf("%d apps matching %q make", len(rows), lq.Filter)
		}
		plural := "s"
		if pages == 1 {
			plural = ""
		}
		e := errorPage{layout: s.layout(c, "No such page"), Status: http.StatusNotFound, Heading: "No such page",
			Message: fmt.Sprintf("There is no page %d: %s %d page%s of %d.", lq.Page, what, pages, plural, listPageSize),
			Back:    linkWith(u, map[string]string{"page": ""})}
		s.render(c, http.StatusNotFound, "error", e)
		return false
	}
	if !ok {
		pg.Page = pages
		lo, hi, _, _ = paginate(len(rows), pages, listPageSize)
	}
	p.Apps = rows[lo:hi]
	pg.Pages, pg.From, pg.To = pages, lo+1, hi
	link := func(n int) string {
		if n == 1 {
			return linkWith(u, map[string]string{"page": ""})
		}
		return linkWith(u, map[string]string{"page": strconv.Itoa(n)})
	}
	if pg.Page > 1 {
		pg.Prev = link(pg.Page - 1)
	}
	if pg.Page < pages {
		pg.Next = link(pg.Page + 1)
	}
	if pages > 1 {
		for _, n := range pageNumbers(pg.Page, pages) {
			if n == 0 {
				pg.Links = append(pg.Links, navLink{Label: "…"})
				continue
			}
			pg.Links = append(pg.Links, navLink{Label: strconv.Itoa(n), Href: link(n), Current: n == pg.Page})
		}
	}
	pg.Clear = linkWith(u, map[string]string{"q": "", "page": ""})
	q := u.Query()
	for _, k := range pageParams {
		if v := q.Get(k); v != "" {
			pg.Keep = append(pg.Keep, hiddenInput{k, v})
		}
	}
	p.Pager = pg
	return true
}

// firstPage is u without its page: a new range or order starts again at
// the first page, since it reorders the rows.
func firstPage(u *url.URL) *url.URL {
	v := *u
	q := u.Query()
	q.Del("page")
	v.RawQuery = q.Encode()
	return &v
}
