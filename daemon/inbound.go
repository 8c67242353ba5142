package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/calendar"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// HandleInbound reads the stored message with the ledger id and applies it: the reading,
// the state change, its event, its outbox rows and review items commit in one transaction,
// and a message already handled (or a second copy of one) changes nothing. Only a store error
// is returned: a message that cannot be read is recorded as failed and goes to review.
func (e *Engine) HandleInbound(ctx context.Context, id int64) error {
	queuedAny := false
	var counted *replies.Reading // a new reply, read and recorded (not a copy, not our own)
	err := e.st.Tx(ctx, func(tx *store.Tx) error {
		in, err := tx.Inbound(id)
		if err != nil {
			return err
		}
		if in.Status != "new" {
			return nil // handled before a restart
		}
		now := e.clock.Now()
		r := replies.Read(in.Raw, replies.Options{Campaign: e.c, Signer: e.signer, AuthServID: e.cfg.Mail.IMAP.AuthServID})
		reading, _ := json.Marshal(r)
		cause := fmt.Sprintf("inbound:%d", id)
		msgID := r.MessageID
		if msgID == "" {
			msgID = in.MessageID
		}
		if in.MessageID == "" && msgID != "" {
			if err := tx.NoteMessageID(id, msgID); err != nil {
				return err
			}
		}
		if dup, err := tx.MessageIDApplied(msgID, id); err != nil {
			return err
		} else if dup {
			return tx.FinishInbound(id, "duplicate", string(reading), "", now)
		}
		if r.From == e.c.Organiser.Email {
			return tx.FinishInbound(id, "ignored", string(reading), "our own address", now)
		}
		counted = &r
		if r.Class == replies.ClassInvalid {
			if err := e.addReview(tx, id, "", "the message could not be read: "+r.Error, cause, now); err != nil {
				return err
			}
			return tx.FinishInbound(id, "failed", string(reading), r.Error, now)
		}
		codes := e.matchInvitees(r)
		if len(codes) == 0 {
			if r.Class == replies.ClassHuman || r.Class == replies.ClassCalendar {
				if err := e.addReview(tx, id, textMatch(r), unmatchedReason(r), cause, now); err != nil {
					return err
				}
			}
			if err := tx.Log(store.Event{At: now, Kind: "unmatched", Cause: cause,
				Detail: map[string]any{"from": r.From, "class": string(r.Class)}}); err != nil {
				return err
			}
			return tx.FinishInbound(id, "applied", string(reading), "", now)
		}
		for _, code := range codes {
			q, err := e.applyReading(tx, id, code, r, now)
			if err != nil {
				return err
			}
			queuedAny = queuedAny || q
		}
		return tx.FinishInbound(id, "applied", string(reading), "", now)
	})
	if err != nil {
		return fmt.Errorf("handle inbound %d: %w", id, err)
	}
	if queuedAny {
		e.kick()
	}
	if counted != nil && e.onRead != nil {
		intent := ""
		if counted.Answer != nil {
			intent = string(counted.Answer.Intent)
		}
		e.onRead(string(counted.Class), intent)
	}
	e.onChange()
	return nil
}

// matchInvitees names the invitees a message is about: the one the reading matched by token,
// thread or sender, or for a bounce that matched none, every failed recipient who is an
// invitee. A municipality found only in the text is not a match: it goes to review.
func (e *Engine) matchInvitees(r replies.Reading) []string {
	if r.Answer != nil && r.Answer.Invitee != "" && !r.Answer.ByText {
		return []string{r.Answer.Invitee}
	}
	var codes []string
	if r.Bounce != nil {
		for _, addr := range r.Bounce.Recipients {
			if inv, ok := e.c.InviteeByEmail(strings.ToLower(addr)); ok {
				codes = append(codes, inv.Code)
			}
		}
	}
	return codes
}

func textMatch(r replies.Reading) string {
	if r.Answer != nil && r.Answer.ByText {
		return r.Answer.Invitee
	}
	return ""
}

