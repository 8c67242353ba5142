package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// A colleague writes from an address rsvpd does not know, without a token or thread, and names
// the municipality: the reading is held. Nothing changes until a person accepts the suggestion
// in one action; then the invitee is registered as read, the confirmation goes to the
// registered address in the reply's thread, and the sender gets a copy.
func TestHeldReadingChangesNothingUntilAccepted(t *testing.T) {
	f := newFixture(t)
	id := f.deliver(t, reply("kollega@horsens.kommune.test", "dialogmoeder@kombit.test", "<c1@horsens.kommune.test>", "",
		"Vi kommer to fra Horsens Kommune til Vejle.\n\nMvh\nKollega, Horsens Kommune"))
	if st := f.state(t, "615"); st.Status != campaign.StatusNew {
		t.Fatalf("a held reading changed the state to %s", st.Status)
	}
	if rows := f.outbox(t, "615"); len(rows) != 0 {
		t.Fatalf("a held reading queued %d letters", len(rows))
	}
	rv := f.reviews(t)
	if len(rv) != 1 || rv[0].Why.Code != campaign.ReasonSenderNamesOne || rv[0].Invitee != "615" || rv[0].Suggestion == nil {
		t.Fatalf("reviews %+v, want one held item about 615 with a suggestion", rv)
	}
	if s := rv[0].Suggestion; s.Intent != "attend" || s.Meeting != "vejle" || s.Headcount != 2 {
		t.Errorf("suggestion %+v, want attend vejle 2", s)
	}
	var status store.InboundStatus
	f.view(t, func(tx *store.Tx) (err error) { status, err = tx.InboundStatusOf(id); return err })
	if status != store.InboundHeld {
		t.Errorf("ledger status %s, want held", status)
	}

	st, err := f.e.Resolve(context.Background(), rv[0].ID, Decision{Accept: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 {
		t.Fatalf("after accepting: %s %s %d, want attending vejle 2", st.Status, st.Meeting, st.Headcount)
	}
	rows := f.outbox(t, "615")
	if len(rows) != 2 {
		t.Fatalf("after accepting: %d letters, want the confirmation and its copy", len(rows))
	}
	for _, r := range rows {
		if !strings.Contains(string(r.Params), "c1@horsens.kommune.test") {
			t.Errorf("%s to %s is not in the reply's thread: %s", r.Key, r.Recipient, r.Params)
		}
	}
	if rows[0].Recipient != "bibliotekschef@horsens.kommune.test" || rows[1].Recipient != "kollega@horsens.kommune.test" {
		t.Errorf("letters to %s and %s, want the registered address and a copy to the sender", rows[0].Recipient, rows[1].Recipient)
	}
	if left := f.reviews(t); len(left) != 0 {
		t.Errorf("the accepted item is still open: %+v", left)
	}
	if _, err := f.e.Resolve(context.Background(), rv[0].ID, Decision{Accept: true}); err == nil {
		t.Error("accepting the same item twice succeeded")
	}
}

// An item without a suggestion cannot be accepted: the staff must say what it means.
func TestAcceptNeedsASuggestion(t *testing.T) {
	f := newFixture(t)
	f.deliver(t, reply("someone@elsewhere.test", "dialogmoeder@kombit.test", "<x1@elsewhere.test>", "", "Hvad koster det?"))
	rv := f.reviews(t)
	if len(rv) != 1 {
		t.Fatalf("reviews %+v", rv)
	}
	if _, err := f.e.Resolve(context.Background(), rv[0].ID, Decision{Accept: true, Invitee: "615"}); err == nil ||
		!strings.Contains(err.Error(), "suggests no answer") {
		t.Errorf("accepting an item without a suggestion: %v", err)
	}
}

// A message whose reading was begun twice without an outcome (the daemon died reading it) is
// not read a third time: it goes to review as failed.
func TestMessageReadTwiceWithoutOutcomeGoesToReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := testenv.Inbound(t, f.st, 1, reply("bibliotekschef@horsens.kommune.test", "dialogmoeder@kombit.test",
		"<k1@horsens.kommune.test>", "", "Vi kommer til Vejle."), f.clock.t)
	// Two starts that died while reading it: the first in its batch, the second reading it
	// alone, as a start does a message begun before and never ended.
	if _, err := f.st.BeginInbound(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.st.ChargeReading(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.e.HandleInbound(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st := f.state(t, "615"); st.Status != campaign.StatusNew {
		t.Errorf("the message was read a third time: state %s", st.Status)
	}
	rv := f.reviews(t)
	if len(rv) != 1 || rv[0].Why.Code != campaign.ReasonReadingFailed || rv[0].Inbound != id {
		t.Fatalf("reviews %+v, want one saying reading failed", rv)
	}
	var status store.InboundStatus
	f.view(t, func(tx *store.Tx) (err error) { status, err = tx.InboundStatusOf(id); return err })
	if status != store.InboundFailed {
		t.Errorf("ledger status %s, want failed", status)
	}
}

// A daemon that dies while it reads a batch leaves every message of the batch begun and never
// ended. The next start reads each of them alone: one that kills the reader again is found
// out by itself and goes to review as failed, and the others of its batch are applied, not
// given up with it.
func TestDeathInABatchIsChargedToTheMessageAlone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var ids []int64
	for i, from := range []string{"bibliotekschef@horsens.kommune.test", "bibliotekschef@koebenhavn.kommune.test", "bibliotekschef@aarhus.kommune.test"} {
		ids = append(ids, testenv.Inbound(t, f.st, uint32(i+1), reply(from, "dialogmoeder@kombit.test",
			fmt.Sprintf("<d%d@kommune.test>", i), "", "Vi kommer til Vejle."), f.clock.t))
	}
	if _, err := f.st.BeginInbounds(ctx, ids); err != nil { // the first start died reading the batch
		t.Fatal(err)
	}
	if _, err := f.st.BeginInbounds(ctx, ids); err != nil { // the second began it again ...
		t.Fatal(err)
	}
	if err := f.st.ChargeReading(ctx, ids[1]); err != nil { // ... and died reading the second alone
		t.Fatal(err)
	}
	for i, err := range f.e.HandleInbounds(ctx, ids) {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	want := []store.InboundStatus{store.InboundApplied, store.InboundFailed, store.InboundApplied}
	for i, id := range ids {
		var status store.InboundStatus
		f.view(t, func(tx *store.Tx) (err error) { status, err = tx.InboundStatusOf(id); return err })
		if status != want[i] {
			t.Errorf("message %d: ledger status %s, want %s", i+1, status, want[i])
		}
	}
	for _, code := range []string{"615", "751"} {
		if st := f.state(t, code); st.Status != campaign.StatusAttending {
			t.Errorf("%s: state %s, want attending (its message read alone after the death)", code, st.Status)
		}
	}
}

// A message whose applying panics is given up to review, in a transaction of its own, and the
// store is not left locked: the next message is applied. Its reading was counted as ended, so
// without this every restart would meet it again.
func TestMessageWhoseApplyingPanicsGoesToReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bad := testenv.Inbound(t, f.st, 1, reply("bibliotekschef@horsens.kommune.test", "dialogmoeder@kombit.test",
		"<p1@horsens.kommune.test>", "", "Vi kommer til Vejle."), f.clock.t)
	good := testenv.Inbound(t, f.st, 2, reply("bibliotekschef@aarhus.kommune.test", "dialogmoeder@kombit.test",
		"<p2@aarhus.kommune.test>", "", "Vi kommer til Vejle."), f.clock.t)
	f.e.beforeApply = func(in store.Inbound) {
		if in.ID == bad {
			panic("a rule of the program broken")
		}
	}
	for i, err := range f.e.HandleInbounds(ctx, []int64{bad, good}) {
		if err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	for id, want := range map[int64]store.InboundStatus{bad: store.InboundFailed, good: store.InboundApplied} {
		var status store.InboundStatus
		f.view(t, func(tx *store.Tx) (err error) { status, err = tx.InboundStatusOf(id); return err })
		if status != want {
			t.Errorf("inbound %d: ledger status %s, want %s", id, status, want)
		}
	}
	if st := f.state(t, "615"); st.Status != campaign.StatusNew {
		t.Errorf("the message whose applying panicked changed the state: %s", st.Status)
	}
	rv := f.reviews(t)
	if len(rv) != 1 || rv[0].Inbound != bad || rv[0].Why.Code != campaign.ReasonReadingFailed || !strings.Contains(rv[0].Why.Detail, "rule of the program broken") {
		t.Fatalf("reviews %+v, want one about the message whose applying failed", rv)
	}
}
