package desk

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

// itemsOf lists the open review items of an invitee, oldest first.
func (f *fixture) itemsOf(t testing.TB, code string) []store.Review {
	t.Helper()
	var items []store.Review
	if err := f.st.View(context.Background(), func(tx *store.Tx) (err error) {
		items, err = tx.OpenReviewsOf(code)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return items
}

// itemOf is the one open item of an invitee, opened for a reply just delivered.
func (f *fixture) itemOf(t testing.TB, inv campaign.Invitee, body string) store.Review {
	t.Helper()
	before := len(f.itemsOf(t, inv.Code))
	f.deliver(t, f.reply(inv.Email, inv.Code, body))
	items := f.itemsOf(t, inv.Code)
	if len(items) != before+1 {
		t.Fatalf("%q from %s opened %d items, want one", body, inv.Name, len(items)-before)
	}
	return items[len(items)-1]
}

// stateAndLetters is an invitee's state and the letters queued for it.
func (f *fixture) stateAndLetters(t testing.TB, code string) (campaign.State, []store.Outgoing) {
	t.Helper()
	var st campaign.State
	var out []store.Outgoing
	if err := f.st.View(context.Background(), func(tx *store.Tx) (err error) {
		if st, err = tx.State(code); err != nil {
			return err
		}
		out, err = tx.OutboxRows(store.OutboxFilter{Invitee: code})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return st, out
}

var articleRe = regexp.MustCompile(`(?s)<article [^>]*id="r(\d+)".*?</article>`)

// card is the card of item id on a page, "" when the page has none.
func card(body string, id int64) string {
	for _, m := range articleRe.FindAllStringSubmatch(body, -1) {
		if m[1] == fmt.Sprint(id) {
			return m[0]
		}
	}
	return ""
}

var formRe = regexp.MustCompile(`(?s)<form [^>]*>.*?</form>`)

// Pressing Enter in a field of a form presses the form's first submit button (implicit
// submission). On the page of items every form with a field begins with a disabled one, so
// that Enter in the note, the number of people or the answer presses none; and a form sent
// without an action, or a registration without its meeting, changes nothing and sends
// nothing, and says why on the item's card, with what was typed kept.
func TestReviewEnterSubmitsNothing(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	inv := f.c.Invitees[80]
	rv := f.itemOf(t, inv, "Ringer I mig op? Jeg er i tvivl om datoen.")
	page := c.get("/reviews")
	forms := 0
	for _, form := range formRe.FindAllString(page.body, -1) {
		if !regexp.MustCompile(`<input type="(text|number|checkbox)"|<textarea|<select`).MatchString(form) {
			continue
		}
		forms++
		first := regexp.MustCompile(`<button[^>]*>`).FindString(form)
		if !strings.Contains(first, " disabled") || !strings.Contains(first, "enter-guard") {
			t.Errorf("a form whose first submit button Enter would press: %s\n%s", first, form[:min(len(form), 300)])
		}
	}
	if forms < 10 {
		t.Fatalf("%d forms with fields on the page of items, want a decide form per item at least", forms)
	}
	before, sentBefore := f.stateAndLetters(t, inv.Code)
	path := fmt.Sprintf("/reviews/%d", rv.ID)
	for _, form := range []url.Values{
		{"note": {"Ringet op, de kommer ikke"}, "meeting": {""}, "headcount": {""}},
		{"action": {"attend"}, "note": {"Ringet op, de kommer ikke"}, "meeting": {""}, "headcount": {"1"}},
	} {
		form.Set("csrf", csrf(t, page.body))
		r := c.post(path, form)
		got := card(r.body, rv.ID)
		if r.status != http.StatusBadRequest || !strings.Contains(got, `role="alert"`) || !strings.Contains(got, `value="Ringet op, de kommer ikke"`) {
			t.Errorf("POST %v: %d; want 400 and the card saying why, the note kept:\n%s", form, r.status, got)
		}
	}
	if r := c.post(path, url.Values{"csrf": {csrf(t, page.body)}, "action": {"attend"}, "meeting": {""}, "headcount": {"1"}}); !strings.Contains(r.body, "Vælg det møde, kommunen skal tilmeldes.") ||
		!regexp.MustCompile(`<select name="meeting" required autofocus>`).MatchString(card(r.body, rv.ID)) {
		t.Errorf("a registration without a meeting: the card does not ask for the meeting with it focused:\n%s", card(r.body, rv.ID))
	}
	after, sentAfter := f.stateAndLetters(t, inv.Code)
	if !after.Same(before) || len(sentAfter) != len(sentBefore) || len(f.itemsOf(t, inv.Code)) != 1 {
		t.Errorf("a form without an action or meeting changed %s: %+v -> %+v, %d -> %d letters", inv.Name, before, after, len(sentBefore), len(sentAfter))
	}
}

// The form that registers an invitee starts with the meeting and number rsvpd read or
// suggests; where it read none the meeting is a required choice that starts empty, never the
// first meeting, and the number starts empty too.
func TestReviewPrefill(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	question := f.itemOf(t, f.c.Invitees[80], "Ringer I mig op? Jeg er i tvivl om datoen.")
	above := f.itemOf(t, f.c.Invitees[81], "Vi kommer tre personer til mødet i Vejle, hvis der er plads.")
	held := f.itemsOf(t, f.c.Invitees[71].Code)
	if len(held) != 1 || held[0].Suggestion == nil {
		t.Fatalf("the fixture's held reading for %s: %+v", f.c.Invitees[71].Name, held)
	}
	page := c.get("/reviews")
	selected := regexp.MustCompile(`<option value="(\w*)"[^>]*selected>`)
	headcount := regexp.MustCompile(`<input type="number" name="headcount"[^>]*>`)
	for _, w := range []struct {
		name    string
		id      int64
		meeting string
		people  string
	}{
		{"a question", question.ID, "", ""},
		{"more than welcome", above.ID, "vejle", `value="3"`},
		{"a held reading", held[0].ID, "vejle", `value="2"`},
	} {
		got := card(page.body, w.id)
		sel := regexp.MustCompile(`(?s)<select name="meeting".*?</select>`).FindString(got)
		m := selected.FindStringSubmatch(sel)
		n := headcount.FindString(got)
		if m == nil || m[1] != w.meeting || !strings.Contains(sel, "required") {
			t.Errorf("%s: the meeting selected is %v, want %q, required: %s", w.name, m, w.meeting, sel)
		}
		if w.people == "" && (strings.Contains(n, "value=") || !strings.Contains(n, "required")) || w.people != "" && !strings.Contains(n, w.people) {
			t.Errorf("%s: the number of people %s, want %q", w.name, n, w.people)
		}
	}
}

// prefill names no meeting held already, and none a reason names for another purpose (the
// meeting a decline cancels); a number out of range is no number.
func TestPrefillReasons(t *testing.T) {
	f := newFixture(t)
	aalborg, _ := f.c.Meeting("aalborg")
	before, after := aalborg.Start.AddDate(0, 0, -1), aalborg.Start.AddDate(0, 0, 1)
	for _, c := range []struct {
		name string
		rv   store.Review
		now  string
		want attendPrefill
	}{
		{"above welcome", store.Review{Why: campaign.Reason{Code: campaign.ReasonAboveWelcome, Meeting: "aalborg", People: 3}}, "before", attendPrefill{"aalborg", 3}},
		{"above welcome, held", store.Review{Why: campaign.Reason{Code: campaign.ReasonAboveWelcome, Meeting: "aalborg", People: 3}}, "after", attendPrefill{"", 3}},
		{"cancels a meeting", store.Review{Why: campaign.Reason{Code: campaign.ReasonCancelPast, Meeting: "vejle"}}, "before", attendPrefill{}},
		{"several meetings", store.Review{Why: campaign.Reason{Code: campaign.ReasonReadingCheck,
			Reading: &campaign.Reason{Code: campaign.ReadAttends, Meeting: "*", People: 2}}}, "before", attendPrefill{"", 2}},
		{"undecided between two", store.Review{Why: campaign.Reason{Code: campaign.ReasonReadingCheck,
			Reading: &campaign.Reason{Code: campaign.ReadUndecided, Alternatives: []string{"vejle", "roskilde"}}}}, "before", attendPrefill{}},
		{"a calendar decline", store.Review{Why: campaign.Reason{Code: campaign.ReasonHeld,
			Reading: &campaign.Reason{Code: campaign.ReadCalendarAnswer, PartStat: "DECLINED", Meeting: "vejle"}}}, "before", attendPrefill{}},
		{"a suggestion", store.Review{Why: campaign.Reason{Code: campaign.ReasonHeld}, Suggestion: &campaign.Answer{Intent: "attend", Meeting: "roskilde", Headcount: 99}}, "before", attendPrefill{"roskilde", 0}},
	} {
		now := before
		if c.now == "after" {
			now = after
		}
		if got := f.desk.prefill(c.rv, now); got != c.want {
			t.Errorf("%s: prefill %+v, want %+v", c.name, got, c.want)
		}
	}
}

// After an action the page comes back to the same items, at the notice of what was done,
// read from the store: the decision, the invitee's registration, the letters and to whom; it
// stands where the settled item was, before the next one.
func TestReviewOutcome(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	inv, other := f.c.Invitees[80], f.c.Invitees[82]
	rv := f.itemOf(t, inv, "Ringer I mig op? Jeg er i tvivl om datoen.")
	next := f.itemOf(t, other, "Ringer I mig op? Jeg er i tvivl om prisen.")
	page := c.get("/reviews?kind=question")
	for _, s := range []struct {
		form   url.Values
		id     int64
		notice string
		before string // the card the notice stands before, "" for none: it follows the last
	}{
		{url.Values{"action": {"attend"}, "meeting": {"vejle"}, "headcount": {"2"}, "note": {"Ringet op"}}, rv.ID,
			fmt.Sprintf("Sag %d er afgjort. %s er tilmeldt mødet i Vejle med 2 deltagere. Bekræftelsen med kalenderinvitation sendes til %s.", rv.ID, inv.Name, inv.Email),
			fmt.Sprintf(`id="r%d"`, next.ID)},
		{url.Values{"action": {"ignore"}}, next.ID,
			fmt.Sprintf("Sag %d er afgjort. Den er lukket uden ændringer. Der er ikke sendt nogen mail.", next.ID), ""},
	} {
		s.form.Set("csrf", csrf(t, page.body))
		r := c.post(fmt.Sprintf("/reviews/%d?kind=question", s.id), s.form)
		back := fmt.Sprintf("/reviews?done=%d&kind=question#done", s.id)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != back {
			t.Fatalf("settling item %d: %d to %q, want %q", s.id, r.status, r.header.Get("Location"), back)
		}
		page = c.get(back)
		notice := regexp.MustCompile(`<p class="notice good done" id="done" role="status" data-done="\d+">([^<]*)</p>`).FindStringSubmatch(page.body)
		if notice == nil || notice[1] != s.notice {
			t.Errorf("after settling item %d the page says %v, want %q", s.id, notice, s.notice)
		}
		at := strings.Index(page.body, `id="done"`)
		following := regexp.MustCompile(`<article [^>]*(id="r\d+")`).FindStringSubmatch(page.body[max(at, 0):])
		if at < 0 || s.before == "" && following != nil || s.before != "" && (following == nil || following[1] != s.before) {
			t.Errorf("after settling item %d the notice does not stand where the item was: the card after it is %v, want %q", s.id, following, s.before)
		}
	}
	st, sent := f.stateAndLetters(t, inv.Code)
	if st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 || len(sent) == 0 || sent[len(sent)-1].Kind != "confirmation" {
		t.Errorf("%s is %+v, want attending Vejle with 2 and a confirmation queued", inv.Name, st)
	}
}

// An item from an unknown sender names no invitee: settling it for the invitee the staff
// chose says what happened to that invitee, and to whom the letters went.
func TestReviewOutcomeUnknownSender(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	unknown := f.itemsOf(t, "")
	if len(unknown) != 1 || unknown[0].Why.Code != campaign.ReasonUnknownSender {
		t.Fatalf("the fixture's unknown sender: %+v", unknown)
	}
	inv := f.c.Invitees[85]
	page := c.get("/reviews")
	r := c.post(fmt.Sprintf("/reviews/%d", unknown[0].ID), url.Values{"csrf": {csrf(t, page.body)}, "action": {"attend"},
		"invitee": {inv.Code}, "meeting": {"roskilde"}, "headcount": {"3"}})
	back := fmt.Sprintf("/reviews?done=%d&for=%s#done", unknown[0].ID, inv.Code)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != back {
		t.Fatalf("settling the unknown sender's item for %s: %d to %q, want %q", inv.Name, r.status, r.header.Get("Location"), back)
	}
	want := fmt.Sprintf("%s er tilmeldt mødet i Roskilde med 3 deltagere. Bekræftelsen med kalenderinvitation sendes til %s.", inv.Name, inv.Email)
	if page = c.get(back); !strings.Contains(page.body, want) {
		t.Errorf("the page does not say %q", want)
	}
}

// Answering an item in words says the answer is on its way, to whom, and whether the item
// was closed with it or is still open.
func TestReviewOutcomeAnswer(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	inv := f.c.Invitees[80]
	for _, close := range []string{"1", ""} {
		rv := f.itemOf(t, inv, "Ringer I mig op? Jeg er i tvivl om datoen "+close+".")
		page := c.get("/reviews")
		r := c.post(fmt.Sprintf("/reviews/%d/answer", rv.ID), url.Values{"csrf": {csrf(t, page.body)}, "text": {"Ja, vi ringer i morgen."}, "close": {close}})
		want := fmt.Sprintf("Sag %d er afgjort. Den er lukket uden ændringer. Dit svar sendes til %s.", rv.ID, inv.Email)
		if close == "" {
			want = fmt.Sprintf("Sag %d er stadig åben. Dit svar sendes til %s.", rv.ID, inv.Email)
		}
		if page = c.get(r.header.Get("Location")); r.status != http.StatusSeeOther || !strings.Contains(page.body, want) {
			t.Errorf("answering item %d (close %q): %d, the page does not say %q", rv.ID, close, r.status, want)
		}
	}
}

// The engine's refusals reach the page in the staff's words: an item settled already, and an
// unknown sender's item settled for no invitee.
func TestReviewRefusalsInWords(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	rv := f.itemOf(t, f.c.Invitees[80], "Ringer I mig op? Jeg er i tvivl om datoen.")
	unknown := f.itemsOf(t, "")
	if len(unknown) != 1 {
		t.Fatalf("the fixture's unknown sender: %+v", unknown)
	}
	page := c.get("/reviews")
	ignore := url.Values{"csrf": {csrf(t, page.body)}, "action": {"ignore"}}
	if r := c.post(fmt.Sprintf("/reviews/%d", rv.ID), ignore); r.status != http.StatusSeeOther {
		t.Fatalf("closing item %d: %d", rv.ID, r.status)
	}
	for _, s := range []struct {
		id   int64
		want string
	}{
		{rv.ID, "Sagen er allerede afgjort."},
		{unknown[0].ID, "Mailen er ikke knyttet til en kommune."},
	} {
		form := url.Values{"csrf": {csrf(t, page.body)}, "action": {"accept"}}
		if s.id == rv.ID {
			form.Set("action", "ignore")
		}
		r := c.post(fmt.Sprintf("/reviews/%d", s.id), form)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, s.want) {
			t.Errorf("settling item %d: %d, the page does not say %q", s.id, r.status, s.want)
		}
	}
}
