package flyapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/flysim/apispec"
)

// flakyPosts is an injected fault in front of flysim: every other POST to
// a path ending in suffix (the first attempt of each call, when calls come
// one at a time) is answered 503 as soon as its headers arrive, without
// reading the body, as an edge in front of a busy Machines API may. The
// POSTs it lets through are checked for a whole body and kept.
type flakyPosts struct {
	t      *testing.T
	suffix string

	mu     sync.Mutex
	seen   int
	faults int
	bodies [][]byte
}

func (f *flakyPosts) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, f.suffix) {
			next.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		f.seen++
		fail := f.seen%2 == 1
		if fail {
			f.faults++
		}
		f.mu.Unlock()
		if fail {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":"service temporarily unavailable (injected fault)"}`+"\n")
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil || int64(len(body)) != r.ContentLength || !json.Valid(body) {
			// Not t.Errorf alone: the call must fail too, as Fly would fail it.
			f.t.Errorf("POST %s: body of %d bytes (Content-Length %d, read error %v) is not the JSON flaps sent: %q",
				r.URL.Path, len(body), r.ContentLength, err, body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"request body is not JSON"}`+"\n")
			return
		}
		f.mu.Lock()
		f.bodies = append(f.bodies, body)
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// TestPostRetriedAfter503KeepsItsBody: flaps retries a POST answered 503
// (fly-go's rehttp transport), and the retry must carry the same body. Each
// launch here has the first attempt of every POST to one endpoint refused,
// so it succeeds only if every retry is sent whole. Before each attempt got
// its own body the retry often went out empty ("http: ContentLength=74 with
// Body length 0"), so eight launches an endpoint make a miss unlikely to
// pass by luck.
func TestPostRetriedAfter503KeepsItsBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, suffix string
		perLaunch    int // POSTs to suffix one launch makes
	}{
		{"launch machine", "/machines", 1},
		{"assign addresses", "/ip_assignments", 2}, // v6, then shared v4
		{"create app", "/v1/apps", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := &flakyPosts{t: t, suffix: tc.suffix}
			spec := apispec.ForTest(t)
			srv, err := flysim.Start(context.Background(), flysim.Options{
				Addr: "127.0.0.1:0", StartDelay: 50 * time.Millisecond,
				// The fault sits inside the spec check, so its 503 must
				// be an answer Fly could give too.
				MachinesMiddleware: func(h http.Handler) http.Handler { return spec(f.wrap(h)) },
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			c, err := flyapi.New(context.Background(), flyapi.Config{Token: "test", Org: srv.Sim.Org(), BaseURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			l := flyapi.NewLauncher(c)
			const launches = 8
			for i := range launches {
				app := fmt.Sprintf("retry-%s-%d", strings.ReplaceAll(strings.Trim(tc.suffix, "/"), "_", "-"), i)
				app = strings.ReplaceAll(app, "/", "-")
				spec := flyapi.LaunchSpec{Image: "flyio/hellofly:v" + fmt.Sprint(i), Region: "fra"}
				st, err := l.Start(context.Background(), app, spec)
				if err != nil {
					t.Fatalf("launch %d with a 503 on the first POST %s: %v", i, tc.suffix, err)
				}
				if st.MachineID == "" || len(st.IPs) != 2 {
					t.Fatalf("launch %d: %+v, want a machine and two addresses", i, st)
				}
				live := liveMachines(t, srv, app)
				if len(live) != 1 {
					t.Fatalf("launch %d: %d live machines, want 1", i, len(live))
				}
				// What flysim stored came from the retried body.
				if live[0].Image != spec.Image || live[0].Region != spec.Region || live[0].Metadata["flydash_image"] != spec.Image {
					t.Errorf("launch %d: machine has image %q region %q metadata %v, want what the form asked for",
						i, live[0].Image, live[0].Region, live[0].Metadata)
				}
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			want := launches * tc.perLaunch
			if f.faults != want || len(f.bodies) != want {
				t.Errorf("%d POSTs refused and %d let through, want %d of each (one retry per call)", f.faults, len(f.bodies), want)
			}
			for _, b := range f.bodies {
				var v map[string]any
				if err := json.Unmarshal(b, &v); err != nil || len(v) == 0 {
					t.Errorf("a retried body decodes to %v (%v)", v, err)
				}
			}
		})
	}
}

// TestBaseURLWithCredentialsRefused: a token put in the base URL would be
// quoted by every transport error; the client refuses it without echoing it.
func TestBaseURLWithCredentialsRefused(t *testing.T) {
	t.Parallel()
	for _, base := range []string{
		"https://x:fm2_secretcanary@api.machines.dev",
		"https://fm2_secretcanary@api.machines.dev",
		"https://api.machines.dev/?token=fm2_secretcanary",
	} {
		_, err := flyapi.New(context.Background(), flyapi.Config{Token: "t", Org: "demo", BaseURL: base})
		if err == nil {
			t.Errorf("%s: accepted", base)
			continue
		}
		if strings.Contains(err.Error(), "secretcanary") {
			t.Errorf("the refusal quotes the credential: %v", err)
		}
	}
	if _, err := flyapi.New(context.Background(), flyapi.Config{Token: "t", Org: "demo", BaseURL: "https://api.machines.dev"}); err != nil {
		t.Errorf("plain base URL refused: %v", err)
	}
}
