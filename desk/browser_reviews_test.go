package desk

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/rsvpd/rsvpd/desk/browsertest"
	"github.com/rsvpd/rsvpd/store"
)

// TestBrowserReviewsOfInvitee follows, with scripts off, the count of an invitee's open items
// in the list of invitees to the page of its items alone, settles one and confirms its
// returned agreement there, each time coming back to the same invitee's items, and then shows
// all items again.
func TestBrowserReviewsOfInvitee(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	f.populate(t)
	f.addReview(t, "615", "Hvad koster aftalen for Horsens?", "")
	var question int64
	if err := f.st.View(context.Background(), func(tx *store.Tx) error {
		items, err := tx.OpenReviewsOf("615")
		for _, rv := range items {
			if strings.HasPrefix(rv.Text, "Hvad koster") {
				question = rv.ID
			}
		}
		return err
	}); err != nil || question == 0 {
		t.Fatalf("no open question of 615: %v", err)
	}
	dir := artefacts(t)
	signInBrowser(t, ctx, f, "")
	noScripts := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(ctx, noScripts); err != nil {
		t.Fatal(err)
	}
	other := "Hvor ligger mødelokalet" // the question of another invitee
	filter := "Viser kun sagerne om Horsens — vis alle sager"
	step := func(name, want string, click chromedp.Action[chromedp.Void]) string {
		t.Helper()
		if err := chromedp.Do(ctx, browsertest.Loads(click), chromedp.WaitVisible(chromedp.CSS(".page-reviews"))); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, browsertest.Failed(t, ctx, dir, "failed-"+name))
		}
		body := browsertest.Text(t, ctx)
		if !strings.Contains(body, want) {
			t.Errorf("%s: the page does not say %q:\n%s", name, want, body)
		}
		shoot(t, ctx, dir, name)
		return body
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/invitees?q=Horsens"), chromedp.WaitVisible(chromedp.CSS("a.badge"))); err != nil {
		t.Fatal(err)
	}
	body := step("01-reviews-of-horsens", filter, chromedp.Click(chromedp.CSS("a.badge")))
	if strings.Contains(body, other) || !strings.Contains(body, "Hvad koster aftalen for Horsens?") {
		t.Errorf("the items of Horsens: want its question and not another invitee's:\n%s", body)
	}
	settle := fmt.Sprintf(`article[data-review="%d"] button[value="ignore"]`, question)
	body = step("02-settled", fmt.Sprintf("Sag %d er afgjort.", question), chromedp.Click(chromedp.CSS(settle)))
	if !strings.Contains(body, filter) {
		t.Errorf("after settling an item of Horsens the page shows every invitee's items:\n%s", body)
	}
	body = step("03-agreement-confirmed", "Aftalen fra Horsens er bekræftet.",
		chromedp.Click(chromedp.CSS(`article[data-invitee="615"][data-agreement] form.primary-action button`)))
	if !strings.Contains(body, filter) || !strings.Contains(body, "Ingen sager om Horsens venter.") {
		t.Errorf("after confirming the agreement of Horsens the page is not that of its items, none left:\n%s", body)
	}
	body = step("04-all", other, chromedp.Click(chromedp.CSS(`p.filter a`)))
	if strings.Contains(body, "Viser kun") {
		t.Errorf("show all still shows the items of one invitee:\n%s", body)
	}
}
