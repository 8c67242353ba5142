package desk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

const (
	soenderborgOld = "bibliotekschef@soenderborg.kommune.test"
	soenderborgNew = "bibliotek@sonderborg.dk"
)

// bounce has Sønderborg's invitation come back from its listed address, as in the usability
// test, and returns the bounce item's id.
func (f *fixture) bounce(t testing.TB) int64 {
	t.Helper()
	// Sønderborg has not answered: nothing of the campaign has reached it.
	err := f.st.Tx(context.Background(), func(tx *store.Tx) error {
		st := campaign.NewState("540")
		st.Status, st.Agreement = campaign.StatusInvited, campaign.AgreementSent
		return tx.PutState(st)
	})
	if err != nil {
		t.Fatal(err)
	}
	f.uid++
	f.deliver(t, fmt.Sprintf("From: Mail Delivery System <MAILER-DAEMON@soenderborg.kommune.test>\nTo: %s\n"+
		"Subject: Undelivered Mail Returned to Sender\nDate: Mon, 6 Feb 2012 09:02:00 +0100\nMessage-ID: <dsn%d@test>\n"+
		"Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"+
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"+
		"--b\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"+
		"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.soenderborg.kommune.test\n\n"+
		"Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n"+
		"Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--b--\n", f.c.Organiser.Email, f.uid, soenderborgOld))
	var id int64
	err = f.st.View(context.Background(), func(tx *store.Tx) error {
		items, err := tx.OpenReviewsOf("540")
		for _, rv := range items {
			if rv.Why.Code == campaign.ReasonBounced {
				id = rv.ID
			}
		}
		return err
	})
	if err != nil || id == 0 {
		t.Fatalf("no bounce item for Sønderborg: %v", err)
	}
	return id
}

// article is the part of the page of review items about one item.
func article(t *testing.T, body string, id int64) string {
	t.Helper()
	start := strings.Index(body, fmt.Sprintf(`data-review="%d"`, id))
	if start < 0 {
		t.Fatalf("item %d is not on the page", id)
	}
	end := strings.Index(body[start:], "</article>")
	return body[start : start+end]
}

// The bounce item offers a new address first, as the primary action; the rest of the
// decisions wait folded, registering among them as a secondary button; and no answer is
// offered to the address that bounced.
func TestBounceItemOffersANewAddressFirst(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	id := f.bounce(t)
	c := f.signIn(t)
	a := article(t, c.get("/reviews").body, id)
	form := strings.Index(a, fmt.Sprintf(`action="/reviews/%d/address"`, id))
	decide := strings.Index(a, `<details class="decide"`)
	if form < 0 || decide < 0 || form > decide {
		t.Fatalf("the bounce item: the form of a new address at %d, the other decisions at %d; want it first:\n%s", form, decide, a)
	}
	for _, want := range []string{">Ny adresse</label>", `name="was" value="` + soenderborgOld + `"`, ">Ret adressen</button>",
		"Invitationen og tilslutningsaftalen sendes igen til den nye adresse, og sagen lukkes.",
		"Afgør på en anden måde"} {
		if !strings.Contains(a, want) {
			t.Errorf("the bounce item lacks %q:\n%s", want, a)
		}
	}
	if strings.Contains(a, `<details class="decide" open`) {
		t.Error("the other decisions are unfolded on a bounce item")
	}
	if !strings.Contains(a, `value="attend" class="secondary"`) {
		t.Error("registering is a primary button on a bounce item")
	}
	if strings.Contains(a, "/answer") || strings.Contains(a, "Svaret sendes til") {
		t.Errorf("the bounce item offers to write to the address that bounced:\n%s", a)
	}
	// Another invitee's item keeps its decisions as they were.
	other := article(t, c.get("/reviews").body, 1)
	if strings.Contains(other, "/address") || strings.Contains(other, `class="secondary">Tilmeld`) {
		t.Errorf("an item that is no bounce offers a new address:\n%s", other)
	}
}

