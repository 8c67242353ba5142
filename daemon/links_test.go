package daemon

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
)

// A one-click answer changes the state as the same answer by mail would, queues the same
// confirmation, and is refused after the deadline.
func TestAnswerByLink(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, err := f.e.AnswerByLink(ctx, "615", "vejle", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Changed || out.State.Status != campaign.StatusAttending || out.State.Meeting != "vejle" || out.State.Headcount != 2 {
		t.Fatalf("after the link: %+v", out)
	}
	var rows []store.Outgoing
	var events []store.Event
	f.view(t, func(tx *store.Tx) (err error) {
		if rows, err = tx.OutboxRows(store.OutboxFilter{Invitee: "615"}); err != nil {
			return err
		}
		events, err = tx.Events(store.EventFilter{Invitee: "615", Kind: "answer"})
		return err
	})
	if len(rows) != 1 || rows[0].Kind != "confirmation" {
		t.Fatalf("outbox after the link: %+v, want one confirmation", rows)
	}
	if len(events) != 1 || events[0].Cause != "link:vejle" || events[0].Detail["match"] != "link" {
		t.Errorf("event: %+v", events)
	}
	// The same answer again changes nothing and queues nothing.
	if out, err := f.e.AnswerByLink(ctx, "615", "vejle", 2); err != nil || out.Changed {
		t.Errorf("the same answer again: %+v %v", out, err)
	}
	// Five people: registered, and the staff is asked to look.
	if out, err := f.e.AnswerByLink(ctx, "615", "vejle", 5); err != nil || out.Review.Code != campaign.ReasonAboveWelcome {
		t.Errorf("five people: %+v %v", out, err)
	}
	if out, err := f.e.AnswerByLink(ctx, "615", campaign.ChoiceDecline, 0); err != nil || out.State.Status != campaign.StatusDeclined {
		t.Errorf("decline: %+v %v", out, err)
	}
	f.clock.t = f.e.Campaign().DeadlineEnd().Add(time.Minute)
	if _, err := f.e.AnswerByLink(ctx, "101", "vejle", 1); !errors.Is(err, ErrDeadlinePassed) {
		t.Errorf("after the deadline: %v", err)
	}
	if _, err := f.e.AnswerByLink(ctx, "101", "odense", 1); err == nil {
		t.Error("an unknown meeting was accepted")
	}
}
