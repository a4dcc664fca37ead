package views

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/flydash/dashboard/flysim/fleet"
)

var sinceRE = regexp.MustCompile(`since (the deploy (or restart )?at )?\d\d:\d\d UTC|for more than \d+ h`)

// sameSince reports whether two views' "since"s agree to within the
// timeline's step: the list dates a deploy by the restarts the metrics
// show, the app page by the deploy's own event.
func sameSince(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		ta, oka := clockOf(a[i])
		tb, okb := clockOf(b[i])
		if oka != okb || (oka && (ta-tb > 5 || tb-ta > 5)) || (!oka && a[i] != b[i]) {
			return false
		}
	}
	return true
}

// clockOf is the minutes past midnight of "since [the deploy at ]15:04 UTC".
func clockOf(s string) (int, bool) {
	i := strings.Index(s, ":")
	if i < 2 || !strings.HasSuffix(s, " UTC") {
		return 0, false
	}
	h, m := s[i-2:i], s[i+1:i+3]
	return (int(h[0]-'0')*10+int(h[1]-'0'))*60 + int(m[0]-'0')*10 + int(m[1]-'0'), true
}

// testSinceOnEveryView: through flysim over HTTP, every app with a current
// finding gives the same "since" on the list at 1h, 6h, 24h and 7d and on
// its page at 5m, 1h, 6h, 24h and 7d: all read one fixed timeline.
func testSinceOnEveryView(t *testing.T, s *stack) {
	want := map[string][]string{}
	for _, r := range getList(t, s, "/?range=1h") {
		if m := sinceRE.FindAllString(r.Reason, -1); len(m) > 0 {
			want[r.Name] = m
		}
	}
	for _, app := range []string{fleet.ThrottledApp, fleet.ConcurrencyApp, fleet.RegionalLatencyApp} {
		if want[app] == nil {
			t.Errorf("%s: the list at 1h gives no \"since\"", app)
		}
	}
	if m := want[fleet.RegionalLatencyApp]; len(m) == 0 || !strings.HasPrefix(m[0], "since ") {
		t.Errorf("search-api: %q; want when its syd regression started", m)
	}
	for _, rg := range []string{"6h", "24h", "7d"} {
		for _, r := range getList(t, s, "/?range="+rg) {
			if w, ok := want[r.Name]; ok && !sameSince(sinceRE.FindAllString(r.Reason, -1), w) {
				t.Errorf("%s: the list at %s says %q, at 1h %q", r.Name, rg, r.Reason, w)
			}
		}
	}
	for app, w := range want {
		for _, rg := range []string{"5m", "1h", "6h", "24h", "7d"} {
			v := pageVerdict(t, s, "/apps/"+app+"?range="+rg)
			if got := sinceRE.FindAllString(v, -1); !sameSince(got, w) {
				t.Errorf("%s: the app page at %s says %q; the list %q", app, rg, v, w)
			}
		}
	}
}

// pageVerdict is the text of an app page's verdict.
func pageVerdict(t *testing.T, s *stack, path string) string {
	t.Helper()
	status, body, _ := s.get(t, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, status)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if v := find(doc, func(n *html.Node) bool { return hasClass(n, "app-verdict") }); v != nil {
		return text(v)
	}
	t.Errorf("%s: no verdict", path)
	return ""
}
