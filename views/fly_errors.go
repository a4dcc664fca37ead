package views

import (
	"errors"
	"net/http"

	"github.com/flydash/dashboard/flyapi"
)

// flyStatus is the status a page answers with when a Fly call failed.
func flyStatus(err error) int {
	switch {
	case errors.Is(err, flyapi.ErrNotFound), errors.Is(err, flyapi.ErrForbidden):
		return http.StatusNotFound
	case errors.Is(err, flyapi.ErrNameTaken), errors.Is(err, flyapi.ErrInvalid), errors.Is(err, flyapi.ErrConflict):
		return http.StatusUnprocessableEntity
	case errors.Is(err, flyapi.ErrTimeout):
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}
