package views

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

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
	// CanDestroy is set when the launch stopped: what was created so far
	// can be undone from here.
	CanDestroy bool
}

type launchStep struct {
	Name  string
	State string // done, running, failed, pending
}

// showLaunch shows a launch's progress as Fly has it, so every dashboard
// machine shows the same page. It reloads itself until the machine has
// started, then sends the person to the app. The image and region asked
// for ride in the URL until the machine carries them.
func (s *server) showLaunch(c *gin.Context) {
	name := c.Param("name")
	if !flyapi.ValidAppName(name) {
		s.failNoApp(c, http.StatusNotFound, "No such app", "There is no app named "+truncateInput(name)+".")
		return
	}
	st, err := s.launcher.Progress(c.Request.Context(), name, askedSpec(c.Query("image"), c.Query("region"), c.Query("size")))
	if s.launchGone(c, name, err) {
		return
	}
	if err != nil {
		s.log.Warn("read launch", "app", name, "err", err)
		s.fail(c, flyStatus(err), "Could not read the launch of "+name, flyapi.Explain(err)+" Reload the page to try again.")
		return
	}
	if st.Finished() {
		s.flash(c, "Launched "+name+": its machine is started.")
		c.Redirect(http.StatusSeeOther, "/apps/"+url.PathEscape(name))
		return
	}
	s.renderLaunch(c, http.StatusOK, st)
}

// retryLaunch resumes a stopped launch from its first step not done, on
// whichever dashboard machine the retry reaches.
func (s *server) retryLaunch(c *gin.Context) {
	name := c.Param("name")
	if !flyapi.ValidAppName(name) {
		s.failNoApp(c, http.StatusNotFound, "No such app", "There is no app named "+truncateInput(name)+".")
		return
	}
	image, region := strings.TrimSpace(c.PostForm("image")), strings.TrimSpace(c.PostForm("region"))
	size := strings.TrimSpace(c.PostForm("size"))
	if size == "" {
		size = flyapi.DefaultSize
	}
	if !validImage(image) || !knownRegion(region) || !flyapi.ValidSize(size) {
		s.fail(c, http.StatusUnprocessableEntity, "Cannot retry the launch", "The retry needs an image reference, one of the listed regions and sizes; start again from the launch form.")
		return
	}
	spec := flyapi.LaunchSpec{Image: image, Region: region, Size: size}
	st, err := s.launcher.Resume(c.Request.Context(), name, spec)
	if s.launchGone(c, name, err) {
		return
	}
	if err != nil && st.App == "" {
		s.log.Warn("retry launch", "app", name, "err", err)
		s.fail(c, flyStatus(err), "Could not retry the launch of "+name, flyapi.Explain(err))
		return
	}
	if err != nil {
		s.log.Warn("retry launch", "app", name, "step", st.Failed, "err", err)
		s.renderLaunch(c, flyStatus(err), st)
		return
	}
	c.Redirect(http.StatusSeeOther, launchURL(name, spec))
}

// launchGone answers for an app that is not, or no longer, a launch.
func (s *server) launchGone(c *gin.Context, name string, err error) bool {
	switch {
	case errors.Is(err, flyapi.ErrNotALaunch):
		// Its machines were not launched here: the app page shows them.
		c.Redirect(http.StatusSeeOther, "/apps/"+url.PathEscape(name))
	case errors.Is(err, flyapi.ErrNotFound), errors.Is(err, flyapi.ErrForbidden):
		s.failNoApp(c, http.StatusNotFound, "No launch of "+name, "There is no app named "+name+" in this organization. Launch it from the launch form.")
	default:
		return false
	}
	return true
}

// renderLaunch draws the steps, and for a stopped launch the retry and
// destroy forms.
func (s *server) renderLaunch(c *gin.Context, status int, st flyapi.LaunchState) {
	f := launchForm{Name: st.App, Image: st.Spec.Image, Region: st.Spec.Region, Size: st.Spec.Size}
	if f.Size == "" {
		f.Size = flyapi.DefaultSize
	}
	if f.Image == "" {
		f.Image = defaultImage
	}
	if f.Region == "" {
		f.Region = defaultRegion
	}
	p := launchPage{layout: s.layout(c, "Launching "+st.App), App: st.App, Form: f}
	for _, step := range flyapi.Steps {
		state := "pending"
		switch {
		case st.Running == step:
			state = "running"
		case st.Failed == step:
			state = "failed"
		case contains(st.Done, step):
			state = "done"
		}
		p.Steps = append(p.Steps, launchStep{Name: step, State: state})
	}
	if st.Stopped() {
		p.Failed, p.CanDestroy = true, true
		p.Error = explainLaunch(st.Err)
	} else {
		p.Refresh = 1
	}
	s.render(c, status, "app_launch", p)
}

// explainLaunch says why a launch stopped, in a sentence.
func explainLaunch(err error) string {
	var fe *flyapi.Error
	switch {
	case errors.Is(err, flyapi.ErrStepStopped):
		return "This step did not complete: the request doing it failed or was interrupted (on this dashboard machine or another). Retry it from here."
	case errors.Is(err, flyapi.ErrNotStarted) && errors.As(err, &fe):
		return "The machine did not start: " + fe.Detail + "."
	}
	return flyapi.Explain(err)
}

// launchURL is the progress page, carrying what was asked for until the
// launch's machine does.
func launchURL(name string, spec flyapi.LaunchSpec) string {
	q := url.Values{}
	if spec.Image != "" {
		q.Set("image", spec.Image)
	}
	if spec.Region != "" {
		q.Set("region", spec.Region)
	}
	if spec.Size != "" {
		q.Set("size", spec.Size)
	}
	u := "/apps/" + url.PathEscape(name) + "/launch"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// askedSpec keeps the URL's image, region and size only when they are what
// the form would accept.
func askedSpec(image, region, size string) flyapi.LaunchSpec {
	var spec flyapi.LaunchSpec
	if flyapi.ValidSize(size) {
		spec.Size = size
	}
	if validImage(image) {
		spec.Image = image
	}
	if knownRegion(region) {
		spec.Region = region
	}
	return spec
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
