package test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one browser step (a navigation, a wait for an
// element); waits are on DOM conditions, never sleeps.
const stepTimeout = 20 * time.Second

// Browser is a headless Chromium (Debian package chromium) driven through
// chromedp, for one test. It is stopped, with every child process, when
// the test ends.
type Browser struct {
	t   *testing.T
	ctx context.Context // the tab; it has run once, so steps may derive timeouts
}

// chromium returns the browser's path; without it the test is skipped,
// or fails under CI=true.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found (CI=true): install the Debian package chromium")
	}
	t.Skip("chromium not installed (Debian package chromium)")
	return ""
}

// NewBrowser starts Chromium with a fresh profile; js false turns
// JavaScript off in its tab.
func NewBrowser(t *testing.T, js bool) *Browser {
	t.Helper()
	path := chromium(t)
	// The profile lives outside t.TempDir: Chromium's children may still
	// be exiting when the test's own cleanup runs.
	profile, err := os.MkdirTemp("", "pushauth-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.UserDataDir(profile), chromedp.WindowSize(900, 900))
	actx, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, stopTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		// A graceful close lets Chromium reap its children; killed, they
		// would be orphans (and zombies where PID 1 does not reap).
		closing, stop := context.WithTimeout(ctx, 10*time.Second)
		if err := chromedp.Cancel(closing); err != nil {
			t.Logf("close chromium: %v", err)
		}
		stop()
		stopTab()
		stopAlloc()
		killLeftovers(t, profile)
		os.RemoveAll(profile)
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first run
		t.Fatalf("start chromium: %v", err)
	}
	b := &Browser{t: t, ctx: ctx}
	if !js {
		b.Do("turn JavaScript off", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled,
				emulation.SetScriptExecutionDisabledParams{Value: true})
			return chromedp.Void{}, err
		})
	}
	return b
}

// killLeftovers waits for the processes that still use the profile to
// exit, killing them after a few seconds, so no Chromium outlives a test.
func killLeftovers(t *testing.T, profile string) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := processesUsing(profile)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Logf("killed %d leftover chromium processes", len(pids))
			deadline = time.Now().Add(5 * time.Second)
		}
		time.Sleep(20 * time.Millisecond) // polling /proc for the exit; nothing to wait on
	}
}

// processesUsing lists the processes whose command line names dir.
func processesUsing(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Do runs actions as one step within stepTimeout.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.peek())
	}
}

// Text returns the visible text of the element with this id.
func (b *Browser) Text(id string) string {
	b.t.Helper()
	return run(b, "text of #"+id, chromedp.Text(chromedp.ID(id)))
}

// Location is the page's URL.
func (b *Browser) Location() string {
	b.t.Helper()
	return run(b, "location", chromedp.Location())
}

// Eval evaluates a JavaScript expression in the page (DevTools evaluates
// it also when the page's own scripts are off).
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	return run(b, expr, chromedp.Evaluate[T](expr))
}

// Cookies returns the browser's cookies.
func (b *Browser) Cookies() []*network.Cookie {
	b.t.Helper()
	return run(b, "cookies", func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		return res.Cookies, err
	})
}

// WaitFor waits until the element with this id is visible.
func (b *Browser) WaitFor(id string) {
	b.t.Helper()
	b.Do("wait for #"+id, chromedp.WaitVisible(chromedp.ID(id)))
}

// Screenshot saves the page as docs-ready PNG under $PUSHAUTH_SCREENSHOTS
// when that is set (e.g. to docs/images); otherwise it does nothing.
func (b *Browser) Screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("PUSHAUTH_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := run(b, "screenshot", chromedp.FullScreenshot(100)) // 100: PNG, not JPEG
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func run[T any](b *Browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.peek())
	}
	return v
}

// peek describes the page for a failure message, without failing again.
func (b *Browser) peek() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	return loc + " " + strings.Join(strings.Fields(body), " ")
}
