package apispec

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// The vendored spec is the one testdata/README.md describes: an edit shows
// up here, not as a silently different contract.
func TestSpecIsTheVendoredCopy(t *testing.T) {
	sum := sha256.Sum256(SpecJSON)
	if got := hex.EncodeToString(sum[:]); got != SpecSHA256 {
		t.Fatalf("testdata/machines-openapi3.json has SHA-256 %s; testdata/README.md records %s", got, SpecSHA256)
	}
	readme, err := os.ReadFile("testdata/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), SpecSHA256) {
		t.Errorf("testdata/README.md does not record the digest %s", SpecSHA256)
	}
}

// The validator must catch what it is for: each case is a response Fly's
// spec rules out, next to one it allows.
func TestCheckCatchesMismatches(t *testing.T) {
	v, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body, wantErr      string // wantErr "" = must pass
	}{
		{"good machine", "GET", "/v1/apps/a/machines/m", 200, jsonCT, `{"id":"m","host_status":"ok","config":{"guest":{"cpus":1}}}`, ""},
		{"host_status outside its enum", "GET", "/v1/apps/a/machines/m", 200, jsonCT, `{"id":"m","host_status":"fine"}`, "host_status"},
		{"cpus as a string", "GET", "/v1/apps/a/machines/m", 200, jsonCT, `{"config":{"guest":{"cpus":"1"}}}`, "cpus"},
		{"null where an object goes", "GET", "/v1/apps/a/machines/m", 200, jsonCT, `{"incomplete_config":null}`, "incomplete_config"},
		{"autostop as a boolean", "GET", "/v1/apps/a/machines", 200, jsonCT, `[{"config":{"services":[{"autostop":true}]}}]`, "autostop"},
		{"volume size as text", "GET", "/v1/apps/a/volumes/v", 200, jsonCT, `{"size_gb":"1"}`, "size_gb"},
		{"app list not an object", "GET", "/v1/apps?org_slug=x", 200, jsonCT, `[]`, "object"},
		{"wrong content type", "GET", "/v1/apps/a", 200, http.Header{"Content-Type": {"text/plain"}}, `{}`, "text/plain"},
		{"undocumented success", "GET", "/v1/apps/a", 201, jsonCT, `{}`, "does not document"},
		{"success on a path Fly lacks", "GET", "/v1/nope", 200, jsonCT, `{}`, "no such operation"},
		{"error in the spec's shape", "GET", "/v1/apps/a", 404, jsonCT, `{"error":"app not found"}`, ""},
		{"name_taken is Fly's newer status", "POST", "/v1/apps", 422, jsonCT, `{"error":"taken","status":"name_taken"}`, ""},
		{"error status outside the enum", "GET", "/v1/apps/a", 404, jsonCT, `{"error":"x","status":"not_found"}`, "status"},
		{"error without a message", "GET", "/v1/apps/a", 404, jsonCT, `{"status":"unknown"}`, "message"},
		{"error as plain text", "GET", "/v1/nope", 404, http.Header{"Content-Type": {"text/plain"}}, `404 page not found`, "Content-Type"},
		{"documented 400 checked too", "POST", "/v1/apps", 400, jsonCT, `{"error":5}`, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			err := v.Check(req, tc.status, tc.header, []byte(tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("rejected a response the spec allows: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("accepted a response the spec rules out")
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
		})
	}
}

// The middleware sees the response its handler wrote and reports it.
func TestMiddlewareReports(t *testing.T) {
	v, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	var got []error
	h := v.Middleware(func(err error) { got = append(got, err) })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"machine_count":"two"}`))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/apps/a", nil))
	if len(got) != 1 || !strings.Contains(got[0].Error(), "machine_count") {
		t.Fatalf("reports = %v, want one about machine_count", got)
	}
	if rec.Body.String() != `{"machine_count":"two"}` {
		t.Errorf("client got %q: the middleware must pass the response through", rec.Body)
	}
}
