// Package browsertest drives Debian's Chromium (installed by scripts/setup) from tests with
// chromedp: a headless browser per test, and screenshots at a phone's and a desktop's width
// written as test artefacts into $RSVPD_ARTEFACTS (default: rsvpd-artefacts in the system's
// temp folder), one folder per test. Tests that use it skip under -short.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rsvpd/rsvpd/testenv"
)

// Start starts a headless Chromium for the test and returns its context (with a timeout for
// the whole test), or skips the test under -short.
func Start(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: needs Chromium (and the mail servers where it reads mail); run scripts/test (as root)")
	}
	path := testenv.Tool(t, "chromium", "apt-get install chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	// The first call starts the browser, which lives as long as its context: no timeout on it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(tcancel)
	return tctx
}

// Artefacts is the test's folder for screenshots.
func Artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RSVPD_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "rsvpd-artefacts")
	}
	dir = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// Widths are a phone's and a desktop's.
var Widths = []struct {
	Name string
	W, H int64
}{{"phone", 390, 844}, {"desktop", 1280, 900}}

// Shoot writes screenshots of the current page at each width: what the screen shows first
// (NAME-WIDTH.png) and the whole page (NAME-WIDTH-full.png). It leaves the desktop width.
func Shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	for _, w := range Widths {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w.W, w.H), chromedp.Sleep(150*time.Millisecond)); err != nil {
			t.Fatalf("screenshot %s at %s: %v", name, w.Name, err)
		}
		top, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s at %s: %v", name, w.Name, err)
		}
		full, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s at %s: %v", name, w.Name, err)
		}
		for suffix, buf := range map[string][]byte{"": top, "-full": full} {
			if err := os.WriteFile(filepath.Join(dir, name+"-"+w.Name+suffix+".png"), buf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Text is the visible text of the page's body.
func Text(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	return s
}
