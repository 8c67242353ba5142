package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/store"
)

// ErrDeadlinePassed is returned for a one-click answer after the sign-up deadline.
var ErrDeadlinePassed = errors.New("the deadline for answers has passed")

// LinkOutcome is what a one-click answer did.
type LinkOutcome struct {
	State campaign.State
	// Changed is false when the answer repeated what was registered already.
	Changed bool
	// Review is set when the answer needs the staff (a meeting already held, more people
	// than the invitation welcomes): the reason as data.
	Review campaign.Reason
}

// AnswerByLink applies a one-click answer from the invitation: choice is a meeting id or
// campaign.ChoiceDecline, headcount the people coming (0: one, or what is registered). It is
// applied through campaign.Apply exactly as the same answer by mail, and the confirmation
// follows through the outbox; the event log records it with the cause "link:<choice>".
func (e *Engine) AnswerByLink(ctx context.Context, code, choice string, headcount int) (LinkOutcome, error) {
	inv, ok := e.c.Invitee(code)
	if !ok {
		return LinkOutcome{}, fmt.Errorf("answer by link: no invitee %q", code)
	}
	a := campaign.Answer{Class: "human", Intent: "decline"}
	if choice != campaign.ChoiceDecline {
		if _, ok := e.c.Meeting(choice); !ok {
			return LinkOutcome{}, fmt.Errorf("answer by link: no meeting %q", choice)
		}
		a = campaign.Answer{Class: "human", Intent: "attend", Meeting: choice, Headcount: max(headcount, 0)}
	}
	var out LinkOutcome
	queuedAny := false
	err := e.st.Tx(ctx, func(tx *store.Tx) error {
		now := e.clock.Now()
		if !now.Before(e.c.DeadlineEnd()) {
			return ErrDeadlinePassed
		}
		before, err := e.state(tx, code)
		if err != nil {
			return err
		}
		after, effects := campaign.Apply(e.c, before, a, now)
		cause := "link:" + choice
		if err := e.putState(tx, before, after, cause, now, map[string]any{
			"class": a.Class, "intent": a.Intent, "meeting": a.Meeting, "headcount": a.Headcount, "match": "link",
		}); err != nil {
			return err
		}
		if err := e.applyEffects(tx, inv, before, after, effects, answerContext{cause: cause}, now); err != nil {
			return err
		}
		out = LinkOutcome{State: after, Changed: !after.Same(before)}
		for _, ef := range effects {
			if ef.Kind == campaign.EffectReview {
				out.Review = ef.Reason
			} else {
				queuedAny = true
			}
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("answer by link for %s: %w", code, err)
	}
	if queuedAny {
		e.kick()
	}
	e.onChange()
	return out, nil
}

// Config is the configuration the engine runs.
func (e *Engine) Config() *config.Config { return e.cfg }

// Now is the time on the engine's clock (virtual in the demo): the campaign's "today".
func (e *Engine) Now() time.Time { return e.clock.Now() }

// ReasonText writes a reason in the campaign's language.
func (e *Engine) ReasonText(why campaign.Reason) string {
	return e.currentLetters().Reasons().Text(e.c.Language, why)
}
