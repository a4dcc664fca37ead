package views

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/flydash/dashboard/flyapi"
)

// createApp launches an app: the launcher creates it, assigns its addresses
// and launches its machine, then the person follows the machine starting
// on the progress page, which any dashboard machine can serve.
func (s *server) createApp(c *gin.Context) {
	f := launchForm{
		Name:   strings.TrimSpace(c.PostForm("name")),
		Image:  strings.TrimSpace(c.PostForm("image")),
		Region: strings.TrimSpace(c.PostForm("region")),
		Size:   strings.TrimSpace(c.PostForm("size")),
	}
	if f.Image == "" {
		f.Image = defaultImage
	}
	if f.Size == "" {
		f.Size = flyapi.DefaultSize
	}
	errs := map[string]string{}
	if !flyapi.ValidAppName(f.Name) {
		errs["name"] = "App names use " + flyapi.AppNameRule + "."
		if f.Name == "" {
			errs["name"] = "Give the app a name."
		}
	}
	if !validImage(f.Image) {
		errs["image"] = "That does not look like an image reference (e.g. flyio/hellofly:latest)."
	}
	if !knownRegion(f.Region) {
		errs["region"] = "Pick one of the listed regions."
	}
	if !flyapi.ValidSize(f.Size) {
		errs["size"] = "Pick one of the listed sizes."
	}
	if len(errs) > 0 {
		s.renderLaunchForm(c, http.StatusUnprocessableEntity, f, errs)
		return
	}
	spec := flyapi.LaunchSpec{Image: f.Image, Region: f.Region, Size: f.Size}
	st, err := s.launcher.Start(c.Request.Context(), f.Name, spec)
	switch {
	case err == nil, errors.Is(err, flyapi.ErrLaunchInProgress):
		c.Redirect(http.StatusSeeOther, launchURL(f.Name, spec))
	case contains(st.Done, flyapi.StepCreateApp):
		// The app exists; a later step failed. Show where it stopped, with
		// Fly's words, here: the retry may reach any dashboard machine.
		s.log.Warn("launch", "app", f.Name, "step", st.Failed, "err", err)
		s.renderLaunch(c, flyStatus(err), st)
	case errors.Is(err, flyapi.ErrNameTaken), errors.Is(err, flyapi.ErrInvalid), errors.Is(err, flyapi.ErrForbidden):
		errs["name"] = flyapi.Explain(err)
		s.renderLaunchForm(c, http.StatusUnprocessableEntity, f, errs)
	default:
		s.log.Warn("launch", "app", f.Name, "err", err)
		s.fail(c, flyStatus(err), "Could not create the app", flyapi.Explain(err)+" Nothing was created; try again.")
	}
}

// validImage accepts what a Docker reference may contain, and refuses
// anything that could smuggle other fields or whitespace into the config.
func validImage(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("._-/:@", r):
		default:
			return false
		}
	}
	return true
}
