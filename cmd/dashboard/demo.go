//go:build !nosim

package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/flydash/dashboard/flysim"
)

// simulated: this build carries flysim, so no FLY_API_TOKEN means the
// simulated org. The deployed image is built with -tags nosim (demo_nosim.go),
// which leaves flysim and the Prometheus engine it embeds out.
const simulated = true

// startDemo starts the simulated org on loopback and points cfg at it. The
// returned stop closes it.
func startDemo(cfg *config, log *slog.Logger) (stop func(), err error) {
	// Not tied to run's ctx: pages in flight at shutdown still need it.
	sim, err := flysim.Start(context.Background(), flysim.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		return nil, fmt.Errorf("start the simulated org: %w", err)
	}
	cfg.Token, cfg.Org = "demo-token", sim.Sim.Fleet().Org()
	cfg.FlapsBaseURL = sim.URL
	cfg.PrometheusURL = sim.URL + "/prometheus/" + cfg.Org
	log.Info("demo mode: simulated Fly org", "org", cfg.Org, "url", sim.URL)
	return sim.Close, nil
}
