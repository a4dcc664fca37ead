package views

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// healthz answers Fly's health check. It asks nothing of Fly's APIs: a slow
// upstream must not get the dashboard's own machine restarted.
func (s *server) healthz(c *gin.Context) {
	c.String(http.StatusOK, "ok")
}
