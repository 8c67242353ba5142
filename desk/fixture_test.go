package desk

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/agreement"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// clock is a campaign clock the test sets.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// mailbox is the desk's Mailer in tests: it keeps the sign-in links.
type mailbox struct {
	mu     sync.Mutex
	base   string
	signer *campaign.Signer
	links  map[string][]string
}

func (m *mailbox) SendSignIn(_ context.Context, staff, nonce string, until time.Time, next string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	link := m.base + daemon.SignInPath + m.signer.SignInLink(staff, nonce, until)
	if next != "/" {
		link += "?next=" + url.QueryEscape(next)
	}
	m.links[staff] = append(m.links[staff], link)
	return nil
}

func (m *mailbox) last(staff string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.links[staff]
	if len(l) == 0 {
		return ""
	}
	return l[len(l)-1]
}

// fixture is the example campaign in a store with a few answers, its engine, and the desk
// served by httptest.
type fixture struct {
	e      *daemon.Engine
	st     *store.Store
	c      *campaign.Campaign
	signer *campaign.Signer
	clock  *clock
	real   *clock // the desk's real clock (links, sessions)
	mail   *mailbox
	desk   *Server
	srv    *httptest.Server
	uid    uint32
}

const staffAddr = "staff@kombit.test"

func newFixture(t testing.TB) *fixture {
	t.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := testenv.Store(t)
	l, err := letters.New(cfg.Campaign, "")
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaign
	f := &fixture{st: st, c: c, signer: campaign.NewSigner([]byte("desk test secret"), "kombit.test"),
		clock: &clock{t: time.Date(2012, 2, 22, 9, 0, 0, 0, c.Location)},
		real:  &clock{t: time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)},
		mail:  &mailbox{links: map[string][]string{}}}
	f.e, err = daemon.New(daemon.Options{Config: cfg, Store: st, Signer: f.signer, Letters: l, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + f.srv.Listener.Addr().String()
	f.mail.base, f.mail.signer = base, f.signer
	f.desk, err = New(Options{Engine: f.e, Signer: f.signer, BaseURL: base, OneClick: true, Mailer: f.mail, Now: f.real.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Config.Handler = f.desk.Handler()
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

// deliver stores a raw message in the inbound ledger and reads it, as the watcher would.
func (f *fixture) deliver(t testing.TB, raw string) int64 {
	t.Helper()
	f.uid++
	return testenv.Deliver(t, f.st, f.e, f.uid, raw, f.clock.Now())
}

func (f *fixture) reply(from, code, body string) string {
	to := f.c.Organiser.Email
	if code != "" {
		to = f.signer.ReplyAddress(f.c.Organiser.Email, code)
	}
	f.uid++
	return fmt.Sprintf("From: %s\nTo: %s\nSubject: =?utf-8?q?SV=3A_Dialogm=C3=B8de?=\nMessage-ID: <r%d@test>\n"+
		"Date: Wed, 22 Feb 2012 09:00:00 +0100\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"+
		"Content-Transfer-Encoding: 8bit\n\n%s\n", from, to, f.uid, body)
}

// agreementReply is a returned agreement: a short note with the signed PDF attached.
func (f *fixture) agreementReply(t testing.TB, code string) string {
	inv, _ := f.c.Invitee(code)
	pdf, err := agreement.Render(agreement.For(f.c, inv))
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(pdf)
	var lines []string
	for len(enc) > 76 {
		lines, enc = append(lines, enc[:76]), enc[76:]
	}
	lines = append(lines, enc)
	f.uid++
	return fmt.Sprintf("From: %s\nTo: %s\nSubject: SV: Tilslutningsaftale\nMessage-ID: <a%d@test>\nDate: Wed, 22 Feb 2012 10:00:00 +0100\n"+
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n"+
		"Hermed den underskrevne aftale.\n--b\nContent-Type: application/pdf; name=\"aftale.pdf\"\nContent-Disposition: attachment; filename=\"aftale.pdf\"\n"+
		"Content-Transfer-Encoding: base64\n\n%s\n--b--\n", inv.Email, f.signer.ReplyAddress(f.c.Organiser.Email, code), f.uid, strings.Join(lines, "\n"))
}

// hostile is what the escaping tests look for: it must never reach a page unescaped.
const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`

// populate gives the campaign a few days of answers: registrations, a decline, a question,
// an unknown sender, a held reading, a returned agreement, and hostile text in a display
// name and a body.
func (f *fixture) populate(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	// The invitations went out: every invitee is invited.
	err := f.st.Tx(ctx, func(tx *store.Tx) error {
		for _, inv := range f.c.Invitees {
			st := campaign.NewState(inv.Code)
			st.Status, st.Agreement = campaign.StatusInvited, campaign.AgreementSent
			if err := tx.PutState(st); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, inv := range f.c.Invitees[:60] {
		f.clock.set(time.Date(2012, 2, 7+i%14, 9+i%8, i%60, 0, 0, f.c.Location))
		var body string
		switch {
		case i%7 == 3:
			body = "Vi kan desværre ikke deltage."
		case i%3 == 0:
			body = "Vi kommer til Vejle, 2 personer: mig og vores skolebibliotekskonsulent."
		case i%3 == 1:
			body = "Jeg deltager i Roskilde."
		default:
			body = "Vi kommer to til Aalborg."
		}
		f.deliver(t, f.reply(inv.Email, inv.Code, body))
	}
	f.clock.set(time.Date(2012, 2, 21, 8, 0, 0, 0, f.c.Location))
	inv := f.c.Invitees[70]
	f.deliver(t, f.reply(`"`+hostile+`" <`+inv.Email+`>`, inv.Code, "Hvor ligger mødelokalet i Vejle? "+hostile))
	f.deliver(t, f.reply(`"Ukendt `+hostile+`" <someone@elsewhere.test>`, "", "Vi kommer til Roskilde, 3 personer. "+hostile))
	held := f.c.Invitees[71]
	f.deliver(t, f.reply("sekretariat@andet.test", "", fmt.Sprintf("På vegne af %s: vi kommer til Vejle, 2 personer.", held.FormalName)))
	for _, code := range []string{"615", "101", "147"} {
		f.deliver(t, f.agreementReply(t, code))
	}
	if err := f.e.ConfirmAgreement(ctx, "147", staffAddr); err != nil {
		t.Fatal(err)
	}
	f.clock.set(time.Date(2012, 2, 22, 9, 0, 0, 0, f.c.Location))
}

// client is a browser-like HTTP client with a cookie jar that does not follow redirects.
type client struct {
	t  testing.TB
	f  *fixture
	hc *http.Client
}

func (f *fixture) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, f: f, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type resp struct {
	status int
	body   string
	header http.Header
}

func (c *client) do(method, path string, form url.Values) resp {
	c.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = c.f.srv.URL + path
	}
	var req *http.Request
	var err error
	if form != nil {
		req, err = http.NewRequest(method, u, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, err = http.NewRequest(method, u, nil)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp{status: res.StatusCode, body: b.String(), header: res.Header}
}

func (c *client) get(path string) resp                { return c.do("GET", path, nil) }
func (c *client) post(path string, f url.Values) resp { return c.do("POST", path, f) }

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token on a page.
func csrf(t testing.TB, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form token on the page:\n%s", body)
	}
	return m[1]
}

// signIn asks for a link, follows it and presses the button: a signed-in client.
func (f *fixture) signIn(t testing.TB) *client {
	t.Helper()
	c := f.client(t)
	page := c.get("/signin")
	r := c.post("/signin", url.Values{"csrf": {csrf(t, page.body)}, "email": {staffAddr}})
	if r.status != 200 {
		t.Fatalf("asking for a link: %d\n%s", r.status, r.body)
	}
	link := f.mail.last(staffAddr)
	if link == "" {
		t.Fatal("no sign-in link was sent")
	}
	p := c.get(link)
	tok := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(p.body)
	if p.status != 200 || tok == nil {
		t.Fatalf("the link's page: %d\n%s", p.status, p.body)
	}
	r = c.post("/signin/link", url.Values{"csrf": {csrf(t, p.body)}, "token": {tok[1]}, "next": {"/"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("signing in: %d\n%s", r.status, r.body)
	}
	if r := c.get("/"); r.status != 200 || !strings.Contains(r.body, staffAddr) {
		t.Fatalf("after signing in, the overview: %d", r.status)
	}
	return c
}
