// Package simulate runs a campaign on a virtual clock: the real daemon (scheduler, state
// machine, outbox, review notifications) from before the first job to after the deadline, with
// scripted or generated replies read through the same path as real mail. `rsvpd simulate`
// prints the timeline it produces, sending nothing; the demo adds embedded mail servers.
package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/rsvpd/rsvpd/agreement"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// Options configure a simulation.
type Options struct {
	Config *config.Config
	Script []Step
	// Dir holds the simulation's own store; it must be a fresh folder.
	Dir string
	// Start and End bound the virtual time; zero values mean an hour before the invitations
	// and a week after the deadline.
	Start, End time.Time
	Log        *slog.Logger
}

// Result is what a simulation produced.
type Result struct {
	Engine   *daemon.Engine // closed: only its campaign is of use
	Messages []Message
	Inbound  []Arrival
	Start    time.Time
	End      time.Time
}

// Message is a message the daemon queued, as the timeline shows it. Its strings are the
// campaign's own where they can be (the code, the registered address), so that the 600,000
// messages of a campaign of 100,000 invitees take 70 bytes each, not a copy of every row.
type Message struct {
	Kind      string
	Invitee   string // the invitee code; "staff" for letters to the staff
	Recipient string
	CreatedAt time.Time
}

// Arrival is a scripted message and how the daemon read it.
type Arrival struct {
	Step    Step
	Invitee campaign.Invitee
	Read    string // the reading in a few words: "attend vejle, 2", "decline", "bounce"
}

// Run runs the simulation and returns every message the daemon queued, in order.
func Run(ctx context.Context, o Options) (Result, error) {
	c := o.Config.Campaign
	if o.Start.IsZero() {
		o.Start = c.Schedule.Invitations.Add(-time.Hour)
	}
	if o.End.IsZero() {
		o.End = c.DeadlineEnd().AddDate(0, 0, 7)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	v := clock.NewVirtual(o.Start)
	cfg := *o.Config
	cfg.Store.Path = filepath.Join(o.Dir, "simulate.db")
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return Result{}, err
	}
	defer st.Close()
	signer := campaign.NewSigner([]byte("rsvpd simulate"), domainOf(c.Organiser.Email))
	l, err := letters.New(c, cfg.Path(cfg.Templates))
	if err != nil {
		return Result{}, err
	}
	e, err := daemon.New(daemon.Options{Config: &cfg, Store: st, Signer: signer, Letters: l, Clock: v, Log: o.Log})
	if err != nil {
		return Result{}, err
	}
	composer := daemon.NewComposer(c, l, signer)
	mail := NewMail(c, signer, func(inv campaign.Invitee) string { return invitationText(composer, signer, c, inv) })

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- e.Run(runCtx, daemon.RunOptions{Clock: v, Ready: func() { close(ready) }})
	}()
	<-ready
	var arrivals []Arrival
	v.Go(runCtx, func(ctx context.Context) {
		for i, s := range o.Script {
			if err := v.Wait(ctx, s.At, nil); err != nil {
				return
			}
			inv, _ := c.Invitee(s.Code)
			read, err := deliver(ctx, st, e, v.Now(), uint32(i+1), mail.Message(s, inv, i))
			if err != nil {
				o.Log.Error("scripted reply", "step", i+1, "err", err)
				continue
			}
			arrivals = append(arrivals, Arrival{Step: s, Invitee: inv, Read: read})
		}
	})
	err = v.RunUntil(ctx, o.End)
	stop()
	if runErr := <-done; err == nil {
		err = runErr
	}
	if err != nil {
		return Result{}, err
	}
	res := Result{Engine: e, Inbound: arrivals, Start: o.Start, End: o.End}
	res.Messages, err = queued(ctx, st, c)
	return res, err
}

// queued is every message in the outbox, in order. Kinds are interned: a campaign at scale
// queues hundreds of thousands of rows with a handful of kinds.
func queued(ctx context.Context, st *store.Store, c *campaign.Campaign) ([]Message, error) {
	var msgs []Message
	kinds := map[string]string{}
	err := st.View(ctx, func(tx *store.Tx) error {
		return tx.EachOutboxRow(store.OutboxFilter{}, func(row store.Outgoing) error {
			m := Message{Kind: kinds[row.Kind], Invitee: row.Invitee, Recipient: row.Recipient, CreatedAt: row.CreatedAt}
			if m.Kind == "" {
				kinds[row.Kind], m.Kind = row.Kind, row.Kind
			}
			if n, ok := c.IndexOf(row.Invitee); ok {
				inv := &c.Invitees[n]
				m.Invitee = inv.Code
				if row.Recipient == inv.Email {
					m.Recipient = inv.Email
				}
			}
			msgs = append(msgs, m)
			return nil
		})
	})
	return msgs, err
}

