package views

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/flyapi"
)

type launchPage struct {
	layout
	App    string
	Steps  []launchStep
	Failed bool
	Error  string
	Form   launchForm
	// CanDestroy is set when this launch created the app, so a failed
	// launch can be undone from here.
	CanDestroy bool
}

type launchStep struct {
	Name  string
	State string // done, running, failed, pending
}

// showLaunch shows a launch's progress, reloading itself until the machine
// has started, then sends the person to the app.
func (s *server) showLaunch(c *gin.Context) {
	name := c.Param("name")
	st, ok := s.launcher.State(name)
	if !ok {
		// Not launched by this process (or it restarted): the app page
		// knows whether the app exists.
		if _, err := s.fly.GetApp(c.Request.Context(), name); err == nil {
			c.Redirect(http.StatusSeeOther, "/apps/"+url.PathEscape(name))
			return
		}
		s.fail(c, http.StatusNotFound, "No launch in progress", "There is no launch of "+truncateInput(name)+" in progress. Launch it from the launch form.")
		return
	}
	if st.Finished() {
		s.flash(c, "Launched "+name+": its machine is started.")
		c.Redirect(http.StatusSeeOther, "/apps/"+url.PathEscape(name))
		return
	}
	p := launchPage{layout: s.layout(c, "Launching "+name), App: name, Form: launchForm{Name: name, Image: st.Spec.Image, Region: st.Spec.Region}}
	for _, step := range flyapi.Steps {
		state := "pending"
		switch {
		case contains(st.Done, step):
			state = "done"
		case st.Running == step:
			state = "running"
		case st.Failed == step:
			state = "failed"
		}
		p.Steps = append(p.Steps, launchStep{Name: step, State: state})
	}
	if st.Failed != "" {
		p.Failed = true
		p.Error = explainFly(st.Err)
		var fe *flyapi.Error
		if errors.As(st.Err, &fe) && fe.Detail != "" && p.Error == "" {
			p.Error = fe.Detail
		}
		p.CanDestroy = st.CreatedApp
	} else {
		p.Refresh = 1
	}
	s.render(c, http.StatusOK, "app_launch", p)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
