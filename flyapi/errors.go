package flyapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/superfly/fly-go/flaps"

	"github.com/flydash/dashboard/internal/breaker"
	"github.com/flydash/dashboard/internal/units"
)

// The kinds of failure a handler needs to tell apart. Every error this
// package returns wraps one of them, or is a plain error for the rest.
var (
	ErrNotFound     = errors.New("not found")
	ErrNameTaken    = errors.New("name already taken")
	ErrInvalid      = errors.New("rejected as invalid")
	ErrUnauthorized = errors.New("the Fly API token was refused")
	ErrForbidden    = errors.New("belongs to another organization")
	ErrConflict     = errors.New("conflicts with the current state")
	ErrUnavailable  = errors.New("the Fly API is unavailable")
	ErrTimeout      = errors.New("the Fly API did not answer in time")
)

// Error is what a failed call returns: the kind, Fly's own message when it
// gave one, and the operation that failed.
type Error struct {
	Op     string // e.g. "create app"
	Kind   error  // one of the Err* values
	Status int    // HTTP status Fly answered with, 0 if none
	Detail string // Fly's error message, if any; never contains the token
	// Transport marks a call Fly never answered with an API response (a
	// refused connection, a reset, a body that is not JSON): Detail is then
	// the dashboard's description of what happened, not Fly's words.
	Transport bool
	// After is the deadline an ErrTimeout ran out of, when known.
	After time.Duration
}

func (e *Error) Error() string {
	msg := e.Op + ": " + e.Kind.Error()
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Kind }

// classify turns a flaps error into an *Error. ctx is the call's context:
// flaps' HTTP client reports an expired deadline as a cancelled request, so
// the context is what tells a timeout apart.
func classify(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if e := unanswered(ctx, op, err); e != nil {
		return e
	}
	var fe *flaps.FlapsError
	if !errors.As(err, &fe) {
		// Transport failures (refused connection, reset, bad JSON).
		return &Error{Op: op, Kind: ErrUnavailable, Detail: transportDetail(err), Transport: true}
	}
	detail, status := flyMessage(fe.ResponseBody)
	e := &Error{Op: op, Status: fe.ResponseStatusCode, Detail: detail}
	switch {
	// Fly answers a taken name 422 {"status": "name_taken"} (it used to be
	// 409), so this comes before the 422 that means invalid input.
	case status == "name_taken" || strings.Contains(detail, "already been taken") || strings.Contains(detail, "already exists"):
		e.Kind = ErrNameTaken
	case fe.ResponseStatusCode == http.StatusNotFound:
		e.Kind = ErrNotFound
	case fe.ResponseStatusCode == http.StatusUnauthorized:
		e.Kind = ErrUnauthorized
	case fe.ResponseStatusCode == http.StatusForbidden:
		e.Kind = ErrForbidden
	case fe.ResponseStatusCode == http.StatusConflict || fe.ResponseStatusCode == http.StatusPreconditionFailed:
		e.Kind = ErrConflict
	case fe.ResponseStatusCode == http.StatusBadRequest || fe.ResponseStatusCode == http.StatusUnprocessableEntity:
		e.Kind = ErrInvalid
	default:
		e.Kind = ErrUnavailable
	}
	return e
}

// notSent is the *Error of a call a breaker failed at once, or nil: said
// in the words of the failures that opened it, so a page meeting both says
// one cause once.
func notSent(op string, err error) *Error {
	var open *breaker.OpenError
	if !errors.As(err, &open) {
		return nil
	}
	e := &Error{Op: op, Kind: ErrUnavailable, Detail: open.Detail, Transport: true}
	if open.Cause == breaker.Timeout {
		e.Kind = ErrTimeout
	}
	return e
}

// classify is the package's classify with the token scrubbed from Fly's
// message: Fly does not echo tokens, but an error page is the last place
// one should appear if it ever did.
func (c *Client) classify(ctx context.Context, op string, err error) error {
	return c.redact(ctx, classify(ctx, op, err))
}

