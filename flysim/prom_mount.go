package flysim

import (
	"net/http"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
)

// newPromHandler serves the Prometheus HTTP API for org, paths relative to
// /prometheus/<org>. Placeholder until flysim/promapi and flysim/series land.
func newPromHandler(org string, f *fleet.Fleet, now func() time.Time) http.Handler {
	_, _, _ = org, f, now
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writePromError(w, http.StatusServiceUnavailable, "unavailable", "the Prometheus API of flysim is not built yet")
	})
}
