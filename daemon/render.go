package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/rsvpd/rsvpd/agreement"
	"github.com/rsvpd/rsvpd/calendar"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/digest"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// Composer turns a letter into a message exactly as rsvpd sends it: the template, the
// tokened Reply-To, the calendar parts and the agreement PDF. `rsvpd preview` uses the same
// Composer, so what staff preview is what invitees get.
type Composer struct {
	// AnswerBase, when set, puts one-click answers on this base URL into invitations;
	// DeskURL is the staff desk's address for the letters to the staff.
	AnswerBase, DeskURL string

	c       *campaign.Campaign
	letters *letters.Letters
	signer  *campaign.Signer
	// PlainReplyAddress makes the organiser's own address the one invitees answer to (Reply-To,
	// the calendar's organizer) instead of the tokened one (mail.reply_address: plain, for a
	// mail system without plus addressing): replies are then matched by thread and sender.
	PlainReplyAddress bool
	// textOnly composes a letter for its text: the agreement PDF, which takes tens of
	// milliseconds, is said to be attached but not made (the desk shows letters so).
	textOnly bool
}

// NewComposer returns a Composer for the campaign.
func NewComposer(c *campaign.Campaign, l *letters.Letters, signer *campaign.Signer) *Composer {
	return &Composer{c: c, letters: l, signer: signer}
}

// Letter is one letter to compose.
type Letter struct {
	Kind letters.Kind
	Data letters.Data // the invitee, meetings, headcounts, review items or digest
	To   string       // the recipient's address
	// MessageID, Date, InReplyTo and References come from the outbox row, so a message
	// composed again after a crash is the same message.
	MessageID  string
	Date       time.Time
	InReplyTo  string
	References []string
	Sequence   int // the iCalendar SEQUENCE of the calendar parts
	// Attachments the caller adds: the originals of review items, the digest's CSV and chart.
	Attachments []letters.Attachment
}

// Compose builds the message for a letter.
func (cp *Composer) Compose(l Letter) (letters.Outgoing, error) {
	c := cp.c
	o := letters.Outgoing{
		From:          netmail.Address{Name: c.Organiser.Name, Address: c.Organiser.Email},
		To:            netmail.Address{Address: l.To},
		Date:          l.Date,
		MessageID:     l.MessageID,
		InReplyTo:     l.InReplyTo,
		References:    l.References,
		AutoSubmitted: l.Kind.AutoSubmitted(),
		Attachments:   l.Attachments,
	}
	d := l.Data
	if !l.Kind.ToStaff() {
		code := d.Invitee.Code
		d.ReplyAddress = cp.replyAddress(code)
		o.ReplyTo = netmail.Address{Name: c.Organiser.Name, Address: d.ReplyAddress}
		if l.To == d.Invitee.Email {
			o.To.Name = d.Invitee.Contact
		}
	}
	// The nudge sends the invitation again, with every way it offered to answer.
	if (l.Kind == letters.KindInvitation || l.Kind == letters.KindNudgeUnanswered) && cp.AnswerBase != "" {
		d.AnswerLinks = AnswerLinks(cp.signer, c, cp.AnswerBase, d.Invitee.Code)
	}
	if d.Date.IsZero() {
		d.Date = l.Date
	}
	if l.Kind.ToStaff() && d.DeskURL == "" {
		d.DeskURL = cp.DeskURL
	}
	if err := cp.attach(l, &d, &o); err != nil {
		return o, fmt.Errorf("compose %s: %w", l.Kind, err)
	}
	r, err := cp.letters.Render(l.Kind, d)
	if err != nil {
		return o, fmt.Errorf("compose %s for %s: %w", l.Kind, l.To, err)
	}
	o.Subject, o.Text, o.HTML = r.Subject, r.Text, r.HTML
	return o, nil
}

