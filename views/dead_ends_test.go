package views

import (
	"net/http"
	"strings"
	"testing"
)

// TestErrorPagesLeadBack: a 4xx page links back to where the person was,
// the app at its default range when the URL names one that exists, the
// list otherwise; and the map's explore URL leads to the map.
func TestErrorPagesLeadBack(t *testing.T) {
	t.Parallel()
	s := sharedStack(t)
	for _, tc := range []struct {
		path   string
		status int
		back   string
	}{
		{"/apps/storefront?range=9y", http.StatusBadRequest, `<a href="/apps/storefront">Back to storefront</a>`},
		{"/apps/storefront?from=yesterday", http.StatusBadRequest, `<a href="/apps/storefront">Back to storefront</a>`},
		{"/apps/storefront/charts/nope.svg", http.StatusNotFound, `<a href="/apps/storefront">Back to storefront</a>`},
		{"/apps/storefront/explore/nope", http.StatusNotFound, `<a href="/apps/storefront">Back to storefront</a>`},
		{"/apps/no-such-app", http.StatusNotFound, `<a href="/">Back to apps</a>`},
		{"/apps/no-such-app/destroy", http.StatusNotFound, `<a href="/">Back to apps</a>`},
		{"/?range=9y", http.StatusBadRequest, `<a href="/">Back to apps</a>`},
	} {
		status, body, _ := s.get(t, tc.path)
		if status != tc.status || !strings.Contains(body, tc.back) {
			t.Errorf("%s: HTTP %d, want %d with %s", tc.path, status, tc.status, tc.back)
		}
	}

	status, _, hdr := s.get(t, "/apps/storefront/explore/map?range=6h")
	if status != http.StatusSeeOther || hdr.Get("Location") != "/apps/storefront?range=6h#map" {
		t.Errorf("explore/map: HTTP %d to %q, want 303 to the app page's map", status, hdr.Get("Location"))
	}
}
