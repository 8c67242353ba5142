package daemon

import (
	"context"
	"fmt"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// returnAgreement puts code's agreement back to returned, as a PDF that came back leaves it.
func (f *fixture) returnAgreement(tx *store.Tx, code string) error {
	st, err := f.e.state(tx, code)
	if err != nil {
		return err
	}
	st.Status, st.Agreement = campaign.StatusInvited, campaign.AgreementReturned
	return tx.PutState(st)
}

// storeMessage puts a message in the ledger without reading it: the review items of a test
// point at it. The confirmation finds msgID in the raw message's Message-ID header.
func (f *fixture) storeMessage(t testing.TB, msgID string) int64 {
	t.Helper()
	f.uid++
	return testenv.Inbound(t, f.st, f.uid, reply("bibliotekschef@horsens.kommune.test", "dialogmoeder@kombit.test",
		msgID, "", "Hermed aftalen."), f.clock.t)
}

// Confirming an agreement closes the invitee's open items about a returned agreement, those
// from before reasons were data too, and no other: not its question, not another invitee's
// agreement. It answers in the thread of the latest open item's message, not of an item
// resolved before.
func TestConfirmAgreementClosesOnlyItsItems(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first, latest, resolved := f.storeMessage(t, "<a1@horsens.test>"), f.storeMessage(t, "<a2@horsens.test>"),
		f.storeMessage(t, "<a3@horsens.test>")
	returned := campaign.Reason{Code: campaign.ReasonAgreementReturned, Invitee: "615"}
	items := []store.Review{
		{Inbound: first, Invitee: "615", Why: returned, Text: "x"},
		{Invitee: "615", Why: campaign.Reason{Code: campaign.ReasonQuestion}, Text: "x"},
		{Inbound: latest, Invitee: "615", Why: returned, Text: "x"},
		{Invitee: "101", Why: campaign.Reason{Code: campaign.ReasonAgreementReturned, Invitee: "101"}, Text: "x"},
		{Invitee: "615", Text: "the agreement came back as a PDF"}, // before reasons were data
		{Inbound: resolved, Invitee: "615", Why: returned, Text: "x"},
	}
	err := f.st.Tx(ctx, func(tx *store.Tx) error {
		for _, rv := range items {
			rv.CreatedAt = f.clock.t
			if _, err := tx.AddReview(rv); err != nil {
				return err
			}
		}
		if err := tx.ResolveReview(6, "seen", f.clock.t); err != nil {
			return err
		}
		return f.returnAgreement(tx, "615")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.ConfirmAgreement(ctx, "615", "staff@kombit.test"); err != nil {
		t.Fatal(err)
	}
	all := f.allReviews(t)
	want := []string{"agreement confirmed", "", "agreement confirmed", "", "agreement confirmed", "seen"}
	if len(all) != len(items) {
		t.Fatalf("%d review items, want the %d the test added", len(all), len(items))
	}
	for i, rv := range all {
		if rv.Resolution != want[i] {
			t.Errorf("item %d (%s, %q): resolution %q, want %q", rv.ID, rv.Invitee, rv.Why.Code, rv.Resolution, want[i])
		}
	}
	_, o := f.composed(t, "615", letters.KindAgreementConfirmed)
	if o.InReplyTo != "a2@horsens.test" {
		t.Errorf("the confirmation answers %q, want the latest open item's message a2@horsens.test", o.InReplyTo)
	}
}

// BenchmarkConfirmAgreement is a staff member's confirmation of one returned agreement with
// 20,000 review items of other invitees open (as in a campaign of 100,000), as the desk's
// button or `rsvpd agreement confirm` waits for it. Each confirmation is another invitee's
// in turn, so that no one invitee gathers the resolved items of every round; run it for a
// fixed count (-benchtime 200x) to compare two versions on the same store.
func BenchmarkConfirmAgreement(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	msg := f.storeMessage(b, "<a1@horsens.test>")
	err := f.st.Tx(ctx, func(tx *store.Tx) error {
		for i := range 20000 {
			if _, err := tx.AddReview(store.Review{Invitee: fmt.Sprintf("x%05d", i), Why: campaign.Reason{Code: campaign.ReasonQuestion},
				Text: "a question", CreatedAt: f.clock.t}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		code := f.e.c.Invitees[i%len(f.e.c.Invitees)].Code
		err := f.st.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.AddReview(store.Review{Inbound: msg, Invitee: code, CreatedAt: f.clock.t,
				Why: campaign.Reason{Code: campaign.ReasonAgreementReturned, Invitee: code}}); err != nil {
				return err
			}
			return f.returnAgreement(tx, code)
		})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := f.e.ConfirmAgreement(ctx, code, "staff@kombit.test"); err != nil {
			b.Fatal(fmt.Errorf("confirm %s: %w", code, err))
		}
	}
}