// attach adds the calendar objects and the agreement, and tells the letter what is attached,
// so the text never promises an attachment that is not there. A message carries at most one
// calendar method: a change of meeting sends the old entry's CANCEL as a calendar_cancel
// letter of its own, and a meeting the invitee accepted in the calendar gets no REQUEST.
func (cp *Composer) attach(l Letter, d *letters.Data, o *letters.Outgoing) error {
	c := cp.c
	d.CalendarAttached, d.AgreementAttached = false, false
	request := func(m campaign.Meeting) ([]byte, error) {
		return calendar.Request(cp.event(d.Invitee, m, l.Sequence, l.Date))
	}
	cancel := func(m campaign.Meeting) ([]byte, error) {
		return calendar.Cancel(cp.event(d.Invitee, m, l.Sequence, l.Date))
	}
	switch l.Kind {
	case letters.KindInvitation, letters.KindNudgeUnanswered:
		// One calendar invitation per meeting: accepting one answers for that meeting. The
		// nudge sends the invitation again, so it carries the same entries (same UIDs and
		// sequence, a later DTSTAMP): a calendar that has them already updates them.
		for _, m := range c.Meetings {
			ics, err := request(m)
			if err != nil {
				return err
			}
			o.Attachments = append(o.Attachments, letters.Attachment{Name: "invite-" + m.ID + ".ics",
				ContentType: "text/calendar; method=REQUEST; charset=utf-8", Data: ics})
		}
		d.CalendarAttached = true
	case letters.KindConfirmation, letters.KindChange:
		// After an Accept in the calendar the entry is there, accepted: a REQUEST would ask
		// again (Outlook shows it as a new invitation), so none is sent.
		if d.CalendarAccepted {
			break
		}
		ics, err := request(*d.Meeting)
		if err != nil {
			return err
		}
		o.Calendar = &letters.CalendarPart{Method: calendar.MethodRequest, ICS: ics}
		d.CalendarAttached = true
	case letters.KindCalendarCancel:
		ics, err := cancel(*d.OldMeeting)
		if err != nil {
			return err
		}
		o.Calendar = &letters.CalendarPart{Method: calendar.MethodCancel, ICS: ics}
		d.CalendarAttached = true
	case letters.KindCancelAck:
		ics, err := cancel(*d.Meeting)
		if err != nil {
			return err
		}
		o.Calendar = &letters.CalendarPart{Method: calendar.MethodCancel, ICS: ics}
		d.CalendarAttached = true
	case letters.KindAgreement, letters.KindNudgeAgreement, letters.KindAgreementPDFNeeded:
		if cp.textOnly {
			d.AgreementAttached = true
			break
		}
		pdf, err := agreement.Render(agreement.For(c, d.Invitee))
		if err != nil {
			return err
		}
		o.Attachments = append(o.Attachments, letters.Attachment{
			Name: AgreementFileName(d.Invitee), ContentType: "application/pdf", Data: pdf})
		d.AgreementAttached = true
	}
	return nil
}

// event is the invitee's calendar entry for a meeting. The organizer is the invitee's reply
// address, so the calendar client's REPLY carries the token back where there is one.
func (cp *Composer) event(inv campaign.Invitee, m campaign.Meeting, seq int, stamp time.Time) calendar.Event {
	ev := calendar.NewEvent(cp.c, inv, m)
	ev.Sequence, ev.Stamp = seq, stamp
	ev.Organizer.Email = cp.replyAddress(inv.Code)
	return ev
}

// danishLetters spells æ, ø, å and a few others in ASCII for file names (built once).
var danishLetters = strings.NewReplacer("æ", "ae", "ø", "oe", "å", "aa", "Æ", "Ae", "Ø", "Oe", "Å", "Aa", "é", "e", "ü", "ue")

// replyAddress is where the invitee's answers go: the campaign address with the invitee's
// token, or without it under mail.reply_address: plain.
func (cp *Composer) replyAddress(code string) string {
	if cp.PlainReplyAddress {
		return cp.c.Organiser.Email
	}
	return cp.signer.ReplyAddress(cp.c.Organiser.Email, code)
}

// AgreementFileName is the PDF's name as the invitee sees it: "tilslutningsaftale-101-koebenhavn.pdf".
func AgreementFileName(inv campaign.Invitee) string {
	var b strings.Builder
	for _, ch := range strings.ToLower(danishLetters.Replace(inv.Name)) {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
			b.WriteRune(ch)
		case ch == ' ' || ch == '-':
			b.WriteByte('-')
		}
	}
	return "tilslutningsaftale-" + inv.Code + "-" + b.String() + ".pdf"
}

// Render composes the message of an outbox row (the sender's Renderer). The SHA-256 of an
// agreement PDF it attaches is kept until the row is sent, for the event log, and so is what
// the letter says, for the desk (sent.go).
func (e *Engine) Render(ctx context.Context, row store.Outgoing) (*mail.Msg, error) {
	o, err := e.ComposeRow(ctx, row)
	if err != nil {
		return nil, err
	}
	e.keep(row, o)
	for _, a := range o.Attachments {
		if a.ContentType == "application/pdf" {
			e.pdfSums.Store(row.ID, agreement.Sum(a.Data))
		}
	}
	return o.Msg()
}

// ComposeRow builds the message of an outbox row from the row, the campaign and, for staff
// letters, the store.
func (e *Engine) ComposeRow(ctx context.Context, row store.Outgoing) (letters.Outgoing, error) {
	return e.composeRow(ctx, row, e.composer())
}