func unmatchedReason(r replies.Reading) string {
	if r.Answer != nil && r.Answer.ByText {
		return fmt.Sprintf("%s wrote without a token or thread and from an address rsvpd does not know; the text names %s: check who they are before applying", r.From, r.Answer.Invitee)
	}
	return fmt.Sprintf("%s is not an invitee, and the message carries no token or thread of ours: nothing was changed", r.From)
}

// applyReading applies a matched reading to one invitee; it reports whether messages were queued.
func (e *Engine) applyReading(tx *store.Tx, id int64, code string, r replies.Reading, now time.Time) (bool, error) {
	inv, ok := e.c.Invitee(code)
	if !ok {
		return false, e.addReview(tx, id, "", "matched to invitee "+code+", which the campaign no longer lists", fmt.Sprintf("inbound:%d", id), now)
	}
	before, err := e.state(tx, code)
	if err != nil {
		return false, err
	}
	a := e.toAnswer(inv, r)
	after, effects := campaign.Apply(e.c, before, a, now)
	cause := fmt.Sprintf("inbound:%d", id)
	if err := e.putState(tx, before, after, cause, now, map[string]any{
		"class": a.Class, "intent": a.Intent, "meeting": a.Meeting, "headcount": a.Headcount,
		"partstat": a.PartStat, "from": r.From, "match": matchOf(r),
	}); err != nil {
		return false, err
	}
	ac := answerContext{cause: cause, inbound: id, sender: r.From, messageID: r.MessageID, refs: append(r.References, r.MessageID)}
	if err := e.applyEffects(tx, inv, before, after, effects, ac, now); err != nil {
		return false, err
	}
	return len(effects) > 0, nil
}

func matchOf(r replies.Reading) string {
	if r.Answer == nil {
		return ""
	}
	return string(r.Answer.Match)
}

// state reads an invitee's state, a new one when the store has none yet.
func (e *Engine) state(tx *store.Tx, code string) (campaign.State, error) {
	st, err := tx.State(code)
	if err != nil {
		if isNotFound(err) {
			return campaign.NewState(code), nil
		}
		return st, err
	}
	return st, nil
}

// putState writes a changed state and logs the change with its cause.
func (e *Engine) putState(tx *store.Tx, before, after campaign.State, cause string, now time.Time, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["before"] = string(before.Status)
	detail["after"] = string(after.Status)
	if after.Meeting != "" {
		detail["registered"] = after.Meeting
		detail["people"] = after.Headcount
	}
	if err := tx.Log(store.Event{At: now, Invitee: after.Code, Kind: "answer", Cause: cause, Detail: detail}); err != nil {
		return err
	}
	if after.Same(before) {
		return nil // nothing changed
	}
	return tx.PutState(after)
}

// toAnswer turns a reading into what the state machine needs, finding the meeting a calendar
// answer is about from its UID.
func (e *Engine) toAnswer(inv campaign.Invitee, r replies.Reading) campaign.Answer {
	a := campaign.Answer{Class: string(r.Class)}
	if r.Answer != nil {
		a.Intent, a.Meeting, a.Headcount = string(r.Answer.Intent), r.Answer.Meeting, r.Answer.Headcount
		if r.Class == replies.ClassHuman && !r.Answer.HeadcountStated {
			a.Headcount = 0 // not stated: the state machine keeps what is registered, or counts one
		}
		a.Companions, a.NeedsReview, a.Reason = r.Answer.Companions, r.Answer.NeedsReview, r.Answer.Reason
	}
	if r.Calendar != nil {
		a.PartStat, a.CalMethod = strings.ToUpper(r.Calendar.PartStat), strings.ToUpper(r.Calendar.Method)
		for _, m := range e.c.Meetings {
			if strings.EqualFold(r.Calendar.UID, calendar.UID(inv.Code, m.ID, e.organiserDomain())) {
				a.CalMeeting = m.ID
			}
		}
	}
	if r.Bounce != nil {
		a.Permanent = r.Bounce.Permanent
	}
	if r.AutoReply != nil {
		a.AwayUntil = r.AutoReply.Until
	}
	return a
}
