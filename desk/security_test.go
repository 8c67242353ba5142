package desk

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

// deskPaths are every page and action of the desk, with the method each takes.
var deskPaths = []struct{ method, path string }{
	{"GET", "/"}, {"GET", "/invitees"}, {"GET", "/invitees?q=k%C3%B8benhavn"}, {"GET", "/invitees/101"},
	{"GET", "/messages/1/raw"}, {"GET", "/messages/1/parts/0"}, {"GET", "/reviews"}, {"POST", "/reviews/1"},
	{"POST", "/reviews/1/answer"}, {"POST", "/agreements/615/confirm"}, {"GET", "/lists"}, {"GET", "/lists/vejle"},
	{"GET", "/lists/vejle/csv"}, {"GET", "/digests"}, {"GET", "/digests/1"}, {"GET", "/digests/1/files/0"}, {"GET", "/config"}, {"POST", "/signout"},
}

// Every desk URL without a session, or with a session cookie the desk never issued, goes to
// sign-in and shows or changes nothing.
func TestEveryDeskURLNeedsSignIn(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	// Horsens has returned its agreement: the confirm among the paths would change it.
	before := f.stateOf(t, "615")
	if before.Agreement != campaign.AgreementReturned {
		t.Fatalf("615's agreement before: %s, want %s", before.Agreement, campaign.AgreementReturned)
	}
	for _, cookie := range []string{"", "forged-session-value-0123456789abcdef"} {
		for _, p := range deskPaths {
			c := f.client(t)
			if cookie != "" {
				u, _ := url.Parse(f.srv.URL)
				c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "rsvpd-desk", Value: cookie}})
			}
			var r resp
			if p.method == "POST" {
				r = c.post(p.path, url.Values{"action": {"ignore"}, "csrf": {"x"}})
			} else {
				r = c.get(p.path)
			}
			loc := r.header.Get("Location")
			if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin") {
				t.Errorf("%s %s (cookie %q): %d %q, want a redirect to /signin", p.method, p.path, cookie, r.status, loc)
			}
			if strings.Contains(r.body, "København") || strings.Contains(r.body, "Horsens") {
				t.Errorf("%s %s shows campaign data without a session", p.method, p.path)
			}
		}
	}
	if after := f.stateOf(t, "615"); after.Agreement != before.Agreement {
		t.Errorf("an action without a session changed the agreement: %s -> %s", before.Agreement, after.Agreement)
	}
	// A GET remembers where it was going.
	r := f.client(t).get("/invitees/101")
	if loc := r.header.Get("Location"); loc != "/signin?next=%2Finvitees%2F101" {
		t.Errorf("redirect = %q", loc)
	}
}

func (f *fixture) stateOf(t testing.TB, code string) campaign.State {
	t.Helper()
	var st campaign.State
	err := f.st.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		st, err = tx.State(code)
		return err
	})
	if err != nil {
		t.Fatalf("state of %s: %v", code, err) // a zero state would equal the one before
	}
	return st
}

// outboxLen is the number of rows in the outbox; it fails the test when the store cannot
// say, rather than count 0 before and after and see no change.
func (f *fixture) outboxLen(t testing.TB) int {
	t.Helper()
	var n int
	err := f.st.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.OutboxRows(store.OutboxFilter{})
		n = len(rows)
		return err
	})
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	return n
}

var tokenField = regexp.MustCompile(`name="token" value="([^"]+)"`)

// useLink opens a sign-in link and presses its button; it returns the response to the press
// (or to the GET, when the page has no button).
func useLink(t *testing.T, c *client, link string) resp {
	t.Helper()
	p := c.get(link)
	m := tokenField.FindStringSubmatch(p.body)
	if m == nil {
		return p
	}
	return c.post("/signin/link", url.Values{"csrf": {csrf(t, p.body)}, "token": {m[1]}})
}

func signedIn(r resp) bool {
	return r.status == http.StatusSeeOther && strings.Contains(r.header.Get("Set-Cookie"), "rsvpd-desk=")
}

