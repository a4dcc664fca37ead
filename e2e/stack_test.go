package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/flysim"
	"github.com/flydash/dashboard/internal/headless"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/views"
)

// chromiumPath is where Debian's chromium package puts its launcher.
const chromiumPath = "/usr/bin/chromium"

// requireChromium skips the test with a loud message when Chromium is not
// installed, except under CI=true, where a missing browser fails it: CI
// must not go green by skipping the real thing.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return
	}
	msg := chromiumPath + " is missing: install the Debian package chromium (apt-get install chromium) to run the browser suite"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPED (no browser): " + msg)
}

// stack is the dashboard in-process, as `go run ./cmd/dashboard` runs it in
// demo mode: a simulated org on loopback, the real flyapi and promql clients
// talking HTTP to it, the web layer behind an httptest server.
type stack struct {
	URL  string
	Sim  *flysim.Server
	logs *syncBuffer
}

// e2ePassword is the dashboard password (DASHBOARD_PASSWORD) of the stack:
// the suite signs in as a person does.
const e2ePassword = "correct horse battery staple"

// actionTimeout guards one browser step against a hang. It is not a speed
// bound: under -race beside other test binaries a page can take long.
const actionTimeout = 2 * time.Minute

func newStack(t *testing.T) *stack {
	t.Helper()
	// A launched machine takes a moment to start, so the progress page is
	// seen refreshing at least once.
	return newStackWith(t, flysim.Options{StartDelay: 2 * time.Second}, nil)
}

// newStackWith runs the stack on a simulated org built with o; a non-nil
// now fixes the dashboard's clock too, for a story at a set moment.
func newStackWith(t *testing.T, o flysim.Options, now func() time.Time) *stack {
	t.Helper()
	ctx := context.Background()
	o.Addr = "127.0.0.1:0"
	// Deadlines for a slow run: the browser suite under -race beside other
	// test binaries may wait far longer than a person ever would.
	const slowRun = 2 * time.Minute
	o.QueryTimeout = slowRun
	sim, err := flysim.Start(ctx, o)
	if err != nil {
		t.Fatalf("start flysim: %v", err)
	}
	t.Cleanup(sim.Close)
	org := sim.Sim.Org()
	fly, err := flyapi.New(ctx, flyapi.Config{Token: "e2e-token", Org: org, BaseURL: sim.URL, APIBaseURL: sim.URL, Timeout: slowRun})
	if err != nil {
		t.Fatal(err)
	}
	prom, err := promql.NewClient(promql.Config{URL: sim.URL + "/prometheus/" + org, AuthHeader: "Bearer e2e-token", Timeout: slowRun})
	if err != nil {
		t.Fatal(err)
	}
	// The lowest cost keeps the test fast; the hash is checked all the same.
	hash, err := bcrypt.GenerateFromPassword([]byte(e2ePassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	h, err := views.New(views.Config{
		Fly: fly, Prom: prom, Demo: true,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Auth:   views.Auth{PasswordHash: hash, SessionKey: key},
		Now:    now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dashboard log:\n%s", logs.String())
		}
	})
	return &stack{URL: srv.URL, Sim: sim, logs: logs}
}

// newBrowser starts a headless Chromium with a fresh profile and returns a
// context that has run once (so the browser is up, and later timeouts limit
// single actions, not the browser's life).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	// Scrollbars would shift layout between screenshots.
	opts := append(headless.Options(chromiumPath, t.TempDir()), chromedp.Flag("hide-scrollbars", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	return ctx
}

// tab is one browser tab with everything its pages report as an error:
// console.error calls, uncaught exceptions, and browser log entries at
// level error (failed loads, CSP violations).
type tab struct {
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// newTab opens a tab in the browser of parent. The listener is in place
// before the tab's first command, so nothing a page reports is missed.
func newTab(t *testing.T, parent context.Context) *tab {
	t.Helper()
	tb := &tab{}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithListener(tb.listen))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	tb.ctx = ctx
	return tb
}

// listen runs in the tab's event loop: it must return fast.
func (tb *tab) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			problem = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = "uncaught exception: " + d.Text
		if d.Exception != nil {
			problem += " " + d.Exception.Description
		}
		problem += fmt.Sprintf(" at %s:%d", d.URL, d.LineNumber+1)
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			problem = fmt.Sprintf("browser log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
	if problem == "" {
		return
	}
	tb.mu.Lock()
	tb.problems = append(tb.problems, problem)
	tb.mu.Unlock()
}

// checkConsole fails t for every error the tab reported since the last
// check, naming the page.
func (tb *tab) checkConsole(t *testing.T, page string) {
	t.Helper()
	tb.mu.Lock()
	problems := tb.problems
	tb.problems = nil
	tb.mu.Unlock()
	for _, p := range problems {
		t.Errorf("%s: %s", page, p)
	}
}

// dropProblems forgets the reported problems that expected matches: what a
// page does on purpose (a 422 document logs as a failed load).
func (tb *tab) dropProblems(expected func(string) bool) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	kept := tb.problems[:0]
	for _, p := range tb.problems {
		if !expected(p) {
			kept = append(kept, p)
		}
	}
	tb.problems = kept
}

// do runs actions with a timeout of its own, so a page that never loads
// fails the test instead of hanging it.
func (tb *tab) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// open loads target in the tab and fails t unless it answers 200 without
// sending the browser elsewhere (to the sign-in page, say).
func (tb *tab) open(t *testing.T, target string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(target))
	if err != nil {
		t.Fatalf("opening %s: %v", target, err)
	}
	if resp.Status != 200 {
		t.Fatalf("opening %s: HTTP %d", target, resp.Status)
	}
	want, _ := url.Parse(target)
	if got, err := url.Parse(resp.URL); err != nil || got.Path != want.Path {
		t.Fatalf("opening %s led to %s", target, resp.URL)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %.60q: %v", expr, err)
	}
	return v
}

func (tb *tab) location(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("reading the location: %v", err)
	}
	return loc
}

// outDir is where screenshots go: $E2E_OUT, else e2e/out/ beside this file
// (go test runs in the package directory).
func outDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("E2E_OUT")
	if dir == "" {
		dir = "out"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	return dir
}

// screenshot saves the whole page as <name>.png in the output folder.
func (tb *tab) screenshot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(outDir(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// syncBuffer collects log lines from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)
