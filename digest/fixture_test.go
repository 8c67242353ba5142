package digest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	rsvpd "github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// exampleCampaign loads the 2012 campaign the binary embeds.
func exampleCampaign(t testing.TB) *campaign.Campaign {
	t.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, t.TempDir())
	if err != nil {
		t.Fatalf("load example campaign: %v", err)
	}
	return cfg.Campaign
}

// made is a digest with its letter.
type made struct {
	Message
	Letter letters.Rendered
}

// makeLetter makes the digest and renders its letter as the daemon's Composer renders a letter
// to the staff: the digest's data, and the desk's address (deskURL, "" for none).
func makeLetter(tx *store.Tx, c *campaign.Campaign, l *letters.Letters, o Options, deskURL string) (made, error) {
	m, err := Make(tx, c, o)
	if err != nil {
		return made{}, err
	}
	kind := letters.KindDigest
	if o.Final {
		kind = letters.KindFinalReport
	}
	r, err := l.Render(kind, letters.Data{Digest: &m.Data, DeskURL: deskURL})
	return made{Message: m, Letter: r}, err
}

// at is a local time of the campaign, "2012-02-20 10:15".
func at(t testing.TB, c *campaign.Campaign, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, c.Location)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The scripted morning: the digest of Tuesday 21 February 2012, 7.00, a week before the first
// meeting; the previous digest ran on Monday at 7.00.
const (
	scriptSince = "2012-02-20 07:00"
	scriptNow   = "2012-02-21 07:00"
)

// script writes a campaign's history into a store the way the daemon does: a state per
// invitee, an "answer" event per reading (with the daemon's detail keys), review items and
// the inbound messages they are about.
type script struct {
	t      testing.TB
	c      *campaign.Campaign
	tx     *store.Tx
	states map[string]campaign.State
	inbox  map[string]int64 // test message file -> inbound ledger id
}

