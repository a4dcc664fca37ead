package promapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flydash/dashboard/flysim/promapi"
)

// endpoints the fuzzer picks from; the label name of the last is fuzzed.
var fuzzPaths = []string{"/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/label/"}

// FuzzPromAPI throws arbitrary parameters at every endpoint: the answer
// must be well-formed Prometheus JSON, success or a 4xx error, never a
// panic or a 5xx other than a timeout.
func FuzzPromAPI(f *testing.F) {
	// A short timeout keeps expensive but valid queries from stalling the
	// fuzzer; they end as 503 timeouts, which are allowed.
	srv := newServer(f, promapi.WithTimeout(2*time.Second), promapi.WithMaxSamples(200_000))
	seeds := []struct {
		path                                  uint8
		query, start, end, step, at, pathName string
	}{
		{0, `sum by (region) (rate(fly_edge_http_responses_count{app="storefront"}[5m]))`, "", "", "", "1795176000", ""},
		{1, `histogram_quantile(0.95, sum by (le) (rate(fly_app_http_response_time_seconds_bucket[5m])))`, "1795170000", "1795176000", "60", "", ""},
		{1, `fly_instance_up`, "2026-11-20T11:00:00Z", "2026-11-20T12:00:00Z", "1m", "", ""},
		{1, `up`, "1795176000", "1795170000", "0", "", ""},
		{1, `rate(x[5m]`, "abc", "", "-1", "", ""},
		{0, ``, "", "", "", "NaN", ""},
		{0, `fly_instance_cpu @ 1795176000 offset -1h`, "", "", "", "1e300", ""},
		{2, `{app="blog"}`, "", "", "", "", ""},
		{3, `fly_instance_cpu`, "-1e18", "1e18", "", "", ""},
		{4, `{app=~"s.*"}`, "", "", "", "", "app"},
		{4, ``, "", "", "", "", "U__a_2e_b"},
		{1, `1`, "0", "1e10", "1e-9", "", ""},
		{0, `label_replace(fly_instance_up, "x", "$1", "app", "(")`, "", "", "", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.path, s.query, s.start, s.end, s.step, s.at, s.pathName)
	}
	f.Fuzz(func(t *testing.T, pathIndex uint8, query, start, end, step, at, pathName string) {
		path := fuzzPaths[int(pathIndex)%len(fuzzPaths)]
		if strings.HasSuffix(path, "/") {
			path += url.PathEscape(pathName) + "/values"
		}
		form := url.Values{}
		for k, v := range map[string]string{"query": query, "start": start, "end": end, "step": step, "time": at} {
			if v != "" {
				form.Set(k, v)
			}
		}
		if query != "" {
			form.Add("match[]", query)
		}
		method := http.MethodGet
		if pathIndex >= 128 {
			method = http.MethodPost
		}
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
			t.Skip("not a request a client can send")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, req.URL, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var w wireResponse
		if err := json.Unmarshal(body, &w); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %.200q", method, req.URL, resp.StatusCode, body)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			if w.Status != "success" {
				t.Fatalf("%s %s: 200 with status %q", method, req.URL, w.Status)
			}
		case resp.StatusCode == http.StatusServiceUnavailable && w.ErrorType == "timeout":
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			if w.Status != "error" || w.ErrorType == "" || w.Error == "" {
				t.Fatalf("%s %s: %d without a Prometheus error: %.200q", method, req.URL, resp.StatusCode, body)
			}
		default:
			t.Fatalf("%s %s: status %d: %.300q", method, req.URL, resp.StatusCode, body)
		}
	})
}
