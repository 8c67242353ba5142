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
