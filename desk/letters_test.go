package desk

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// runJob runs a scheduled job at the campaign clock's time, as the schedules' runner does.
func (f *fixture) runJob(t testing.TB, job schedules.Job) {
	t.Helper()
	now := f.clock.Now()
	rec := schedules.Record{Key: job.Key, Kind: job.Kind, Due: now, At: now, Outcome: schedules.OutcomeRan}
	_, err := f.e.Ledger().PerformBatch(context.Background(), []schedules.Record{rec}, func(ctx context.Context, _ int) error {
		return f.e.RunJob(ctx, job)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sendAll sends every pending outbox row as the sender does: composed (Render), then marked
// sent with the engine's OnSent in one transaction.
func (f *fixture) sendAll(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	var rows []store.Outgoing
	if err := f.st.View(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.OutboxRows(store.OutboxFilter{Status: store.OutboxPending})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if _, err := f.e.Render(ctx, row); err != nil {
			t.Fatalf("render %s: %v", row.Key, err)
		}
		err := f.st.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.MarkSent(row.ID, f.clock.Now()); err != nil {
				return err
			}
			return f.e.OnSent(tx, row)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

var digestLink = regexp.MustCompile(`<a href="/digests/(\d+)">`)

// The reports page lists every letter sent to the staff, the final report and the
// participant lists beside the digests, by their Danish names; a digest opened later shows
// what it said the day it was sent, not today's figures, with its CSV to download and its
// chart in the page.
func TestReportsAreShownAsSent(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	f.clock.set(time.Date(2012, 2, 7, 7, 0, 0, 0, f.c.Location))
	f.runJob(t, schedules.Job{Key: "digest/2012-02-07", Kind: schedules.KindDigest})
	f.sendAll(t)
	f.populate(t) // answers and a confirmed agreement after the digest went out
	f.clock.set(time.Date(2012, 2, 28, 7, 0, 0, 0, f.c.Location))
	f.runJob(t, schedules.Job{Key: "participant_list/aalborg", Kind: schedules.KindParticipantList, Meeting: "aalborg"})
	f.clock.set(f.c.DeadlineEnd().Add(time.Hour))
	f.runJob(t, schedules.Job{Key: "final_report", Kind: schedules.KindFinalReport})
	f.sendAll(t)

	page := c.get("/digests")
	for _, want := range []string{"Dagsoversigt", "Slutrapport", "Deltagerliste", "Dagsoversigt 7. februar 2012"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the reports page lacks %q", want)
		}
	}
	links := digestLink.FindAllStringSubmatch(page.body, -1)
	if len(links) != 3 {
		t.Fatalf("the reports page links to %d letters, want 3 (one each, to all its recipients):\n%s", len(links), page.body)
	}
	first := links[len(links)-1][1] // newest first: the digest is last
	r := c.get("/digests/" + first)
	if r.status != 200 || !strings.Contains(r.body, "0 bekræftede aftaler") || strings.Contains(r.body, "1 bekræftet aftale") {
		t.Errorf("the 7 February digest does not say what it said then:\n%s", r.body)
	}
	for _, want := range []string{`/digests/` + first + `/files/1">status-2012-02-07.csv</a>`, `<img class="chart" src="/digests/` + first + `/files/0"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the digest's page lacks %s", want)
		}
	}
	csv := c.get("/digests/" + first + "/files/1")
	if csv.header.Get("Content-Disposition") != `attachment; filename="status-2012-02-07.csv"` || !strings.Contains(csv.body, "København") {
		t.Errorf("the digest's CSV: %v\n%.300s", csv.header, csv.body)
	}
	if png := c.get("/digests/" + first + "/files/0"); png.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(png.body, "\x89PNG") {
		t.Errorf("the digest's chart: %v", png.header)
	}
	if r := c.get("/digests/" + first + "/files/9"); r.status != 404 {
		t.Errorf("an attachment that is not there: %d", r.status)
	}
}

// A digest sent before rsvpd kept letters is not shown with today's figures: its page says
// why there is nothing to show.
func TestOldDigestIsNotMadeUp(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	f.populate(t)
	f.runJob(t, schedules.Job{Key: "digest/2012-02-22", Kind: schedules.KindDigest})
	var id int64
	err := f.st.Tx(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.OutboxRows(store.OutboxFilter{Kind: "digest"})
		if err != nil || len(rows) == 0 {
			return fmt.Errorf("no digest queued: %v", err)
		}
		id = rows[0].ID
		return tx.MarkSent(id, f.clock.Now()) // as before: no text kept
	})
	if err != nil {
		t.Fatal(err)
	}
	r := c.get(fmt.Sprintf("/digests/%d", id))
	if !strings.Contains(r.body, "sendt, før rsvpd gemte brevene") || strings.Contains(r.body, "bekræftede aftaler") ||
		strings.Contains(r.body, `<pre class="mail digest">`) {
		t.Errorf("an old digest's page:\n%s", r.body)
	}
}

// fredericia plays Fredericia's story as the tester saw it: invited, registered for Vejle with
// three, moved to Aalborg, a review item answered by the staff and closed; every letter sent.
// It returns the outbox row of the staff's answer.
func (f *fixture) fredericia(t testing.TB) store.Outgoing {
	t.Helper()
	ctx := context.Background()
	f.clock.set(time.Date(2012, 2, 6, 9, 0, 0, 0, f.c.Location))
	f.runJob(t, schedules.Job{Key: "invitation/607", Kind: schedules.KindInvitation, Invitee: "607"})
	f.sendAll(t)
	f.clock.set(time.Date(2012, 2, 7, 8, 30, 0, 0, f.c.Location))
	f.deliver(t, f.reply("bibliotekschef@fredericia.kommune.test", "607", "Vi kommer tre personer til mødet i Vejle."))
	f.clock.set(time.Date(2012, 2, 14, 12, 52, 0, 0, f.c.Location))
	f.deliver(t, f.reply("bibliotekschef@fredericia.kommune.test", "607", "Vi skifter fra Vejle til Aalborg, hvis det er muligt."))
	f.sendAll(t)
	var rv store.Review
	err := f.st.View(ctx, func(tx *store.Tx) error {
		items, err := tx.ReviewsOf("607")
		if len(items) == 0 {
			return fmt.Errorf("no review item about 607: %v", err)
		}
		rv = items[0]
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.AnswerReview(ctx, rv.ID, "Der er plads til jer alle tre i Aalborg.", staffAddr); err != nil {
		t.Fatal(err)
	}
	f.sendAll(t)
	if _, err := f.e.Resolve(ctx, rv.ID, daemon.Decision{Ignore: true, By: staffAddr, Note: "besvaret"}); err != nil {
		t.Fatal(err)
	}
	var answer []store.Outgoing
	if err := f.st.View(ctx, func(tx *store.Tx) (err error) {
		answer, err = tx.OutboxRows(store.OutboxFilter{Kind: "staff_answer", Invitee: "607"})
		return err
	}); err != nil || len(answer) != 1 {
		t.Fatalf("the staff's answer to 607: %v, %d rows", err, len(answer))
	}
	return answer[0]
}

// On an invitee's page every letter sent opens to its text, as sent; the staff's own answer
// among them. A change of meeting reads as a change, and nothing reads as a code.
func TestInviteeLettersOpen(t *testing.T) {
	f := newFixture(t)
	c := f.signIn(t)
	f.fredericia(t)
	r := c.get("/invitees/607")
	for _, want := range []string{
		"Skiftede fra Vejle til Aalborg (3 deltagere)",
		"Aflysning af den gamle kalenderaftale",
		`<summary><strong>Mail sendt</strong> Svar fra en medarbejder`,
		"Der er plads til jer alle tre i Aalborg.",
		"Invitation til dialogmøde om det nye fælles bibliotekssystem",
		"besvaret af en medarbejder og lukket",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page of 607 lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`\b(letter|job|staff|ev|evk)_[a-z_]+|Svar uden ændring \(`).FindString(r.body); m != "" {
		t.Errorf("the page of 607 shows the code %q", m)
	}
	if n := strings.Count(r.body, `<details class="letter"`); n < 5 {
		t.Errorf("%d letters open to their text, want every one sent (5 or more)", n)
	}
	if strings.Contains(r.body, "genskabt") {
		t.Errorf("a letter sent with its sum kept is said to be composed again without a check:\n%s", r.body)
	}
	var inbound int64
	if m := regexp.MustCompile(`/messages/(\d+)/raw`).FindStringSubmatch(r.body); m != nil {
		fmt.Sscan(m[1], &inbound)
	}
	raw := c.get(fmt.Sprintf("/messages/%d/raw", inbound))
	if cd := raw.header.Get("Content-Disposition"); cd != `attachment; filename="2012-02-07-fredericia-svar.eml"` {
		t.Errorf("the reply downloads as %q", cd)
	}
}
