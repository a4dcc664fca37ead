package views

import (
	"maps"
	"net/http"
)

// healthz answers Fly's health check from memory, in front of everything
// else (routing, sign-in, compression, logging): it asks nothing of Fly's
// APIs and waits on nothing, so a slow upstream or a crowd of pages never
// gets the dashboard's own machine restarted.
func healthz(headers http.Header, next http.Handler) http.Handler {
	body := []byte("ok")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		maps.Copy(w.Header(), headers)
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	})
}
