package promapi_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/promapi"
	"github.com/flydash/dashboard/flysim/series"
)

var testStart = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

var testFleet = sync.OnceValue(func() *fleet.Fleet {
	return fleet.New(fleet.Config{Seed: 3, Start: testStart, Now: func() time.Time { return testStart }})
})

// newServer serves the API under Fly's prefix on loopback. The sample
// limit is low enough for a test to reach it quickly.
func newServer(t testing.TB, opts ...promapi.Option) *httptest.Server {
	t.Helper()
	f := testFleet()
	opts = append([]promapi.Option{promapi.WithMaxSamples(500_000)}, opts...)
	mux := http.NewServeMux()
	mux.Handle("/prometheus/demo/", http.StripPrefix("/prometheus/demo", promapi.NewHandler("demo", series.NewQueryable(f), f.Now, opts...)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t *testing.T, srv *httptest.Server) v1.API {
	t.Helper()
	client, err := api.NewClient(api.Config{Address: srv.URL + "/prometheus/demo"})
	if err != nil {
		t.Fatal(err)
	}
	return v1.NewAPI(client)
}

type wireResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

func get(t testing.TB, srv *httptest.Server, method, path string, form url.Values) (int, wireResponse) {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodPost {
		req, err = http.NewRequestWithContext(t.Context(), method, srv.URL+"/prometheus/demo"+path, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequestWithContext(t.Context(), method, srv.URL+"/prometheus/demo"+path+"?"+form.Encode(), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var w wireResponse
	if err := json.Unmarshal(body, &w); err != nil {
		t.Fatalf("%s %s: status %d, body not JSON: %q", method, path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp.StatusCode, w
}

func TestResultShapesThroughClientGolang(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	prom := newClient(t, srv)
	ctx := t.Context()

	v, _, _, err := prom.Query(ctx, `count(fly_instance_up)`, testStart)
	if err != nil {
		t.Fatal(err)
	}
	if vec, ok := v.(model.Vector); !ok || len(vec) != 1 || vec[0].Value <= 0 || !vec[0].Timestamp.Time().Equal(testStart) {
		t.Errorf("instant vector: %#v", v)
	}

	v, _, _, err = prom.Query(ctx, `1 + 2`, testStart)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := v.(*model.Scalar); !ok || s.Value != 3 {
		t.Errorf("scalar: %#v", v)
	}

	// client_golang cannot decode string results (neither from Prometheus),
	// so look at the wire.
	code, w := get(t, srv, "GET", "/api/v1/query", url.Values{"query": {`"fly"`}, "time": {"1795176000"}})
	if code != 200 || string(w.Data) != `{"resultType":"string","result":[1795176000,"fly"]}` {
		t.Errorf("string: %d %s", code, w.Data)
	}

	v, _, _, err = prom.QueryRange(ctx, `fly_instance_up{app="blog"}`, v1.Range{Start: testStart.Add(-time.Hour), End: testStart, Step: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.(model.Matrix)
	if !ok || len(m) == 0 {
		t.Fatalf("matrix: %#v", v)
	}
	for _, s := range m {
		if len(s.Values) != 13 || s.Metric["app"] != "blog" || s.Metric["instance"] == "" {
			t.Errorf("series %s: %d points", s.Metric, len(s.Values))
		}
	}

	// A range selector at the top level is a matrix of raw samples.
	v, _, _, err = prom.Query(ctx, `fly_instance_up{app="blog"}[1m]`, testStart)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := v.(model.Matrix); !ok || len(m) == 0 || len(m[0].Values) != 4 {
		t.Errorf("raw samples over 1m: %#v", v)
	}
}

func TestMetadataEndpoints(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	prom := newClient(t, srv)
	ctx := t.Context()
	from, to := testStart.Add(-time.Hour), testStart

	apps, _, _, err := prom.LabelValues(ctx, "app", nil, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var want []model.LabelValue
	for _, a := range testFleet().Snapshot() {
		want = append(want, model.LabelValue(a.Name))
	}
	if len(apps) != len(want) {
		t.Errorf("app values %v, want %v", apps, want)
	}

	names, _, _, err := prom.LabelNames(ctx, []string{`fly_instance_cpu{app="blog"}`}, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(labelNames(names), ",") != "__name__,app,cpu_id,host,instance,mode,region" {
		t.Errorf("label names of fly_instance_cpu: %v", names)
	}

	sets, _, _, err := prom.Series(ctx, []string{`fly_edge_http_responses_count{app="blog",status="2xx"}`}, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sets {
		if _, ok := s["instance"]; ok {
			t.Errorf("edge series has an instance label: %v", s)
		}
	}
	if len(sets) == 0 {
		t.Error("no edge series for blog")
	}

	// Labels below the machine level (status, le) and matchers on them.
	for _, c := range []struct {
		label, match string
		want         int
	}{
		{"status", `fly_edge_http_responses_count{app="storefront"}`, 4},
		{"le", `fly_edge_http_response_time_seconds_bucket{app="storefront"}`, 13},
		{"region", `fly_edge_http_responses_count{app="storefront",status="5xx"}`, 4},
		{"mode", `fly_instance_cpu{app="blog",mode!="idle"}`, 9},
	} {
		values, _, _, err := prom.LabelValues(ctx, c.label, []string{c.match}, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(values) != c.want {
			t.Errorf("%s values of %s: %v, want %d", c.label, c.match, values, c.want)
		}
	}

	metrics, _, _, err := prom.LabelValues(ctx, "__name__", []string{`{app="queue-worker"}`}, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metrics {
		if !strings.HasPrefix(string(m), "fly_instance_") {
			t.Errorf("worker app exposes %s", m)
		}
	}
}

func labelNames(ns model.LabelNames) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n)
	}
	return out
}

func TestErrorsInPrometheusFormat(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	now := testStart.Unix()
	ts := func(d time.Duration) string { return time.Unix(now, 0).Add(d).Format(time.RFC3339) }
	rangeForm := func(kv ...string) url.Values {
		v := url.Values{"query": {"fly_instance_up"}, "start": {ts(-time.Hour)}, "end": {ts(0)}, "step": {"60"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	cases := []struct {
		name, method, path string
		form               url.Values
		code               int
		errorType          string
	}{
		{"missing query", "GET", "/api/v1/query", url.Values{}, 400, "bad_data"},
		{"blank query", "POST", "/api/v1/query", url.Values{"query": {"  "}}, 400, "bad_data"},
		{"syntax error", "GET", "/api/v1/query", url.Values{"query": {"sum(rate(fly_instance_cpu[5m])"}}, 400, "bad_data"},
		{"bad time", "GET", "/api/v1/query", url.Values{"query": {"1"}, "time": {"yesterday"}}, 400, "bad_data"},
		{"NaN time", "GET", "/api/v1/query", url.Values{"query": {"1"}, "time": {"NaN"}}, 400, "bad_data"},
		{"bad timeout", "GET", "/api/v1/query", url.Values{"query": {"1"}, "timeout": {"soon"}}, 400, "bad_data"},
		{"range missing query", "GET", "/api/v1/query_range", rangeForm("query", ""), 400, "bad_data"},
		{"range bad start", "GET", "/api/v1/query_range", rangeForm("start", "noon"), 400, "bad_data"},
		{"range missing end", "POST", "/api/v1/query_range", rangeForm("end", ""), 400, "bad_data"},
		{"end before start", "GET", "/api/v1/query_range", rangeForm("end", ts(-2*time.Hour)), 400, "bad_data"},
		{"zero step", "GET", "/api/v1/query_range", rangeForm("step", "0"), 400, "bad_data"},
		{"negative step", "GET", "/api/v1/query_range", rangeForm("step", "-15s"), 400, "bad_data"},
		{"bad step", "GET", "/api/v1/query_range", rangeForm("step", "often"), 400, "bad_data"},
		{"too many points", "GET", "/api/v1/query_range", rangeForm("start", ts(-48*time.Hour), "step", "15"), 400, "bad_data"},
		{"range vector in a range query", "GET", "/api/v1/query_range", rangeForm("query", "fly_instance_up[5m]"), 400, "bad_data"},
		{"many-to-many match", "GET", "/api/v1/query", url.Values{"query": {`fly_instance_up + on() fly_instance_up`}, "time": {ts(0)}}, 422, "execution"},
		{"too many samples", "GET", "/api/v1/query_range", rangeForm("query", `fly_instance_cpu`, "start", ts(-24*time.Hour), "step", "15"), 422, "execution"},
		{"timeout", "GET", "/api/v1/query_range", rangeForm("query", `sum(rate({__name__=~"fly_.*"}[1h]))`, "start", ts(-24*time.Hour), "timeout", "1ms"), 503, "timeout"},
		{"series without match[]", "GET", "/api/v1/series", url.Values{}, 400, "bad_data"},
		{"series bad match[]", "GET", "/api/v1/series", url.Values{"match[]": {"{app="}}, 400, "bad_data"},
		{"series empty matcher", "GET", "/api/v1/series", url.Values{"match[]": {`{app=~".*"}`}}, 400, "bad_data"},
		{"labels bad start", "GET", "/api/v1/labels", url.Values{"start": {"x"}}, 400, "bad_data"},
		{"label values bad limit", "GET", "/api/v1/label/app/values", url.Values{"limit": {"-1"}}, 400, "bad_data"},
		{"unknown endpoint", "GET", "/api/v1/alerts", url.Values{}, 404, "not_found"},
		{"wrong method", "DELETE", "/api/v1/query", url.Values{"query": {"1"}}, 405, "method_not_allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, w := get(t, srv, c.method, c.path, c.form)
			if code != c.code || w.Status != "error" || w.ErrorType != c.errorType || w.Error == "" {
				t.Errorf("got %d %s %q, want %d %s", code, w.ErrorType, w.Error, c.code, c.errorType)
			}
		})
	}
}

// client_golang surfaces API errors as *v1.Error with Prometheus' type.
func TestClientSeesTypedErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	prom := newClient(t, srv)
	_, _, _, err := prom.Query(t.Context(), `sum(`, testStart)
	var apiErr *v1.Error
	if !errorsAs(err, &apiErr) || apiErr.Type != v1.ErrBadData {
		t.Errorf("syntax error: %v, want bad_data", err)
	}
	_, _, _, err = prom.QueryRange(t.Context(), `fly_instance_up`, v1.Range{Start: testStart, End: testStart.Add(-time.Hour), Step: time.Minute})
	if !errorsAs(err, &apiErr) || apiErr.Type != v1.ErrBadData {
		t.Errorf("end before start: %v, want bad_data", err)
	}
}

func TestGetAndPostAgree(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	form := url.Values{"query": {`sum by (region) (rate(fly_edge_http_responses_count{app="storefront"}[5m]))`}, "start": {"1795160000"}, "end": {"1795172400"}, "step": {"10m"}}
	codeGet, viaGet := get(t, srv, "GET", "/api/v1/query_range", form)
	codePost, viaPost := get(t, srv, "POST", "/api/v1/query_range", form)
	if codeGet != 200 || codePost != 200 || string(viaGet.Data) != string(viaPost.Data) {
		t.Errorf("GET %d and POST %d differ:\n%s\n%s", codeGet, codePost, viaGet.Data, viaPost.Data)
	}
	if !strings.Contains(string(viaGet.Data), `"resultType":"matrix"`) {
		t.Errorf("data: %s", viaGet.Data)
	}
}

func errorsAs(err error, target **v1.Error) bool { return errors.As(err, target) }
