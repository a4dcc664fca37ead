package views

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/flyapi"
)

// destroyApp destroys an app and its machines, once the person has typed
// the app's name to confirm.
func (s *server) destroyApp(c *gin.Context) {
	name := c.Param("name")
	if !flyapi.ValidAppName(name) {
		s.failNoApp(c, http.StatusNotFound, "No such app", "There is no app named "+truncateInput(name)+".")
		return
	}
	if confirm := strings.TrimSpace(c.PostForm("confirm")); confirm != name {
		msg := "Type the app's name, " + name + ", to confirm. Nothing was destroyed."
		if confirm != "" {
			msg = "You typed " + truncateInput(confirm) + ", not " + name + ". Nothing was destroyed."
		}
		s.renderDestroy(c, http.StatusUnprocessableEntity, name, msg)
		return
	}
	if err := s.fly.DestroyApp(c.Request.Context(), name); err != nil {
		s.log.Warn("destroy app", "app", name, "err", err)
		s.fail(c, flyStatus(err), "Could not destroy "+name, flyapi.Explain(err))
		return
	}
	s.launcher.Forget(name)
	s.log.Info("destroyed app", "app", name)
	s.flash(c, "Destroyed "+name+", its machines, volumes and addresses.")
	c.Redirect(http.StatusSeeOther, "/")
}
