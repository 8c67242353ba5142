package desk

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/rsvpd/rsvpd/desk/browsertest"
)

// Browser tests drive Debian's Chromium with chromedp (package browsertest) and write
// screenshots at phone and desktop widths as test artefacts.

func browser(t *testing.T) context.Context { return browsertest.Start(t, 3*time.Minute) }
func artefacts(t *testing.T) string        { return browsertest.Artefacts(t) }
func shoot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	browsertest.Shoot(t, ctx, dir, name)
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
	signInBrowser(t, ctx, f, dir)
	pages := []struct{ name, path, want string }{
		{"03-overview", "/", "Tærskel for at gå videre"},
		{"04-invitees", "/invitees?sort=population", "Inviterede"},
		{"05-invitees-filtered", "/invitees?state=attending&meeting=vejle", "tilmeldt"},
		{"06-invitee", "/invitees/" + f.c.Invitees[70].Code, "Forløb"},
		{"07-invitee-agreement", "/invitees/615", "Bekræft aftalen"},
		{"08-reviews", "/reviews", "Godkend forslaget"},
		{"09-lists", "/lists", "Deltagerlister"},
		{"10-list-vejle", "/lists/vejle", "Deltagere i Vejle"},
		{"11-digests", "/digests", "Rapporter"},
		{"12-config", "/config", "tirsdag den 14. og tirsdag den 21. februar kl. 9.00"},
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
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("headcount"), "2"),
		browsertest.Loads(chromedp.Click(chromedp.CSS("main form button"))), chromedp.WaitVisible(chromedp.CSS(".notice.good"))); err != nil {
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

// signInBrowser signs in through the form and the mailed link, asked for by the review
// page, and takes screenshots of the steps when dir is not "".
func signInBrowser(t *testing.T, ctx context.Context, f *fixture, dir string) {
	t.Helper()
	// Signing in: the form, the link from the mail, the button.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(f.srv.URL+"/reviews"),
		chromedp.WaitVisible(chromedp.ID("email"))); err != nil {
		t.Fatal(err)
	}
	if dir != "" {
		shoot(t, ctx, dir, "01-signin")
	}
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
	if dir != "" {
		shoot(t, ctx, dir, "02-signin-link")
	}
	if err := chromedp.Do(ctx, browsertest.Loads(chromedp.Click(chromedp.CSS("main form button"))),
		chromedp.WaitVisible(chromedp.CSS(".page-reviews"))); err != nil {
		t.Fatalf("signing in did not lead back to the review queue: %v", err)
	}
}
