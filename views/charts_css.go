package views

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/charts"
)

// chartsCSS serves the charts' stylesheet, which the charts package owns so
// that inline and standalone charts share one palette.
func (s *server) chartsCSS(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "text/css; charset=utf-8", chartsStylesheet)
}

// chartsStylesheet is the charts' and the region map's styles.
var chartsStylesheet = []byte(charts.CSS() + charts.MapCSS())
