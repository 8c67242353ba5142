package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// Params is what an outbox row's letter needs besides the campaign and the invitee. It is
// stored with the row, so a message resent after a crash is the same message.
type Params struct {
	Meeting      string   `json:"meeting,omitempty"`
	OldMeeting   string   `json:"old_meeting,omitempty"`
	Headcount    int      `json:"headcount,omitempty"`
	OldHeadcount int      `json:"old_headcount,omitempty"`
	Sequence     int      `json:"sequence,omitempty"`
	InReplyTo    string   `json:"in_reply_to,omitempty"`
	References   []string `json:"references,omitempty"`
	// Copy marks the copy of an answer to a sender who is not the registered address.
	Copy bool `json:"copy,omitempty"`
	// InCalendar: the invitee accepted the meeting's entry in the calendar, so the letter
	// carries no REQUEST for it (campaign.Effect.InCalendar).
	InCalendar bool `json:"in_calendar,omitempty"`
	// File and FileProblem are the file a receipt or a request for the PDF is about, and why
	// it does not return the agreement (campaign.Effect).
	File        string `json:"file,omitempty"`
	FileProblem string `json:"file_problem,omitempty"`
	// Reviews are the review items of a staff notification.
	Reviews []int64 `json:"reviews,omitempty"`
	// Since and Until bound the period a digest reports on.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Nonce and Next are a desk sign-in letter's: the link is signed again from them when the
	// letter is composed, so the outbox keeps no link that signs anyone in by itself.
	Nonce string `json:"nonce,omitempty"`
	Next  string `json:"next,omitempty"`
	// Text and Subject are a staff member's answer and the subject of the message it answers.
	Text    string `json:"text,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// zero reports whether the letter needs nothing besides the campaign and the invitee (an
// invitation, an agreement letter, a nudge), whose params are "{}". It asks reflect rather than
// naming the fields, so a field added to Params cannot be left out and silently not stored.
func (p Params) zero() bool {
	return reflect.ValueOf(p).IsZero()
}

// queued is one message to put in the outbox.
type queued struct {
	kind      letters.Kind
	code      string // invitee code, or staffCode
	recipient string
	key       string
	params    Params
}

// enqueue writes the row with its cause (a no-op when its key exists); it reports whether the
// row is new. The row is the record that the message was queued: no event repeats it.
func (e *Engine) enqueue(tx *store.Tx, q queued, cause string, now time.Time) (bool, error) {
	params := []byte("{}")
	if !q.params.zero() {
		var err error
		if params, err = json.Marshal(q.params); err != nil {
			return false, fmt.Errorf("queue %s: %w", q.key, err)
		}
	}
	return tx.Enqueue(store.Outgoing{
		Key:       q.key,
		Kind:      string(q.kind),
		Invitee:   q.code,
		Recipient: q.recipient,
		MessageID: e.signer.MessageID(q.key, q.code),
		Params:    params,
		CreatedAt: now,
		Cause:     cause,
	})
}

// answerContext is what the effects of an answer need to know about the message.
type answerContext struct {
	cause     string // "inbound:42" or "staff:review/7"
	inbound   int64  // the message, 0 for a staff decision
	sender    string // the From address, lower-case
	messageID string // the answer's Message-ID, for In-Reply-To
	refs      []string
	// root is the first message of the answer's thread (the first reference, else what it
	// replies to, else itself): a question gets one holding answer per thread.
	root string
}

// threadRoot is the first message of a reply's thread.
func threadRoot(r replies.Reading) string {
	switch {
	case len(r.References) > 0:
		return r.References[0]
	case r.InReplyTo != "":
		return r.InReplyTo
	}
	return r.MessageID
}

// effectKey is the outbox key of a letter an effect asks for. A receipt and a request for the
// PDF answer one message each, a holding answer one thread; the letters about a registration
// carry its calendar SEQUENCE, so a new answer gets a new letter.
func effectKey(ef campaign.Effect, code string, after campaign.State, ac answerContext) string {
	switch ef.Kind {
	case campaign.EffectDeclineAck:
		return key(ef.Kind, code, after.Sequence)
	case campaign.EffectAgreementReceipt, campaign.EffectAgreementPDFNeeded:
		return key(ef.Kind, code, ac.cause)
	case campaign.EffectQuestionAck:
		sum := sha256.Sum256([]byte(strings.Trim(ac.root, "<> ")))
		return key(ef.Kind, code, hex.EncodeToString(sum[:8]))
	}
	return key(ef.Kind, code, ef.Meeting, ef.Sequence)
}

// applyEffects turns the state machine's effects into outbox rows and review items, in the
// transaction that changed the state.
func (e *Engine) applyEffects(tx *store.Tx, inv campaign.Invitee, before, after campaign.State, effects []campaign.Effect, ac answerContext, now time.Time) error {
	inv = e.addressed(inv, after)
	changeHeld := false
	for _, ef := range effects {
		if ef.Kind == campaign.EffectReview {
			if err := e.addReview(tx, ac.inbound, inv.Code, ef.Reason, ac.cause, now); err != nil {
				return err
			}
			continue
		}
		k := effectKey(ef, inv.Code, after, ac)
		if ef.Kind == campaign.EffectQuestionAck {
			if sent, err := tx.Queued(k); err != nil {
				return err
			} else if sent {
				continue // one holding answer per thread
			}
		}
		// The old entry's CANCEL belongs to the change letter: one automatic answer between
		// them, sent when the change is and held back with it.
		if ef.Kind == campaign.EffectCalendarCancel {
			if changeHeld {
				continue
			}
		} else if ok, err := e.allowAutoAnswer(tx, inv.Email, now); err != nil {
			return err
		} else if !ok {
			changeHeld = ef.Kind == campaign.EffectChange
			reason := campaign.Reason{Code: campaign.ReasonAutoAnswerCap, Letter: string(ef.Kind), Address: inv.Email,
				Count: e.autoAnswerCap()}
			if err := e.addReview(tx, ac.inbound, inv.Code, reason, ac.cause, now); err != nil {
				return err
			}
			continue
		}
		p := Params{Meeting: ef.Meeting, OldMeeting: ef.OldMeeting, Headcount: ef.Headcount,
			OldHeadcount: before.Headcount, Sequence: ef.Sequence, InReplyTo: ac.messageID, References: ac.refs,
			InCalendar: ef.InCalendar, File: ef.File, FileProblem: ef.FileProblem}
		if err := e.queueAnswer(tx, inv, ac, queued{kind: letters.Kind(ef.Kind), code: inv.Code, recipient: inv.Email, key: k, params: p}, now); err != nil {
			return err
		}
	}
	return nil
}

// queueAnswer queues a letter that answers a message. Someone else answered for the invitee:
// the registered address gets the letter (so a forged answer is seen), the sender a copy.
func (e *Engine) queueAnswer(tx *store.Tx, inv campaign.Invitee, ac answerContext, q queued, now time.Time) error {
	if _, err := e.enqueue(tx, q, ac.cause, now); err != nil {
		return err
	}
	if ac.sender != "" && ac.sender != inv.Email && ac.sender != e.c.Organiser.Email {
		q.recipient, q.key, q.params.Copy = ac.sender, q.key+"/copy", true
		if _, err := e.enqueue(tx, q, ac.cause, now); err != nil {
			return err
		}
	}
	return nil
}

// allowAutoAnswer counts an automatic answer to addr today and says whether it stays within
// the daily cap.
func (e *Engine) allowAutoAnswer(tx *store.Tx, addr string, now time.Time) (bool, error) {
	n, err := tx.CountAutoAnswer(addr, now.In(e.c.Location).Format("2006-01-02"))
	if err != nil {
		return false, err
	}
	return n <= e.autoAnswerCap(), nil
}

func (e *Engine) addReview(tx *store.Tx, inbound int64, code string, reason campaign.Reason, cause string, now time.Time) error {
	return e.openReview(tx, store.Review{Inbound: inbound, Invitee: code, Why: reason, CreatedAt: now}, cause)
}

// openReview opens a review item and logs it with its reason.
func (e *Engine) openReview(tx *store.Tx, rv store.Review, cause string) error {
	id, err := tx.AddReview(rv)
	if err != nil {
		return err
	}
	return tx.Log(store.Event{At: rv.CreatedAt, Invitee: rv.Invitee, Kind: "review", Cause: cause,
		Detail: map[string]any{"review": id, "reason": rv.Why}})
}