// Forged, expired and used sign-in links are refused; a link works once.
func TestSignInLinks(t *testing.T) {
	f := newFixture(t)
	ask := func(c *client, addr string) resp {
		p := c.get("/signin")
		return c.post("/signin", url.Values{"csrf": {csrf(t, p.body)}, "email": {addr}})
	}
	c := f.client(t)
	ask(c, staffAddr)
	link := f.mail.last(staffAddr)
	if !strings.HasPrefix(link, f.srv.URL+"/signin/link/") {
		t.Fatalf("link = %q", link)
	}
	// The GET (a mail scanner) spends nothing: the link still works after it.
	c.get(link)
	c.get(link)
	if r := useLink(t, f.client(t), link); !signedIn(r) {
		t.Fatalf("a fresh link did not sign in: %d %s", r.status, r.body)
	}
	t.Run("used", func(t *testing.T) {
		r := useLink(t, f.client(t), link)
		if signedIn(r) || r.status != http.StatusGone {
			t.Errorf("a used link: %d, signed in %v", r.status, signedIn(r))
		}
		if !strings.Contains(r.body, "allerede brugt, udløbet") {
			t.Errorf("the page does not say why:\n%s", r.body)
		}
	})
	t.Run("forged", func(t *testing.T) {
		tok := strings.TrimPrefix(link, f.srv.URL+"/signin/link/")
		parts := strings.Split(tok, ".")
		other := campaign.NewSigner([]byte("another secret"), "kombit.test")
		forged := []string{
			strings.Join(append(parts[:len(parts)-1:len(parts)-1], "AAAAAAAAAAAAAAAAAAAAAA"), "."), // another MAC
			other.SignInLink(staffAddr, "n1", f.real.Now().Add(time.Hour)),                         // another secret
			f.signer.AnswerLink("101", "vejle", f.real.Now().Add(time.Hour)),                       // another kind of link
			f.signer.SignInLink(staffAddr, "never-issued", f.real.Now().Add(time.Hour)),            // a nonce never sent
			f.signer.SignInLink("director@koebenhavn.kommune.test", "n2", f.real.Now().Add(time.Hour)),
		}
		for _, tok := range forged {
			if r := useLink(t, f.client(t), f.srv.URL+"/signin/link/"+tok); signedIn(r) {
				t.Errorf("forged link %q signed in", tok)
			}
			// Posted straight, past the page, too.
			c := f.client(t)
			p := c.get("/signin")
			if r := c.post("/signin/link", url.Values{"csrf": {csrf(t, p.body)}, "token": {tok}}); signedIn(r) {
				t.Errorf("forged token %q posted signed in", tok)
			}
		}
	})
	t.Run("expired", func(t *testing.T) {
		c := f.client(t)
		f.real.set(f.real.Now().Add(time.Hour)) // past the per-address limit's window too
		ask(c, staffAddr)
		link := f.mail.last(staffAddr)
		f.real.set(f.real.Now().Add(SignInTTL + time.Second))
		if r := useLink(t, c, link); signedIn(r) || r.status != http.StatusGone {
			t.Errorf("an expired link: %d, signed in %v", r.status, signedIn(r))
		}
	})
	t.Run("not staff", func(t *testing.T) {
		n := len(f.mail.links)
		r := ask(f.client(t), "bibliotekschef@koebenhavn.kommune.test")
		if r.status != 200 || len(f.mail.links) != n {
			t.Errorf("a director's address: %d, links sent to %d addresses (was %d)", r.status, len(f.mail.links), n)
		}
		if !strings.Contains(r.body, "Hvis adressen tilhører") {
			t.Error("the page for an unknown address differs from the one for staff")
		}
	})
	t.Run("rate limited", func(t *testing.T) {
		f.real.set(f.real.Now().Add(time.Hour))
		before := len(f.mail.links[staffAddr])
		c := f.client(t)
		for range 5 {
			ask(c, staffAddr)
		}
		if got := len(f.mail.links[staffAddr]) - before; got != 3 {
			t.Errorf("5 requests for one address sent %d links, want 3", got)
		}
		limited := false
		for range 10 {
			if r := ask(c, "someone@elsewhere.test"); r.status == http.StatusTooManyRequests {
				limited = true
			}
		}
		if !limited {
			t.Error("15 requests from one address within 15 minutes were not limited")
		}
	})
	t.Run("a form from another site", func(t *testing.T) {
		c := f.client(t)
		if r := c.post("/signin", url.Values{"email": {staffAddr}}); r.status != http.StatusForbidden {
			t.Errorf("a sign-in request without the form token: %d", r.status)
		}
	})
}

