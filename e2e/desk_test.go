package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/agreement"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/desk/browsertest"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/simulate"
	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// deskRun is `rsvpd run` with the desk on loopback, against the real servers, and a browser.
type deskRun struct {
	t      *testing.T
	srv    *mailtest.Servers
	cfg    *config.Config
	cfgPth string
	c      *campaign.Campaign
	signer *campaign.Signer
	base   string
	proc   *daemonProc
	ctx    context.Context
	dir    string
	mail   *simulate.Mail
}

func startDeskRun(t *testing.T, invitees int) *deskRun {
	t.Helper()
	mailtest.Integration(t)
	ctx := browsertest.Start(t, 6*time.Minute)
	srv := mailtest.Start(t)
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	now := time.Now()
	g := generated{Invitees: invitees, Invitations: now.Add(-time.Minute), Meetings: now.AddDate(0, 0, 30),
		Deadline: now.AddDate(0, 0, 40), SMTP: srv.SMTPAddr, IMAP: srv.IMAPAddr, StorePath: filepath.Join(dir, "rsvpd.db"),
		HTTP: addr, PublicURL: "http://" + addr}
	path := g.write(t, dir)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d := &deskRun{t: t, srv: srv, cfg: cfg, cfgPth: path, c: cfg.Campaign, base: "http://" + addr, ctx: ctx,
		signer: campaign.NewSigner([]byte("e2e crash secret"), "kombit.test"), dir: browsertest.Artefacts(t)}
	d.mail = simulate.NewMail(d.c, d.signer, func(campaign.Invitee) string { return "Invitation til dialogmøde." })
	d.proc = startProc(t, path)
	t.Cleanup(func() { d.proc.term(t) })
	select {
	case <-d.proc.ready:
	case <-time.After(30 * time.Second):
		t.Fatal("rsvpd run did not say READY=1 within 30 s")
	}
	// Every director has the invitation before anything else happens.
	for i := 1; i <= invitees; i++ {
		srv.WaitMessages(t, directorOf(i), "INBOX", 1, time.Minute)
	}
	return d
}

// do runs browser steps, each call within 45 seconds.
func (d *deskRun) do(steps ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		d.t.Fatalf("browser: %v\npage: %s", err, browsertest.Failed(d.t, d.ctx, d.dir, "failed"))
	}
}

func (d *deskRun) shoot(name string) { d.t.Helper(); browsertest.Shoot(d.t, d.ctx, d.dir, name) }

// textOf is a message's text part.
func textOf(t *testing.T, raw []byte) (subject, text string) {
	t.Helper()
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return env.GetHeader("Subject"), env.Text
}

