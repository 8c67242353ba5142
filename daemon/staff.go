package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

// Decision is a staff member's resolution of a review item.
type Decision struct {
	Attend    string // meeting id to register the invitee for
	Headcount int
	Decline   bool
	Ignore    bool
	// Invitee names who the item is about when the message matched nobody (an unknown
	// sender the staff recognised).
	Invitee string
	Note    string
}

// ErrBadDecision is returned for a decision that does not say one thing.
var ErrBadDecision = errors.New("say exactly one of --attend MEETING, --decline or --ignore")

// Resolve closes a review item with the staff's decision, applying it to the invitee's state
// through the same state machine as a reply (so confirmations and calendar entries follow).
func (e *Engine) Resolve(ctx context.Context, id int64, d Decision) (campaign.State, error) {
	n := 0
	for _, b := range []bool{d.Attend != "", d.Decline, d.Ignore} {
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
			return fmt.Errorf("review %d was already resolved (%s)", id, rv.Resolution)
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
				return fmt.Errorf("review %d names no invitee: add --invitee CODE", id)
			}
			a := campaign.Answer{Class: "staff", Intent: "decline"}
			resolution = "declined"
			if d.Attend != "" {
				a = campaign.Answer{Class: "staff", Intent: "attend", Meeting: d.Attend, Headcount: d.Headcount}
				resolution = fmt.Sprintf("attend %s, %d", d.Attend, max(d.Headcount, 1))
			}
			before, err := e.state(tx, code)
			if err != nil {
				return err
			}
			after, effects := campaign.Apply(e.c, before, a, now)
			if err := e.putState(tx, before, after, cause, now, map[string]any{"decision": resolution}); err != nil {
				return err
			}
			// The staff's own decision needs no second review; the letters follow.
			var letters []campaign.Effect
			for _, ef := range effects {
				if ef.Kind != campaign.EffectReview {
					letters = append(letters, ef)
				}
			}
			if err := e.applyEffects(tx, inv, before, after, letters, answerContext{cause: cause}, now); err != nil {
				return err
			}
			result = after
		}
		if d.Note != "" {
			resolution += ": " + d.Note
		}
		return resolveReview(tx, id, code, resolution, cause, now)
	})
	if err != nil {
		return result, fmt.Errorf("resolve review %d: %w", id, err)
	}
	e.kick()
	e.onChange()
	return result, nil
}

// ConfirmAgreement records that the staff has checked a returned agreement.
func (e *Engine) ConfirmAgreement(ctx context.Context, code string) error {
	if _, ok := e.c.Invitee(code); !ok {
		return fmt.Errorf("confirm agreement: no invitee has code %q", code)
	}
	defer e.onChange()
	return e.st.Tx(ctx, func(tx *store.Tx) error {
		before, err := e.state(tx, code)
		if err != nil {
			return err
		}
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
			Detail: map[string]any{"before": string(before.Agreement), "after": string(after.Agreement)}}); err != nil {
			return err
		}
		// The review items the returned agreement opened are answered by this confirmation.
		open, err := tx.Reviews(true)
		if err != nil {
			return err
		}
		for _, rv := range open {
			if rv.Invitee != code || !strings.HasPrefix(rv.Reason, campaign.ReasonAgreementReturned) {
				continue
			}
			if err := resolveReview(tx, rv.ID, code, "agreement confirmed", "staff:agreement", now); err != nil {
				return err
			}
		}
		return nil
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
func resolveReview(tx *store.Tx, id int64, code, resolution, cause string, now time.Time) error {
	if err := tx.ResolveReview(id, resolution, now); err != nil {
		return err
	}
	return tx.Log(store.Event{At: now, Invitee: code, Kind: "resolved", Cause: cause,
		Detail: map[string]any{"review": id, "resolution": resolution}})
}
