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
	Name, Image, Region, Size string
}

// size is one preset as the form offers it.
type size struct {
	Name, Words string
}

var sizes = func() []size {
	out := make([]size, len(flyapi.LaunchSizes))
	for i, n := range flyapi.LaunchSizes {
		out[i] = size{Name: n, Words: flyapi.SizeWords(n)}
	}
	return out
}()

type newAppPage struct {
	layout
	Form     launchForm
	Regions  []region
	Sizes    []size
	Errors   map[string]string
	NameRule string
}

// newApp shows the launch form.
func (s *server) newApp(c *gin.Context) {
	s.renderLaunchForm(c, http.StatusOK, launchForm{Image: defaultImage, Region: defaultRegion, Size: flyapi.DefaultSize}, nil)
}

func (s *server) renderLaunchForm(c *gin.Context, status int, f launchForm, errs map[string]string) {
	p := newAppPage{layout: s.layout(c, "Launch an app"), Form: f, Regions: regions, Sizes: sizes, Errors: errs, NameRule: flyapi.AppNameRule}
	p.Nav = "new"
	s.render(c, status, "app_new", p)
}
