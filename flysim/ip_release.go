package flysim

import (
	"errors"
	"net/http"

	"github.com/flydash/dashboard/flysim/fleet"
)

// releaseIP is DELETE /v1/apps/{app}/ip_assignments/{ip}: 204 with no body,
// as Fly's OpenAPI documents it.
func (s *Sim) releaseIP(w http.ResponseWriter, r *http.Request) {
	err := s.fleet.ReleaseIP(r.PathValue("app"), r.PathValue("ip"))
	switch {
	case errors.Is(err, fleet.ErrIPNotFound):
		writeMachinesError(w, http.StatusNotFound, "ip assignment "+r.PathValue("ip")+" not found")
	case err != nil:
		writeFleetError(w, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
