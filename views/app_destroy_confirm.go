package views

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/flyapi"
)

type destroyPage struct {
	layout
	App     string
	Message string
	// Holdings is what would be lost; HoldErr says why it could not be
	// listed in full.
	Holdings flyapi.Holdings
	HoldErr  string
}

// confirmDestroy is the one deliberate step before a destroy: it names
// what the app holds and asks for the app's name.
func (s *server) confirmDestroy(c *gin.Context) {
	name := c.Param("name")
	if !flyapi.ValidAppName(name) {
		s.failNoApp(c, http.StatusNotFound, "No such app", "There is no app named "+truncateInput(name)+".")
		return
	}
	s.renderDestroy(c, http.StatusOK, name, "")
}

func (s *server) renderDestroy(c *gin.Context, status int, name, msg string) {
	p := destroyPage{layout: s.layout(c, "Destroy "+name+"?"), App: name, Message: msg}
	h, err := s.fly.Holdings(c.Request.Context(), name)
	if err != nil {
		if flyStatus(err) == http.StatusNotFound {
			s.failNoApp(c, http.StatusNotFound, "No such app", "There is no app named "+name+" in "+s.org+".")
			return
		}
		s.log.Warn("list what destroy loses", "app", name, "err", err)
		p.HoldErr = flyapi.Explain(err)
	}
	p.Holdings = h
	s.render(c, status, "app_destroy", p)
}