// openReview is the open review item about the inbound message with this Message-ID, 0
// while there is none.
func (d *deskRun) openReview(messageID string) int64 {
	d.t.Helper()
	st, err := store.Open(context.Background(), d.cfg.Store.Path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer st.Close()
	var id int64
	err = st.View(context.Background(), func(tx *store.Tx) error {
		open, err := tx.Reviews(true)
		if err != nil {
			return err
		}
		for _, rv := range open {
			if rv.Inbound == 0 {
				continue
			}
			if in, err := tx.InboundMeta(rv.Inbound); err == nil && in.MessageID == messageID {
				id = rv.ID
			}
		}
		return nil
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return id
}

// state reads an invitee's state from the store the daemon writes (WAL: readers do not wait).
func (d *deskRun) state(code string) campaign.State {
	d.t.Helper()
	st, err := store.Open(context.Background(), d.cfg.Store.Path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer st.Close()
	var s campaign.State
	err = st.View(context.Background(), func(tx *store.Tx) error {
		var err error
		s, err = tx.State(code)
		return err
	})
	if err != nil {
		d.t.Fatalf("state of %s: %v", code, err) // a zero state is neither invited nor attending
	}
	return s
}

// TestDeskInTheBrowser is the staff desk and a director's one-click answer end to end, with
// `rsvpd run` against Postfix and Dovecot and the pages in Chromium: sign in through the link
// read from Dovecot; settle a review item (register the municipality a stranger wrote for)
// and find the confirmation in the director's mailbox; confirm a returned agreement with its
// PDF beside it; the Vejle list equals `rsvpd status`; a director
// opens a one-click link (the GET changes nothing), posts it, and the confirmation arrives.
func TestDeskInTheBrowser(t *testing.T) {
	d := startDeskRun(t, 12)
	c := d.c
	staff := c.Organiser.Staff[0]

	// Answers arrive by mail: registrations (some for Vejle), a message from an address rsvpd
	// does not know on behalf of a municipality, a returned agreement.
	now := time.Now()
	for i := 1; i <= 6; i++ {
		inv := c.Invitees[i-1]
		city := []string{"Vejle", "Roskilde", "Vejle"}[i%3]
		submit(t, d.srv, inv.Email, d.signer.ReplyAddress(c.Organiser.Email, inv.Code),
			d.mail.Reply(inv, "", fmt.Sprintf("Vi kommer til %s, %d personer.", city, 1+i%2), now, i))
	}
	held, heldID := c.Invitees[7], "held-1@example.test"
	submit(t, d.srv, "sekretariat@example.test", c.Organiser.Email, []byte(strings.ReplaceAll(fmt.Sprintf(
		"From: sekretariat@example.test\nTo: %s\nSubject: Tilmelding\nMessage-ID: <"+heldID+">\nDate: %s\n"+
			"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nPå vegne af %s: vi kommer til Vejle, 2 personer.\n",
		c.Organiser.Email, now.Format(time.RFC1123Z), held.FormalName), "\n", "\r\n")))
	agr := c.Invitees[8]
	submit(t, d.srv, agr.Email, d.signer.ReplyAddress(c.Organiser.Email, agr.Code), agreementMail(t, c, d.signer, agr))
	// Postfix delivers messages submitted a moment apart in no fixed order, and rsvpd reads
	// them in the order they arrive: wait for every one of them, not for the last submitted.
	var heldReview int64
	waitFor(t, time.Minute, "the answers to be read", func() bool {
		for _, inv := range c.Invitees[:6] {
			if d.state(inv.Code).Status != campaign.StatusAttending {
				return false
			}
		}
		heldReview = d.openReview(heldID)
		return heldReview != 0 && d.state(agr.Code).Agreement == campaign.AgreementReturned
	})

	// Sign in: the form, the letter in Dovecot, the link, the button.
	d.do(chromedp.Navigate(d.base+"/reviews"), chromedp.WaitVisible(chromedp.ID("email")))
	d.shoot("01-signin")
	d.do(chromedp.SendKeys(chromedp.ID("email"), staff), chromedp.Submit(chromedp.ID("email")),
		chromedp.WaitVisible(chromedp.CSS(".page-signin_sent")))
	var link string
	waitFor(t, time.Minute, "the sign-in letter in the staff mailbox", func() bool {
		for _, raw := range d.srv.WaitMessages(t, staff, "INBOX", 1, time.Minute) {
			if subj, text := textOf(t, raw); strings.HasPrefix(subj, "Log ind på skrivebordet") {
				link = regexp.MustCompile(`http://\S+/signin/link/\S+`).FindString(text)
			}
		}
		return link != ""
	})
	d.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main form button")))
	d.shoot("02-signin-link")
	d.do(chromedp.Click(chromedp.CSS("main form button")), chromedp.WaitVisible(chromedp.CSS(".page-reviews")))
	d.shoot("03-reviews")

	// The secretary's message names the municipality only in its text: the staff register it
	// for Vejle with two people, and the director gets the confirmation. The queue holds it
	// and the returned agreement in the order they arrived: the item is the one about the
	// secretary's message, by its Message-ID.
	before := len(d.srv.WaitMessages(t, held.Email, "INBOX", 1, time.Minute))
	item := fmt.Sprintf(`article.review[data-message-id=%q][data-review="%d"] `, heldID, heldReview)
	d.do(chromedp.WaitVisible(chromedp.CSS(item+`button[value=attend]`)),
		chromedp.SetValue(chromedp.CSS(item+`select[name=invitee]`), held.Code),
		chromedp.SetValue(chromedp.CSS(item+`select[name=meeting]`), "vejle"),
		chromedp.SetValue(chromedp.CSS(item+`input[name=headcount]`), "2"))
	d.shoot("04-deciding")
	d.do(browsertest.Loads(chromedp.Click(chromedp.CSS(item+`button[value=attend]`))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`.notice.good[data-done="%d"]`, heldReview))),
		chromedp.WaitNotPresent(chromedp.CSS(strings.TrimSpace(item))))
	d.shoot("05-resolved")
	msgs := d.srv.WaitMessages(t, held.Email, "INBOX", before+1, time.Minute)
	if subj, text := textOf(t, msgs[len(msgs)-1]); !strings.Contains(text, "Vejle") {
		t.Errorf("the confirmation after accepting (%q) does not name Vejle:\n%s", subj, text)
	}
	if st := d.state(held.Code); st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 {
		t.Errorf("after accepting: %+v", st)
	}

	// Confirm the returned agreement. The page still shows the notice of the item settled
	// above: wait for the page the confirmation leads to, and for its own notice.
	agrItem := fmt.Sprintf(`article.review[data-agreement][data-invitee=%q]`, agr.Code)
	d.do(browsertest.Loads(chromedp.Click(chromedp.CSS(agrItem+` form[action$="/confirm"] button`))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`.notice.good[data-confirmed=%q]`, agr.Code))),
		chromedp.WaitNotPresent(chromedp.CSS(agrItem)))
	d.shoot("06-agreement-confirmed")
	if st := d.state(agr.Code); st.Agreement != campaign.AgreementConfirmed {
		t.Errorf("after confirming: agreement %s", st.Agreement)
	}

	// The Vejle list is `rsvpd status`'s.
	d.do(chromedp.Navigate(d.base+"/lists/vejle"), chromedp.WaitVisible(chromedp.CSS("table.participants")))
	d.shoot("07-list-vejle")
	page := browsertest.Text(t, d.ctx)
	// Each row names its code twice: beside the name and in the address.
	shown := slices.Compact(regexp.MustCompile(`k\d{4}`).FindAllString(page, -1))
	out, err := exec.Command(testenv.Rsvpd(t), "status", "--config", d.cfgPth, "--json").Output()
	if err != nil {
		t.Fatalf("rsvpd status: %v", err)
	}
	var rep status.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatal(err)
	}
	var want []string
	people := 0
	for _, row := range rep.Rows {
		if row.Status == "attending" && row.Meeting == "vejle" {
			want = append(want, row.Code)
			people += row.Headcount
		}
	}
	if !slices.Equal(shown, want) || len(want) < 3 {
		t.Errorf("the Vejle list shows %v, rsvpd status says %v", shown, want)
	}
	if !strings.Contains(page, fmt.Sprintf("%d deltagere", people)) {
		t.Errorf("the Vejle list does not say %d deltagere:\n%s", people, page)
	}

	// A director's one-click link from the invitation in Dovecot.
	dir := c.Invitees[10]
	inv := d.srv.WaitMessages(t, dir.Email, "INBOX", 1, time.Minute)
	_, text := textOf(t, inv[0])
	vejle := regexp.MustCompile(`Vejle, [^\n]*:\s*\n(http://\S+)`).FindStringSubmatch(text)
	if vejle == nil {
		t.Fatalf("no Vejle link in the invitation:\n%s", text)
	}
	d.do(chromedp.Navigate(vejle[1]), chromedp.WaitVisible(chromedp.ID("headcount")))
	d.shoot("08-answer")
	time.Sleep(2 * time.Second) // a GET that queued a letter would have it delivered by now
	if st := d.state(dir.Code); st.Status != campaign.StatusInvited {
		t.Errorf("the GET of a one-click link changed the state: %+v", st)
	}
	if n := len(d.srv.WaitMessages(t, dir.Email, "INBOX", 1, time.Minute)); n != 1 {
		t.Errorf("the GET of a one-click link sent mail: %d messages", n)
	}
	d.do(chromedp.SetValue(chromedp.ID("headcount"), "2"), browsertest.Loads(chromedp.Click(chromedp.CSS("main form button"))),
		chromedp.WaitVisible(chromedp.CSS(".notice.good")))
	d.shoot("09-answer-done")
	msgs = d.srv.WaitMessages(t, dir.Email, "INBOX", 2, time.Minute)
	if _, text := textOf(t, msgs[1]); !strings.Contains(text, "Vejle") {
		t.Errorf("the confirmation after the one-click answer:\n%s", text)
	}
	if st := d.state(dir.Code); st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 {
		t.Errorf("after the one-click answer: %+v", st)
	}
}

// agreementMail is a director returning the signed agreement.
func agreementMail(t *testing.T, c *campaign.Campaign, signer *campaign.Signer, inv campaign.Invitee) []byte {
	t.Helper()
	pdf, err := agreement.Render(agreement.For(c, inv))
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(pdf)
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: SV: Tilslutningsaftale\r\nMessage-ID: <agr-%s@kommune.test>\r\nDate: %s\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Hermed den underskrevne aftale.\r\n--b\r\nContent-Type: application/pdf; name=\"aftale.pdf\"\r\n"+
		"Content-Disposition: attachment; filename=\"aftale.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		inv.Email, signer.ReplyAddress(c.Organiser.Email, inv.Code), inv.Code, time.Now().Format(time.RFC1123Z))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b--\r\n")
	return []byte(b.String())
}
