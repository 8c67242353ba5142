package replies

import (
	"fmt"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Class is what kind of message a reply is.
type Class string

// The classes of the contract, in the order they are tested (a bounce carries
// Auto-Submitted too, and an out-of-office may quote an invitation with a calendar part).
const (
	ClassBounce    Class = "bounce"
	ClassAutoReply Class = "auto_reply"
	ClassCalendar  Class = "calendar"
	ClassHuman     Class = "human"
	ClassInvalid   Class = "invalid"
)

// Intent is what a person's reply says about the invitation.
type Intent string

// The intents of the contract.
const (
	IntentAttend    Intent = "attend"
	IntentDecline   Intent = "decline"
	IntentQuestion  Intent = "question"
	IntentAgreement Intent = "agreement"
	IntentUnclear   Intent = "unclear"
	IntentNone      Intent = "none"
)

// Match says how a reply was tied to its invitee.
type Match string

// The ways of matching, strongest first; MatchText (a municipality named in the text) is
// reported as "" in the contract's match field, since it proves nothing, and always sets
// NeedsReview.
const (
	MatchToken  Match = "token"
	MatchThread Match = "thread"
	MatchFrom   Match = "from"
	MatchNone   Match = ""
)

// Options are what Read knows besides the message. Campaign and Signer may be nil: without a
// campaign only the classification and the reply text are read.
type Options struct {
	Campaign *campaign.Campaign
	Signer   *campaign.Signer
	// Reasons writes the reading's reason (Answer.Why) out as Answer.Reason; without it the
	// sentence stays empty. The daemon and `rsvpd parse` give the letters' catalogue.
	Reasons ReasonWriter
	// AuthServID is the authserv-id of the Authentication-Results header that the campaign
	// mailbox's receiving server writes (AuthServExchangeOnline for Microsoft 365's, which
	// has none). A reply matched by its sender's address alone is then held for a person
	// unless that header shows the address verified. "" trusts no such header, and a match
	// by sender is taken as it is.
	AuthServID string
}

// ReasonWriter writes a reason out in a language (package letters' catalogue).
type ReasonWriter interface {
	Text(lang string, r campaign.Reason) string
}

// Reading is what Read found in one message. Its JSON form is the `rsvpd parse` output
// (without the file field): the campaign fields appear only when Answer is set.
type Reading struct {
	Class     Class          `json:"class"`
	From      string         `json:"from"`
	Subject   string         `json:"subject"`
	ReplyText string         `json:"reply_text"`
	Calendar  *CalendarReply `json:"calendar"`
	Bounce    *Bounce        `json:"bounce"`
	AutoReply *AutoReply     `json:"auto_reply"`
	Error     string         `json:"error"`

	// The campaign's reading, nil when Read had no campaign.
	*Answer

	// Envelope facts the daemon needs besides the contract's fields.
	MessageID  string    `json:"-"`
	InReplyTo  string    `json:"-"`
	References []string  `json:"-"`
	Date       time.Time `json:"-"`
}

// CalendarReply is the iTIP content of a calendar message.
type CalendarReply struct {
	Method   string `json:"method"`
	PartStat string `json:"partstat"`
	UID      string `json:"uid"`
	Attendee string `json:"attendee"`
	Sequence int    `json:"sequence"`
	// FromSubject is set when the message carried no calendar object and the answer was
	// read from the subject prefix Exchange writes ("Accepted:", "Afvist:").
	FromSubject bool `json:"-"`
	// FromTNEF is set when the answer was read from winmail.dat's MAPI properties.
	FromTNEF bool `json:"-"`
	// Unreadable says why a calendar answer could not be read (it lives only in a
	// winmail.dat rsvpd cannot read): a person must look.
	Unreadable string    `json:"-"`
	Comment    string    `json:"-"`
	Start      time.Time `json:"-"`
}

// Bounce is what a delivery-status notification says failed.
type Bounce struct {
	Recipients []string `json:"recipients"`
	Permanent  bool     `json:"permanent"`
	Status     string   `json:"status"`
	// Diagnostic is the receiving server's own words (a DSN's Diagnostic-Code without its
	// type), "" when the report gives none: it is what tells the staff what went wrong.
	Diagnostic string `json:"diagnostic"`
}

// AutoReply is what an automatic answer says.
type AutoReply struct {
	Until string `json:"until"` // YYYY-MM-DD, "" when the text states no return date
}

// Answer is the campaign's reading of a message.
type Answer struct {
	Invitee     string   `json:"invitee"`
	Match       Match    `json:"match"`
	Intent      Intent   `json:"intent"`
	Meeting     string   `json:"meeting"`
	Headcount   int      `json:"headcount"`
	Companions  []string `json:"companions"`
	Confidence  float64  `json:"confidence"`
	NeedsReview bool     `json:"needs_review"`
	// Held says the reading must not be applied without a person, who gets it as a
	// suggestion: the invitee was matched by a sender's address that is not verified, only
	// by a municipality named in the text, or not at all; the From header names no single
	// sender; the message is too complex to read in full; or the words allow more than one
	// reading. The daemon then changes nothing and offers the reading to the staff.
	Held bool `json:"held"`
	// Reason is Why written out in English (when Options.Reasons is set): the contract's
	// one sentence of why the message was read so.
	Reason string `json:"reason"`
	// Why is the reason as data: a code and its parameters, for the staff's language.
	Why campaign.Reason `json:"why"`
	// HeadcountStated is set when the text says how many come (a number, "alene", a companion);
	// otherwise Headcount is the contract's default of 1 and a change of meeting keeps the
	// number already registered.
	HeadcountStated bool `json:"-"`
	// ByText is set when the invitee was found only by a municipality named in the text.
	ByText bool `json:"-"`
	// Question is set when the text asks something besides (or instead of) answering.
	Question bool `json:"-"`
	// PDF is the PDF the message carries, checked to be one (pdf.go); nil when none. A
	// returned agreement is a message with a valid one.
	PDF *campaign.AgreementPDF `json:"pdf,omitempty"`

	notes []campaign.Reason // remarks for Why, added by finish
}

// Read reads one raw RFC 5322 message. It never panics: a message it cannot read is
// reported with class invalid and the reason in Error.
func Read(raw []byte, opts Options) (r Reading) {
	defer func() {
		if p := recover(); p != nil {
			r = Reading{Class: ClassInvalid, Error: fmt.Sprintf("internal error while reading: %v", p)}
			if opts.Campaign != nil {
				r.Answer = &Answer{Intent: IntentNone, Companions: []string{}, NeedsReview: true,
					Why: campaign.Reason{Code: campaign.ReadUnreadable, Detail: r.Error}}
				r.Answer.finish(opts)
			}
		}
	}()
	msg, err := decode(raw)
	if err != nil {
		r = Reading{Class: ClassInvalid, Error: err.Error()}
		if msg != nil {
			r.From, r.Subject = msg.from, msg.subject
		}
	} else {
		r = classify(msg)
	}
	if opts.Campaign != nil {
		a := interpret(&r, msg, opts)
		r.Answer = &a
	}
	return r
}

// classify decides the class of a decoded message and fills the class's fields.
func classify(m *message) Reading {
	r := Reading{
		From:       m.from,
		Subject:    m.subject,
		MessageID:  m.messageID,
		InReplyTo:  m.inReplyTo,
		References: m.references,
		Date:       m.date,
	}
	if b, ok := readBounce(m); ok {
		r.Class, r.Bounce = ClassBounce, b
		return r
	}
	if readIsAutoReply(m) {
		r.Class = ClassAutoReply
		r.ReplyText = replyText(m)
		r.AutoReply = &AutoReply{Until: returnDate(intentText(r.ReplyText), m.date)}
		return r
	}
	if c, ok := readCalendar(m); ok {
		r.Class, r.Calendar = ClassCalendar, c
		r.ReplyText = replyText(m)
		return r
	}
	r.Class = ClassHuman
	r.ReplyText = replyText(m)
	return r
}

// replyText is the new text of a message: its body, quotes and signature cut away.
func replyText(m *message) string {
	return strings.TrimSpace(trimLines(m.bodyLines()))
}
