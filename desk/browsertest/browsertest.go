// Package browsertest drives Debian's Chromium (installed by scripts/setup) from tests with
// chromedp: a headless browser per test, and screenshots at a phone's and a desktop's width
// written as test artefacts into $RSVPD_ARTEFACTS (default: rsvpd-artefacts in the system's
// temp folder), one folder per test. Tests that use it skip under -short.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
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
	// The browser is killed when the test ends: what it keeps in TMPDIR goes with its folder.
	dir := testenv.ChromiumDir(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")), chromedp.Env("TMPDIR="+dir))
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

// Artefacts is the test's folder for screenshots, emptied of an earlier run's (whose
// failed-*.png would otherwise stay beside a passing run's).
func Artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RSVPD_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "rsvpd-artefacts")
	}
	dir = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
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
//
// The screenshots are of the tab's own page target, the one the context is attached to; the
// frames and targets that Chromium's PDF viewer adds for a returned agreement are not asked
// for anything. Before each width it waits for the page to have loaded (see Settle).
//
// While a navigation replaces the page's document, Chromium refuses a screenshot ("Not
// attached to an active page", -32000: the target's frame is between the old document and
// the new one), or drops it and never answers. That is a step that did not wait for the page
// it leads to (see Loads), with or without a PDF on the page; but each command here has its
// own time limit, a refused or unanswered screenshot is taken once more after the page has
// settled, and only a second failure fails the test.
func Shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	if err := shoot(ctx, dir, name); err != nil {
		t.Fatal(err)
	}
}

// Failed records the page as a step found it when it failed: the screenshots of Shoot under
// NAME, and the page's text, which it returns for the failure message. It does not fail the
// test itself, so that the step's own error is the one reported.
func Failed(t *testing.T, ctx context.Context, dir, name string) string {
	t.Helper()
	if err := shoot(ctx, dir, name); err != nil {
		t.Log(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		return fmt.Sprintf("(could not read the page: %v)", err)
	}
	return text
}

func shoot(ctx context.Context, dir, name string) error {
	for _, w := range Widths {
		top, full, err := shootAt(ctx, w.W, w.H)
		if inactivePage(err) || (errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil) {
			if err = Settle(ctx); err == nil {
				top, full, err = shootAt(ctx, w.W, w.H)
			}
		}
		if err != nil {
			return fmt.Errorf("screenshot %s at %s: %w", name, w.Name, err)
		}
		for suffix, buf := range map[string][]byte{"": top, "-full": full} {
			if err := os.WriteFile(filepath.Join(dir, name+"-"+w.Name+suffix+".png"), buf, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// shootAt takes the two screenshots at one viewport size, each command within its own
// time limit.
func shootAt(ctx context.Context, w, h int64) (top, full []byte, err error) {
	if _, err := within(ctx, chromedp.Steps(chromedp.EmulateViewport(w, h))); err != nil {
		return nil, nil, err
	}
	if err := Settle(ctx); err != nil {
		return nil, nil, err
	}
	if err := chromedp.Do(ctx, chromedp.Sleep(150*time.Millisecond)); err != nil {
		return nil, nil, err
	}
	if top, err = within(ctx, chromedp.CaptureScreenshot()); err != nil {
		return nil, nil, err
	}
	full, err = within(ctx, chromedp.FullScreenshot(100))
	return top, full, err
}

// within runs the action with 20 seconds to answer.
func within[T any](ctx context.Context, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// inactivePage reports Chromium's refusal of a page command while the target's frame has no
// active document: during a navigation, between the old document and the new one.
func inactivePage(err error) bool {
	var cerr *cdproto.Error
	return errors.As(err, &cerr) && strings.Contains(cerr.Message, "Not attached to an active page")
}

// Settle waits, up to 20 seconds, until the page's main frame holds a document that has
// loaded: document.readyState is "complete", so its load event has fired, which waits for
// its iframes too (the returned agreement's PDF among them). While a navigation replaces the
// document the question fails or tells of the new one still loading; it is asked again.
func Settle(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var state string
	var err error
	for {
		ask, askCancel := context.WithTimeout(ctx, 2*time.Second)
		state, err = chromedp.Run(ask, chromedp.Evaluate[string]("document.readyState"))
		askCancel()
		if err == nil && state == "complete" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the page did not finish loading (document.readyState %q, %v): %w", state, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Loads runs the steps, a click that submits a form or follows a link, and returns when the
// page they lead to has loaded: the document of the navigation they start, not the one they
// began on, which may well show what the next step looks for (a notice left by the step
// before, say). Steps that start no navigation make it wait until the context ends.
func Loads(steps ...chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.RunResponse(ctx, steps...)
		return err
	})
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
