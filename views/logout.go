package views

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// logout ends the session: the cookie is cleared and its id revoked, so a
// copy of it stops working too (until a restart; it expires anyway).
func (s *server) logout(c *gin.Context) {
	if ck, err := c.Request.Cookie(s.auth.cookieName()); err == nil {
		s.auth.revoke(ck.Value)
	}
	s.auth.setCookie(c, "", -1)
	s.log.Info("signed out", "client", s.clientKey(c.Request))
	s.flash(c, "Signed out.")
	c.Redirect(http.StatusSeeOther, "/login")
}
