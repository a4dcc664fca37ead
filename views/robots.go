package views

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// robotsTxt asks crawlers to stay out: a dashboard behind a password has
// nothing to index, and its sign-in page is not worth a search result.
// X-Robots-Tag (set on every response) covers crawlers that skip this file
// and links to the dashboard found elsewhere.
const robotsTxt = "User-agent: *\nDisallow: /\n"

func (s *server) robots(c *gin.Context) {
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(robotsTxt))
}
