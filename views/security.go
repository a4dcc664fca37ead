package views

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/internal/web/secure"
)

// routeCSP loosens the policy per route pattern, so one page's needs never
// weaken the others (internal/web/secure).
var routeCSP = map[string]string{
	"/apps/:name/explore/:chart": secure.ExploreCSP,
}

// crossOrigin refuses state-changing requests sent by another site's page,
// using net/http's CrossOriginProtection (Sec-Fetch-Site, else Origin against
// Host). It runs as middleware rather than wrapping the handler so the
// refusal is a proper page with the same headers and metrics as any other.
func (s *server) crossOrigin(c *gin.Context) {
	if err := s.cop.Check(c.Request); err != nil {
		s.log.Warn("cross-origin request refused", "method", c.Request.Method, "path", c.Request.URL.Path)
		s.publicFail(c, http.StatusForbidden, "Cross-origin request refused",
			"This form was sent from another site, so the dashboard refused it. Nothing was changed.")
		c.Abort()
		return
	}
	c.Next()
}
