package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// fixedClock is a clock the test sets by hand.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

type fixture struct {
	e     *Engine
	st    *store.Store
	clock *fixedClock
	uid   uint32
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := testenv.Store(t)
	l, err := letters.New(cfg.Campaign, "")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{t: time.Date(2012, 2, 10, 9, 0, 0, 0, cfg.Campaign.Location)}
	e, err := New(Options{Config: cfg, Store: st, Signer: campaign.NewSigner([]byte("test secret"), "kombit.test"),
		Letters: l, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{e: e, st: st, clock: clock}
}

// deliver stores a raw message in the ledger as the watcher would, and handles it.
func (f *fixture) deliver(t *testing.T, raw string) int64 {
	t.Helper()
	f.uid++
	return testenv.Deliver(t, f.st, f.e, f.uid, raw, f.clock.t)
}

// view runs fn in a read transaction and fails the test on an error: a dropped one leaves
// what fn reads at its zero value, and a zero state or count before equals one after.
func (f *fixture) view(t *testing.T, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := f.st.View(context.Background(), fn); err != nil {
		t.Fatalf("read the store: %v", err)
	}
}

// update is view for a transaction that writes.
func (f *fixture) update(t *testing.T, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := f.st.Tx(context.Background(), fn); err != nil {
		t.Fatalf("write the store: %v", err)
	}
}

func (f *fixture) state(t *testing.T, code string) campaign.State {
	t.Helper()
	var st campaign.State
	f.view(t, func(tx *store.Tx) (err error) { st, err = f.e.state(tx, code); return err })
	return st
}

func (f *fixture) outbox(t *testing.T, code string) []store.Outgoing {
	t.Helper()
	var rows []store.Outgoing
	f.view(t, func(tx *store.Tx) (err error) {
		rows, err = tx.OutboxRows(store.OutboxFilter{Invitee: code})
		return err
	})
	return rows
}

// reviews is the open review items.
func (f *fixture) reviews(t *testing.T) []store.Review {
	t.Helper()
	return f.reviewItems(t, true)
}

// allReviews is every review item, resolved ones too.
func (f *fixture) allReviews(t *testing.T) []store.Review {
	t.Helper()
	return f.reviewItems(t, false)
}

func (f *fixture) reviewItems(t *testing.T, openOnly bool) []store.Review {
	t.Helper()
	var rows []store.Review
	f.view(t, func(tx *store.Tx) (err error) { rows, err = tx.Reviews(openOnly); return err })
	return rows
}

func reply(from, to, msgID, inReplyTo, body string) string {
	h := fmt.Sprintf("From: %s\nTo: %s\nSubject: =?utf-8?q?SV=3A_Dialogm=C3=B8de?=\nMessage-ID: %s\nDate: Fri, 10 Feb 2012 09:00:00 +0100\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n", from, to, msgID)
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\n"
	}
	return h + "\n" + body + "\n"
}

func TestReplyByTokenRegistersAndConfirmsOnce(t *testing.T) {
	f := newFixture(t)
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	raw := reply("bibliotekschef@horsens.kommune.test", to, "<r1@horsens.test>", "",
		"Vi kommer til Vejle, 2 personer.\n\nMed venlig hilsen\nBibliotekschefen")
	f.deliver(t, raw)
	st := f.state(t, "615")
	if st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 {
		t.Fatalf("state = %s %s %d, want attending vejle 2", st.Status, st.Meeting, st.Headcount)
	}
	rows := f.outbox(t, "615")
	if len(rows) != 1 || rows[0].Kind != "confirmation" || rows[0].Recipient != "bibliotekschef@horsens.kommune.test" {
		t.Fatalf("outbox = %+v, want one confirmation to the director", rows)
	}
	// The same mail again (fetched under another UID): nothing new.
	f.deliver(t, raw)
	if rows := f.outbox(t, "615"); len(rows) != 1 {
		t.Errorf("a second copy queued more: %d rows", len(rows))
	}
}

func TestUnknownSenderChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.deliver(t, reply("someone@elsewhere.test", "dialogmoeder@kombit.test", "<x1@elsewhere.test>", "",
		"Vi kommer til Vejle, 2 personer."))
	rv := f.reviews(t)
	if len(rv) != 1 || rv[0].Why.Code != campaign.ReasonUnknownSender || rv[0].Why.Address != "someone@elsewhere.test" {
		t.Fatalf("reviews = %+v, want one about the unknown sender", rv)
	}
	var rows []store.Outgoing
	var states []campaign.State
	f.view(t, func(tx *store.Tx) (err error) {
		if rows, err = tx.OutboxRows(store.OutboxFilter{}); err != nil {
			return err
		}
		states, err = tx.States()
		return err
	})
	for _, s := range states {
		if s.Status != campaign.StatusNew {
			t.Errorf("state of %s changed to %s", s.Code, s.Status)
		}
	}
	if len(rows) != 0 {
		t.Errorf("%d messages queued for an unknown sender", len(rows))
	}
}

