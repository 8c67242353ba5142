package desk

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/rsvpd/rsvpd/campaign"
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

// TestBrowserReviewActions works the page of items as a coordinator would, with the keyboard
// and the mouse: Enter in a card's note, and in its number of people, presses nothing (the
// item stays open, the invitee unchanged, no letter queued); the meeting rsvpd read is chosen
// in the form, the number it did not read is asked for; the registration then says what it
// did, where the item was, with the next item below it in view; an item a newer reply
// overtook is not registered by a click that does not confirm it; the filter shows one kind
// of item; a quoted invitation stays behind a click.
func TestBrowserReviewActions(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	f.populate(t)
	question := f.itemOf(t, f.c.Invitees[80], "Ringer I mig op? Jeg er i tvivl om datoen.\n\nMed venlig hilsen\nBibliotekschefen\n\n"+
		"-----Oprindelig meddelelse-----\nFra: KOMBIT [mailto:dialogmoeder@kombit.test]\nEmne: Invitation\n\nKære bibliotekschef\nKOMBIT inviterer jer til dialogmøde.")
	naestved := f.c.Invitees[81]
	undecided := f.itemOf(t, naestved, "Vi kommer to, måske tre, til Vejle.")
	moved := f.c.Invitees[82]
	overtaken := f.itemOf(t, moved, "Vi kommer tre personer til mødet i Vejle, hvis der er plads.")
	f.clock.set(f.clock.Now().Add(time.Hour))
	f.itemOf(t, moved, "Vi kommer alligevel tre personer til mødet i Aalborg i stedet.")
	dir := artefacts(t)
	signInBrowser(t, ctx, f, "")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768), chromedp.Navigate(f.srv.URL+"/reviews"), chromedp.WaitVisible(chromedp.CSS(".page-reviews"))); err != nil {
		t.Fatal(err)
	}
	unchanged := func(step string, rv store.Review, inv campaign.Invitee, before campaign.State, letters int) {
		t.Helper()
		st, out := f.stateAndLetters(t, inv.Code)
		open := false
		for _, it := range f.itemsOf(t, inv.Code) {
			open = open || it.ID == rv.ID
		}
		if !open || !st.Same(before) || len(out) != letters {
			t.Fatalf("%s: item %d open %v, %s %+v -> %+v, %d letters -> %d", step, rv.ID, open, inv.Name, before, st, letters, len(out))
		}
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != f.srv.URL+"/reviews" {
			t.Fatalf("%s: the browser went to %s (%v)", step, loc, err)
		}
	}
	// Enter in the note and in the number of people, in a form whose meeting and number
	// rsvpd filled in (the held reading: Vejle, two), and in one it did not.
	heldInv := f.c.Invitees[71]
	held := f.itemsOf(t, heldInv.Code)[0]
	for _, c := range []struct {
		rv  store.Review
		inv campaign.Invitee
	}{{held, heldInv}, {question, f.c.Invitees[80]}} {
		before, sent := f.stateAndLetters(t, c.inv.Code)
		card := fmt.Sprintf(`article[data-review="%d"]`, c.rv.ID)
		if c.rv.Suggestion != nil {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(card+" details.decide summary"))); err != nil {
				t.Fatal(err)
			}
		}
		for _, field := range []string{"note", "headcount"} {
			if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(card+` input[name="`+field+`"]`), "2\r"), chromedp.Sleep(time.Second)); err != nil {
				t.Fatalf("Enter in %s: %v", field, err)
			}
			unchanged(fmt.Sprintf("Enter in the %s of item %d", field, c.rv.ID), c.rv, c.inv, before, len(sent))
		}
	}
	shoot(t, ctx, dir, "01-after-enter")
	guards, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(".enter-guard")].filter(b => b.offsetParent !== null).length`))
	if err != nil || guards != 0 {
		t.Errorf("%d of the disabled buttons that take Enter are shown (%v)", guards, err)
	}
	// The quoted invitation is behind a click; what the sender wrote is shown.
	text := browsertest.Text(t, ctx)
	if !strings.Contains(text, "Ringer I mig op? Jeg er i tvivl om datoen.") || strings.Contains(text, "KOMBIT inviterer jer") {
		t.Errorf("the quoted invitation is on the page, or the reply is not:\n%s", text)
	}
	// An overtaken item: Tilmeld without the confirmation does nothing.
	oBefore, oSent := f.stateAndLetters(t, moved.Code)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`article[data-review="%d"] details.decide summary`, overtaken.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`article[data-review="%d"] button[value="attend"]`, overtaken.ID))), chromedp.Sleep(time.Second)); err != nil {
		t.Fatal(err)
	}
	unchanged("Tilmeld on an overtaken item", overtaken, moved, oBefore, len(oSent))
	shoot(t, ctx, dir, "02-overtaken-unconfirmed")
	// Næstved: Vejle is chosen, the number is asked for; register two.
	card := fmt.Sprintf(`article[data-review="%d"]`, undecided.ID)
	meeting, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('%s select[name="meeting"]').value + "/" + document.querySelector('%s input[name="headcount"]').value`, card, card)))
	if err != nil || meeting != "vejle/" {
		t.Errorf("Næstved's form starts with %q (%v), want Vejle and no number", meeting, err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(card+` input[name="headcount"]`), "2"),
		browsertest.Loads(chromedp.Click(chromedp.CSS(card+` button[value="attend"]`))), chromedp.WaitVisible(chromedp.ID("done"))); err != nil {
		t.Fatalf("registering Næstved: %v\n%s", err, browsertest.Failed(t, ctx, dir, "failed-register"))
	}
	shoot(t, ctx, dir, "03-registered")
	want := fmt.Sprintf("Sag %d er afgjort. %s er tilmeldt mødet i Vejle med 2 deltagere.", undecided.ID, naestved.Name)
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const n = document.getElementById("done"), r = n.getBoundingClientRect();
		const next = n.nextElementSibling; return (r.top >= 0 && r.bottom <= innerHeight ? "in view: " : "out of view: ") + n.innerText +
		" | next: " + (next && next.dataset.review) })()`))
	if err != nil || !strings.HasPrefix(seen, "in view: "+want) || !strings.HasSuffix(seen, fmt.Sprintf("| next: %d", overtaken.ID)) {
		t.Errorf("after registering, the page shows %q (%v); want the notice %q in view, item %d after it", seen, err, want, overtaken.ID)
	}
	// The filter: questions only.
	if err := chromedp.Do(ctx, browsertest.Loads(chromedp.Click(chromedp.CSS(`nav.kinds a[data-kind="question"]`))), chromedp.WaitVisible(chromedp.CSS(".page-reviews"))); err != nil {
		t.Fatal(err)
	}
	kinds, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...new Set([...document.querySelectorAll("article")].map(a => a.dataset.kind))].join(",")`))
	if err != nil || kinds != "question" {
		t.Errorf("the questions' page shows items of kinds %q (%v)", kinds, err)
	}
	shoot(t, ctx, dir, "04-questions")
}
