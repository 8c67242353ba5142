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
)

// TestBrowserNewAddress does, with scripts off, what a coordinator does with Sønderborg's
// bounce: on the bounce item, types an address that is none and reads why, then the right
// one, and sees the item gone and what was sent again; then, on Sønderborg's page, sees the
// new address and the old one in the story.
func TestBrowserNewAddress(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	f.populate(t)
	id := f.bounce(t)
	dir := artefacts(t)
	signInBrowser(t, ctx, f, "")
	noScripts := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(ctx, noScripts, chromedp.Navigate(f.srv.URL+"/reviews"), chromedp.WaitVisible(chromedp.CSS("article[data-bounce]"))); err != nil {
		t.Fatal(err)
	}
	shoot(t, ctx, dir, "01-bounce-item")
	field := fmt.Sprintf(`#address%d`, id)
	button := fmt.Sprintf(`article[data-review="%d"] form[data-address-form] button`, id)
	step := func(name, want string, actions ...chromedp.Action[chromedp.Void]) string {
		t.Helper()
		if err := chromedp.Do(ctx, browsertest.Loads(actions...), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, browsertest.Failed(t, ctx, dir, "failed-"+name))
		}
		body := browsertest.Text(t, ctx)
		if !strings.Contains(body, want) {
			t.Errorf("%s: the page does not say %q:\n%s", name, want, body)
		}
		shoot(t, ctx, dir, name)
		return body
	}
	step("02-no-domain", "»bibliotekschef« mangler et domæne efter @.",
		chromedp.SendKeys(chromedp.CSS(field), "bibliotekschef"), chromedp.Click(chromedp.CSS(button)))
	body := step("03-changed", "Adressen for Sønderborg er rettet til "+soenderborgNew+". Invitationen og tilslutningsaftalen sendes til "+soenderborgNew+".",
		chromedp.SetValue(chromedp.CSS(field), soenderborgNew), chromedp.Click(chromedp.CSS(button)))
	if strings.Contains(body, "Sag "+fmt.Sprint(id)+":") {
		t.Errorf("the bounce item is still on the page:\n%s", body)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/invitees/540"), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
		t.Fatal(err)
	}
	body = browsertest.Text(t, ctx)
	shoot(t, ctx, dir, "04-invitee")
	for _, want := range []string{soenderborgNew, "Adressen er ændret fra " + soenderborgOld + " til " + soenderborgNew} {
		if !strings.Contains(body, want) {
			t.Errorf("Sønderborg's page does not say %q:\n%s", want, body)
		}
	}
}
