// Package reqmetrics times the dashboard's requests for /metrics and
// serves the registry.
package reqmetrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics times every request by route pattern, method and status.
type Metrics struct {
	duration *prometheus.HistogramVec
}

// New registers the request histogram with reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "flydash_http_request_duration_seconds",
		Help: "Time to answer dashboard requests, by route pattern, method and status.",
		// Pages wait on Fly's APIs: the buckets reach the upstream timeouts.
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30},
	}, []string{"route", "method", "status"})}
	if err := reg.Register(m.duration); err != nil {
		return nil, err
	}
	return m, nil
}

// Observe is the gin middleware.
func (m *Metrics) Observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	// The route pattern, never the path: paths carry app names and
	// whatever a visitor typed, which would make the label set unbounded.
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.duration.WithLabelValues(route, methodLabel(c.Request.Method), strconv.Itoa(c.Writer.Status())).
		Observe(time.Since(start).Seconds())
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// Handler serves g in Prometheus' text format.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
