//go:build nosim

package main

import (
	"errors"
	"log/slog"
)

// simulated: built for deployment (-tags nosim, as the Dockerfile does),
// without flysim, so a token is required; loadConfig says so.
const simulated = false

func startDemo(*config, *slog.Logger) (func(), error) {
	return nil, errors.New(noSimulator)
}
