// Package headless holds the one way this project starts Chromium: the
// benchmark command and the browser suite must drive the same browser.
package headless

import "github.com/chromedp/chromedp"

// Options starts Debian's Chromium headless with a fresh profile. The
// background-networking, component-update and sync flags keep it from
// reaching out to Google's hosts, which a sandbox without a network refuses
// (slowly, and noisily in the console). Containers give /dev/shm 64 MB,
// which a renderer can fill.
func Options(execPath, userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(execPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(1280, 900),
	}
}
