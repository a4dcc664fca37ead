package views

import (
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"
)

// staticFile serves an embedded file, gzipped once (internal/web/compress).
func (s *server) staticFile(c *gin.Context) {
	a, ok := s.static.Asset(c.Param("filepath"))
	if !ok {
		s.publicFail(c, http.StatusNotFound, "Page not found", "There is nothing at "+truncateInput(c.Request.URL.Path)+".")
		return
	}
	a.ServeHTTP(c.Writer, c.Request)
}

func staticFiles() fs.FS {
	static, _ := fs.Sub(staticFS, "static")
	return static
}
