package views

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// logout ends the session in this browser: the cookie is cleared.
// Sessions are stateless (any machine sharing SESSION_SECRET accepts them),
// so a copy of the cookie taken before signing out stays valid until it
// expires; rotating SESSION_SECRET or the password ends every session.
// Keeping a revocation list in one machine's memory would make sign-out
// depend on which machine answered, so there is none.
func (s *server) logout(c *gin.Context) {
	s.auth.SetCookie(c.Writer, "", -1)
	s.log.Info("signed out", "client", s.clientKey(c.Request))
	s.flash(c, "Signed out.")
	c.Redirect(http.StatusSeeOther, "/login")
}