func TestColleagueAnsweringThroughTheThreadGetsACopy(t *testing.T) {
	f := newFixture(t)
	invitation := f.e.signer.MessageID("invitation/751", "751")
	f.deliver(t, reply("kollega@aarhus.kommune.test", "dialogmoeder@kombit.test", "<c1@aarhus.test>", invitation,
		"Hej\n\nVi kommer til Roskilde, 2 personer.\n\nVenlig hilsen\nKollegaen"))
	st := f.state(t, "751")
	if st.Status != campaign.StatusAttending || st.Meeting != "roskilde" {
		t.Fatalf("state = %+v", st)
	}
	var to []string
	for _, r := range f.outbox(t, "751") {
		to = append(to, r.Recipient)
	}
	if strings.Join(to, ",") != "bibliotekschef@aarhus.kommune.test,kollega@aarhus.kommune.test" {
		t.Errorf("recipients = %v, want the registered address and a copy to the sender", to)
	}
}

func TestOutOfOfficeIsNeverAnswered(t *testing.T) {
	f := newFixture(t)
	raw := "From: bibliotekschef@horsens.kommune.test\nTo: " + f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615") +
		"\nSubject: Automatisk svar: Dialogmøde\nAuto-Submitted: auto-replied\nMessage-ID: <ooo@horsens.test>\nDate: Fri, 10 Feb 2012 09:00:00 +0100\nContent-Type: text/plain; charset=utf-8\n\n" +
		"Jeg er på ferie og tilbage mandag den 20. februar 2012.\n"
	f.deliver(t, raw)
	if rows := f.outbox(t, "615"); len(rows) != 0 {
		t.Errorf("an out-of-office was answered: %+v", rows)
	}
	if st := f.state(t, "615"); st.AwayUntil != "2012-02-20" {
		t.Errorf("away until = %q, want 2012-02-20", st.AwayUntil)
	}
}

func TestStaffResolvesAReview(t *testing.T) {
	f := newFixture(t)
	f.deliver(t, reply("someone@elsewhere.test", "dialogmoeder@kombit.test", "<x2@elsewhere.test>", "",
		"Horsens kommer til Vejle med 2."))
	rv := f.reviews(t)
	if len(rv) != 1 {
		t.Fatalf("reviews = %+v", rv)
	}
	if _, err := f.e.Resolve(context.Background(), rv[0].ID, Decision{Attend: "vejle", Headcount: 2, Invitee: "615"}); err != nil {
		t.Fatal(err)
	}
	if st := f.state(t, "615"); st.Status != campaign.StatusAttending || st.Headcount != 2 {
		t.Errorf("after resolution: %+v", st)
	}
	if rows := f.outbox(t, "615"); len(rows) != 1 || rows[0].Kind != "confirmation" {
		t.Errorf("outbox = %+v, want the confirmation", rows)
	}
	if len(f.reviews(t)) != 0 {
		t.Errorf("the review is still open")
	}
	if _, err := f.e.Resolve(context.Background(), rv[0].ID, Decision{Ignore: true}); err == nil {
		t.Errorf("resolving twice was accepted")
	}
}

// Two answers at the same instant (a frozen virtual clock, or one second of a busy inbox)
// must both be applied: the second is not lost because the timestamps are equal.
func TestTwoChangesAtTheSameInstant(t *testing.T) {
	f := newFixture(t)
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<s1@horsens.test>", "", "Vi kommer til Vejle, 2 personer."))
	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<s2@horsens.test>", "", "Vi kan desværre ikke komme alligevel."))
	if st := f.state(t, "615"); st.Status != campaign.StatusDeclined {
		t.Fatalf("after yes and no in the same instant: %s, want declined", st.Status)
	}
}

// A change of meeting that names no number keeps the number registered.
func TestChangeOfMeetingKeepsTheHeadcount(t *testing.T) {
	f := newFixture(t)
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "751")
	f.deliver(t, reply("bibliotekschef@aarhus.kommune.test", to, "<a1@aarhus.test>", "", "Vi kommer to til Roskilde."))
	f.deliver(t, reply("bibliotekschef@aarhus.kommune.test", to, "<a2@aarhus.test>", "", "Vi skifter fra Roskilde til Vejle, hvis det er muligt."))
	if st := f.state(t, "751"); st.Meeting != "vejle" || st.Headcount != 2 {
		t.Fatalf("after the change: %s %d, want vejle 2", st.Meeting, st.Headcount)
	}
	f.deliver(t, reply("bibliotekschef@aarhus.kommune.test", to, "<a3@aarhus.test>", "", "Vi bliver alligevel kun én."))
	if st := f.state(t, "751"); st.Meeting != "vejle" || st.Headcount != 1 {
		t.Fatalf("after \"kun én\": %s %d, want vejle 1", st.Meeting, st.Headcount)
	}
}

