package views

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/flyapi"
)

// defaultImage is a small public HTTP server listening on 8080.
const defaultImage = "flyio/hellofly:latest"

const defaultRegion = "iad"

type launchForm struct {
	Name, Image, Region string
}

type newAppPage struct {
	layout
	Form     launchForm
	Regions  []region
	Errors   map[string]string
	NameRule string
}

// newApp shows the launch form.
func (s *server) newApp(c *gin.Context) {
	s.renderLaunchForm(c, http.StatusOK, launchForm{Image: defaultImage, Region: defaultRegion}, nil)
}

func (s *server) renderLaunchForm(c *gin.Context, status int, f launchForm, errs map[string]string) {
	p := newAppPage{layout: s.layout(c, "Launch an app"), Form: f, Regions: regions, Errors: errs, NameRule: flyapi.AppNameRule}
	p.Nav = "new"
	s.render(c, status, "app_new", p)
}