// The session cookie is HttpOnly and SameSite=Strict, Secure behind TLS; signing out ends
// the session for good.
func TestSessionCookieAndSignOut(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	p := c.get("/signin")
	c.post("/signin", url.Values{"csrf": {csrf(t, p.body)}, "email": {staffAddr}})
	r := useLink(t, c, f.mail.last(staffAddr))
	ck := r.header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("session cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Secure") {
		t.Errorf("cookie on plain http on loopback is Secure: %q", ck)
	}
	value := regexp.MustCompile(`rsvpd-desk=([^;]+)`).FindStringSubmatch(ck)[1]
	home := c.get("/")
	if r := c.post("/signout", url.Values{"csrf": {csrf(t, home.body)}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.status)
	}
	// The old cookie, sent again by hand, opens nothing.
	c2 := f.client(t)
	u, _ := url.Parse(f.srv.URL)
	c2.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "rsvpd-desk", Value: value}})
	if r := c2.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("the cookie of an ended session still opens the desk: %d", r.status)
	}

	secure, err := New(Options{Engine: f.e, Signer: f.signer, BaseURL: "https://rsvp.kombit.test", Secure: true,
		Mailer: f.mail, Now: f.real.Now})
	if err != nil {
		t.Fatal(err)
	}
	link := secure.LoopbackSignIn(staffAddr, time.Hour)
	req, _ := http.NewRequest("GET", strings.Replace(link, "https://rsvp.kombit.test", "", 1), nil)
	req.RemoteAddr = "127.0.0.1:5000"
	rec := newRecorder()
	secure.Handler().ServeHTTP(rec, req)
	if ck := rec.Header().Get("Set-Cookie"); !strings.Contains(ck, "__Host-rsvpd-desk=") || !strings.Contains(ck, "Secure") {
		t.Errorf("behind TLS the cookie is %q, want __Host- and Secure", ck)
	}
	// The loopback link does not work from another machine.
	req.RemoteAddr = "192.0.2.7:5000"
	rec = newRecorder()
	secure.Handler().ServeHTTP(rec, req)
	if strings.Contains(rec.Header().Get("Set-Cookie"), "rsvpd-desk=") {
		t.Error("a loopback sign-in link signed in a request from another machine")
	}
}

// A POST without its form token, or with another session's, is refused and changes nothing.
func TestCSRF(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	a, b := f.signIn(t), f.signIn(t)
	tokB := csrf(t, b.get("/").body)
	for _, form := range []url.Values{{}, {"csrf": {""}}, {"csrf": {tokB}}, {"csrf": {"forged"}}} {
		if r := a.post("/agreements/615/confirm", form); r.status != http.StatusForbidden {
			t.Errorf("confirm with csrf %q: %d, want 403", form.Get("csrf"), r.status)
		}
		if r := a.post("/reviews/1", url.Values{"csrf": form["csrf"], "action": {"ignore"}}); r.status != http.StatusForbidden {
			t.Errorf("resolve with csrf %q: %d, want 403", form.Get("csrf"), r.status)
		}
	}
	if st := f.stateOf(t, "615"); st.Agreement != campaign.AgreementReturned {
		t.Fatalf("agreement after refused posts: %s", st.Agreement)
	}
	tokA := csrf(t, a.get("/").body)
	if r := a.post("/agreements/615/confirm", url.Values{"csrf": {tokA}}); r.status != http.StatusSeeOther {
		t.Fatalf("confirm with the right token: %d\n%s", r.status, r.body)
	}
	if st := f.stateOf(t, "615"); st.Agreement != campaign.AgreementConfirmed {
		t.Errorf("agreement after the right post: %s", st.Agreement)
	}
	// The event log names who confirmed it.
	var events []store.Event
	err := f.st.View(context.Background(), func(tx *store.Tx) error {
		var err error
		events, err = tx.Events(store.EventFilter{Invitee: "615", Kind: "agreement"})
		return err
	})
	if err != nil {
		t.Fatalf("agreement events: %v", err)
	}
	if len(events) != 1 || events[0].Detail["by"] != staffAddr {
		t.Errorf("agreement events: %+v", events)
	}
}

