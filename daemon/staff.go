package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// Decision is a staff member's resolution of a review item.
type Decision struct {
	// Accept applies the answer a held reading suggests, as it was read.
	Accept    bool
	Attend    string // meeting id to register the invitee for
	Headcount int
	Decline   bool
	Ignore    bool
	// Invitee names who the item is about when the message matched nobody (an unknown
	// sender the staff recognised).
	Invitee string
	Note    string
	// By is who decided: a staff address signed in to the desk, or "shell" for the command
	// line. The event log records it with the decision.
	By string
}

// ErrBadDecision is returned for a decision that does not say one thing.
var ErrBadDecision = errors.New("say exactly one of --accept, --attend MEETING, --decline or --ignore")

// ErrResolved is returned for a review item that is already resolved.
var ErrResolved = errors.New("already resolved")

// Resolve closes a review item with the staff's decision, applying it to the invitee's state
// through the same state machine as a reply (so confirmations and calendar entries follow).
func (e *Engine) Resolve(ctx context.Context, id int64, d Decision) (campaign.State, error) {
	n := 0
	for _, b := range []bool{d.Accept, d.Attend != "", d.Decline, d.Ignore} {
		if b {
			n++
		}
	}
	if n != 1 {
		return campaign.State{}, ErrBadDecision
	}
	if d.Attend != "" {
		if _, ok := e.c.Meeting(d.Attend); !ok {
			return campaign.State{}, fmt.Errorf("no meeting %q (known: %s)", d.Attend, meetingIDs(e.c))
		}
	}
	var result campaign.State
	err := e.st.Tx(ctx, func(tx *store.Tx) error {
		rv, err := tx.Review(id)
		if err != nil {
			return err
		}
		if !rv.ResolvedAt.IsZero() {
			return fmt.Errorf("review %d was %w (%s)", id, ErrResolved, rv.Resolution)
		}
		now := e.clock.Now()
		cause := fmt.Sprintf("staff:review/%d", id)
		code := rv.Invitee
		if d.Invitee != "" {
			code = d.Invitee
		}
		resolution := "ignored"
		if !d.Ignore {
			inv, ok := e.c.Invitee(code)
			if !ok {
				return fmt.Errorf("review %d names no invitee of the campaign (%w): add --invitee CODE", id, ErrNoInvitee)
			}
			a, res, err := decisionAnswer(rv, d)
			if err != nil {
				return fmt.Errorf("review %d: %w", id, err)
			}
			resolution = res
			before, err := e.state(tx, code)
			if err != nil {
				return err
			}
			after, effects := campaign.Apply(e.c, before, a, now)
			if err := e.putState(tx, before, after, cause, now, map[string]any{"decision": resolution, "by": d.By}); err != nil {
				return err
			}
			// The staff's own decision needs no second review; the letters follow. A returned
			// agreement still needs its check: accepting who sent it is not checking the PDF.
			var send []campaign.Effect
			for _, ef := range effects {
				if ef.Kind != campaign.EffectReview || ef.Reason.Code == campaign.ReasonAgreementReturned {
					send = append(send, ef)
				}
			}
			ac, err := e.decisionContext(tx, rv, d, cause)
			if err != nil {
				return err
			}
			if err := e.applyEffects(tx, inv, before, after, send, ac, now); err != nil {
				return err
			}
			result = after
		}
		if d.Note != "" {
			resolution += ": " + d.Note
		}
		return resolveReview(tx, id, code, resolution, cause, d.By, now)
	})
	if err != nil {
		return result, fmt.Errorf("resolve review %d: %w", id, err)
	}
	e.kick()
	e.onChange()
	return result, nil
}

