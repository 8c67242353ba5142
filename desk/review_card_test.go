package desk

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// The page of items counts the open items of each kind and shows those of one kind when
// asked, a page at a time, keeping the kind (and the invitee) in its links and forms; the
// overview counts them too, each kind linked to its items. A kind that does not exist is no
// page.
func TestReviewKinds(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	var askers []campaign.Invitee // none of the fixture's own items
	for _, inv := range f.c.Invitees[60:] {
		if inv.Code != f.c.Invitees[70].Code && inv.Code != f.c.Invitees[71].Code && inv.Code != "615" && inv.Code != "101" && inv.Code != "147" {
			askers = append(askers, inv)
		}
	}
	for i := range reviewsPerPage + 3 {
		f.itemOf(t, askers[i%len(askers)], fmt.Sprintf("Ringer I mig op? Spørgsmål nummer %d.", i))
	}
	all := c.get("/reviews")
	counts := map[string]string{}
	for _, m := range regexp.MustCompile(`<a href="([^"]*)" data-kind="(\w*)"[^>]*>[^<]*<span class="count">(\d+)</span></a>`).FindAllStringSubmatch(all.body, -1) {
		counts[m[2]] = m[3]
		if want := (reviewsView{Kind: m[2]}).URL(); m[2] != "" && m[1] != strings.ReplaceAll(want, "&", "&amp;") {
			t.Errorf("kind %s links to %s, want %s", m[2], m[1], want)
		}
	}
	questions := fmt.Sprint(reviewsPerPage + 4) // and the fixture's own
	if counts[""] != "58" || counts["question"] != questions || counts["agreement"] != "2" || counts["sender"] != "2" {
		t.Fatalf("the kinds counted %v; want 58 in all, %s questions, 2 agreements, 2 unknown senders", counts, questions)
	}
	kinds := regexp.MustCompile(`data-review="\d+"[^>]* data-kind="(\w+)"`)
	var seen int
	path := "/reviews?kind=question"
	for page := 1; path != "" && page < 4; page++ {
		r := c.get(path)
		for _, m := range kinds.FindAllStringSubmatch(r.body, -1) {
			seen++
			if m[1] != "question" {
				t.Errorf("%s shows an item of kind %s", path, m[1])
			}
		}
		if !strings.Contains(r.body, `data-kind="question" aria-current="page"`) {
			t.Errorf("%s does not mark the kind it shows", path)
		}
		path = ""
		if m := regexp.MustCompile(`<a href="(/reviews\?after=\d+&amp;kind=question)" rel="next">`).FindStringSubmatch(r.body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		if page == 1 && !strings.Contains(r.body, fmt.Sprintf("1–%d af %s åbne sager vises", reviewsPerPage, questions)) {
			t.Errorf("the first page of questions does not say which of how many it shows")
		}
	}
	if fmt.Sprint(seen) != questions {
		t.Errorf("the pages of questions showed %d items, want %s", seen, questions)
	}
	horsens := c.get("/reviews?invitee=615&kind=agreement")
	if n := len(kinds.FindAllString(horsens.body, -1)); n != 1 || !strings.Contains(horsens.body, `action="/reviews/`) ||
		!regexp.MustCompile(`action="/reviews/\d+\?invitee=615&amp;kind=agreement"`).MatchString(horsens.body) {
		t.Errorf("the agreements of Horsens: %d items, or the forms do not keep the view", n)
	}
	if r := c.get("/reviews?kind=nonsense"); r.status != http.StatusNotFound {
		t.Errorf("a kind that does not exist: %d, want 404", r.status)
	}
	ov := c.get("/")
	if !strings.Contains(ov.body, fmt.Sprintf(`<li data-kind="question"><a href="/reviews?kind=question">Spørgsmål</a>: %s</li>`, questions)) ||
		!strings.Contains(ov.body, `<li data-kind="agreement"><a href="/reviews?kind=agreement">Aftaler at kontrollere</a>: 2</li>`) {
		t.Errorf("the overview does not count the items of each kind:\n%s", reviewsCard(ov.body))
	}
}

// A reply's card shows what the sender wrote and keeps the quoted invitation and the
// signature behind a click; a reply that is all its own text shows it once.
func TestReviewQuoteCollapsed(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	quoted := "Ringer I mig op? Jeg er i tvivl om datoen.\n\nMed venlig hilsen\nBibliotekschefen\n\n" +
		"-----Oprindelig meddelelse-----\nFra: KOMBIT [mailto:dialogmoeder@kombit.test]\nEmne: Invitation\n\n" +
		"Kære bibliotekschef\nKOMBIT inviterer jer til dialogmøde om det nye fælles bibliotekssystem."
	rv := f.itemOf(t, f.c.Invitees[80], quoted)
	plain := f.itemOf(t, f.c.Invitees[81], "Ringer I mig op?")
	page := c.get("/reviews")
	got := card(page.body, rv.ID)
	own := regexp.MustCompile(`<pre class="mail own">([^<]*)</pre>\s*<details class="whole"><summary>[^<]*</summary><pre class="mail">([^<]*)</pre>`).FindStringSubmatch(got)
	if own == nil || own[1] != "Ringer I mig op? Jeg er i tvivl om datoen." || !strings.Contains(own[2], "KOMBIT inviterer jer") {
		t.Errorf("the card of a reply with the invitation quoted: %v\n%s", own, got)
	}
	got = card(page.body, plain.ID)
	if strings.Contains(got, `class="mail own"`) || strings.Contains(got, `class="whole"`) || strings.Count(got, `<pre class="mail">Ringer I mig op?`) != 1 {
		t.Errorf("the card of a reply without a quote:\n%s", got)
	}
}

// Fredericia registers three for Vejle, then moves them to Aalborg: both items stay open. The
// older one says on its card that a newer mail came and was registered, and links to the
// item about it; its actions that would change the registration ask the staff to confirm
// that the newer mail was read, and without it change nothing; closing it needs no
// confirmation. The newer item is not overtaken.
func TestReviewOvertaken(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	inv := f.c.Invitees[80]
	first := f.itemOf(t, inv, "Vi kommer tre personer til mødet i Vejle, hvis der er plads.")
	f.clock.set(f.clock.Now().Add(24 * time.Hour))
	second := f.itemOf(t, inv, "Vi kommer alligevel tre personer til mødet i Aalborg i stedet.")
	page := c.get("/reviews?invitee=" + inv.Code)
	old, newer := card(page.body, first.ID), card(page.body, second.ID)
	link := fmt.Sprintf(`<a href="/reviews?invitee=%s#r%d">Se sag %d</a>`, inv.Code, second.ID, second.ID)
	if !strings.Contains(old, "En nyere mail fra "+inv.Email+" er kommet") || !strings.Contains(old, "registreret som tilmeldt (Aalborg, 3 deltagere)") ||
		!strings.Contains(old, link) || !strings.Contains(old, `name="overtaken_ok" value="1" required`) {
		t.Errorf("the older item's card does not say a newer mail overtook it, link %s, and ask for a confirmation:\n%s", link, old)
	}
	if strings.Contains(newer, "En nyere mail") || strings.Contains(newer, "overtaken_ok") {
		t.Errorf("the newer item's card says it is overtaken:\n%s", newer)
	}
	before, sent := f.stateAndLetters(t, inv.Code)
	path := fmt.Sprintf("/reviews/%d?invitee=%s", first.ID, inv.Code)
	r := c.post(path, url.Values{"csrf": {csrf(t, page.body)}, "action": {"attend"}, "meeting": {"vejle"}, "headcount": {"3"}})
	if r.status != http.StatusBadRequest || !strings.Contains(card(r.body, first.ID), "En nyere mail fra kommunen er kommet efter denne sag.") ||
		!strings.Contains(card(r.body, first.ID), `value="1" required autofocus`) {
		t.Errorf("registering from the overtaken item without confirming: %d, want 400 and the card asking for the confirmation", r.status)
	}
	if st, now := f.stateAndLetters(t, inv.Code); !st.Same(before) || len(now) != len(sent) || st.Meeting != "aalborg" {
		t.Fatalf("an unconfirmed action on an overtaken item changed %s: %+v, %d letters", inv.Name, st, len(now)-len(sent))
	}
	r = c.post(path, url.Values{"csrf": {csrf(t, page.body)}, "action": {"ignore"}, "note": {"lukket, fordi en nyere mail gælder"}})
	if r.status != http.StatusSeeOther {
		t.Errorf("closing the overtaken item: %d, want 303", r.status)
	}
	if st, now := f.stateAndLetters(t, inv.Code); !st.Same(before) || len(now) != len(sent) {
		t.Errorf("closing the overtaken item changed %s", inv.Name)
	}
	// A confirmed decision goes through: the staff has read the newer mail.
	third := f.itemOf(t, inv, "Vi kommer tre personer til Vejle alligevel.")
	f.clock.set(f.clock.Now().Add(time.Hour))
	f.deliver(t, f.reply(inv.Email, inv.Code, "Vi kommer to til Roskilde."))
	r = c.post(fmt.Sprintf("/reviews/%d", third.ID), url.Values{"csrf": {csrf(t, page.body)}, "action": {"attend"},
		"meeting": {"vejle"}, "headcount": {"3"}, "overtaken_ok": {"1"}})
	if st, _ := f.stateAndLetters(t, inv.Code); r.status != http.StatusSeeOther || st.Meeting != "vejle" {
		t.Errorf("a confirmed registration from an overtaken item: %d, %s is %+v", r.status, inv.Name, st)
	}
}

// A later reply that answers nothing (a question) does not overtake an item; a later reply
// held for review does, and the card says it waits itself.
func TestReviewOvertakenBy(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	inv := f.c.Invitees[80]
	rv := f.itemOf(t, inv, "Vi kommer tre personer til mødet i Vejle, hvis der er plads.")
	f.itemOf(t, inv, "Ringer I mig op? Jeg er i tvivl om prisen.")
	if got := card(c.get("/reviews").body, rv.ID); strings.Contains(got, "En nyere mail") {
		t.Errorf("a later question overtook the item:\n%s", got)
	}
	var held campaign.Reason
	f.deliver(t, f.reply("sekretariat@andet.test", "", fmt.Sprintf("På vegne af %s: vi kommer til Roskilde, 2 personer.", inv.FormalName)))
	items := f.itemsOf(t, inv.Code)
	held = items[len(items)-1].Why
	got := card(c.get("/reviews").body, rv.ID)
	if held.Code != campaign.ReasonSenderNamesOne || !strings.Contains(got, "En nyere mail fra sekretariat@andet.test") || !strings.Contains(got, "Den venter selv på at blive afgjort.") {
		t.Errorf("a later reply held for review (%s) does not overtake the item:\n%s", held.Code, got)
	}
}
