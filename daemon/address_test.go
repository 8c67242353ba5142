package daemon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// Sønderborg's listed address bounces in the example campaign's story; these are the
// addresses the staff find instead.
const (
	soenderborgOld = "bibliotekschef@soenderborg.kommune.test"
	soenderborgNew = "bibliotek@sonderborg.dk"
)

// at sets the fixture's clock to a local time of the campaign.
func (f *fixture) at(month time.Month, day, hour, minute int) {
	f.clock.t = time.Date(2012, month, day, hour, minute, 0, 0, f.e.c.Location)
}

// job performs one scheduled letter of an invitee, as the scheduler does; it reports whether
// the letter was queued.
func (f *fixture) job(t *testing.T, kind schedules.Kind, code string) bool {
	t.Helper()
	var queued bool
	f.update(t, func(tx *store.Tx) (err error) {
		queued, err = f.e.perform(tx, schedules.Job{Key: string(kind) + "/" + code, Kind: kind, Invitee: code}, f.clock.t)
		return err
	})
	return queued
}

// dsn is the delivery-status notification a server sends for a letter (quoted by its
// Message-ID) to an address that does not exist.
func dsn(failed, quotedID string, n int) string {
	host := failed[strings.LastIndexByte(failed, '@')+1:]
	return fmt.Sprintf("From: Mail Delivery System <MAILER-DAEMON@%[1]s>\nTo: dialogmoeder@kombit.test\n"+
		"Subject: Undelivered Mail Returned to Sender\nDate: Mon, 6 Feb 2012 09:02:00 +0100\nMessage-ID: <dsn%[4]d@%[1]s>\n"+
		"Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"+
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"+
		"--b\nContent-Type: text/plain; charset=us-ascii\n\nYour message could not be delivered.\n<%[2]s>: 550 5.1.1 User unknown\n\n"+
		"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.%[1]s\n\nFinal-Recipient: rfc822; %[2]s\n"+
		"Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <%[2]s>: Recipient address rejected: User unknown\n\n"+
		"--b\nContent-Type: text/rfc822-headers\n\nFrom: KOMBIT <dialogmoeder@kombit.test>\nTo: %[2]s\nSubject: Dialogmøde\n"+
		"Message-ID: <%[3]s>\n\n--b--\n", host, failed, strings.Trim(quotedID, "<>"), n)
}

// bounced sends Sønderborg its invitation on 6 February and has it bounce: the story the
// usability test found.
func (f *fixture) bounced(t *testing.T) store.Outgoing {
	t.Helper()
	f.at(time.February, 6, 9, 0)
	if !f.job(t, schedules.KindInvitation, "540") {
		t.Fatal("the invitation was not queued")
	}
	inv := f.outbox(t, "540")[0]
	f.at(time.February, 6, 9, 2)
	f.deliver(t, dsn(soenderborgOld, inv.MessageID, 1))
	if st := f.state(t, "540"); st.Delivery != campaign.DeliveryUndeliverable {
		t.Fatalf("after the bounce, delivery = %s", st.Delivery)
	}
	return inv
}

// keysTo is the outbox keys of an invitee's letters to addr, in order.
func keysTo(rows []store.Outgoing, addr string) []string {
	var out []string
	for _, r := range rows {
		if r.Recipient == addr {
			out = append(out, r.Key)
		}
	}
	return out
}