// redact scrubs the token from a classified error and says how long a
// timed-out call waited.
func (c *Client) redact(ctx context.Context, err error) error {
	var e *Error
	if errors.As(err, &e) {
		if d, ok := ctx.Value(timeoutKey{}).(time.Duration); ok && e.Kind == ErrTimeout && e.After == 0 {
			e.After = d
		}
		for _, secret := range c.secrets {
			e.Detail = strings.ReplaceAll(e.Detail, secret, "[redacted]")
		}
	}
	return err
}

// flyMessage pulls Fly's {"error": "...", "status": "..."} apart; bodies
// that are not that shape are summarised rather than echoed.
func flyMessage(body []byte) (msg, status string) {
	var b struct {
		Error  string `json:"error"`
		Status string `json:"status"`
	}
	if json.Unmarshal(body, &b) == nil {
		return truncate(b.Error, 200), b.Status
	}
	return "", ""
}

// DetailNotJSON is the Detail of a transport Error whose answer was not the
// API's JSON.
const DetailNotJSON = "the answer was not valid JSON"

func transportDetail(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case strings.Contains(s, "decoding response"), strings.Contains(s, "decode"), strings.Contains(s, "invalid character"):
		return DetailNotJSON
	case strings.Contains(s, "connection reset"), strings.Contains(s, "EOF"):
		return "the connection was closed before an answer"
	case strings.Contains(s, "no such host"):
		return "host not found"
	}
	// net/http's errors quote the request's method and URL; a page needs
	// only what went wrong, and the URL is flaps' idea of the API's address.
	var ue *url.Error
	if errors.As(err, &ue) {
		s = ue.Err.Error()
	}
	return truncate(s, 200)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Explain says in a sentence what went wrong talking to Fly: who failed
// and how. Only an HTTP answer from Fly is quoted as Fly's words; a refused
// connection or a body that is not JSON is the dashboard's own finding.
func Explain(err error) string {
	return ExplainAPI("the Fly Machines API", err)
}

// ExplainAPI is Explain for one of Fly's APIs, named as a sentence names it
// after a verb ("the Fly Machines API", "Fly's logs API").
func ExplainAPI(api string, err error) string {
	the := strings.ToUpper(api[:1]) + api[1:]
	var fe *Error
	errors.As(err, &fe)
	detail := ""
	if fe != nil && fe.Detail != "" && !fe.Transport {
		detail = " Fly said: " + fe.Detail + "."
	}
	switch {
	case errors.Is(err, ErrTimeout):
		if fe != nil && fe.After > 0 {
			return the + " did not answer within " + units.Duration(fe.After) + "."
		}
		return the + " did not answer in time."
	case errors.Is(err, ErrUnavailable) && fe != nil && fe.Transport:
		if fe.Detail == DetailNotJSON {
			return the + " answered with something that is not an API response."
		}
		return "The dashboard could not connect to " + api + " (" + fe.Detail + ")."
	case errors.Is(err, ErrUnavailable):
		if fe != nil && fe.Status != 0 {
			return the + " answered with an error (" + strconv.Itoa(fe.Status) + ")." + detail
		}
		return the + " is unavailable right now." + detail
	case errors.Is(err, ErrUnauthorized):
		return "Fly refused the API token. Check FLY_API_TOKEN: create one with `fly tokens create org`."
	case errors.Is(err, ErrForbidden):
		return "That app belongs to another organization."
	case errors.Is(err, ErrNotFound):
		return "Fly has no such app in this organization."
	case errors.Is(err, ErrNameTaken):
		return "That name is already taken: app names are unique across all of Fly.io."
	case errors.Is(err, ErrInvalid):
		return "Fly rejected the request." + detail
	case errors.Is(err, ErrConflict):
		return "Fly refused because of the app's current state." + detail
	case errors.Is(err, context.Canceled):
		return "The request was cancelled before " + api + " answered."
	}
	return "Talking to " + api + " failed."
}

// unanswered is what both APIs' errors have in common: a deadline, a
// cancelled request, or a call a breaker never sent; nil otherwise.
func unanswered(ctx context.Context, op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Op: op, Kind: ErrTimeout}
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if e := notSent(op, err); e != nil { // a nil *Error is not a nil error
		return e
	}
	return nil
}
