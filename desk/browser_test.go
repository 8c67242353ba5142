package desk

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Browser tests drive Debian's Chromium (installed by scripts/setup) with chromedp. They
// write screenshots at phone and desktop widths as test artefacts, into $RSVPD_ARTEFACTS
// (default: a folder under the system's temp dir, named in the log).

// browser starts a headless Chromium for the test, or skips under -short.
func browser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: needs Chromium; runs under scripts/test")
	}
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("chromium is not installed (scripts/setup installs it): %v", err)
	}
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
	tctx, tcancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(tcancel)
	return tctx
}

// artefacts is the folder screenshots are written to.
func artefacts(t *testing.T) string {
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
var widths = []struct {
	name string
	w, h int64
}{{"phone", 390, 844}, {"desktop", 1280, 900}}

// shoot takes a full-page screenshot of the current page at each width.
func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	for _, w := range widths {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w.w, w.h), chromedp.Sleep(150*time.Millisecond)); err != nil {
			t.Fatalf("screenshot %s at %s: %v", name, w.name, err)
		}
		// What the screen shows first, and the whole page.
		top, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s at %s: %v", name, w.name, err)
		}
		full, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s at %s: %v", name, w.name, err)
		}
		for suffix, buf := range map[string][]byte{"": top, "-full": full} {
			if err := os.WriteFile(filepath.Join(dir, name+"-"+w.name+suffix+".png"), buf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestBrowserPages signs in through the form and the mailed link, and looks at every page
// at both widths: each page shows what it is for, and nothing from a reply runs as script.
func TestBrowserPages(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	f.populate(t)
	dir := artefacts(t)
	base := f.srv.URL
	var mu sync.Mutex
	alerted := false
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			mu.Lock()
			alerted = true
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	// Signing in: the form, the link from the mail, the button.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/reviews"),
		chromedp.WaitVisible(chromedp.ID("email"))); err != nil {
		t.Fatal(err)
	}
	shoot(t, ctx, dir, "01-signin")
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("email"), staffAddr), chromedp.Submit(chromedp.ID("email")),
		chromedp.WaitVisible(chromedp.CSS(".page-signin_sent"))); err != nil {
		t.Fatal(err)
	}
	link := f.mail.last(staffAddr)
	if link == "" {
		t.Fatal("no sign-in link after the form")
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main form button"))); err != nil {
		t.Fatal(err)
	}
	shoot(t, ctx, dir, "02-signin-link")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(".page-reviews"))); err != nil {
		t.Fatalf("signing in did not lead back to the review queue: %v", err)
	}
	pages := []struct{ name, path, want string }{
		{"03-overview", "/", "Tærskel for at gå videre"},
		{"04-invitees", "/invitees?sort=population", "Inviterede"},
		{"05-invitees-filtered", "/invitees?state=attending&meeting=vejle", "tilmeldt"},
		{"06-invitee", "/invitees/" + f.c.Invitees[70].Code, "Forløb"},
		{"07-invitee-agreement", "/invitees/615", "Bekræft aftalen"},
		{"08-reviews", "/reviews", "Godkend forslaget"},
		{"09-lists", "/lists", "Deltagerlister"},
		{"10-list-vejle", "/lists/vejle", "Deltagere i Vejle"},
		{"11-digests", "/digests", "Opsummeringer"},
		{"12-config", "/config", "campaign.deadline"},
	}
	for _, p := range pages {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, p.want) {
			t.Errorf("%s does not say %q:\n%s", p.path, p.want, body)
		}
		shoot(t, ctx, dir, p.name)
	}
	// A director's one-click page, before and after.
	inv := f.c.Invitees[80]
	links := f.desk.AnswerLinks(inv.Code)
	if err := chromedp.Do(ctx, chromedp.Navigate(links["vejle"]), chromedp.WaitVisible(chromedp.ID("headcount"))); err != nil {
		t.Fatal(err)
	}
	shoot(t, ctx, dir, "13-answer")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("headcount"), "2"), chromedp.Click(chromedp.CSS("main form button")),
		chromedp.WaitVisible(chromedp.CSS(".notice.good"))); err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	shoot(t, ctx, dir, "14-answer-done")
	if !strings.Contains(body, "I er tilmeldt dialogmødet i Vejle med 2 deltagere") {
		t.Errorf("after the one-click answer the page says:\n%s", body)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(links[campaignDecline]), chromedp.WaitVisible(chromedp.CSS("main form button"))); err != nil {
		t.Fatal(err)
	}
	shoot(t, ctx, dir, "15-answer-decline")
	mu.Lock()
	defer mu.Unlock()
	if alerted {
		t.Error("a script from a reply ran: an alert opened")
	}
}
