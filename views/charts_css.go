package views

import (
	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/charts"
	"github.com/flydash/dashboard/internal/web/compress"
)

// chartsCSS serves the charts' stylesheet, which the charts package owns so
// that inline and standalone charts share one palette.
func (s *server) chartsCSS(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=3600")
	chartsStylesheet.ServeHTTP(c.Writer, c.Request)
}

// chartsStylesheet is the charts' and the region map's styles, gzipped once.
var chartsStylesheet = compress.NewAsset("static-charts.css", []byte(charts.CSS()+charts.MapCSS()))
