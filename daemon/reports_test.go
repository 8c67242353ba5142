package daemon

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// After the deadline the staff get the final report, with the result on confirmed agreements
// only; before each meeting the staff and the hosts get its participant list with a CSV.
func TestFinalReportAndParticipantLists(t *testing.T) {
	f := newFixture(t)
	c := f.e.c
	c.Schedule.ParticipantLists.To = []string{"vaert@aalborg.kommune.test", c.Organiser.Staff[0]}
	ctx := context.Background()
	now := c.DeadlineEnd().Add(7 * time.Hour)
	err := f.st.Tx(ctx, func(tx *store.Tx) error {
		// København has returned its agreement, unchecked, and is registered for Aalborg with two.
		st := campaign.NewState("101")
		st.Status, st.Meeting, st.Headcount, st.Agreement = campaign.StatusAttending, "aalborg", 2, campaign.AgreementReturned
		if err := tx.PutState(st); err != nil {
			return err
		}
		for _, j := range []schedules.Job{
			{Key: "final_report", Kind: schedules.KindFinalReport},
			{Key: "participant_list/aalborg", Kind: schedules.KindParticipantList, Meeting: "aalborg"},
		} {
			if _, err := f.e.perform(tx, j, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows []store.Outgoing
	f.view(t, func(tx *store.Tx) (err error) { rows, err = tx.OutboxRows(store.OutboxFilter{}); return err })
	var final, lists []string
	for _, row := range rows {
		o, err := f.e.ComposeRow(ctx, row)
		if err != nil {
			t.Fatalf("compose %s: %v", row.Key, err)
		}
		switch row.Kind {
		case "final_report":
			final = append(final, row.Recipient)
			if !strings.HasPrefix(o.Subject, "Slutrapport: grænsen er ikke nået med 0 af 98 kommuner") ||
				!strings.Contains(o.Text, "1 kommune med 549.050 indbyggere har returneret aftalen, men den er ikke kontrolleret") {
				t.Errorf("final report %q:\n%s", o.Subject, o.Text)
			}
		case "participant_list":
			lists = append(lists, row.Recipient)
			if !strings.Contains(o.Text, "København\n  bibliotekschef\n  ledsager ikke navngivet (skolebibliotekskonsulent)\n") ||
				len(o.Attachments) != 1 || o.Attachments[0].Name != "deltagere-aalborg-2012-02-28.csv" {
				t.Errorf("participant list %q with %d attachments:\n%s", o.Subject, len(o.Attachments), o.Text)
			}
		}
	}
	slices.Sort(final)
	slices.Sort(lists)
	staff := slices.Sorted(slices.Values(c.Organiser.Staff))
	if !slices.Equal(final, staff) {
		t.Errorf("final report to %v, want the staff %v", final, staff)
	}
	wantLists := slices.Sorted(slices.Values(append(slices.Clone(c.Organiser.Staff), "vaert@aalborg.kommune.test")))
	if !slices.Equal(lists, wantLists) {
		t.Errorf("participant list to %v, want the staff and the host once each: %v", lists, wantLists)
	}
}

// BenchmarkComposeDigest is the daily digest as the daemon sends it, composed from its outbox
// row with 20,000 review items open, one in ten a returned agreement to check: the store read,
// the chart, the CSV and the letter, as the sender waits for them.
func BenchmarkComposeDigest(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	now := f.clock.t
	err := f.st.Tx(ctx, func(tx *store.Tx) error {
		for i := range 20000 {
			code := f.e.c.Invitees[i%len(f.e.c.Invitees)].Code
			why := campaign.Reason{Code: campaign.ReasonAnswerUnreadable}
			if i%10 == 0 {
				why = campaign.Reason{Code: campaign.ReasonAgreementReturned, Invitee: code}
			}
			if _, err := tx.AddReview(store.Review{Invitee: code, Why: why, CreatedAt: now.Add(time.Duration(i-20000) * time.Minute)}); err != nil {
				return err
			}
		}
		_, err := f.e.queueStaff(tx, letters.KindDigest, "digest/bench", []string{"staff@kombit.test"},
			Params{Since: now.Add(-24 * time.Hour), Until: now}, "bench", now)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var row store.Outgoing
	if err := f.st.View(ctx, func(tx *store.Tx) (err error) { row, err = tx.Outgoing("digest/bench/staff@kombit.test"); return err }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var o letters.Outgoing
	for b.Loop() {
		if o, err = f.e.ComposeRow(ctx, row); err != nil {
			b.Fatal(err)
		}
	}
	// The figure is the letter's only if it counts the open items.
	if !strings.Contains(o.Text, "KRÆVER HANDLING (18.000)") {
		b.Fatalf("the digest does not count the 18,000 items that need a person:\n%s", o.Text)
	}
}