// ConfirmAgreement records that the staff has checked a returned agreement, closes the review
// items it opened and writes to the invitee that the accession is confirmed (in the thread of
// the message that returned it); by is who confirmed it (a staff address, or "shell"), for
// the event log.
func (e *Engine) ConfirmAgreement(ctx context.Context, code, by string) error {
	inv, ok := e.c.Invitee(code)
	if !ok {
		return fmt.Errorf("confirm agreement: no invitee has code %q", code)
	}
	defer e.onChange()
	defer e.kick()
	return e.st.Tx(ctx, func(tx *store.Tx) error {
		before, err := e.state(tx, code)
		if err != nil {
			return err
		}
		inv := e.addressed(inv, before)
		if before.Agreement == campaign.AgreementConfirmed {
			return fmt.Errorf("confirm agreement: %s is already confirmed", code)
		}
		now := e.clock.Now()
		after := before
		after.Agreement, after.UpdatedAt = campaign.AgreementConfirmed, now
		if err := tx.PutState(after); err != nil {
			return err
		}
		if err := tx.Log(store.Event{At: now, Invitee: code, Kind: "agreement", Cause: "staff:agreement",
			Detail: map[string]any{"before": string(before.Agreement), "after": string(after.Agreement), "by": by}}); err != nil {
			return err
		}
		// The review items the returned agreement opened are answered by this confirmation.
		open, err := tx.OpenReviewsOf(code)
		if err != nil {
			return err
		}
		var returnedBy int64 // the latest message that returned it
		for _, rv := range open {
			if !agreementItem(rv) {
				continue
			}
			if rv.Inbound > returnedBy {
				returnedBy = rv.Inbound
			}
			if err := resolveReview(tx, rv.ID, code, "agreement confirmed", "staff:agreement", by, now); err != nil {
				return err
			}
		}
		q := queued{kind: letters.KindAgreementConfirmed, code: code, recipient: inv.Email,
			key: key(letters.KindAgreementConfirmed, code)}
		if returnedBy != 0 {
			in, err := tx.Inbound(returnedBy)
			if err != nil {
				return err
			}
			r := replies.Read(in.Raw, replies.Options{}) // the envelope only
			q.params.InReplyTo, q.params.References = r.MessageID, append(r.References, r.MessageID)
		}
		_, err = e.enqueue(tx, q, "staff:agreement", now)
		return err
	})
}

func meetingIDs(c *campaign.Campaign) string {
	s := ""
	for i, m := range c.Meetings {
		if i > 0 {
			s += ", "
		}
		s += m.ID
	}
	return s
}

// resolveReview closes a review item with the staff's resolution, in the event log too.
func resolveReview(tx *store.Tx, id int64, code, resolution, cause, by string, now time.Time) error {
	if err := tx.ResolveReview(id, resolution, now); err != nil {
		return err
	}
	return tx.Log(store.Event{At: now, Invitee: code, Kind: "resolved", Cause: cause,
		Detail: map[string]any{"review": id, "resolution": resolution, "by": by}})
}

// decisionAnswer is the answer a decision applies and how the resolution is recorded.
func decisionAnswer(rv store.Review, d Decision) (campaign.Answer, string, error) {
	switch {
	case d.Accept:
		if rv.Suggestion == nil {
			return campaign.Answer{}, "", errors.New("it suggests no answer to accept: say --attend, --decline or --ignore")
		}
		a := *rv.Suggestion
		a.NeedsReview = false
		return a, "accepted: " + describeAnswer(a), nil
	case d.Attend != "":
		a := campaign.Answer{Class: "staff", Intent: "attend", Meeting: d.Attend, Headcount: d.Headcount}
		return a, fmt.Sprintf("attend %s, %d", d.Attend, max(d.Headcount, 1)), nil
	}
	return campaign.Answer{Class: "staff", Intent: "decline"}, "declined", nil
}

// describeAnswer is a short record of an accepted answer ("attend vejle, 2").
func describeAnswer(a campaign.Answer) string {
	s := a.Intent
	if s == "" {
		s = strings.ToLower(a.PartStat)
	}
	if m := a.Meeting; m != "" || a.CalMeeting != "" {
		if m == "" {
			m = a.CalMeeting
		}
		s += " " + m
	}
	if a.Headcount > 0 {
		s += fmt.Sprintf(", %d", a.Headcount)
	}
	return s
}

// agreementItem says whether a review item asks the staff to check a returned agreement
// (items opened before reasons were data say so in their text).
func agreementItem(rv store.Review) bool {
	if !rv.Why.IsZero() {
		return rv.Why.Code == campaign.ReasonAgreementReturned
	}
	return strings.HasPrefix(rv.Text, "the agreement came back")
}

// decisionContext is what the letters of a decision answer: an accepted reading answers its
// message (in its thread, with a copy to a sender who is not the registered address), as the
// reading would have if it had been applied at once.
func (e *Engine) decisionContext(tx *store.Tx, rv store.Review, d Decision, cause string) (answerContext, error) {
	ac := answerContext{cause: cause}
	if !d.Accept || rv.Inbound == 0 {
		return ac, nil
	}
	in, err := tx.Inbound(rv.Inbound)
	if err != nil {
		return ac, err
	}
	r := replies.Read(in.Raw, replies.Options{}) // the envelope only: no campaign reading
	ac.inbound, ac.sender, ac.messageID = rv.Inbound, r.From, r.MessageID
	ac.refs, ac.root = append(r.References, r.MessageID), threadRoot(r)
	return ac, nil
}