// composeRow is ComposeRow with a given Composer (one that composes the text only, for the desk).
func (e *Engine) composeRow(ctx context.Context, row store.Outgoing, cp *Composer) (letters.Outgoing, error) {
	var p Params
	if err := json.Unmarshal(row.Params, &p); err != nil {
		return letters.Outgoing{}, fmt.Errorf("outbox %s: params: %w", row.Key, err)
	}
	l := Letter{Kind: letters.Kind(row.Kind), To: row.Recipient, MessageID: row.MessageID,
		Date: row.CreatedAt.In(e.c.Location), InReplyTo: p.InReplyTo, References: p.References, Sequence: p.Sequence}
	if !l.Kind.ToStaff() {
		inv, ok := e.c.Invitee(row.Invitee)
		if !ok {
			return letters.Outgoing{}, fmt.Errorf("outbox %s: no invitee %q in the campaign", row.Key, row.Invitee)
		}
		l.Data = letters.Data{Invitee: inv, Headcount: p.Headcount, OldHeadcount: p.OldHeadcount,
			CalendarAccepted: p.InCalendar, ReturnedFile: p.File, FileProblem: p.FileProblem,
			AnswerText: p.Text, ReplySubject: p.Subject}
		if m, ok := e.c.Meeting(p.Meeting); ok {
			l.Data.Meeting = &m
		}
		if m, ok := e.c.Meeting(p.OldMeeting); ok {
			l.Data.OldMeeting = &m
		}
		if (l.Kind == letters.KindConfirmation || l.Kind == letters.KindChange || l.Kind == letters.KindCancelAck ||
			l.Kind == letters.KindReminder || l.Kind == letters.KindCalendarCancel) && l.Data.Meeting == nil {
			return letters.Outgoing{}, fmt.Errorf("outbox %s: meeting %q is not in the campaign", row.Key, p.Meeting)
		}
		if l.Kind == letters.KindCalendarCancel && l.Data.OldMeeting == nil {
			return letters.Outgoing{}, fmt.Errorf("outbox %s: meeting %q is not in the campaign", row.Key, p.OldMeeting)
		}
		return cp.Compose(l)
	}
	if l.Kind == letters.KindDeskSignIn {
		l.Data = letters.Data{Link: e.signInLink(row.Recipient, p.Nonce, p.Until, p.Next), LinkExpires: p.Until.In(e.c.Location)}
		return cp.Compose(l)
	}
	// Staff letters only read the store: a read transaction, so that the digest of 100,000
	// invitees does not hold the write lock while it is made.
	err := e.st.View(ctx, func(tx *store.Tx) error {
		switch l.Kind {
		case letters.KindStaffReview:
			return e.reviewLetter(tx, p.Reviews, &l)
		case letters.KindStaffSignIn:
			d, err := e.signInLetter(tx, p.Since)
			l.Data = letters.Data{SignIn: d}
			return err
		case letters.KindDigest, letters.KindFinalReport:
			o := digest.Options{Since: p.Since, Now: p.Until, Final: l.Kind == letters.KindFinalReport}
			m, err := digest.Make(tx, e.c, o)
			if err != nil {
				return err
			}
			l.Data = letters.Data{Digest: &m.Data}
			l.Attachments = append(l.Attachments,
				letters.Attachment{Name: "chart.png", ContentType: "image/png", Data: m.Chart, Inline: true, ContentID: m.ChartCID},
				letters.Attachment{Name: m.CSVName, ContentType: "text/csv; charset=utf-8", Data: m.CSV})
		case letters.KindParticipantList:
			pl, csv, err := digest.Participants(tx, e.c, p.Meeting, p.Until)
			if err != nil {
				return err
			}
			l.Data = letters.Data{Participants: &pl}
			l.Attachments = append(l.Attachments, letters.Attachment{Name: pl.CSVName, ContentType: "text/csv; charset=utf-8", Data: csv})
		}
		return nil
	})
	if err != nil {
		return letters.Outgoing{}, fmt.Errorf("outbox %s: %w", row.Key, err)
	}
	return cp.Compose(l)
}

// reviewLetter fills a staff notification with its review items and attaches each original.
func (e *Engine) reviewLetter(tx *store.Tx, ids []int64, l *Letter) error {
	for _, id := range ids {
		rv, err := tx.Review(id)
		if err != nil {
			return err
		}
		it := letters.ReviewItem{ID: strconv.FormatInt(id, 10), Why: rv.Why, Reason: rv.Text, Received: rv.CreatedAt.In(e.c.Location)}
		if inv, ok := e.c.Invitee(rv.Invitee); ok {
			it.Invitee = inv
		}
		if rv.Inbound != 0 {
			in, err := tx.Inbound(rv.Inbound)
			if err != nil {
				return err
			}
			r := replies.Read(in.Raw, replies.Options{})
			it.From, it.Subject, it.MessageID = r.From, r.Subject, strings.Trim(r.MessageID, "<>")
			l.Data.Review = append(l.Data.Review, it)
			l.Attachments = append(l.Attachments, letters.Attachment{Name: "original-" + it.ID + ".eml",
				ContentType: "message/rfc822", Data: in.Raw})
			continue
		}
		l.Data.Review = append(l.Data.Review, it)
	}
	return nil
}

func (e *Engine) composer() *Composer {
	cp := NewComposer(e.c, e.currentLetters(), e.signer)
	cp.PlainReplyAddress = e.cfg.Mail.ReplyAddress == "plain"
	cp.AnswerBase, cp.DeskURL = e.web()
	return cp
}