// midCampaign opens a store holding the scripted state of 21 February 2012:
//
//	Aalborg:  Aalborg 2, Frederikshavn 1, Thisted 2            (3 municipalities, 5 people)
//	Roskilde: København 2, Frederiksberg 1, Greve 2, Roskilde 2 (4, 7; Roskilde went 1 -> 2 on Monday)
//	Vejle:    Vejle 2, Kolding 1 (both on Monday)               (2, 3)
//	declined: Dragør, Bornholm (Monday); unclear: Gladsaxe (review)
//	bounced:  Herlev (permanent, review), Albertslund (the invitation refused, review),
//	          Hvidovre (mailbox full on Monday, retried)
//	away:     Glostrup until 27 Feb, Lyngby-Taarbæk without a date, Høje-Taastrup until 15 Feb (over)
//	agreements: København returned, Frederiksberg confirmed
//	review:   also an unknown sender's question; one item already resolved.
//
// Everyone else (86 in all, the bounced and the away among them) is invited without an answer.
func midCampaign(t testing.TB, c *campaign.Campaign) *store.Store {
	t.Helper()
	ctx := context.Background()
	st := testenv.Store(t)
	inbox := map[string]int64{}
	for i, m := range []struct{ name, received string }{
		{"bounce-herlev.eml", "2012-02-06 09:05"},
		{"unclear-gladsaxe.eml", "2012-02-17 14:00"},
		{"unknown-sender.eml", "2012-02-20 17:00"},
		{"ooo-glostrup.eml", "2012-02-17 09:12"},
		{"delayed-hvidovre.eml", "2012-02-20 08:00"},
	} {
		raw, err := os.ReadFile(filepath.Join("testdata", m.name))
		if err != nil {
			t.Fatal(err)
		}
		id, _, err := st.AddInbound(ctx, store.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1),
			MessageID: m.name, Raw: raw, ReceivedAt: at(t, c, m.received)})
		if err != nil {
			t.Fatal(err)
		}
		inbox[m.name] = id
		// As the daemon does: the reading is stored with the message, and reports use it.
		reading, _ := json.Marshal(replies.Read(raw, replies.Options{}))
		if err := st.Tx(ctx, func(tx *store.Tx) error {
			return tx.FinishInbound(id, store.InboundApplied, string(reading), "", at(t, c, m.received))
		}); err != nil {
			t.Fatal(err)
		}
	}
	err := st.Tx(ctx, func(tx *store.Tx) error {
		s := &script{t: t, c: c, tx: tx, states: map[string]campaign.State{}, inbox: inbox}
		s.play()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *script) play() {
	invited := at(s.t, s.c, "2012-02-06 09:00")
	for _, inv := range s.c.Invitees {
		st := campaign.NewState(inv.Code)
		st.Status, st.UpdatedAt = campaign.StatusInvited, invited
		s.put(st)
	}
	bounce := "inbound:" + fmt.Sprint(s.inbox["bounce-herlev.eml"])
	s.answer("2012-02-06 09:05", "163", "bounce", "none", bounce, func(st *campaign.State) {
		st.Delivery = campaign.DeliveryUndeliverable
	})
	s.review("2012-02-06 09:05", "163", s.inbox["bounce-herlev.eml"], campaign.Reason{Code: campaign.ReasonBounced,
		Addresses: []string{"bibliotekschef@herlev.kommune.test"}, Status: "5.1.1"})
	s.failed("2012-02-06 09:01", "165", "bibliotekschef@albertslund.kommune.test",
		"550 5.7.1 <bibliotekschef@albertslund.kommune.test>:\n Relay access denied")
	// A copy to another address failing says nothing about the registered one.
	s.failed("2012-02-10 09:00", "163", "sekretariat@herlev.kommune.test", "550 5.1.1 no such user")
	s.attend("2012-02-07 10:12", "851", "aalborg", 2)
	s.attend("2012-02-08 11:00", "813", "aalborg", 1)
	s.attend("2012-02-09 12:00", "787", "aalborg", 2)
	s.attend("2012-02-10 13:00", "101", "roskilde", 2)
	resolved := s.legacyReview("2012-02-10 13:00", "101", 0, "brings a third person")
	if err := s.tx.ResolveReview(resolved, "attend roskilde, 2", at(s.t, s.c, "2012-02-10 15:00")); err != nil {
		s.t.Fatal(err)
	}
	s.attend("2012-02-13 09:30", "147", "roskilde", 1)
	s.attend("2012-02-14 10:00", "253", "roskilde", 2)
	s.decline("2012-02-15 08:45", "155")
	s.attend("2012-02-16 16:20", "265", "roskilde", 1)
	s.answer("2012-02-15 09:00", "169", "auto_reply", "none", "inbound:99", func(st *campaign.State) { st.AwayUntil = "2012-02-15" })
	ooo := "inbound:" + fmt.Sprint(s.inbox["ooo-glostrup.eml"])
	s.answer("2012-02-17 09:12", "161", "auto_reply", "none", ooo, func(st *campaign.State) { st.AwayUntil = "2012-02-27" })
	gladsaxe := s.inbox["unclear-gladsaxe.eml"]
	s.answer("2012-02-17 14:00", "159", "human", "unclear", "inbound:"+fmt.Sprint(gladsaxe), func(st *campaign.State) {
		st.Status = campaign.StatusUnclear
	})
	s.review("2012-02-17 14:00", "159", gladsaxe, campaign.Reason{Code: campaign.ReasonAnswerUnreadable})
	s.answer("2012-02-18 10:00", "173", "auto_reply", "none", "inbound:98", nil)
	// Before the previous digest: in the lists, not among the new answers.
	s.answer("2012-02-20 06:59", "147", "human", "question", "inbound:97", nil)
	// Since the previous digest.
	delayed := "inbound:" + fmt.Sprint(s.inbox["delayed-hvidovre.eml"])
	s.answer("2012-02-20 08:00", "167", "bounce", "none", delayed, nil)
	s.answer("2012-02-20 09:30", "101", "human", "agreement", "inbound:100", func(st *campaign.State) {
		st.Agreement = campaign.AgreementReturned
	})
	s.review("2012-02-20 09:30", "101", 0, campaign.Reason{Code: campaign.ReasonAgreementReturned, Invitee: "101"})
	s.attend("2012-02-20 10:15", "630", "vejle", 2)
	s.attend("2012-02-20 11:00", "265", "roskilde", 2)
	s.answer("2012-02-20 12:00", "147", "human", "agreement", "inbound:101", func(st *campaign.State) {
		st.Agreement = campaign.AgreementReturned
	})
	s.confirm("2012-02-20 15:00", "147")
	s.attend("2012-02-20 14:30", "621", "vejle", 1)
	s.decline("2012-02-20 16:00", "400")
	s.review("2012-02-20 17:00", "", s.inbox["unknown-sender.eml"], campaign.Reason{Code: campaign.ReasonUnknownSender, Address: "jens.hansen@example.test"})
}

func (s *script) put(st campaign.State) {
	if err := s.tx.PutState(st); err != nil {
		s.t.Fatal(err)
	}
	s.states[st.Code] = st
}

// answer logs an answer event as the daemon's putState does and stores the changed state.
func (s *script) answer(when, code, class, intent, cause string, change func(*campaign.State)) {
	now := at(s.t, s.c, when)
	before := s.states[code]
	after := before
	if change != nil {
		change(&after)
		after.UpdatedAt = now
		if after.Status.Answered() && !before.Status.Answered() {
			after.AnsweredAt = now
		}
	}
	inv, _ := s.c.Invitee(code)
	detail := map[string]any{"class": class, "intent": intent, "from": inv.Email,
		"before": string(before.Status), "after": string(after.Status)}
	if after.Meeting != "" {
		detail["registered"], detail["people"] = after.Meeting, after.Headcount
	}
	if err := s.tx.Log(store.Event{At: now, Invitee: code, Kind: "answer", Cause: cause, Detail: detail}); err != nil {
		s.t.Fatal(err)
	}
	s.put(after)
}

func (s *script) attend(when, code, meeting string, people int) {
	s.answer(when, code, "human", "attend", "inbound:0", func(st *campaign.State) {
		st.Status, st.Meeting, st.Headcount = campaign.StatusAttending, meeting, people
	})
}

func (s *script) decline(when, code string) {
	s.answer(when, code, "human", "decline", "inbound:0", func(st *campaign.State) {
		st.Status, st.Meeting, st.Headcount = campaign.StatusDeclined, "", 0
	})
}

// confirm is `rsvpd agreement confirm`.
func (s *script) confirm(when, code string) {
	now := at(s.t, s.c, when)
	st := s.states[code]
	before := st.Agreement
	st.Agreement, st.UpdatedAt = campaign.AgreementConfirmed, now
	s.put(st)
	err := s.tx.Log(store.Event{At: now, Invitee: code, Kind: "agreement", Cause: "staff:agreement",
		Detail: map[string]any{"before": string(before), "after": string(st.Agreement)}})
	if err != nil {
		s.t.Fatal(err)
	}
}

// failed is the outbox giving up on a message, as the daemon's onFailed records it: the
// registered address becomes undeliverable and the staff is told.
func (s *script) failed(when, code, to, reason string) {
	now := at(s.t, s.c, when)
	err := s.tx.Log(store.Event{At: now, Invitee: code, Kind: "failed", Cause: "outbox:invitation/" + code,
		Detail: map[string]any{"kind": "invitation", "to": to, "reason": reason}})
	if err != nil {
		s.t.Fatal(err)
	}
	if inv, _ := s.c.Invitee(code); inv.Email != to {
		return
	}
	st := s.states[code]
	st.Delivery, st.UpdatedAt = campaign.DeliveryUndeliverable, now
	s.put(st)
	s.review(when, code, 0, campaign.Reason{Code: campaign.ReasonUndeliverable, Letter: "invitation", Address: to, Detail: reason})
}

func (s *script) review(when, code string, inbound int64, reason campaign.Reason) int64 {
	id, err := s.tx.AddReview(store.Review{Inbound: inbound, Invitee: code, Why: reason, CreatedAt: at(s.t, s.c, when)})
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

// legacyReview opens an item as rsvpd did before reasons were data: its English text only.
func (s *script) legacyReview(when, code string, inbound int64, text string) int64 {
	id, err := s.tx.AddReview(store.Review{Inbound: inbound, Invitee: code, Text: text, CreatedAt: at(s.t, s.c, when)})
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}
