// Package apispec checks Machines API responses against Fly's own OpenAPI
// document (docs.machines.dev) with kin-openapi, so flysim's fidelity is
// measured against what Fly publishes rather than against what our client
// happens to read. Tests wrap flysim's handler with Middleware; nothing in
// the product imports this package.
package apispec

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// SpecJSON is Fly's Machines API document, vendored with its source and
// digest in testdata/README.md, so a fresh clone checks against it with
// nothing beside the repository.
//
//go:embed testdata/machines-openapi3.json
var SpecJSON []byte

// SpecSHA256 is the digest testdata/README.md records for SpecJSON.
const SpecSHA256 = "45efe4aaecb2f7c0185831792cd7335528990a304bbbb7eb7e6f91725c53daeb"

var checked atomic.Int64

// Checked counts the responses checked so far in this process, so a test can
// prove the check is wired in.
func Checked() int64 { return checked.Load() }

// Validator holds the loaded spec and its router.
type Validator struct {
	doc      *openapi3.T
	router   routers.Router
	errorDoc *openapi3.Schema
}

// Load parses a spec document and prepares it for matching flysim's
// requests.
func Load(spec []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("apispec: load the Machines API spec: %w", err)
	}
	// The spec's only server is https://api.machines.dev/v1; flysim serves
	// the same paths on loopback, so match on the /v1 path alone.
	doc.Servers = openapi3.Servers{{URL: "/v1"}}
	errRef := doc.Components.Schemas["ErrorResponse"]
	if errRef == nil || errRef.Value == nil {
		return nil, errors.New("apispec: the spec defines no ErrorResponse schema")
	}
	// Two amendments. ErrorResponse.status is an enum (main.statusCode)
	// of "unknown" and "insufficient_capacity", but Fly now answers a taken
	// app name with status "name_taken" (fly-go v0.9.6 reads it). Without
	// this, faithfulness to Fly's behaviour would fail its own document.
	if st := doc.Components.Schemas["main.statusCode"]; st != nil && st.Value != nil && !slices.Contains(st.Value.Enum, any("name_taken")) {
		st.Value.Enum = append(st.Value.Enum, "name_taken")
	}
	// And services[].force_instance_key: typed a plain string, but Fly sends
	// null when it is unset (a capture of a real org; fly-go's field has no
	// omitempty), so a faithful flysim sends null too.
	if svc := doc.Components.Schemas["fly.MachineService"]; svc != nil && svc.Value != nil {
		if key := svc.Value.Properties["force_instance_key"]; key != nil && key.Value != nil {
			key.Value.Nullable = true
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("apispec: route the Machines API spec: %w", err)
	}
	return &Validator{doc: doc, router: router, errorDoc: errRef.Value}, nil
}

// Check validates one response to req. A status the operation documents is
// checked by openapi3filter.ValidateResponse against that status's schema.
// An error status the spec leaves undocumented (most operations list only
// their success) must still be an ErrorResponse carrying a message; a
// success status the operation does not document, or a success on a path
// the spec does not have, is a mismatch.
func (v *Validator) Check(req *http.Request, status int, header http.Header, body []byte) error {
	checked.Add(1)
	where := req.Method + " " + req.URL.RequestURI()
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		if status < 400 {
			return fmt.Errorf("%s answered %d but the spec has no such operation (%v)", where, status, err)
		}
		return v.checkError(where, status, header, body)
	}
	responses := route.Operation.Responses
	if responses.Status(status) == nil && responses.Default() == nil {
		if status < 400 {
			return fmt.Errorf("%s answered %d, which operation %s does not document", where, status, route.Operation.OperationID)
		}
		return v.checkError(where, status, header, body)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
		},
		Status: status,
		Header: header,
		// MultiError lists every mismatch, not just the first.
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s answered %d (%s): %w", where, status, route.Operation.OperationID, err)
	}
	if status >= 400 {
		return v.checkError(where, status, header, body)
	}
	return nil
}

// checkError wants the ErrorResponse schema and, beyond the spec (which
// requires nothing), a non-empty "error" a person can read.
func (v *Validator) checkError(where string, status int, header http.Header, body []byte) error {
	if ct := header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("%s answered %d with Content-Type %q, want application/json", where, status, ct)
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("%s answered %d with a body that is not JSON: %w", where, status, err)
	}
	if err := v.errorDoc.VisitJSON(value, openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("%s answered %d with a body that is not an ErrorResponse: %w", where, status, err)
	}
	if m, _ := value.(map[string]any); m == nil || m["error"] == nil || m["error"] == "" {
		return fmt.Errorf("%s answered %d without an error message: %s", where, status, body)
	}
	return nil
}

// Middleware validates every response next gives and hands each mismatch,
// with the body that caused it, to report.
func (v *Validator) Middleware(report func(error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &recorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			if !rec.wrote {
				// The client went away (a hang fault, a timeout): no response.
				return
			}
			if err := v.Check(r, rec.status, w.Header(), rec.body.Bytes()); err != nil {
				report(fmt.Errorf("%w\nbody: %s", err, truncate(rec.body.Bytes(), 2000)))
			}
		})
	}
}

// recorder passes the response through while keeping a copy of it.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

var _ io.Writer = (*recorder)(nil)

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
