package demo

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/simulate"
	"github.com/rsvpd/rsvpd/store"
)

// The agreement as directors return it. Most sign the PDF they received and send it back
// attached, half of them with a digital signature; about one in seven first writes that the
// municipality joins and forgets the PDF, and sends it once rsvpd asks for it. The staff check
// each returned agreement within a working day and confirm it (Engine.ConfirmAgreement), so
// the director gets the confirmation; one returned on the last days may stay unchecked when
// the demo ends.

// wordsFirst is the share of directors who first answer the agreement letter in words only.
const wordsFirst = 0.15

// agreementAction plans what a director does with an agreement letter, a nudge, a request
// for the PDF or a receipt; nil when nothing.
func (d *directors) agreementAction(p *person, row store.Outgoing, env *enmime.Envelope, r *rand.Rand, now time.Time) *action {
	loc := d.c.Location
	re := simulate.Letter{MessageID: stripBrackets(env.GetHeader("Message-Id")), Subject: env.GetHeader("Subject"),
		Date: now, Text: env.Text}
	if pdf := attachedPDF(env); pdf != nil && p.received == nil {
		p.received = pdf
	}
	switch letters.Kind(row.Kind) {
	case letters.KindAgreement, letters.KindNudgeAgreement:
		due := p.agreement == 0 && row.Kind == string(letters.KindAgreement) ||
			p.agreement == seqOf(row.Key)+1 && row.Kind == string(letters.KindNudgeAgreement)
		if !due || p.received == nil {
			return nil
		}
		at := readingDelay(r, now, loc, 20)
		if row.Kind == string(letters.KindNudgeAgreement) {
			at = readingDelay(r, now, loc, 8)
		}
		choice := rng(d.seed, p.inv.Code, "agreement")
		if choice.Float64() < wordsFirst {
			return &action{at: at, kind: "reply", re: re, text: agreementWordsOnly}
		}
		return &action{at: at, kind: "reply", re: re, text: agreementText(r), file: d.signed(p, choice.Float64() < 0.5, at)}
	case letters.KindAgreementPDFNeeded:
		if p.received == nil {
			return nil
		}
		at := readingDelay(r, now, loc, 6)
		return &action{at: at, kind: "reply", re: re, text: agreementAfterRequest, file: d.signed(p, false, at)}
	case letters.KindAgreementReceipt:
		if p.confirmPlanned {
			return nil
		}
		p.confirmPlanned = true
		return &action{at: readingDelay(r, now, loc, 6), kind: "confirm"}
	}
	return nil
}

// signed is the agreement as the director sends it back: signed digitally, or signed on the
// screen by hand (an ink annotation, no digital signature).
func (d *directors) signed(p *person, digital bool, at time.Time) simulate.File {
	name := "tilslutningsaftale-" + p.inv.Code + "-underskrevet.pdf"
	return simulate.File{Name: name, Type: "application/pdf", Data: simulate.SignPDF(p.received, digital, at)}
}

// confirm is the staff checking a returned agreement and confirming it.
func (d *directors) confirm(ctx context.Context, code string) error {
	if d.confirmAgreement == nil {
		return nil
	}
	if err := d.confirmAgreement(ctx, code); err != nil {
		return fmt.Errorf("the staff confirming the agreement of %s: %w", code, err)
	}
	return nil
}

func attachedPDF(env *enmime.Envelope) []byte {
	for _, a := range env.Attachments {
		if a.ContentType == "application/pdf" {
			return a.Content
		}
	}
	return nil
}

func stripBrackets(s string) string { return string(bytes.Trim([]byte(s), "<> ")) }
