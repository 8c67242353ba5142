package daemon

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// send renders an outbox row and marks it sent as the sender does: Render, then MarkSent and
// OnSent in one transaction.
func (f *fixture) send(t *testing.T, row store.Outgoing) {
	t.Helper()
	if _, err := f.e.Render(context.Background(), row); err != nil {
		t.Fatalf("render %s: %v", row.Key, err)
	}
	f.update(t, func(tx *store.Tx) error {
		if err := tx.MarkSent(row.ID, f.clock.t); err != nil {
			return err
		}
		return f.e.OnSent(tx, row)
	})
}

func (f *fixture) row(t *testing.T, key string) store.Outgoing {
	t.Helper()
	var row store.Outgoing
	f.view(t, func(tx *store.Tx) (err error) { row, err = tx.Outgoing(key); return err })
	return row
}

func (f *fixture) shown(t *testing.T, row store.Outgoing) ShownLetter {
	t.Helper()
	sl, err := f.e.SentLetter(context.Background(), row)
	if err != nil {
		t.Fatalf("show %s: %v", row.Key, err)
	}
	return sl
}

// A digest is shown as it was sent, not with the figures of the day it is looked at: the
// 7 February digest said "0 bekræftede aftaler" and keeps saying it after agreements are
// confirmed. Its chart and CSV are kept with it, and a digest sent before letters were kept
// is not made up again from today's figures.
func TestDigestIsShownAsSent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.e.c
	f.clock.t = time.Date(2012, 2, 7, 7, 0, 0, 0, c.Location)
	digest := func(key string) store.Outgoing {
		f.update(t, func(tx *store.Tx) error {
			_, err := f.e.perform(tx, schedules.Job{Key: key, Kind: schedules.KindDigest}, f.clock.t)
			return err
		})
		return f.row(t, key+"/"+c.Organiser.Staff[0])
	}
	row := digest("digest/2012-02-07")
	f.send(t, row)
	sent := f.shown(t, f.row(t, row.Key))
	if sent.Source != LetterKept || !strings.Contains(sent.Subject, "0 bekræftede aftaler") {
		t.Fatalf("the digest as sent: source %d, subject %q", sent.Source, sent.Subject)
	}
	var names []string
	for _, a := range sent.Attachments {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "chart.png,status-2012-02-07.csv" {
		t.Errorf("kept attachments %v, want the chart and the CSV", names)
	}
	csv, err := f.e.SentAttachment(ctx, row, 1)
	if err != nil || !strings.Contains(string(csv.Data), "København") {
		t.Errorf("the kept CSV: %v\n%.200s", err, csv.Data)
	}

	// Ten agreements are confirmed after it was sent.
	f.update(t, func(tx *store.Tx) error {
		for _, inv := range c.Invitees[:10] {
			st := campaign.NewState(inv.Code)
			st.Status, st.Agreement = campaign.StatusAttending, campaign.AgreementConfirmed
			st.Meeting, st.Headcount = "vejle", 1
			if err := tx.PutState(st); err != nil {
				return err
			}
		}
		return nil
	})
	again, err := f.e.ComposeRow(ctx, row)
	if err != nil {
		t.Fatal(err)
	}
	if again.Subject == sent.Subject {
		t.Fatalf("composed again, the digest still says %q: the test would not see today's figures", again.Subject)
	}
	later := f.shown(t, f.row(t, row.Key))
	if later.Subject != sent.Subject || later.Text != sent.Text || later.Source != LetterKept {
		t.Errorf("the 7 February digest, looked at later, says %q (source %d), was sent as %q", later.Subject, later.Source, sent.Subject)
	}

	// A digest sent before rsvpd kept letters: nothing to show, rather than today's figures.
	old := digest("digest/2012-02-08")
	f.update(t, func(tx *store.Tx) error { return tx.MarkSent(old.ID, f.clock.t) })
	if sl := f.shown(t, f.row(t, old.Key)); sl.Source != LetterLost || sl.Text != "" {
		t.Errorf("a digest sent before letters were kept is shown as %d: %q", sl.Source, sl.Subject)
	}
}

// directorRow queues a letter to an invitee of every kind there is, with every parameter a
// kind may read.
func directorRow(t *testing.T, f *fixture, k letters.Kind, code string) store.Outgoing {
	t.Helper()
	p, _ := json.Marshal(Params{Meeting: "aalborg", OldMeeting: "vejle", Headcount: 2, OldHeadcount: 1, Sequence: 1,
		InReplyTo: "r1@test", References: []string{"r1@test"}, File: "aftale.docx", FileProblem: "not_pdf",
		Text: "Mødet holdes i salen på første sal.", Subject: "Dialogmøde"})
	key := string(k) + "/" + code
	f.update(t, func(tx *store.Tx) error {
		inv, _ := f.e.c.Invitee(code)
		_, err := tx.Enqueue(store.Outgoing{Key: key, Kind: string(k), Invitee: code, Recipient: inv.Email,
			MessageID: key + "@test", Params: p, CreatedAt: f.clock.t})
		return err
	})
	return f.row(t, key)
}

// A letter to an invitee is composed again from its row alone: whatever happened to the
// invitee since it went out (a change of meeting, a decline, a confirmed agreement), it is
// the letter that was sent, as its kept sum says, for every kind of letter to invitees. When
// the campaign changes (the organiser signs otherwise), the letter composed again is not the
// one sent, and says so.
func TestDirectorLettersComposeAgainAsSent(t *testing.T) {
	f := newFixture(t)
	var rows []store.Outgoing
	for _, k := range letters.Kinds() {
		if k.ToStaff() {
			continue
		}
		row := directorRow(t, f, k, "101")
		f.send(t, row)
		rows = append(rows, f.row(t, row.Key))
	}
	f.update(t, func(tx *store.Tx) error {
		st := campaign.NewState("101")
		st.Status, st.Meeting, st.Headcount, st.Agreement = campaign.StatusDeclined, "", 0, campaign.AgreementConfirmed
		return tx.PutState(st)
	})
	f.clock.t = f.clock.t.Add(20 * 24 * time.Hour)
	for _, row := range rows {
		sl := f.shown(t, row)
		if sl.Source != LetterSame || sl.Text == "" {
			t.Errorf("%s composed again: source %d, want the same as sent", row.Kind, sl.Source)
		}
		var kept store.SentLetter
		f.view(t, func(tx *store.Tx) (err error) { kept, err = tx.SentLetter(row.ID); return err })
		if kept.HasText || kept.Subject != "" || len(kept.SHA256) != 32 {
			t.Errorf("%s: kept %q with text %v and a sum of %d bytes; want the sum only", row.Kind, kept.Subject, kept.HasText, len(kept.SHA256))
		}
	}
	f.e.c.Organiser.Name = "KOMBIT A/S"
	for _, row := range rows {
		if sl := f.shown(t, row); sl.Source != LetterDiffers {
			t.Errorf("%s after the organiser changed: source %d, want differs", row.Kind, sl.Source)
		}
	}
	// Sent before letters were kept: composed again, and said to be unchecked.
	row := directorRow(t, f, letters.KindInvitation, "147")
	f.update(t, func(tx *store.Tx) error { return tx.MarkSent(row.ID, f.clock.t) })
	if sl := f.shown(t, f.row(t, row.Key)); sl.Source != LetterUnchecked || sl.Text == "" {
		t.Errorf("an invitation sent before letters were kept: source %d", sl.Source)
	}
}
