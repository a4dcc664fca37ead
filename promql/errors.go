package promql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/flydash/dashboard/internal/breaker"
	"github.com/flydash/dashboard/internal/units"
)

// The kinds of failure a query can meet. Classify a Result.Err with
// errors.Is, and turn it into a sentence for people with Explain.
var (
	// ErrTimeout: no answer within Config.Timeout, or the engine gave up.
	ErrTimeout = errors.New("promql: timeout")
	// ErrUnavailable: unreachable, or an HTTP status saying "not now" (5xx, 404, 429).
	ErrUnavailable = errors.New("promql: prometheus unavailable")
	// ErrBadResponse: an answer that is not a query result.
	ErrBadResponse = errors.New("promql: bad response")
	// ErrRejected: the engine refused the query and said why.
	ErrRejected = errors.New("promql: query rejected")
	// ErrUnauthorized: the token was refused (401/403).
	ErrUnauthorized = errors.New("promql: unauthorized")
	// ErrCanceled: the caller went away before the answer came.
	ErrCanceled = errors.New("promql: canceled")
	// ErrFailFast: not sent, because Prometheus timed out or refused
	// connections several times in a row and has not answered a probe
	// since. It is also an ErrTimeout or an ErrUnavailable, by its cause,
	// and Explain words it as those failures, so a page that met both says
	// one cause once.
	ErrFailFast = errors.New("promql: not sent, prometheus is down")
)

// queryError carries what Explain needs. Its message is built here from
// cleaned parts only: upstream bodies and URLs are never passed through
// whole, so nothing the proxy might echo back (a header, a token) can reach
// a log line or a page.
type queryError struct {
	kind    error
	status  int           // HTTP status, when there was one
	msg     string        // cleaned upstream message, for ErrRejected and ErrUnavailable
	timeout time.Duration // for ErrTimeout
	ctxErr  error         // context.DeadlineExceeded or context.Canceled, if that was the cause
	// connect marks ErrUnavailable without any answer: the dashboard could
	// not connect (msg says why: "connection refused").
	connect bool
	// serverCancel marks ErrUnavailable from Prometheus cancelling the query
	// itself (HTTP 499, errorType "canceled"), e.g. while it restarts: not a
	// refusal of the query, and not the caller going away.
	serverCancel bool
	// open is set when the query was not sent: the breaker is open.
	open *breaker.OpenError
}

func (e *queryError) Error() string {
	var b strings.Builder
	b.WriteString(e.kind.Error())
	if e.status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.status)
	}
	if e.timeout != 0 {
		fmt.Fprintf(&b, " after %s", e.timeout)
	}
	if e.msg != "" {
		b.WriteString(": ")
		b.WriteString(e.msg)
	}
	return b.String()
}

func (e *queryError) Is(target error) bool {
	return target == e.kind || (target == ErrFailFast && e.open != nil)
}

// Unwrap exposes only a context error, so errors.Is(err,
// context.DeadlineExceeded) works without handing out the raw upstream error.
func (e *queryError) Unwrap() error { return e.ctxErr }

// Explain turns an error from this package into one sentence for the page.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var qe *queryError
	if errors.As(err, &qe) {
		switch qe.kind {
		case ErrTimeout:
			if qe.timeout > 0 {
				return "Prometheus did not answer within " + units.Duration(qe.timeout) + "."
			}
			return "Prometheus gave up on the query: it took too long."
		case ErrUnavailable:
			switch {
			case qe.serverCancel && qe.status != 0:
				return fmt.Sprintf("Prometheus cancelled the query before answering (%d).", qe.status)
			case qe.serverCancel:
				return "Prometheus cancelled the query before answering."
			case qe.connect:
				return "The dashboard could not connect to Prometheus (" + strings.TrimSuffix(qe.msg, ".") + ")."
			case qe.status != 0:
				return fmt.Sprintf("Prometheus answered with an error (%d).", qe.status)
			}
			if qe.msg != "" {
				return "Prometheus is unavailable: " + strings.TrimSuffix(qe.msg, ".") + "."
			}
			return "Prometheus is unavailable."
		case ErrBadResponse:
			return "Prometheus answered with something that is not a query result."
		case ErrRejected:
			if qe.msg == "" && qe.status != 0 {
				return fmt.Sprintf("Prometheus rejected the query (%d).", qe.status)
			}
			if qe.msg == "" {
				return "Prometheus rejected the query."
			}
			return "Prometheus rejected the query: " + strings.TrimSuffix(qe.msg, ".") + "."
		case ErrUnauthorized:
			return fmt.Sprintf("Prometheus refused the token (%d): it must be allowed to read this organization's metrics.", qe.status)
		case ErrCanceled:
			return "The request was cancelled before Prometheus answered."
		}
	}
	switch {
	case errors.Is(err, ErrInvalidApp):
		return "That is not a valid Fly app name: use lowercase letters, digits and dashes."
	case errors.Is(err, ErrBadOffset):
		return "The comparison offset must be a positive number of whole seconds."
	case errors.Is(err, ErrBadWindow):
		return "That time range cannot be charted: the end must come after the start."
	case errors.Is(err, ErrUnknownQuery):
		return "There is no such chart."
	case errors.Is(err, context.Canceled):
		return "The request was cancelled before Prometheus answered."
	case errors.Is(err, context.DeadlineExceeded):
		return "Prometheus did not answer in time."
	}
	return "The metrics could not be loaded."
}

