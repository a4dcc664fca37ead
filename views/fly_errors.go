package views

import (
	"errors"
	"net/http"

	"github.com/flydash/dashboard/flyapi"
)

// explainFly says in a sentence what went wrong talking to Fly.
func explainFly(err error) string {
	var fe *flyapi.Error
	detail := ""
	if errors.As(err, &fe) && fe.Detail != "" {
		detail = " Fly said: " + fe.Detail + "."
	}
	switch {
	case errors.Is(err, flyapi.ErrTimeout):
		return "The Fly Machines API did not answer in time." + detail
	case errors.Is(err, flyapi.ErrUnavailable):
		return "The Fly Machines API is unavailable right now." + detail
	case errors.Is(err, flyapi.ErrUnauthorized):
		return "Fly refused the API token. Check FLY_API_TOKEN: create one with `fly tokens create org`."
	case errors.Is(err, flyapi.ErrForbidden):
		return "That app belongs to another organization."
	case errors.Is(err, flyapi.ErrNotFound):
		return "Fly has no such app in this organization."
	case errors.Is(err, flyapi.ErrNameTaken):
		return "That name is already taken: app names are unique across all of Fly.io."
	case errors.Is(err, flyapi.ErrInvalid):
		return "Fly rejected the request." + detail
	case errors.Is(err, flyapi.ErrConflict):
		return "Fly refused because of the app's current state." + detail
	}
	return "Talking to the Fly Machines API failed."
}

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