// One invitee's link shows that invitee and nothing of another; a GET changes nothing; a
// forged or altered link shows nothing; after the deadline the page says so.
func TestOneClickLinks(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.client(t)
	inv, other := f.c.Invitees[80], f.c.Invitees[81]
	links := f.desk.AnswerLinks(inv.Code)
	// An invitee who has not answered, and an outbox holding the confirmations of those who
	// have: a GET that answered would change the one and add to the other.
	before := f.stateOf(t, inv.Code)
	outBefore := f.outboxLen(t)
	if before.Status != campaign.StatusInvited || outBefore == 0 {
		t.Fatalf("before the GETs: %s is %s, the outbox holds %d rows; want invited and some", inv.Code, before.Status, outBefore)
	}
	for choice, link := range links {
		r := c.get(link)
		if r.status != 200 || !strings.Contains(r.body, inv.FormalName) {
			t.Fatalf("%s link: %d\n%s", choice, r.status, r.body)
		}
		for _, leak := range []string{other.Name, other.Email, f.c.Invitees[0].Name, "Horsens", staffAddr} {
			if strings.Contains(r.body, leak) {
				t.Errorf("%s's %s page names %q", inv.Code, choice, leak)
			}
		}
	}
	outAfter := f.outboxLen(t)
	if after := f.stateOf(t, inv.Code); !after.Same(before) || outAfter != outBefore {
		t.Errorf("GET changed something: %+v -> %+v, outbox %d -> %d", before, after, outBefore, outAfter)
	}
	// Altered links: another invitee's code with this MAC, another choice.
	tok := strings.TrimPrefix(links["vejle"], f.srv.URL+"/r/")
	parts := strings.Split(tok, ".")
	swapped := strings.Split(strings.TrimPrefix(f.desk.AnswerLinks(other.Code)["vejle"], f.srv.URL+"/r/"), ".")
	for _, bad := range []string{
		strings.Join([]string{parts[0], swapped[1], parts[2], parts[3], parts[4]}, "."),
		strings.Join([]string{parts[0], parts[1], swapped[2], parts[3], "x" + parts[4][1:]}, "."),
		"nonsense", f.signer.SignInLink(staffAddr, "n", f.real.Now().Add(time.Hour)),
	} {
		r := c.get("/r/" + bad)
		if r.status != http.StatusNotFound || strings.Contains(r.body, inv.Name) || strings.Contains(r.body, other.Name) {
			t.Errorf("altered link %q: %d", bad, r.status)
		}
		if r := c.post("/r/"+bad, url.Values{"headcount": {"1"}}); r.status != http.StatusNotFound {
			t.Errorf("POST to altered link: %d", r.status)
		}
	}
	// The POST applies it, and the confirmation is queued.
	r := c.post(links["vejle"], url.Values{"headcount": {"2"}})
	if r.status != 200 || !strings.Contains(r.body, "I er tilmeldt dialogmødet i Vejle med 2 deltagere") {
		t.Fatalf("POST: %d\n%s", r.status, r.body)
	}
	if st := f.stateOf(t, inv.Code); st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 {
		t.Errorf("after the POST: %+v", st)
	}
	for _, bad := range []string{"0", "-1", "abc", "100"} {
		if r := c.post(links["vejle"], url.Values{"headcount": {bad}}); r.status != http.StatusBadRequest {
			t.Errorf("headcount %q: %d", bad, r.status)
		}
	}
	// After the deadline: the page says so, and a POST changes nothing.
	f.clock.set(f.c.DeadlineEnd().Add(time.Hour))
	r = c.get(links[campaign.ChoiceDecline])
	if r.status != http.StatusGone || !strings.Contains(r.body, "Fristen for tilmelding var fredag den 16. marts 2012") {
		t.Errorf("after the deadline: %d\n%s", r.status, r.body)
	}
	if r := c.post(links[campaign.ChoiceDecline], nil); r.status != http.StatusGone {
		t.Errorf("POST after the deadline: %d", r.status)
	}
	if st := f.stateOf(t, inv.Code); st.Status != campaign.StatusAttending {
		t.Errorf("a POST after the deadline changed the state: %+v", st)
	}
}