// classify maps what client_golang returned to one of the kinds above.
func (c *Client) classify(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &queryError{kind: ErrTimeout, timeout: c.timeout, ctxErr: context.DeadlineExceeded}
	case errors.Is(err, context.Canceled):
		return &queryError{kind: ErrCanceled, ctxErr: context.Canceled}
	}

	var apiErr *v1.Error
	if errors.As(err, &apiErr) {
		return c.classifyAPIError(apiErr)
	}

	var open *breaker.OpenError
	if errors.As(err, &open) {
		kind := ErrTimeout
		if open.Cause == breaker.Refused {
			kind = ErrUnavailable
		}
		if kind == ErrTimeout {
			return &queryError{kind: kind, open: open, timeout: c.timeout}
		}
		return &queryError{kind: kind, open: open, connect: true, msg: c.clean(open.Detail)}
	}

	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		// The URL is left out: it names nothing secret, but the inner error
		// says all that helps ("connection refused", "no such host").
		var netErr net.Error
		if errors.As(urlErr.Err, &netErr) && netErr.Timeout() {
			return &queryError{kind: ErrTimeout, timeout: c.timeout}
		}
		if problem, ok := dialProblem(urlErr.Err); ok {
			return &queryError{kind: ErrUnavailable, connect: true, msg: c.clean(problem)}
		}
		return &queryError{kind: ErrUnavailable, msg: c.clean(urlErr.Err.Error())}
	}
	return &queryError{kind: ErrUnavailable, msg: c.clean(err.Error())}
}

// dialProblem says why a connection could not be made ("connection
// refused", "no such host"), if that is what err is.
func dialProblem(err error) (string, bool) {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		msg := opErr.Err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return msg, true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "host not found", true
	}
	return "", false
}

func (c *Client) classifyAPIError(e *v1.Error) error {
	switch e.Type {
	case v1.ErrServer, v1.ErrClient:
		// A plain HTTP failure: client_golang puts "server error: 503" in Msg
		// and the body in Detail.
		status := statusFrom(e.Msg)
		t, msg := apiBody(e.Detail)
		if t == string(v1.ErrTimeout) {
			return &queryError{kind: ErrTimeout, status: status, msg: c.clean(msg)}
		}
		// 499 is what Prometheus answers when a query is cancelled on its
		// side; client_golang only sees a 4xx.
		if t == string(v1.ErrCanceled) || status == 499 {
			return &queryError{kind: ErrUnavailable, status: status, serverCancel: true}
		}
		switch {
		case status == 401 || status == 403:
			return &queryError{kind: ErrUnauthorized, status: status}
		case status >= 500, status == 404, status == 429, status == 0:
			return &queryError{kind: ErrUnavailable, status: status}
		}
		if msg == "" {
			msg = e.Detail
		}
		return &queryError{kind: ErrRejected, status: status, msg: c.clean(msg)}
	case v1.ErrBadResponse:
		return &queryError{kind: ErrBadResponse}
	case v1.ErrTimeout:
		return &queryError{kind: ErrTimeout, msg: c.clean(e.Msg)}
	case v1.ErrCanceled:
		// The caller's own cancellation was caught above, as a context
		// error: this one is Prometheus cancelling the query.
		return &queryError{kind: ErrUnavailable, serverCancel: true}
	}
	// bad_data, execution, and VictoriaMetrics' numeric types ("422"): the
	// engine parsed the request and refused the query.
	return &queryError{kind: ErrRejected, msg: c.clean(e.Msg)}
}

func statusFrom(msg string) int {
	i := strings.LastIndexByte(msg, ' ')
	n, err := strconv.Atoi(msg[i+1:])
	if err != nil {
		return 0
	}
	return n
}

// apiBody reads a Prometheus error envelope, if the body is one.
func apiBody(body string) (errorType, msg string) {
	var env struct {
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if json.Unmarshal([]byte(body), &env) != nil {
		return "", ""
	}
	return env.ErrorType, env.Error
}

// maxMessage bounds an upstream message shown on a page.
const maxMessage = 300

// clean makes an upstream message fit for a page and a log: the credential
// removed wherever it appears, on one line, and not too long.
func (c *Client) clean(msg string) string {
	for _, secret := range c.secrets {
		msg = strings.ReplaceAll(msg, secret, "[redacted]")
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}
