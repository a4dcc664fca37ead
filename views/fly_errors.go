package views

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/internal/units"
)

// explainFly says in a sentence what went wrong talking to Fly: who failed
// and how. Only an HTTP answer from Fly is quoted as Fly's words; a refused
// connection or a body that is not JSON is the dashboard's own finding.
func explainFly(err error) string {
	var fe *flyapi.Error
	errors.As(err, &fe)
	detail := ""
	if fe != nil && fe.Detail != "" && !fe.Transport {
		detail = " Fly said: " + fe.Detail + "."
	}
	switch {
	case errors.Is(err, flyapi.ErrTimeout):
		if fe != nil && fe.After > 0 {
			return "The Fly Machines API did not answer within " + units.Duration(fe.After) + "."
		}
		return "The Fly Machines API did not answer in time."
	case errors.Is(err, flyapi.ErrUnavailable) && fe != nil && fe.Transport:
		if fe.Detail == flyapi.DetailNotJSON {
			return "The Fly Machines API answered with something that is not an API response."
		}
		return "The dashboard could not connect to the Fly Machines API (" + fe.Detail + ")."
	case errors.Is(err, flyapi.ErrUnavailable):
		if fe != nil && fe.Status != 0 {
			return "The Fly Machines API answered with an error (" + strconv.Itoa(fe.Status) + ")." + detail
		}
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
	case errors.Is(err, context.Canceled):
		return "The request was cancelled before the Fly Machines API answered."
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
