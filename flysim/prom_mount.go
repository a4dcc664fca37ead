package flysim

import (
	"net/http"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/promapi"
	"github.com/flydash/dashboard/flysim/series"
)

// newPromHandler serves the Prometheus HTTP API for org over metrics
// synthesized from f, paths relative to /prometheus/<org>.
func newPromHandler(org string, f *fleet.Fleet, now func() time.Time, timeout time.Duration) http.Handler {
	var opts []promapi.Option
	if timeout > 0 {
		opts = append(opts, promapi.WithTimeout(timeout))
	}
	return promapi.NewHandler(org, series.NewQueryable(f), now, opts...)
}
