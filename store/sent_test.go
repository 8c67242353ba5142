package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// A sent letter's text and attachments come back as they were kept; the CSV of a large
// campaign is kept compressed; a second record of the same row replaces the first.
func TestSentLetterKeepsTextAndAttachments(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	at := time.Date(2012, 2, 7, 7, 0, 0, 0, time.UTC)
	csv := []byte(strings.Repeat("101;København;tilmeldt;Vejle;2\r\n", 20000))
	var id int64
	err := s.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.Enqueue(Outgoing{Key: "digest/1/staff@x", Kind: "digest", Invitee: "staff", Recipient: "staff@x",
			MessageID: "m@x", CreatedAt: at}); err != nil {
			return err
		}
		o, err := tx.Outgoing("digest/1/staff@x")
		if err != nil {
			return err
		}
		id = o.ID
		if err := tx.MarkSent(id, at); err != nil {
			return err
		}
		first := SentLetter{Outbox: id, Subject: "first", Text: "x", HasText: true, SHA256: []byte{1}}
		if err := tx.RecordSent(first); err != nil {
			return err
		}
		return tx.RecordSent(SentLetter{Outbox: id, Subject: "Dagsoversigt 7. februar 2012", Text: "0 bekræftede aftaler",
			HasText: true, SHA256: []byte{2}, Attachments: []SentAttachment{
				{Name: "chart.png", ContentType: "image/png", Inline: true, Data: []byte("\x89PNG")},
				{Name: "status-2012-02-07.csv", ContentType: "text/csv", Data: csv}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	var l SentLetter
	var a SentAttachment
	var rows []Outgoing
	err = s.View(ctx, func(tx *Tx) (err error) {
		if l, err = tx.SentLetter(id); err != nil {
			return err
		}
		if rows, err = tx.SentRows("staff", []string{"digest"}, 0, 10); err != nil {
			return err
		}
		a, err = tx.SentAttachment(id, 1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if l.Subject != "Dagsoversigt 7. februar 2012" || l.Text != "0 bekræftede aftaler" || !l.HasText || len(l.Attachments) != 2 ||
		string(l.SHA256) != "\x02" ||
		!l.Attachments[0].Inline || l.Attachments[1].Size != len(csv) {
		t.Errorf("kept letter %+v", l)
	}
	if !bytes.Equal(a.Data, csv) || a.Name != "status-2012-02-07.csv" {
		t.Errorf("kept CSV %q, %d bytes", a.Name, len(a.Data))
	}
	if len(rows) != 1 || rows[0].ID != id {
		t.Errorf("sent staff rows %v", rows)
	}
	var stored int
	s.db.QueryRowContext(ctx, `SELECT length(gzip) FROM sent_attachments WHERE outbox = ? AND n = 1`, id).Scan(&stored)
	if stored == 0 || stored > len(csv)/20 {
		t.Errorf("the CSV of %d bytes takes %d in the store", len(csv), stored)
	}
	err = s.View(ctx, func(tx *Tx) error { _, err := tx.SentLetter(id + 1); return err })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("a row without a kept letter: %v, want ErrNotFound", err)
	}
}

// OnCommit's functions run after a commit, never after a rollback.
func TestOnCommit(t *testing.T) {
	s := openTemp(t)
	ran := 0
	_ = s.Tx(context.Background(), func(tx *Tx) error {
		tx.OnCommit(func() { ran += 10 })
		return errors.New("roll back")
	})
	if err := s.Tx(context.Background(), func(tx *Tx) error { tx.OnCommit(func() { ran++ }); return nil }); err != nil {
		t.Fatal(err)
	}
	if ran != 1 {
		t.Errorf("ran %d, want once, after the commit only", ran)
	}
}

// An invitee's last activity is its own last answer (by mail, in the calendar or by a link),
// not a letter rsvpd sent it, a staff decision, a bounce or an out-of-office reply.
func TestLastActivityIsTheInviteesOwn(t *testing.T) {
	s := openTemp(t)
	day := func(d int) time.Time { return time.Date(2012, 2, d, 9, 0, 0, 0, time.UTC) }
	events := []Event{
		{At: day(7), Invitee: "101", Kind: "answer", Cause: "inbound:1", Detail: map[string]any{"class": "human"}},
		{At: day(8), Invitee: "101", Kind: "answer", Cause: "inbound:2", Detail: map[string]any{"class": "auto_reply"}},
		{At: day(9), Invitee: "101", Kind: "answer", Cause: "staff:review/1", Detail: map[string]any{"decision": "declined"}},
		{At: day(20), Invitee: "101", Kind: "agreement_pdf", Cause: "outbox:agreement/101"},
		{At: day(8), Invitee: "147", Kind: "answer", Cause: "inbound:3", Detail: map[string]any{"class": "calendar"}},
		{At: day(10), Invitee: "147", Kind: "answer", Cause: "link:vejle", Detail: map[string]any{"class": "human"}},
		{At: day(11), Invitee: "147", Kind: "held", Cause: "inbound:4", Detail: map[string]any{"class": "human"}},
		{At: day(12), Invitee: "540", Kind: "answer", Cause: "inbound:5", Detail: map[string]any{"class": "bounce"}},
		{At: day(20), Invitee: "540", Kind: "agreement_pdf", Cause: "outbox:agreement/540"},
	}
	var got map[string]time.Time
	err := s.Tx(context.Background(), func(tx *Tx) error {
		for _, e := range events {
			if err := tx.Log(e); err != nil {
				return err
			}
		}
		var err error
		got, err = tx.LastActivity()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["101"].Equal(day(7)) || !got["147"].Equal(day(11)) {
		t.Errorf("last activity %v, want 101 on the 7th and 147 on the 11th, 540 none", got)
	}
}
