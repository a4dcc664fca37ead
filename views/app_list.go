package views

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/flyapi"
)

type appListPage struct {
	layout
	Apps      []appRow
	Launching []flyapi.LaunchState
	// Err explains why the apps could not be listed; the page still renders.
	Err string
}

type appRow struct {
	flyapi.App
}

// listApps shows the org's apps.
func (s *server) listApps(c *gin.Context) {
	p := appListPage{layout: s.layout(c, "Apps")}
	p.Nav = "apps"
	apps, err := s.fly.ListApps(c.Request.Context())
	if err != nil {
		p.Err = explainFly(err)
		s.log.Warn("list apps", "err", err)
	}
	for _, a := range apps {
		p.Apps = append(p.Apps, appRow{App: a})
	}
	p.Launching = s.launcher.Active()
	s.render(c, http.StatusOK, "app_list", p)
}