// The change of address the usability test asked for, end to end: the bounce case closes,
// the invitation and the agreement letter skipped while mail bounced go to the new address
// once, the old address stays in the event log, and a reply from the new address is tied to
// Sønderborg by its sender.
func TestChangeAddressSendsAgainWhatBounced(t *testing.T) {
	f := newFixture(t)
	invitation := f.bounced(t)
	open := f.reviews(t)
	if len(open) != 1 || open[0].Why.Code != campaign.ReasonBounced {
		t.Fatalf("reviews after the bounce = %+v, want one bounce item", open)
	}
	f.at(time.February, 21, 10, 0)
	if f.job(t, schedules.KindAgreement, "540") {
		t.Fatal("the agreement letter was queued to the address that bounces")
	}
	res, err := f.e.ChangeAddress(context.Background(), "540", AddressChange{Address: " Bibliotek@Sonderborg.DK ",
		Was: soenderborgOld, By: "staff@kombit.test"})
	if err != nil {
		t.Fatal(err)
	}
	want := []letters.Kind{letters.KindInvitation, letters.KindAgreement}
	if res.Old != soenderborgOld || res.New != soenderborgNew || res.Seq != 1 || !slices.Equal(res.Resent, want) ||
		!slices.Equal(res.Resolved, []int64{open[0].ID}) {
		t.Errorf("ChangeAddress = %+v; want %s -> %s, change 1, %v sent again, item %d closed", res, soenderborgOld,
			soenderborgNew, want, open[0].ID)
	}
	st := f.state(t, "540")
	if st.Email != soenderborgNew || st.Delivery != campaign.DeliveryOK || st.Agreement != campaign.AgreementSent ||
		st.Status != campaign.StatusInvited {
		t.Errorf("state = %+v; want the new address, delivery ok, the agreement sent, still invited", st)
	}
	rows := f.outbox(t, "540")
	if got := keysTo(rows, soenderborgNew); !slices.Equal(got, []string{"invitation/540/address/1", "agreement/540/address/1"}) {
		t.Errorf("letters to the new address = %v", got)
	}
	if got := keysTo(rows, soenderborgOld); !slices.Equal(got, []string{invitation.Key}) {
		t.Errorf("letters to the old address = %v, want the invitation only", got)
	}
	for _, row := range rows {
		o, err := f.e.ComposeRow(context.Background(), row)
		if err != nil {
			t.Fatalf("compose %s: %v", row.Key, err)
		}
		if row.Recipient == soenderborgNew && (o.To.Address != soenderborgNew || o.MessageID == invitation.MessageID) {
			t.Errorf("%s is composed to %s with Message-ID %s", row.Key, o.To.Address, o.MessageID)
		}
	}
	var changes []store.Event
	f.view(t, func(tx *store.Tx) (err error) {
		changes, err = tx.Events(store.EventFilter{Invitee: "540", Kind: "address"})
		return err
	})
	if len(changes) != 1 || changes[0].Detail["from"] != soenderborgOld || changes[0].Detail["to"] != soenderborgNew ||
		changes[0].Detail["by"] != "staff@kombit.test" || !changes[0].At.Equal(f.clock.t) {
		t.Errorf("address events = %+v; want one, old -> new, by the staff member, now", changes)
	}
	if rv := f.allReviews(t); len(rv) != 1 || rv[0].ResolvedAt.IsZero() || !strings.Contains(rv[0].Resolution, soenderborgNew) {
		t.Errorf("the bounce item = %+v; want it resolved with the new address", rv)
	}

	// The agreement job comes to Sønderborg late, or runs again: the letter went already.
	if f.job(t, schedules.KindAgreement, "540") {
		t.Error("the agreement job queued a second agreement letter")
	}
	// The same change again (the form sent twice): nothing more.
	again, err := f.e.ChangeAddress(context.Background(), "540", AddressChange{Address: soenderborgNew, Was: soenderborgOld})
	if err != nil || !again.Unchanged {
		t.Errorf("the same change again = %+v, %v; want unchanged", again, err)
	}
	if n := len(f.outbox(t, "540")); n != len(rows) {
		t.Errorf("the same change again queued %d more letters", n-len(rows))
	}

	// A letter sent to the old address before the change comes back late: it says nothing of
	// the new address and opens no item.
	f.deliver(t, dsn(soenderborgOld, invitation.MessageID, 2))
	if st := f.state(t, "540"); st.Delivery != campaign.DeliveryOK {
		t.Errorf("a late bounce of the old address made the new one undeliverable")
	}
	if rv := f.reviews(t); len(rv) != 0 {
		t.Errorf("a late bounce of the old address opened an item: %+v", rv)
	}

	// The director answers from the new address, without the token: tied by the sender.
	f.at(time.February, 22, 9, 0)
	f.deliver(t, reply("Hanne Due <"+soenderborgNew+">", "dialogmoeder@kombit.test", "<r1@sonderborg.dk>", "",
		"Vi kommer til Vejle, 2 personer."))
	if st := f.state(t, "540"); st.Status != campaign.StatusAttending || st.Meeting != "vejle" {
		t.Fatalf("after the reply from the new address, state = %s %s; want attending vejle", st.Status, st.Meeting)
	}
	rows = f.outbox(t, "540")
	if last := rows[len(rows)-1]; last.Kind != "confirmation" || last.Recipient != soenderborgNew {
		t.Errorf("the confirmation went to %s (%s), want the new address", last.Recipient, last.Kind)
	}
}

