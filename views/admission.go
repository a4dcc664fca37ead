package views

import (
	"bytes"
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

// busyPages is the 503 page for a visitor signed out and signed in, drawn
// once: under a crowd refusals far outnumber pages, so one must cost no
// template, no compressor and no memory of its own. It reloads itself
// (a meta refresh reloads the same URL) after Retry-After.
type busyPages [2][]byte

func (s *server) drawBusyPages() (busyPages, error) {
	var pages busyPages
	secs := s.retryAfterSeconds()
	for i := range pages {
		p := errorPage{layout: layout{Title: busyHeading, Demo: s.demo, Org: s.org, SignedIn: i == 1, Refresh: secs},
			Status: http.StatusServiceUnavailable, Heading: busyHeading,
			Message: "Too many pages are being drawn at once, so this one was not started. " +
				"It reloads by itself in " + strconv.Itoa(secs) + " s.",
			Back: "/"}
		var buf bytes.Buffer
		if err := s.tmpl["error"].Execute(&buf, p); err != nil {
			return pages, err
		}
		pages[i] = buf.Bytes()
	}
	return pages, nil
}

func (s *server) retryAfterSeconds() int {
	return int(math.Ceil(s.admission.Config().RetryAfter.Seconds()))
}

// refuse answers 503 with Retry-After and the busy page.
func (s *server) refuse(c *gin.Context) {
	c.Header("Retry-After", strconv.Itoa(s.retryAfterSeconds()))
	c.Header(compress.Skip, "1")
	page := s.busy[0]
	if v, _ := c.Get(signedInKey); v == true {
		page = s.busy[1]
	}
	c.Data(http.StatusServiceUnavailable, "text/html; charset=utf-8", page)
}
