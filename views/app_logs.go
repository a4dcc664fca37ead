package views

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/flyapi"
)

// showLogs is an app's log lines around a moment: the evidence behind a
// finding, a marker or a machine, read from Fly's logs API.
func (s *server) showLogs(c *gin.Context) {
	name := c.Param("name")
	if !flyapi.ValidAppName(name) {
		s.fail(c, http.StatusNotFound, "No such app", "There is no app named "+truncateInput(name)+": app names use "+flyapi.AppNameRule+".")
		return
	}
	req, err := parseLogsRequest(name, c.Request.URL.Query(), s.now())
	if err != nil {
		p := errorPage{layout: s.layout(c, "That link does not describe log lines"), Status: http.StatusBadRequest,
			Heading: "That link does not describe log lines", Message: err.Error(), Back: "/apps/" + name}
		s.render(c, http.StatusBadRequest, "error", p)
		return
	}
	p, err := s.logsPage(c.Request.Context(), req)
	if errors.Is(err, flyapi.ErrNotFound) {
		s.fail(c, http.StatusNotFound, "No such app", "There is no app named "+name+" in "+s.org+".")
		return
	}
	p.layout = s.layout(c, name+" logs")
	// A moment's lines do not change; only the latest are followed.
	if req.At.IsZero() && req.After.IsZero() {
		p.Refresh = refreshChoices[req.Refresh]
	}
	s.render(c, http.StatusOK, "logs", p)
}
