package e2e

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/calendar"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailer/inbox"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/mailer/outbox"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/store"
)

// running is an in-process daemon against real servers.
type running struct {
	e      *daemon.Engine
	st     *store.Store
	path   string // the store's file
	signer *campaign.Signer
	stop   func() error
}

// startDaemon runs the engine for the example campaign on clk until the test ends (or stop
// is called).
func startDaemon(t *testing.T, srv *mailtest.Servers, dir string, clk clock.Clock, watch bool) *running {
	t.Helper()
	return startEngine(t, srv, exampleOn(t, srv, dir), clk, watch)
}

// startEngine runs the engine for cfg on clk until the test ends (or stop is called).
func startEngine(t testing.TB, srv *mailtest.Servers, cfg *config.Config, clk clock.Clock, watch bool) *running {
	t.Helper()
	return startEngineSigned(t, srv, cfg, clk, watch, campaign.NewSigner([]byte("e2e secret"), "kombit.test"))
}

// startEngineSigned is startEngine with the campaign secret of the signer given.
func startEngineSigned(t testing.TB, srv *mailtest.Servers, cfg *config.Config, clk clock.Clock, watch bool, signer *campaign.Signer) *running {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := letters.New(cfg.Campaign, "")
	if err != nil {
		t.Fatal(err)
	}
	e, err := daemon.New(daemon.Options{Config: cfg, Store: st, Signer: signer, Letters: l, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- e.Run(runCtx, daemon.RunOptions{Clock: clk, Send: true, Watch: watch,
			SMTPPassword: "", IMAPPassword: srv.Password, Ready: func() { close(ready) },
			SenderTweak: func(o *outbox.Options) { o.BackoffBase, o.BackoffMax = 100*time.Millisecond, time.Second },
			WatcherTweak: func(o *inbox.Options) {
				o.User = "dialogmoeder@kombit.test"
				o.BackoffBase, o.BackoffMax = 50*time.Millisecond, time.Second
			},
		})
	}()
	<-ready
	r := &running{e: e, st: st, path: cfg.Store.Path, signer: signer}
	stopped := false
	r.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		err := <-done
		st.Close()
		return err
	}
	t.Cleanup(func() {
		if err := r.stop(); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("daemon: %v", err)
		}
	})
	return r
}

func (r *running) outbox(t testing.TB) store.OutboxStats {
	t.Helper()
	s, err := r.st.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestExampleInvitationsReachEveryDirector sends the 2012 invitations through Postfix and reads
// each director's mailbox back from Dovecot.
func TestExampleInvitationsReachEveryDirector(t *testing.T) {
	srv := mailtest.Start(t)
	r, c, _ := invitationsSent(t, srv, false)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	var icsObjects [][]byte
	var icsWants []icsWant
	for _, inv := range c.Invitees {
		msgs := srv.WaitMessages(t, inv.Email, "INBOX", 1, time.Minute)
		if n, _ := inboxSize(srv, inv.Email); n != 1 {
			t.Errorf("%s: %d messages, want exactly 1", inv.Email, n)
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(msgs[0]))
		if err != nil {
			t.Fatalf("%s: %v", inv.Email, err)
		}
		if want := "Invitation til dialogmøde om det nye fælles bibliotekssystem"; env.GetHeader("Subject") != want {
			t.Errorf("%s: subject %q, want %q", inv.Code, env.GetHeader("Subject"), want)
		}
		if !strings.Contains(string(msgs[0]), "Subject: =?") {
			t.Errorf("%s: the subject is not RFC 2047 encoded", inv.Code)
		}
		if !strings.Contains(env.Text, inv.FormalName) || !strings.Contains(env.HTML, inv.FormalName) {
			t.Errorf("%s: the letter does not name %s", inv.Code, inv.FormalName)
		}
		for _, w := range []string{"Sådan svarer I", "fælles", "Tilslutningsaftale", "Vejle Bibliotekerne, Willy Sørensens Plads 1"} {
			if !strings.Contains(env.Text, w) {
				t.Errorf("%s: text lacks %q (Danish letters intact?)", inv.Code, w)
			}
		}
		addr, _ := env.AddressList("Reply-To")
		if len(addr) != 1 {
			t.Fatalf("%s: Reply-To %v", inv.Code, addr)
		}
		if code, ok := r.signer.TokenFromAddress(addr[0].Address); !ok || code != inv.Code {
			t.Errorf("%s: Reply-To %s carries the token of %q", inv.Code, addr[0].Address, code)
		}
		if !hasAlternative(env.Root) {
			t.Errorf("%s: no multipart/alternative with text/plain and text/html", inv.Code)
		}
		var ics int
		for _, a := range env.Attachments {
			if strings.HasPrefix(a.ContentType, "text/calendar") {
				ics++
				if inv.Code == "101" || inv.Code == "851" {
					m, ok := c.Meeting(strings.TrimSuffix(strings.TrimPrefix(a.FileName, "invite-"), ".ics"))
					if !ok || !strings.HasPrefix(a.FileName, "invite-") {
						t.Errorf("%s: a calendar invitation is named %q, want invite-<meeting>.ics", inv.Code, a.FileName)
					}
					icsObjects = append(icsObjects, a.Content)
					icsWants = append(icsWants, icsWant{Method: "REQUEST", UID: calendar.UID(inv.Code, m.ID, "kombit.test"), Start: m.Start})
				}
			}
		}
		if ics != len(c.Meetings) {
			t.Errorf("%s: %d calendar invitations attached, want one per meeting", inv.Code, ics)
		}
	}
	checkICS(t, icsObjects, icsWants)
}

// invitationsSent runs the example campaign on real servers through its invitations (virtual
// time 09:01 on the invitation day, where the clock then stays) and waits until all 98 are
// with Postfix.
func invitationsSent(t *testing.T, srv *mailtest.Servers, watch bool) (*running, *campaign.Campaign, *clock.Virtual) {
	t.Helper()
	dir := t.TempDir()
	c := exampleOn(t, srv, dir).Campaign
	v := clock.NewVirtual(c.Schedule.Invitations.Add(-time.Minute))
	r := startDaemon(t, srv, dir, v, watch)
	if err := v.RunUntil(ctxTimeout(t, time.Minute), c.Schedule.Invitations.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Minute, "98 invitations handed to Postfix", func() bool { return r.outbox(t).Sent == 98 })
	return r, c, v
}

// hasAlternative reports whether the tree holds a multipart/alternative whose children
// include text/plain and text/html.
func hasAlternative(p *enmime.Part) bool {
	if p == nil {
		return false
	}
	if p.ContentType == "multipart/alternative" {
		var plain, html bool
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			plain = plain || c.ContentType == "text/plain"
			html = html || c.ContentType == "text/html"
		}
		if plain && html {
			return true
		}
	}
	for c := p.FirstChild; c != nil; c = c.NextSibling {
		if hasAlternative(c) {
			return true
		}
	}
	return false
}