// Message writes the scripted step as the mail the daemon would fetch.
func (m *Mail) Message(s Step, inv campaign.Invitee, n int) []byte {
	switch {
	case s.Bounce:
		return m.Bounce(inv, s.At, n)
	case !s.Away.IsZero():
		return m.OutOfOffice(inv, s.Away, s.At, n)
	case s.Calendar != "":
		return m.CalendarReply(inv, s.Meeting, s.Calendar, s.At, n)
	case s.SignedAgreement:
		return m.Reply(inv, s.Sender, s.Text, s.At, n, m.signedAgreement(inv, s.At))
	}
	return m.Reply(inv, s.Sender, s.Text, s.At, n)
}

// signedAgreement is the invitee's agreement as rsvpd sends it, signed digitally; a reply
// without it if the agreement cannot be drawn (the daemon then asks for the PDF).
func (m *Mail) signedAgreement(inv campaign.Invitee, at time.Time) File {
	pdf, err := agreement.Render(agreement.For(m.c, inv))
	if err != nil {
		return File{}
	}
	return File{Name: "tilslutningsaftale-" + inv.Code + "-underskrevet.pdf", Type: "application/pdf", Data: SignPDF(pdf, true, at)}
}

// deliver stores a message in the inbound ledger, as the watcher would, applies it, and says
// in a few words how it was read.
func deliver(ctx context.Context, st *store.Store, e *daemon.Engine, now time.Time, uid uint32, raw []byte) (string, error) {
	id, _, err := st.AddInbound(ctx, store.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid,
		Raw: raw, ReceivedAt: now})
	if err != nil {
		return "", err
	}
	if err := e.HandleInbound(ctx, id); err != nil {
		return "", err
	}
	var in store.Inbound
	err = st.Tx(ctx, func(tx *store.Tx) error {
		in, err = tx.Inbound(id)
		return err
	})
	return describeReading(in.Reading), err
}

// describeReading sums up a stored reading: "attend vejle, 2 (token)", "auto_reply until 2012-02-23".
func describeReading(js string) string {
	var r struct {
		Class     string `json:"class"`
		Intent    string `json:"intent"`
		Meeting   string `json:"meeting"`
		Headcount int    `json:"headcount"`
		Match     string `json:"match"`
		Review    bool   `json:"needs_review"`
		Calendar  *struct {
			PartStat string `json:"partstat"`
		} `json:"calendar"`
		AutoReply *struct {
			Until string `json:"until"`
		} `json:"auto_reply"`
	}
	if json.Unmarshal([]byte(js), &r) != nil {
		return "unreadable"
	}
	s := r.Class
	switch {
	case r.Calendar != nil:
		s += " " + r.Calendar.PartStat
	case r.AutoReply != nil && r.AutoReply.Until != "":
		s += " until " + r.AutoReply.Until
	case r.Class == "human":
		s = r.Intent
		if r.Meeting != "" {
			s += fmt.Sprintf(" %s, %d", r.Meeting, r.Headcount)
		}
	}
	if r.Match != "" {
		s += " (" + r.Match + ")"
	}
	if r.Review {
		s += ", to review"
	}
	return s
}

// invitationText is the plain text of the invitee's invitation, as a reply quotes it.
func invitationText(cp *daemon.Composer, signer *campaign.Signer, c *campaign.Campaign, inv campaign.Invitee) string {
	o, err := cp.Compose(daemon.Letter{Kind: letters.KindInvitation, Data: letters.Data{Invitee: inv}, To: inv.Email,
		MessageID: signer.MessageID("invitation/"+inv.Code, inv.Code), Date: c.Schedule.Invitations})
	if err != nil {
		return fmt.Sprintf("(invitation: %v)", err)
	}
	return o.Text
}

func domainOf(addr string) string { return hostOf(addr) }