// TestConfirmingAnAgreementClosesItsReview: a director returns the agreement by mail; the
// staff confirms it, and the review item it opened is resolved with it, so the queue and the
// digest no longer ask for it.
func TestConfirmingAnAgreementClosesItsReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	f.deliver(t, replyWithPDF("bibliotekschef@horsens.kommune.test", to, "<a1@horsens.test>", "",
		"Hermed tilslutningsaftalen i underskrevet stand. Vi tilslutter os.\n\nMed venlig hilsen\nBibliotekschefen",
		"aftale.pdf", signedAgreement(t, f.e.c, "615")))
	if st := f.state(t, "615"); st.Agreement != campaign.AgreementReturned {
		t.Fatalf("agreement %q after it came back, want returned", st.Agreement)
	}
	// Another invitee's open item stays open.
	f.deliver(t, reply("someone@elsewhere.test", "dialogmoeder@kombit.test", "<x9@elsewhere.test>", "",
		"Hvor ligger mødet?"))
	if n := len(f.reviews(t)); n != 2 {
		t.Fatalf("%d open review items, want the agreement's and the stranger's", n)
	}
	if err := f.e.ConfirmAgreement(ctx, "615", "staff@kombit.test"); err != nil {
		t.Fatal(err)
	}
	if st := f.state(t, "615"); st.Agreement != campaign.AgreementConfirmed {
		t.Errorf("agreement %q after confirmation", st.Agreement)
	}
	open := f.reviews(t)
	if len(open) != 1 || open[0].Invitee == "615" {
		t.Errorf("open review items after the confirmation: %+v, want only the stranger's", open)
	}
	if err := f.e.ConfirmAgreement(ctx, "615", "staff@kombit.test"); err == nil {
		t.Error("confirming twice was accepted")
	}
	if err := f.e.ConfirmAgreement(ctx, "9999", "shell"); err == nil {
		t.Error("confirming an unknown code was accepted")
	}
}

// A batch of replies is read in parallel and applied in the order given: the same invitee's
// "yes, Vejle", then "no after all", then "Roskilde, three of us" end registered for
// Roskilde, whatever order the readings finish in; each reply is its own transaction, so a
// copy of one already applied changes nothing.
func TestBatchAppliesInArrivalOrder(t *testing.T) {
	f := newFixture(t)
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	from := "bibliotekschef@horsens.kommune.test"
	var ids []int64
	for i, body := range []string{"Vi kommer til Vejle, 2 personer.", "Vi kan desværre ikke komme alligevel.",
		"Vi kommer alligevel, tre personer til Roskilde.", "Vi kommer til Vejle, 2 personer."} {
		msgID := fmt.Sprintf("<b%d@horsens.test>", i)
		if i == 3 {
			msgID = "<b0@horsens.test>" // a second copy of the first
		}
		f.uid++
		ids = append(ids, testenv.Inbound(t, f.st, f.uid, reply(from, to, msgID, "", body), f.clock.t))
	}
	for i, err := range f.e.HandleInbounds(context.Background(), ids) {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	if st := f.state(t, "615"); st.Status != campaign.StatusAttending || st.Meeting != "roskilde" || st.Headcount != 3 {
		t.Errorf("after the batch: %s %s %d, want attending roskilde 3", st.Status, st.Meeting, st.Headcount)
	}
	var kinds []string
	for _, row := range f.outbox(t, "615") {
		kinds = append(kinds, row.Kind)
	}
	if got := strings.Join(kinds, " "); got != "confirmation cancel_ack confirmation" {
		t.Errorf("queued %s, want confirmation cancel_ack confirmation", got)
	}
	// Handled once: a second hand-over (the watcher's after a restart between applying and
	// moving, which it makes without reading the statuses) changes nothing, and reports each
	// finished, so that the watcher moves them.
	for i, err := range f.e.HandleInbounds(context.Background(), ids) {
		if err != nil {
			t.Errorf("message %d handed over again: %v, want nil (finished before)", i, err)
		}
	}
	if rows := f.outbox(t, "615"); len(rows) != 3 {
		t.Errorf("handing the batch over again queued %d rows, want the same 3", len(rows))
	}
}
