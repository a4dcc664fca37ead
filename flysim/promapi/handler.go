// Package promapi serves the read side of the Prometheus HTTP API, as Fly
// exposes it at https://api.fly.io/prometheus/<org>/, over any
// storage.Queryable, evaluated by the real Prometheus engine.
package promapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"
)

// Default limits of the engine. Prometheus defaults to 50 M samples and
// 2 min; a simulator on a laptop wants to fail sooner.
const (
	DefaultMaxSamples = 20_000_000
	DefaultTimeout    = 20 * time.Second
	// lookbackDelta is Prometheus' default, which series.Lookback assumes
	// when it picks a coarser grid for instant selectors.
	lookbackDelta = 5 * time.Minute
	// maxPoints is Prometheus' cap on points per series of a range query.
	maxPoints = 11000
)

// statusClientClosed is the nginx-style status Prometheus gives a query the
// client abandoned.
const statusClientClosed = 499

// Error types, as Prometheus names them.
const (
	errBadData   = "bad_data"
	errExec      = "execution"
	errTimeout   = "timeout"
	errCanceled  = "canceled"
	errInternal  = "internal"
	errNotFound  = "not_found"
	errNotAllowd = "method_not_allowed"
)

type handler struct {
	org    string
	q      storage.Queryable
	now    func() time.Time
	engine *promql.Engine
	parser parser.Parser
	mux    *http.ServeMux
}

// Option adjusts a handler's engine.
type Option func(*promql.EngineOpts)

// WithMaxSamples caps the samples a query may hold in memory at once.
func WithMaxSamples(n int) Option {
	return func(o *promql.EngineOpts) { o.MaxSamples = n }
}

// WithTimeout caps a query's evaluation time.
func WithTimeout(d time.Duration) Option {
	return func(o *promql.EngineOpts) { o.Timeout = d }
}

// NewHandler serves /api/v1/query, /query_range, /series, /labels and
// /label/{name}/values (GET and form POST) relative to where it is mounted,
// e.g. under /prometheus/<org>/ with http.StripPrefix. org is only used in
// log lines; now is the clock for queries without a time.
func NewHandler(org string, q storage.Queryable, now func() time.Time, opts ...Option) http.Handler {
	if now == nil {
		now = time.Now
	}
	engineOpts := promql.EngineOpts{
		MaxSamples:           DefaultMaxSamples,
		Timeout:              DefaultTimeout,
		LookbackDelta:        lookbackDelta,
		EnableAtModifier:     true,
		EnableNegativeOffset: true,
	}
	for _, o := range opts {
		o(&engineOpts)
	}
	h := &handler{
		org:    org,
		q:      q,
		now:    now,
		engine: promql.NewEngine(engineOpts),
		parser: parser.NewParser(parser.Options{}),
		mux:    http.NewServeMux(),
	}
	h.mux.HandleFunc("/api/v1/query", h.api(h.query))
	h.mux.HandleFunc("/api/v1/query_range", h.api(h.queryRange))
	h.mux.HandleFunc("/api/v1/series", h.api(h.series))
	h.mux.HandleFunc("/api/v1/labels", h.api(h.labelNames))
	h.mux.HandleFunc("/api/v1/label/{name}/values", h.api(h.labelValues))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{errNotFound, fmt.Errorf("unknown API path %q", r.URL.Path)})
	})
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

type apiError struct {
	typ string
	err error
}