// The new address from the bounce item: refused with the reason in Danish and what was typed
// kept; then taken, the item closed, the letters queued to the new address, the change in the
// story with who made it; and the form sent again changes nothing more.
func TestNewAddressFromTheBounceItem(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	id := f.bounce(t)
	c := f.signIn(t)
	page := c.get("/reviews")
	tok := csrf(t, page.body)
	path := fmt.Sprintf("/reviews/%d/address", id)
	if r := c.post(path, url.Values{"csrf": {"forged"}, "address": {soenderborgNew}}); r.status != http.StatusForbidden {
		t.Errorf("without the form token: %d", r.status)
	}
	if r := f.client(t).post(path, url.Values{"csrf": {tok}, "address": {soenderborgNew}}); r.status != http.StatusSeeOther ||
		!strings.HasPrefix(r.header.Get("Location"), "/signin") {
		t.Errorf("without signing in: %d %s", r.status, r.header.Get("Location"))
	}
	r := c.post(path, url.Values{"csrf": {tok}, "address": {"bibliotekschef"}, "was": {soenderborgOld}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "»bibliotekschef« mangler et domæne efter @.") ||
		!strings.Contains(article(t, r.body, id), `value="bibliotekschef"`) {
		t.Errorf("an address without a domain: %d\n%s", r.status, r.body)
	}
	r = c.post(path, url.Values{"csrf": {tok}, "address": {"bibliotekschef@horsens.kommune.test"}, "was": {soenderborgOld}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "bibliotekschef@horsens.kommune.test tilhører allerede Horsens.") {
		t.Errorf("another invitee's address: %d\n%s", r.status, r.body)
	}
	if st := f.state(t, "540"); st.Email != "" {
		t.Fatalf("a refused address was taken: %+v", st)
	}
	form := url.Values{"csrf": {tok}, "address": {"Hanne Due <" + soenderborgNew + ">"}, "was": {soenderborgOld}}
	r = c.post(path, form)
	if want := fmt.Sprintf("/reviews?done=%d#done", id); r.status != http.StatusSeeOther || r.header.Get("Location") != want {
		t.Fatalf("the new address: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
	}
	done := c.get(r.header.Get("Location"))
	if want := fmt.Sprintf("Sag %d er afgjort. Adressen for Sønderborg er rettet til %s. Invitationen og tilslutningsaftalen sendes til %s.",
		id, soenderborgNew, soenderborgNew); !strings.Contains(done.body, want) {
		t.Errorf("after the change the page does not say %q:\n%s", want, done.body)
	}
	if strings.Contains(done.body, fmt.Sprintf(`data-review="%d"`, id)) {
		t.Error("the bounce item is still open")
	}
	st := f.state(t, "540")
	if st.Email != soenderborgNew || st.Delivery != campaign.DeliveryOK {
		t.Errorf("state = %+v", st)
	}
	resent := f.rowsTo(t, "540", soenderborgNew)
	if len(resent) != 2 {
		t.Errorf("letters to the new address = %v, want the invitation and the agreement letter", resent)
	}
	story := c.get("/invitees/540").body
	for _, want := range []string{"Adressen er ændret fra " + soenderborgOld + " til " + soenderborgNew + " · " + staffAddr,
		"<dd>" + soenderborgNew + "</dd>", "adressen er rettet til " + soenderborgNew} {
		if !strings.Contains(story, want) {
			t.Errorf("Sønderborg's page lacks %q", want)
		}
	}
	// The form sent again (a second press, the browser's back and resend): nothing more.
	if r := c.post(path, form); r.status != http.StatusSeeOther {
		t.Errorf("the form sent again: %d\n%s", r.status, r.body)
	}
	if again := f.rowsTo(t, "540", soenderborgNew); len(again) != len(resent) {
		t.Errorf("the form sent again queued %d more letters", len(again)-len(resent))
	}
}

// An invitee's page offers a new address, open where mail bounces, and takes it there.
func TestNewAddressFromTheInviteePage(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	f.bounce(t)
	c := f.signIn(t)
	page := c.get("/invitees/540").body
	for _, want := range []string{`<details class="address" id="address" open>`, `action="/invitees/540/address"`,
		`<a href="#address">Ret adressen</a>`, "Invitationen og tilslutningsaftalen sendes igen til den nye adresse"} {
		if !strings.Contains(page, want) {
			t.Errorf("Sønderborg's page lacks %q", want)
		}
	}
	if strings.Contains(c.get("/invitees/615").body, `<details class="address" id="address" open>`) {
		t.Error("the form of a new address is open where mail arrives")
	}
	tok := csrf(t, page)
	r := c.post("/invitees/540/address", url.Values{"csrf": {tok}, "address": {"a@sonderborg.dk, b@sonderborg.dk"}, "was": {soenderborgOld}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "er mere end én adresse. Skriv én.") ||
		!strings.Contains(r.body, `value="a@sonderborg.dk, b@sonderborg.dk"`) {
		t.Errorf("two addresses: %d\n%s", r.status, r.body)
	}
	r = c.post("/invitees/540/address", url.Values{"csrf": {tok}, "address": {soenderborgNew}, "was": {soenderborgOld}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/invitees/540?readdressed=1#address" {
		t.Fatalf("the new address: %d %s", r.status, r.header.Get("Location"))
	}
	done := c.get("/invitees/540?readdressed=1").body
	if !strings.Contains(done, "Adressen for Sønderborg er rettet til "+soenderborgNew+". Invitationen og tilslutningsaftalen sendes til "+soenderborgNew+".") {
		t.Errorf("the page does not say the address changed:\n%s", done)
	}
	if rows := f.rowsTo(t, "540", soenderborgNew); len(rows) != 2 {
		t.Errorf("letters to the new address = %v", rows)
	}
	// The list finds Sønderborg by its new address, which the list of invitees does not hold.
	if list := c.get("/invitees?q=" + url.QueryEscape("Bibliotek@Sonderborg.dk")).body; !strings.Contains(list, `href="/invitees/540"`) {
		t.Errorf("searching the new address does not find Sønderborg:\n%s", list)
	}
	// Someone else's form from before the change is refused, naming the address now.
	r = c.post("/invitees/540/address", url.Values{"csrf": {tok}, "address": {"hd@sonderborg.dk"}, "was": {soenderborgOld}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Adressen er ændret, mens du skrev: den er nu "+soenderborgNew) {
		t.Errorf("a form from before the change: %d\n%s", r.status, r.body)
	}
}

// state reads an invitee's state.
func (f *fixture) state(t *testing.T, code string) campaign.State {
	t.Helper()
	st := campaign.NewState(code)
	if err := f.st.View(context.Background(), func(tx *store.Tx) (err error) { st, err = tx.State(code); return err }); err != nil {
		t.Fatal(err)
	}
	return st
}

// rowsTo is the keys of an invitee's letters to addr.
func (f *fixture) rowsTo(t *testing.T, code, addr string) []string {
	t.Helper()
	var keys []string
	err := f.st.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.OutboxRows(store.OutboxFilter{Invitee: code})
		for _, r := range rows {
			if r.Recipient == addr {
				keys = append(keys, r.Key)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
