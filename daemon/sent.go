package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// What a letter said is kept when it is sent (Render holds it until OnSent writes it, in the
// transaction that marks the row sent), so that the desk shows letters as they went out.
//
// The staff's letters are written from the store as it stands when they are composed: a
// digest composed again tells today's figures under the day it was sent. Their text is kept,
// with the attachments that cannot be made again. A letter to an invitee is composed from its
// outbox row and the campaign alone, so only a SHA-256 of its subject and text is kept: the
// desk composes it again and tells by the sum whether that is the letter sent.

// keepsText says whether a letter's text is kept: the staff's letters, but not the sign-in
// link, which is a key to the desk.
func keepsText(k letters.Kind) bool { return k.ToStaff() && k != letters.KindDeskSignIn }

// fromStore says whether a letter is written from figures the store holds when it is
// composed, which it will not hold later: such a letter can only be shown as kept.
func fromStore(k letters.Kind) bool {
	switch k {
	case letters.KindDigest, letters.KindFinalReport, letters.KindParticipantList:
		return true
	}
	return false
}

// letterSum is the SHA-256 of a letter's subject, a line feed and its text part.
func letterSum(subject, text string) []byte {
	h := sha256.Sum256([]byte(subject + "\n" + text))
	return h[:]
}

// keep holds what a composed letter says until its row is sent.
func (e *Engine) keep(row store.Outgoing, o letters.Outgoing) {
	k := letters.Kind(row.Kind)
	l := store.SentLetter{Outbox: row.ID, SHA256: letterSum(o.Subject, o.Text)}
	if keepsText(k) {
		l.Subject, l.Text, l.HasText = o.Subject, o.Text, true
	}
	if fromStore(k) {
		for _, a := range o.Attachments {
			l.Attachments = append(l.Attachments, store.SentAttachment{Name: a.Name, ContentType: a.ContentType,
				Inline: a.Inline, Data: a.Data})
		}
	}
	e.composed.Store(row.ID, &l) // a pointer: CompareAndDelete compares it
}

// recordSent writes what the letter of a row that went out said, when Render kept it. It is
// let go once written: a transaction that is rolled back (the sender then writes each of a
// group of sent rows alone) finds it again.
func (e *Engine) recordSent(tx *store.Tx, row store.Outgoing) error {
	l, ok := e.composed.Load(row.ID)
	if !ok {
		return nil
	}
	tx.OnCommit(func() { e.composed.CompareAndDelete(row.ID, l) })
	return tx.RecordSent(*l.(*store.SentLetter))
}

// LetterSource says where the text the desk shows of a letter comes from.
type LetterSource int

const (
	// LetterKept: the text kept when the letter was sent.
	LetterKept LetterSource = iota
	// LetterSame: composed again from its row, and the same as the letter sent (by its sum).
	LetterSame
	// LetterDiffers: composed again from its row, and not the letter sent: the letters or the
	// campaign have changed since.
	LetterDiffers
	// LetterUnchecked: composed again from its row; it was sent before rsvpd kept letters, so
	// whether it is the same cannot be told.
	LetterUnchecked
	// LetterNotSent: not sent (yet); the text is what it says now.
	LetterNotSent
	// LetterLost: written from the store as it stood when it was sent, before rsvpd kept
	// letters: it cannot be shown.
	LetterLost
	// LetterWithheld: a sign-in link, which is not shown.
	LetterWithheld
)

// ShownLetter is a letter as the desk shows it.
type ShownLetter struct {
	Subject, Text string
	Source        LetterSource
	Attachments   []ShownAttachment
}

// ShownAttachment is an attachment of a shown letter that can be downloaded exactly as it was
// sent: kept with the letter (N), or a message of the inbound ledger (Inbound).
type ShownAttachment struct {
	N           int
	Name        string
	ContentType string
	Inline      bool
	Size        int
	Inbound     int64
}

// SentLetter is the letter of an outbox row as the desk shows it: as kept when it was sent,
// else composed again from its row, saying which (ShownLetter.Source).
func (e *Engine) SentLetter(ctx context.Context, row store.Outgoing) (ShownLetter, error) {
	k := letters.Kind(row.Kind)
	if k == letters.KindDeskSignIn {
		return ShownLetter{Source: LetterWithheld}, nil
	}
	var rec store.SentLetter
	kept := false
	var originals []ShownAttachment
	err := e.st.View(ctx, func(tx *store.Tx) error {
		var err error
		switch rec, err = tx.SentLetter(row.ID); {
		case err == nil:
			kept = true
		case !isNotFound(err):
			return err
		}
		if k != letters.KindStaffReview {
			return nil
		}
		originals, err = e.originals(tx, row)
		return err
	})
	if err != nil {
		return ShownLetter{}, err
	}
	if kept && rec.HasText {
		sl := ShownLetter{Subject: rec.Subject, Text: rec.Text, Source: LetterKept}
		for _, a := range rec.Attachments {
			sl.Attachments = append(sl.Attachments, ShownAttachment{N: a.N, Name: a.Name, ContentType: a.ContentType,
				Inline: a.Inline, Size: a.Size})
		}
		sl.Attachments = append(sl.Attachments, originals...)
		return sl, nil
	}
	sent := row.Status == store.OutboxSent
	if sent && fromStore(k) {
		return ShownLetter{Source: LetterLost}, nil
	}
	cp := e.composer()
	cp.textOnly = true
	o, err := e.composeRow(ctx, row, cp)
	if err != nil {
		return ShownLetter{}, err
	}
	sl := ShownLetter{Subject: o.Subject, Text: o.Text, Attachments: originals}
	switch {
	case !sent:
		sl.Source = LetterNotSent
	case !kept:
		sl.Source = LetterUnchecked
	case bytes.Equal(rec.SHA256, letterSum(o.Subject, o.Text)):
		sl.Source = LetterSame
	default:
		sl.Source = LetterDiffers
	}
	return sl, nil
}

// originals are the messages a staff notification attached, from the inbound ledger, which
// keeps them as they arrived.
func (e *Engine) originals(tx *store.Tx, row store.Outgoing) ([]ShownAttachment, error) {
	var p Params
	if err := json.Unmarshal(row.Params, &p); err != nil {
		return nil, fmt.Errorf("outbox %s: params: %w", row.Key, err)
	}
	var out []ShownAttachment
	for _, id := range p.Reviews {
		rv, err := tx.Review(id)
		if err != nil {
			return nil, err
		}
		if rv.Inbound != 0 {
			out = append(out, ShownAttachment{Name: fmt.Sprintf("original-%d.eml", id), ContentType: "message/rfc822",
				Inbound: rv.Inbound})
		}
	}
	return out, nil
}

// SentAttachment is a kept attachment of a sent letter, with its bytes.
func (e *Engine) SentAttachment(ctx context.Context, row store.Outgoing, n int) (store.SentAttachment, error) {
	var a store.SentAttachment
	err := e.st.View(ctx, func(tx *store.Tx) (err error) {
		a, err = tx.SentAttachment(row.ID, n)
		return err
	})
	return a, err
}
