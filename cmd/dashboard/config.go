package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/joho/godotenv"
)

// config is the dashboard's configuration, read from the environment and an
// optional .env file (real environment variables win).
type config struct {
	Token         string // FLY_API_TOKEN; empty means demo mode
	Org           string // FLY_ORG
	PrometheusURL string // FLY_PROMETHEUS_URL
	FlapsBaseURL  string // FLY_FLAPS_BASE_URL (fly-go's own variable)
	Port          int    // PORT
}

func (c config) Demo() bool { return c.Token == "" }

// loadConfig reads the configuration. Every error names the variable to
// set, in one line, so a misconfigured deploy says what to fix.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Token:         strings.TrimSpace(getenv("FLY_API_TOKEN")),
		Org:           strings.TrimSpace(getenv("FLY_ORG")),
		PrometheusURL: strings.TrimSpace(getenv("FLY_PROMETHEUS_URL")),
		FlapsBaseURL:  strings.TrimSpace(getenv("FLY_FLAPS_BASE_URL")),
		Port:          8080,
	}
	if p := strings.TrimSpace(getenv("PORT")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("PORT=%q is not a port number: set PORT to a number from 1 to 65535", p)
		}
		c.Port = n
	}
	if c.Demo() {
		if c.Org != "" || c.PrometheusURL != "" {
			return c, errors.New("FLY_ORG or FLY_PROMETHEUS_URL is set but FLY_API_TOKEN is not: set FLY_API_TOKEN (fly tokens create org -o <org>), or unset them to use the simulated org")
		}
		return c, nil
	}
	if c.Org == "" {
		return c, errors.New("FLY_API_TOKEN is set but FLY_ORG is not: set FLY_ORG to your org slug (fly orgs list)")
	}
	if c.PrometheusURL == "" {
		c.PrometheusURL = "https://api.fly.io/prometheus/" + url.PathEscape(c.Org)
	}
	if err := checkURL("FLY_PROMETHEUS_URL", c.PrometheusURL); err != nil {
		return c, err
	}
	if c.FlapsBaseURL == "" {
		c.FlapsBaseURL = "https://api.machines.dev"
	}
	if err := checkURL("FLY_FLAPS_BASE_URL", c.FlapsBaseURL); err != nil {
		return c, err
	}
	return c, nil
}

func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s=%q is not an http(s) URL: set %s to e.g. https://host/path", name, raw, name)
	}
	return nil
}

// loadDotEnv reads .env when present; a missing file is not an error.
func loadDotEnv() error {
	err := godotenv.Load()
	if err != nil && errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf(".env: %w", err)
	}
	return nil
}
