package desk

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rsvpd/rsvpd/desk/browsertest"
	"github.com/rsvpd/rsvpd/schedules"
)

// TestBrowserLettersAsSent looks, as a coordinator does, at the 7 February digest weeks later
// (it still says what it said then, with its chart), at the reports page beside it, and at
// Fredericia's page, where the staff's own answer opens to its text with a click.
func TestBrowserLettersAsSent(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	f.clock.set(time.Date(2012, 2, 7, 7, 0, 0, 0, f.c.Location))
	f.runJob(t, schedules.Job{Key: "digest/2012-02-07", Kind: schedules.KindDigest})
	f.sendAll(t)
	f.populate(t) // agreements confirmed after the digest went out
	answer := f.fredericia(t)
	dir := artefacts(t)
	signInBrowser(t, ctx, f, "")
	look := func(name, path, waitFor string, want ...string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(waitFor))); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, browsertest.Failed(t, ctx, dir, "failed-"+name))
		}
		body := browsertest.Text(t, ctx)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s does not say %q:\n%s", path, w, body)
			}
		}
		shoot(t, ctx, dir, name)
	}
	look("01-reports", "/digests", ".page-digests", "Rapporter", "Dagsoversigt 7. februar 2012")
	look("02-digest", "/digests/1", "img.chart", "0 bekræftede aftaler", "status-2012-02-07.csv")
	look("03-fredericia", "/invitees/607", ".page-invitee", "Skiftede fra Vejle til Aalborg (3 deltagere)", "Svar fra en medarbejder")
	letter := fmt.Sprintf("#out%d", answer.ID)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(letter+" > summary")), chromedp.WaitVisible(chromedp.CSS(letter+" pre.mail"))); err != nil {
		t.Fatalf("the staff's answer does not open: %v\n%s", err, browsertest.Failed(t, ctx, dir, "failed-open"))
	}
	body := browsertest.Text(t, ctx)
	if !strings.Contains(body, "Der er plads til jer alle tre i Aalborg.") {
		t.Errorf("the opened answer does not show its text:\n%s", body)
	}
	shoot(t, ctx, dir, "04-fredericia-answer")
}
