package flysim

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// apiKind tells the middlewares which API they guard, so failures come back in
// the shape that API's real clients parse.
type apiKind int

const (
	machinesAPI apiKind = iota
	promAPI
	logsAPI
)

type faultSpec struct {
	counter   *atomic.Int64
	latency   time.Duration
	jitter    time.Duration
	errorRate float64
	mode      string
	seed      int64
}

// fault counts each request, then delays, fails, hangs or garbles it as
// configured before next sees it. The n-th request's fate is a hash of
// (seed, n): runs are repeatable, yet failures spread evenly.
func fault(which apiKind, spec faultSpec, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := spec.counter.Add(1)
		delay := spec.latency
		if spec.jitter > 0 {
			delay += time.Duration(unit(spec.seed, n, 1) * float64(spec.jitter))
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch spec.mode {
		case FaultHang:
			<-r.Context().Done()
			return
		case FaultCancel:
			// Prometheus' own answer for a query cancelled on its side.
			writePromError(w, 499, "canceled", "query was canceled")
			return
		case FaultUnauthorized:
			writeLogsError(w, http.StatusUnauthorized, "unauthorized (injected fault)")
			return
		case FaultGarbage:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>\x00{\"status\":"))
			return
		}
		if spec.errorRate > 0 && unit(spec.seed, n, 2) < spec.errorRate {
			const msg = "service temporarily unavailable (injected fault)"
			switch which {
			case promAPI:
				writePromError(w, http.StatusServiceUnavailable, "unavailable", msg)
			case logsAPI:
				writeLogsError(w, http.StatusServiceUnavailable, msg)
			default:
				writeMachinesError(w, http.StatusServiceUnavailable, msg)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// unit maps (seed, n, salt) to [0, 1).
func unit(seed, n int64, salt byte) float64 {
	h := fnv.New64a()
	var b [17]byte
	for i := range 8 {
		b[i] = byte(seed >> (8 * i))
		b[8+i] = byte(n >> (8 * i))
	}
	b[16] = salt
	_, _ = h.Write(b[:])
	return float64(h.Sum64()>>11) / (1 << 53)
}

// requireAuth wants a token the way Fly takes it: "Bearer <tok>" or
// "FlyV1 <macaroons>". flysim accepts any non-empty token.
func requireAuth(which apiKind, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if (scheme != "Bearer" && scheme != "FlyV1") || strings.TrimSpace(token) == "" {
			const msg = `unauthorized: send "Authorization: Bearer <token>" or "Authorization: FlyV1 <token>"`
			switch which {
			case promAPI:
				writePromError(w, http.StatusUnauthorized, "unauthorized", msg)
			case logsAPI:
				writeLogsError(w, http.StatusUnauthorized, msg)
			default:
				writeMachinesError(w, http.StatusUnauthorized, msg)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeMachinesError answers like the Machines API: {"error": "..."}.
func writeMachinesError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// writePromError answers like the Prometheus HTTP API.
func writePromError(w http.ResponseWriter, status int, errorType, msg string) {
	writeJSON(w, status, map[string]string{"status": "error", "errorType": errorType, "error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	// Error messages quote <token> and the like; keep them readable.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