func (e *apiError) status() int {
	switch e.typ {
	case errBadData:
		return http.StatusBadRequest
	case errExec:
		return http.StatusUnprocessableEntity
	case errTimeout:
		return http.StatusServiceUnavailable
	case errCanceled:
		return statusClientClosed
	case errNotFound:
		return http.StatusNotFound
	case errNotAllowd:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

func badData(param string, err error) *apiError {
	return &apiError{errBadData, fmt.Errorf("invalid parameter %q: %w", param, err)}
}

type response struct {
	Status    string   `json:"status"`
	Data      any      `json:"data,omitempty"`
	ErrorType string   `json:"errorType,omitempty"`
	Error     string   `json:"error,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
	Infos     []string `json:"infos,omitempty"`
}

type queryData struct {
	ResultType parser.ValueType `json:"resultType"`
	Result     any              `json:"result"`
}

type apiFunc func(r *http.Request) (any, annotations.Annotations, *apiError)

// api wraps an endpoint: method and form checks, JSON out, and a recover so
// that no input can take the simulator down.
func (h *handler) api(f apiFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				slog.Error("prometheus API panic", "org", h.org, "path", r.URL.Path, "panic", p)
				writeError(w, &apiError{errInternal, fmt.Errorf("internal error: %v", p)})
			}
		}()
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			writeError(w, &apiError{errNotAllowd, fmt.Errorf("method %s not allowed", r.Method)})
			return
		}
		if err := r.ParseForm(); err != nil {
			writeError(w, &apiError{errBadData, fmt.Errorf("error parsing form values: %w", err)})
			return
		}
		data, annos, apiErr := f(r)
		if apiErr != nil {
			writeError(w, apiErr)
			return
		}
		warnings, infos := annos.AsStrings("", 10, 10)
		writeJSON(w, http.StatusOK, response{Status: "success", Data: data, Warnings: warnings, Infos: infos})
	}
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status(), response{Status: "error", ErrorType: e.typ, Error: e.err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b = []byte(`{"status":"error","errorType":"internal","error":"cannot encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func (h *handler) opts() promql.QueryOpts {
	return promql.NewPrometheusQueryOpts(false, 0, nil)
}

func (h *handler) query(r *http.Request) (any, annotations.Annotations, *apiError) {
	qs, apiErr := requireQuery(r)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	ts, apiErr := parseTimeParam(r, "time", h.now())
	if apiErr != nil {
		return nil, nil, apiErr
	}
	ctx, cancel, apiErr := withTimeout(r)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	defer cancel()
	qry, err := h.engine.NewInstantQuery(ctx, h.q, h.opts(), qs, ts)
	if err != nil {
		return nil, nil, constructionError(err)
	}
	return h.exec(ctx, qry)
}

func (h *handler) queryRange(r *http.Request) (any, annotations.Annotations, *apiError) {
	qs, apiErr := requireQuery(r)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	start, err := parseTime(r.FormValue("start"))
	if err != nil {
		return nil, nil, badData("start", err)
	}
	end, err := parseTime(r.FormValue("end"))
	if err != nil {
		return nil, nil, badData("end", err)
	}
	if end.Before(start) {
		return nil, nil, badData("end", errors.New("end timestamp must not be before start time"))
	}
	step, err := parseDuration(r.FormValue("step"))
	if err != nil {
		return nil, nil, badData("step", err)
	}
	if step <= 0 {
		return nil, nil, badData("step", errors.New("zero or negative query resolution step widths are not accepted. Try a positive integer"))
	}
	// end-start can overflow a Duration for far-apart times.
	if end.Sub(start)/step > maxPoints || end.Unix()-start.Unix() > int64(maxPoints)*int64(math.Ceil(step.Seconds())) {
		return nil, nil, &apiError{errBadData, errors.New("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")}
	}
	ctx, cancel, apiErr := withTimeout(r)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	defer cancel()
	qry, err := h.engine.NewRangeQuery(ctx, h.q, h.opts(), qs, start, end, step)
	if err != nil {
		return nil, nil, constructionError(err)
	}
	return h.exec(ctx, qry)
}

func (h *handler) exec(ctx context.Context, qry promql.Query) (any, annotations.Annotations, *apiError) {
	defer qry.Close()
	res := qry.Exec(ctx)
	if res.Err != nil {
		return nil, res.Warnings, execError(res.Err)
	}
	// The result is encoded before Close returns its memory to the engine.
	b, err := json.Marshal(queryData{ResultType: res.Value.Type(), Result: res.Value})
	if err != nil {
		return nil, nil, &apiError{errInternal, err}
	}
	return json.RawMessage(b), res.Warnings, nil
}

func constructionError(err error) *apiError {
	var timeout promql.ErrQueryTimeout
	var canceled promql.ErrQueryCanceled
	if errors.As(err, &timeout) || errors.As(err, &canceled) {
		return execError(err)
	}
	return badData("query", err)
}

func execError(err error) *apiError {
	var canceled promql.ErrQueryCanceled
	var timeout promql.ErrQueryTimeout
	var storageErr promql.ErrStorage
	switch {
	case errors.As(err, &canceled), errors.Is(err, context.Canceled):
		return &apiError{errCanceled, err}
	case errors.As(err, &timeout), errors.Is(err, context.DeadlineExceeded):
		return &apiError{errTimeout, err}
	case errors.As(err, &storageErr):
		return &apiError{errInternal, err}
	}
	return &apiError{errExec, err}
}

func (h *handler) series(r *http.Request) (any, annotations.Annotations, *apiError) {
	a, apiErr := h.parseLookup(r, true)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	sets, mint, maxt, limit := a.sets, a.mint, a.maxt, a.limit
	q, err := h.q.Querier(mint, maxt)
	if err != nil {
		return nil, nil, &apiError{errExec, err}
	}
	defer q.Close()
	hints := &storage.SelectHints{Start: mint, End: maxt, Func: "series"}
	seen := map[string]struct{}{}
	out := []labels.Labels{}
	for _, ms := range sets {
		set := q.Select(r.Context(), true, hints, ms...)
		for set.Next() {
			ls := set.At().Labels()
			key := ls.String()
			if _, dup := seen[key]; dup {
				continue
			}
			seen[key] = struct{}{}
			out = append(out, ls)
		}
		if err := set.Err(); err != nil {
			return nil, nil, execError(err)
		}
	}
	slices.SortFunc(out, labels.Compare)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil, nil
}

func (h *handler) labelNames(r *http.Request) (any, annotations.Annotations, *apiError) {
	return h.labelLookup(r, func(q storage.Querier, hints *storage.LabelHints, ms []*labels.Matcher) ([]string, error) {
		names, _, err := q.LabelNames(r.Context(), hints, ms...)
		return names, err
	})
}

func (h *handler) labelValues(r *http.Request) (any, annotations.Annotations, *apiError) {
	name := r.PathValue("name")
	if strings.HasPrefix(name, "U__") {
		name = model.UnescapeName(name, model.ValueEncodingEscaping)
	}
	if name == "" || !utf8.ValidString(name) {
		return nil, nil, badData("label", fmt.Errorf("invalid label name: %q", name))
	}
	return h.labelLookup(r, func(q storage.Querier, hints *storage.LabelHints, ms []*labels.Matcher) ([]string, error) {
		values, _, err := q.LabelValues(r.Context(), name, hints, ms...)
		return values, err
	})
}

// labelLookup runs a label query once per match[] set (or once without
// matchers) and merges the answers, as Prometheus does.
func (h *handler) labelLookup(r *http.Request, lookup func(storage.Querier, *storage.LabelHints, []*labels.Matcher) ([]string, error)) (any, annotations.Annotations, *apiError) {
	a, apiErr := h.parseLookup(r, false)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	sets, mint, maxt, limit := a.sets, a.mint, a.maxt, a.limit
	q, err := h.q.Querier(mint, maxt)
	if err != nil {
		return nil, nil, &apiError{errExec, err}
	}
	defer q.Close()
	if len(sets) == 0 {
		sets = [][]*labels.Matcher{nil}
	}
	seen := map[string]struct{}{}
	for _, ms := range sets {
		vals, err := lookup(q, &storage.LabelHints{}, ms)
		if err != nil {
			return nil, nil, execError(err)
		}
		for _, v := range vals {
			seen[v] = struct{}{}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	slices.Sort(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil, nil
}
