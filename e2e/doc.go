// Package e2e drives the whole dashboard in a real browser: Debian's
// Chromium, headless, through chromedp, against the dashboard and a simulated
// org running in the test process. It holds tests only; see browser_test.go.
//
// Screenshots of every page visited go to $E2E_OUT, or to e2e/out/ (ignored
// by git) when that is unset.
package e2e
