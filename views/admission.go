package views

import (
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/internal/web/compress"
)

// admit is the middleware in front of every expensive handler
// (internal/web/admission).
func (s *server) admit(c *gin.Context) {
	release, ok := s.admission.Acquire(c.Request.Context())
	if !ok {
		if c.Request.Context().Err() == nil {
			s.refuse(c)
		}
		c.Abort()
		return
	}
	defer release()
	c.Next()
}

const busyHeading = "The dashboard is busy"

// refuse answers 503 with Retry-After, and for a person a page that
// reloads itself after that long. The page is a small template drawn
// outside the limit; it asks nothing of Fly.
func (s *server) refuse(c *gin.Context) {
	secs := int(math.Ceil(s.admission.Config().RetryAfter.Seconds()))
	c.Header("Retry-After", strconv.Itoa(secs))
	// A refusal should cost nothing: no compressor for it.
	c.Header(compress.Skip, "1")
	p := errorPage{layout: s.layout(c, busyHeading), Status: http.StatusServiceUnavailable, Heading: busyHeading,
		Message: "Too many pages are being drawn at once, so this one was not started. " +
			"It reloads by itself in " + strconv.Itoa(secs) + " s.",
		Retry: c.Request.URL.RequestURI(), Back: "/"}
	p.Refresh = secs
	s.render(c, http.StatusServiceUnavailable, "error", p)
}