// A second change of address, after the new one bounced too, sends again under keys of its
// own, and what the first change sent is not sent again by it.
func TestSecondChangeOfAddress(t *testing.T) {
	f := newFixture(t)
	f.bounced(t)
	ctx := context.Background()
	f.at(time.February, 7, 10, 0)
	if _, err := f.e.ChangeAddress(ctx, "540", AddressChange{Address: soenderborgNew, By: "shell"}); err != nil {
		t.Fatal(err)
	}
	resent := f.outbox(t, "540")[1]
	f.at(time.February, 7, 10, 5)
	f.deliver(t, dsn(soenderborgNew, resent.MessageID, 2))
	if st := f.state(t, "540"); st.Delivery != campaign.DeliveryUndeliverable {
		t.Fatalf("a bounce of the new address: delivery = %s", st.Delivery)
	}
	third := "hanne.due@sonderborg.dk"
	f.at(time.February, 8, 10, 0)
	res, err := f.e.ChangeAddress(ctx, "540", AddressChange{Address: third, Was: soenderborgNew, By: "shell"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Seq != 2 || res.Old != soenderborgNew || len(res.Resolved) != 1 {
		t.Errorf("second change = %+v; want change 2 from the first new address, closing its bounce item", res)
	}
	rows := f.outbox(t, "540")
	if got := keysTo(rows, third); !slices.Equal(got, []string{"invitation/540/address/2"}) {
		t.Errorf("letters to the third address = %v", got)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.Key] {
			t.Errorf("key %s twice", r.Key)
		}
		seen[r.Key] = true
	}
	if len(f.allReviews(t)) != 2 {
		t.Errorf("reviews = %+v, want the two bounce items, both resolved", f.allReviews(t))
	}
	for _, rv := range f.allReviews(t) {
		if rv.ResolvedAt.IsZero() {
			t.Errorf("item %d (%s) is still open", rv.ID, rv.Why.Code)
		}
	}
}

// What cannot be changed changes nothing, and says why.
func TestChangeAddressRefuses(t *testing.T) {
	f := newFixture(t)
	f.bounced(t)
	ctx := context.Background()
	before := len(f.outbox(t, "540"))
	var addrErr *campaign.AddressError
	var taken *AddressTakenError
	var moved *AddressMovedError
	for _, tc := range []struct {
		name string
		code string
		ch   AddressChange
		is   func(error) bool
	}{
		{"not an address", "540", AddressChange{Address: "bibliotekschef"}, func(err error) bool { return errors.As(err, &addrErr) }},
		{"two addresses", "540", AddressChange{Address: "a@sonderborg.dk, b@sonderborg.dk"}, func(err error) bool {
			return errors.As(err, &addrErr) && addrErr.Problem == campaign.AddressSeveral
		}},
		{"Horsens' address", "540", AddressChange{Address: "bibliotekschef@horsens.kommune.test"}, func(err error) bool {
			return errors.As(err, &taken) && taken.Invitee == "615"
		}},
		{"the campaign's own", "540", AddressChange{Address: "dialogmoeder@kombit.test"}, func(err error) bool { return errors.Is(err, ErrOwnAddress) }},
		{"the address that bounces", "540", AddressChange{Address: soenderborgOld}, func(err error) bool { return errors.Is(err, ErrAddressBounces) }},
		{"changed meanwhile", "540", AddressChange{Address: soenderborgNew, Was: "someone@else.test"}, func(err error) bool {
			return errors.As(err, &moved) && moved.Now == soenderborgOld
		}},
		{"no such invitee", "999", AddressChange{Address: soenderborgNew}, func(err error) bool { return errors.Is(err, ErrNoInvitee) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.e.ChangeAddress(ctx, tc.code, tc.ch)
			if err == nil || !tc.is(err) {
				t.Errorf("err = %v", err)
			}
		})
	}
	if st := f.state(t, "540"); st.Email != "" || st.Delivery != campaign.DeliveryUndeliverable {
		t.Errorf("after the refusals, state = %+v", st)
	}
	if n := len(f.outbox(t, "540")); n != before {
		t.Errorf("the refusals queued %d letters", n-before)
	}
}

// restart is a new process on the same store: the campaign read from the configuration
// again, the store opened again, a new engine.
func (f *fixture) restart(t *testing.T) {
	t.Helper()
	path := f.st.Path()
	f.st.Close()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	f.e = f.engine(t, st)
}

// engine is another engine on st, with a campaign of its own (another process).
func (f *fixture) engine(t *testing.T, st *store.Store) *Engine {
	t.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l, err := letters.New(cfg.Campaign, "")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{Config: cfg, Store: st, Signer: f.e.signer, Letters: l, Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A change whose transaction does not commit (the process dies, the store refuses) leaves
// nothing, and made again numbers itself the same, so its letters have the same keys; after
// a restart the new address holds (letters, and replies by sender), and the same change made
// again sends nothing twice.
func TestChangeAddressAcrossARestart(t *testing.T) {
	f := newFixture(t)
	f.bounced(t)
	ctx := context.Background()
	f.at(time.February, 7, 10, 0)
	ch := AddressChange{Address: soenderborgNew, Was: soenderborgOld, By: "staff@kombit.test"}
	died := errors.New("the process died before the commit")
	var first AddressChanged
	err := f.st.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if first, err = f.e.changeAddress(tx, "540", soenderborgNew, ch); err != nil {
			return err
		}
		return died
	})
	if !errors.Is(err, died) || first.Seq != 1 {
		t.Fatalf("the change that did not commit: %+v, %v", first, err)
	}
	if st := f.state(t, "540"); st.Email != "" || len(f.outbox(t, "540")) != 1 {
		t.Fatalf("a change that did not commit left %+v and %d letters", st, len(f.outbox(t, "540")))
	}
	f.restart(t)
	res, err := f.e.ChangeAddress(ctx, "540", ch)
	if err != nil || res.Seq != first.Seq {
		t.Fatalf("the change made again = %+v, %v; want change %d", res, err, first.Seq)
	}
	queued := keysTo(f.outbox(t, "540"), soenderborgNew)
	f.restart(t)
	if inv, ok := f.e.c.Invitee("540"); !ok || inv.Email != soenderborgNew {
		t.Errorf("after a restart, the campaign has %+v", inv)
	}
	if again, err := f.e.ChangeAddress(ctx, "540", ch); err != nil || !again.Unchanged {
		t.Errorf("the same change after a restart = %+v, %v; want unchanged", again, err)
	}
	if got := keysTo(f.outbox(t, "540"), soenderborgNew); !slices.Equal(got, queued) || len(got) != 1 {
		t.Errorf("letters to the new address = %v, want %v, once", got, queued)
	}
	f.deliver(t, reply(soenderborgNew, "dialogmoeder@kombit.test", "<r1@sonderborg.dk>", "", "Jeg deltager i Roskilde."))
	if st := f.state(t, "540"); st.Status != campaign.StatusAttending {
		t.Errorf("a reply from the new address after a restart: %s", st.Status)
	}
}

// A change made by another process on the same store (`rsvpd address` while the daemon runs)
// is followed by the daemon: its letters go to the new address, and a reply from it is tied
// to the invitee.
func TestChangeByAnotherProcessIsFollowed(t *testing.T) {
	f := newFixture(t)
	f.bounced(t)
	ctx := context.Background()
	shell := f.engine(t, f.st)
	f.at(time.February, 7, 10, 0)
	if _, err := shell.ChangeAddress(ctx, "540", AddressChange{Address: soenderborgNew, By: "shell"}); err != nil {
		t.Fatal(err)
	}
	// The daemon's campaign has not read the change yet; a letter it queues now follows the store.
	f.at(time.February, 21, 8, 0)
	f.update(t, func(tx *store.Tx) error {
		_, err := f.e.perform(tx, schedules.Job{Key: "nudge_unanswered/540/1", Kind: schedules.KindNudgeUnanswered, Invitee: "540"}, f.clock.t)
		return err
	})
	rows := f.outbox(t, "540")
	if last := rows[len(rows)-1]; last.Kind != "nudge_unanswered" || last.Recipient != soenderborgNew {
		t.Errorf("the daemon's nudge went to %s (%s), want the new address", last.Recipient, last.Kind)
	}
	f.deliver(t, reply(soenderborgNew, "dialogmoeder@kombit.test", "<r1@sonderborg.dk>", "", "Vi kommer til Aalborg."))
	if st := f.state(t, "540"); st.Status != campaign.StatusAttending || st.Meeting != "aalborg" {
		t.Errorf("the daemon did not tie the reply from the new address: %s %s", st.Status, st.Meeting)
	}
}

// No one writes to an address that bounces: an answer to the bounce item, or to any item of
// an invitee whose mail does not arrive, is refused.
func TestNoAnswerToAnAddressThatBounces(t *testing.T) {
	f := newFixture(t)
	f.bounced(t)
	rv := f.reviews(t)[0]
	before := len(f.outbox(t, "540"))
	if err := f.e.AnswerReview(context.Background(), rv.ID, "Hej", "staff@kombit.test"); !errors.Is(err, ErrUndeliverable) {
		t.Errorf("an answer to the bounce item: %v, want ErrUndeliverable", err)
	}
	if n := len(f.outbox(t, "540")); n != before {
		t.Errorf("%d letters queued to the address that bounces", n-before)
	}
}