// HTML and script in a reply or a display name are escaped on every page, and the pages
// forbid inline script.
func TestHostileTextIsEscaped(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	paths := []string{"/", "/invitees", "/reviews", "/lists", "/lists/vejle", "/lists/roskilde", "/digests", "/config"}
	for _, inv := range f.c.Invitees {
		paths = append(paths, "/invitees/"+inv.Code)
	}
	for _, p := range paths {
		r := c.get(p)
		if r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
			continue
		}
		for _, raw := range []string{"<script>alert", "<img src=x", "onerror=alert(1)>"} {
			if strings.Contains(r.body, raw) {
				t.Errorf("%s contains %q unescaped", p, raw)
			}
		}
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", p)
		}
	}
	// The hostile text is there, escaped, where it belongs.
	r := c.get("/reviews")
	if !strings.Contains(r.body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("the review queue does not show the hostile text escaped")
	}
	// The raw message only downloads.
	raw := c.get("/messages/61/raw")
	if raw.status != 200 || raw.header.Get("Content-Type") != "message/rfc822" ||
		!strings.HasPrefix(raw.header.Get("Content-Disposition"), "attachment;") || raw.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("raw download: %d %v", raw.status, raw.header)
	}
	// The CSV downloads as a file (digest's tests check that a formula stays text).
	if csv := c.get("/lists/vejle/csv"); csv.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(csv.header.Get("Content-Disposition"), "attachment;") ||
		!strings.HasPrefix(csv.body, "\uFEFFKommune;Navn;Rolle\r\n") {
		t.Errorf("CSV: %v\n%s", csv.header, csv.body)
	}
	// A "next" page never leads elsewhere.
	for _, next := range []string{"//evil.test/x", "https://evil.test", "/\\evil.test", "javascript:alert(1)"} {
		if got := localPath(next); got != "/" {
			t.Errorf("localPath(%q) = %q", next, got)
		}
	}
}

// A link followed from webmail comes without the SameSite=Strict cookie: the desk loads the
// page once more from its own origin instead of asking a signed-in person to sign in.
func TestCrossSiteLinkReloads(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest("GET", f.srv.URL+"/reviews", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := new(strings.Builder)
	io.Copy(buf, res.Body)
	if res.StatusCode != 200 || !strings.Contains(buf.String(), `http-equiv="refresh" content="0; url=/reviews"`) {
		t.Errorf("cross-site GET: %d\n%s", res.StatusCode, buf.String())
	}
}

// An answer written on the desk goes to the invitee through the outbox, in the thread of the
// message, closes the item when asked, and the event log names who wrote it.
func TestStaffAnswer(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	c := f.signIn(t)
	page := c.get("/reviews")
	var id int64
	var code string
	err := f.st.View(context.Background(), func(tx *store.Tx) error {
		open, err := tx.Reviews(true)
		for _, rv := range open {
			if rv.Why.Code == campaign.ReasonQuestion {
				id, code = rv.ID, rv.Invitee
			}
		}
		return err
	})
	if err != nil {
		t.Fatalf("the review queue: %v", err)
	}
	if id == 0 {
		t.Fatal("no question in the review queue")
	}
	r := c.post(fmt.Sprintf("/reviews/%d/answer", id), url.Values{"csrf": {csrf(t, page.body)},
		"text": {"Mødelokalet ligger på 1. sal. " + hostile}, "close": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", r.status, r.body)
	}
	var rows []store.Outgoing
	var events []store.Event
	var rv store.Review
	err = f.st.View(context.Background(), func(tx *store.Tx) error {
		var err error
		if rows, err = tx.OutboxRows(store.OutboxFilter{Invitee: code, Kind: "staff_answer"}); err != nil {
			return err
		}
		if events, err = tx.Events(store.EventFilter{Invitee: code, Kind: "staff_answer"}); err != nil {
			return err
		}
		rv, err = tx.Review(id)
		return err
	})
	if err != nil {
		t.Fatalf("after answering, the store: %v", err)
	}
	if len(rows) != 1 || len(events) != 1 || events[0].Detail["by"] != staffAddr || rv.ResolvedAt.IsZero() {
		t.Fatalf("after answering: rows %+v, events %+v, review %+v", rows, events, rv)
	}
	o, err := f.e.ComposeRow(context.Background(), rows[0])
	if err != nil {
		t.Fatal(err)
	}
	inv, _ := f.c.Invitee(code)
	if o.To.Address != inv.Email || o.InReplyTo == "" || !strings.Contains(o.Text, "Mødelokalet ligger på 1. sal.") ||
		strings.Contains(o.HTML, "<script>") {
		t.Errorf("the answer: to %s, in reply to %q\n%s\n%s", o.To.Address, o.InReplyTo, o.Text, o.HTML)
	}
}
