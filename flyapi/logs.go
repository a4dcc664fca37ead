package flyapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"time"

	fly "github.com/superfly/fly-go"
	"github.com/superfly/fly-go/tokens"
)

// DefaultAPIBaseURL is Fly's web API, where flyctl reads an app's logs.
const DefaultAPIBaseURL = "https://api.fly.io"

// Fly's logs API answers pages of at most LogsPageSize entries and keeps
// about LogsRetention of them.
// https://fly.io/docs/monitoring/logs-api-options/
const (
	LogsPageSize  = 100
	LogsRetention = 7 * 24 * time.Hour
)

// LogsQuery selects an app's log lines as Fly's logs API does.
type LogsQuery struct {
	// After reads forward from just after this moment (Fly's next_token);
	// zero means Fly's default, the latest lines of the last 24 hours.
	After time.Time
	// Region and Instance filter by region code and machine id; empty
	// means all.
	Region, Instance string
}

// LogsPage is one page of lines, oldest first, and where the next starts.
type LogsPage struct {
	Entries []fly.LogEntry
	// Next is Fly's next_token as a time: the next page reads after it.
	// Zero when Fly gave none.
	Next time.Time
}

// machineIDPattern is Fly's machine id: 14 lowercase hex digits.
var machineIDPattern = regexp.MustCompile(`^[0-9a-f]{14}$`)

// ValidMachineID reports whether id has the shape of a Fly machine id.
func ValidMachineID(id string) bool { return machineIDPattern.MatchString(id) }

// newAPIClient is fly-go's client of Fly's web API over the same token,
// transport and user agent as flaps, sent to cfg.APIBaseURL. fly-go
// builds the logs URL from a package-wide base URL (fly.SetBaseURL); the
// transport rewrites the host instead, as it does for flaps, so no global
// is set.
func newAPIClient(cfg Config, transport http.RoundTripper, ua string) (*fly.Client, error) {
	base := cfg.APIBaseURL
	if base == "" {
		base = DefaultAPIBaseURL
	}
	target, err := baseTarget("Fly API", "FLY_API_BASE_URL", base)
	if err != nil {
		return nil, err
	}
	off, none := false, ""
	return fly.NewClientFromOptions(fly.ClientOptions{
		Tokens: tokens.Parse(cfg.Token),
		// Not from the environment: FLY_FORCE_TRACE and FLY_FORCE_REGION
		// are flyctl's debugging switches.
		EnableDebugTrace: &off,
		FlyForceRegion:   &none,
		Transport: &fly.Transport{
			UnderlyingTransport: &rebaseTransport{target: target, next: transport},
			UserAgent:           ua,
		},
	}), nil
}

// AppLogs reads one page of an app's logs through fly-go's GetAppLogs, the
// call `fly logs` polls. Fly does not support this API for external use,
// but flyctl depends on it. fly-go retries 502 and 503 like flaps.
func (c *Client) AppLogs(ctx context.Context, app string, q LogsQuery) (LogsPage, error) {
	op := "read the logs of " + app
	if !ValidAppName(app) {
		return LogsPage{}, &Error{Op: op, Kind: ErrNotFound}
	}
	if q.Instance != "" && !ValidMachineID(q.Instance) {
		return LogsPage{}, &Error{Op: op, Kind: ErrInvalid, Detail: "not a machine id"}
	}
	token := ""
	if !q.After.IsZero() {
		token = strconv.FormatInt(q.After.UnixNano(), 10)
	}
	ctx, cancel := c.readDeadline(ctx)
	defer cancel()
	entries, next, err := c.api.GetAppLogs(ctx, app, token, q.Region, q.Instance)
	if err != nil {
		return LogsPage{}, c.redact(ctx, classifyLogs(ctx, op, err))
	}
	page := LogsPage{Entries: entries}
	if ns, err := strconv.ParseInt(next, 10, 64); err == nil && ns > 0 {
		page.Next = time.Unix(0, ns).UTC()
	}
	return page, nil
}

// classifyLogs turns fly-go's errors into this package's kinds. fly-go
// reports a status as an ApiError carrying only the status line, so
// there is no Fly message to quote.
func classifyLogs(ctx context.Context, op string, err error) error {
	if e := unanswered(ctx, op, err); e != nil {
		return e
	}
	var ae *fly.ApiError
	if errors.As(err, &ae) {
		e := &Error{Op: op, Status: ae.Status, Kind: ErrUnavailable}
		switch ae.Status {
		case http.StatusNotFound:
			e.Kind = ErrNotFound
		case http.StatusUnauthorized:
			e.Kind = ErrUnauthorized
		case http.StatusForbidden:
			e.Kind = ErrForbidden
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			e.Kind = ErrInvalid
		}
		return e
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return &Error{Op: op, Kind: ErrUnavailable, Detail: DetailNotJSON, Transport: true}
	}
	return &Error{Op: op, Kind: ErrUnavailable, Detail: transportDetail(err), Transport: true}
}
