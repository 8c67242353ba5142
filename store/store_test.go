package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "sub", "rsvpd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestUpgradeFromFirstSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := open(ctx, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2012, 2, 7, 9, 0, 0, 0, time.UTC)
	err = old.Tx(ctx, func(tx *Tx) error {
		st := campaign.NewState("101")
		st.Status, st.Meeting, st.Headcount, st.UpdatedAt = campaign.StatusAttending, "vejle", 2, at
		// The first schema has no agreement_sha256 column: write it the way version 1 did.
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO invitees (code, status, meeting, headcount, updated_at) VALUES (?,?,?,?,?)`,
			st.Code, st.Status, st.Meeting, st.Headcount, ms(st.UpdatedAt))
		if err != nil {
			return err
		}
		// Nor has it the cause column of the outbox.
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO outbox (key, kind, invitee, recipient, message_id, next_attempt, created_at)
			VALUES (?,?,?,?,?,?,?)`, "invitation/101", "invitation", "101", "a@x.test", "m1@x.test", ms(at), ms(at))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := old.Version(ctx); v != 1 {
		t.Fatalf("old schema version = %d, want 1", v)
	}
	old.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	if v, _ := s.Version(ctx); v != latest() {
		t.Errorf("version after upgrade = %d, want %d", v, latest())
	}
	err = s.Tx(ctx, func(tx *Tx) error {
		st, err := tx.State("101")
		if err != nil {
			return err
		}
		if st.Status != campaign.StatusAttending || st.Meeting != "vejle" || st.Headcount != 2 || !st.UpdatedAt.Equal(at) {
			t.Errorf("state after upgrade = %+v", st)
		}
		st.AgreementSHA256 = "abc"
		if err := tx.PutState(st); err != nil {
			return err
		}
		if _, err := tx.AddReview(Review{Invitee: "101", Text: "new table works", CreatedAt: at}); err != nil {
			return err
		}
		if _, err := tx.Enqueue(Outgoing{Key: "agreement/101", Kind: "agreement", Invitee: "101", Recipient: "a@x.test",
			MessageID: "m2@x.test", CreatedAt: at, Cause: "job:agreement/101"}); err != nil {
			return err
		}
		if o, err := tx.Outgoing("agreement/101"); err != nil || o.Cause != "job:agreement/101" {
			t.Errorf("a row queued after the upgrade = %+v, %v; want its cause kept", o, err)
		}
		o, err := tx.Outgoing("invitation/101")
		if err != nil || o.Status != "pending" {
			t.Errorf("outbox row after upgrade = %+v, %v", o, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", latest()+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, path)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade rsvpd") {
		t.Fatalf("opening a newer schema: %v, want a clear refusal", err)
	}
}

func TestEventLogIsAppendOnly(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	err := s.Tx(ctx, func(tx *Tx) error {
		return tx.Log(Event{At: time.Now(), Invitee: "101", Kind: "state", Cause: "inbound:1", Detail: map[string]any{"status": "attending"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE events SET kind = 'x'`, `DELETE FROM events`} {
		if _, err := s.db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refusal", q, err)
		}
	}
	s.Tx(ctx, func(tx *Tx) error {
		evs, err := tx.Events(EventFilter{Invitee: "101"})
		if err != nil || len(evs) != 1 || evs[0].Detail["status"] != "attending" || evs[0].Cause != "inbound:1" {
			t.Errorf("events = %+v, %v", evs, err)
		}
		return nil
	})
}

func TestEnqueueIsIdempotentPerKey(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := time.Date(2012, 2, 6, 8, 0, 0, 0, time.UTC)
	var added []bool
	for i := 0; i < 3; i++ {
		err := s.Tx(ctx, func(tx *Tx) error {
			ok, err := tx.Enqueue(Outgoing{Key: "confirmation/101/vejle/1", Kind: "confirmation", Invitee: "101",
				Recipient: "a@x.test", MessageID: "m@x.test", CreatedAt: now})
			added = append(added, ok)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if !added[0] || added[1] || added[2] {
		t.Errorf("added = %v, want only the first", added)
	}
	due, err := s.Due(ctx, now, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due = %d, %v", len(due), err)
	}
	next := now.Add(time.Minute)
	s.Tx(ctx, func(tx *Tx) error { return tx.Retry(due[0].ID, next, "451 try later") })
	if due, _ := s.Due(ctx, now, 10); len(due) != 0 {
		t.Errorf("a retried message is due before its next attempt")
	}
	if at, ok, _ := s.NextDue(ctx); !ok || !at.Equal(next) {
		t.Errorf("next due = %v %v, want %v", at, ok, next)
	}
	s.Tx(ctx, func(tx *Tx) error { return tx.MarkSent(due[0].ID, next) })
	st, _ := s.OutboxStats(ctx)
	if st.Sent != 1 || st.Pending != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestConcurrentWritersDoNotFailBusy(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				errs <- s.Tx(ctx, func(tx *Tx) error {
					st := campaign.NewState(fmt.Sprintf("w%d", w))
					st.Headcount = i
					if err := tx.PutState(st); err != nil {
						return err
					}
					return tx.Log(Event{At: time.Now(), Kind: "test", Cause: "test"})
				})
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	var evs []Event
	if err := s.View(ctx, func(tx *Tx) (err error) { evs, err = tx.Events(EventFilter{Kind: "test"}); return err }); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 400 {
		t.Errorf("events = %d, want 400", len(evs))
	}
}

func TestInboundLedgerKeepsOneCopy(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	in := Inbound{Mailbox: "INBOX", UIDValidity: 7, UID: 42, MessageID: "<a@x>", Raw: []byte("Subject: hi\r\n\r\nbody"), ReceivedAt: time.Now()}
	id1, added1, err := s.AddInbound(ctx, in)
	if err != nil || !added1 {
		t.Fatal(added1, err)
	}
	id2, added2, err := s.AddInbound(ctx, in)
	if err != nil || added2 || id2 != id1 {
		t.Fatalf("second add: id %d added %v err %v, want the first row", id2, added2, err)
	}
	pending, _ := s.InboundByStatus(ctx, "new")
	if len(pending) != 1 || string(pending[0].Raw) != string(in.Raw) {
		t.Fatalf("pending = %+v", pending)
	}
	s.Tx(ctx, func(tx *Tx) error { return tx.FinishInbound(id1, "applied", "{}", "", time.Now()) })
	in.UIDValidity, in.UID = 8, 1 // the same mail seen again after UIDVALIDITY changed
	id3, _, _ := s.AddInbound(ctx, in)
	s.Tx(ctx, func(tx *Tx) error {
		dup, err := tx.MessageIDApplied("<a@x>", id3)
		if err != nil || !dup {
			t.Errorf("MessageIDApplied = %v %v, want true", dup, err)
		}
		return nil
	})
}

func TestJobClaimedOnce(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	claims := 0
	for i := 0; i < 3; i++ {
		s.Tx(ctx, func(tx *Tx) error {
			ok, err := tx.ClaimJob(JobRun{Key: "digest/2012-02-07T07:00", Due: time.Now(), RanAt: time.Now(), Outcome: "done"})
			if ok {
				claims++
			}
			return err
		})
	}
	if claims != 1 {
		t.Errorf("claims = %d, want 1", claims)
	}
}

// TestUnavailable tells a database that cannot be written for now (its disk full) from a
// write that will never succeed (a row that breaks a constraint).
func TestUnavailable(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	now := time.Date(2012, 2, 6, 8, 0, 0, 0, time.UTC)
	row := Outgoing{Key: "invitation/101", Kind: "invitation", Invitee: "101",
		Recipient: "a@x.test", MessageID: "m@x.test", CreatedAt: now}
	if err := s.Tx(ctx, func(tx *Tx) error { _, err := tx.Enqueue(row); return err }); err != nil {
		t.Fatal(err)
	}
	// The event log is append-only: an update breaks its trigger, now and always.
	if err := s.Tx(ctx, func(tx *Tx) error { return tx.Log(Event{At: now, Kind: "invited", Cause: "test"}) }); err != nil {
		t.Fatal(err)
	}
	bad := s.Tx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE events SET kind = 'declined'`)
		return err
	})
	if bad == nil {
		t.Fatal("an event was updated")
	}
	if Unavailable(bad) {
		t.Errorf("Unavailable(%v) = true for a write that can never succeed", bad)
	}

	// Disk full: the database may not grow past its present pages.
	s.db.SetMaxOpenConns(1)
	var pages int
	if err := s.db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages)); err != nil {
		t.Fatal(err)
	}
	full := s.Tx(ctx, func(tx *Tx) error {
		for i := range 200 {
			r := row
			r.Key, r.MessageID = fmt.Sprintf("invitation/%d", 200+i), fmt.Sprintf("m%d@x.test", i)
			r.Params = []byte(`{"pad":"` + strings.Repeat("x", 4000) + `"}`)
			if _, err := tx.Enqueue(r); err != nil {
				return err
			}
		}
		return nil
	})
	if full == nil {
		t.Fatal("800 kB went into a database that may not grow")
	}
	if !Unavailable(full) || !strings.Contains(full.Error(), s.Path()) {
		t.Errorf("Unavailable(%v) = false, or the error does not name %s", full, s.Path())
	}
	if Unavailable(nil) || Unavailable(errors.New("database is locked")) {
		t.Error("Unavailable is true for an error that is not the database's")
	}
}

// The staff's review list comes a page at a time, oldest first, open items only unless asked,
// and says whether more items follow the page: not when the last page is full.
func TestReviewsPage(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	addReviews(t, s, make([]string, 5), nil)
	resolve(t, s, 2)
	for _, c := range []struct {
		open  bool
		limit int
		want  string // each page's items, and whether more follow it
	}{
		{true, 2, "[1 3] true, [4 5] false"},
		{true, 3, "[1 3 4] true, [5] false"},
		{true, 4, "[1 3 4 5] false"},
		{true, 0, "[1 3 4 5] false"},
		{false, 2, "[1 2] true, [3 4] true, [5] false"},
		{false, 5, "[1 2 3 4 5] false"},
	} {
		var pages []string
		err := s.View(ctx, func(tx *Tx) error {
			for after := int64(0); len(pages) < 5; {
				items, more, err := tx.ReviewsPage(c.open, after, c.limit)
				if err != nil || len(items) == 0 {
					return err
				}
				var ids []int64
				for _, rv := range items {
					ids = append(ids, rv.ID)
				}
				pages = append(pages, fmt.Sprint(ids, " ", more))
				if !more {
					return nil
				}
				after = ids[len(ids)-1]
			}
			return nil
		})
		if got := strings.Join(pages, ", "); err != nil || got != c.want {
			t.Errorf("pages of %d (open only: %v): %s, %v; want %s", c.limit, c.open, got, err, c.want)
		}
	}
}

// Queued and OpenReviewCount answer from the indexes what loading the rows would: whether a
// key was queued, sent or not, and how many items are still open.
func TestQueuedAndOpenReviewCount(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	at := time.Date(2012, 2, 7, 9, 0, 0, 0, time.UTC)
	count := func() (queued [3]bool, open int) {
		t.Helper()
		err := s.View(ctx, func(tx *Tx) error {
			for i, k := range []string{"question_ack/101/t1", "question_ack/101/t2", "question_ack/10"} {
				var err error
				if queued[i], err = tx.Queued(k); err != nil {
					return err
				}
			}
			var err error
			open, err = tx.OpenReviewCount()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return queued, open
	}
	if q, open := count(); q != [3]bool{} || open != 0 {
		t.Fatalf("empty store: queued %v, %d open; want none", q, open)
	}
	err := s.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.Enqueue(Outgoing{Key: "question_ack/101/t1", Kind: "question_ack", Invitee: "101",
			Recipient: "a@x.test", MessageID: "m@x.test", CreatedAt: at}); err != nil {
			return err
		}
		for i := range 3 {
			if _, err := tx.AddReview(Review{Invitee: fmt.Sprint(i), Text: "x", CreatedAt: at}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if q, open := count(); q != [3]bool{true, false, false} || open != 3 {
		t.Errorf("queued %v, %d open; want only the first key (not a prefix of it), 3 open", q, open)
	}
	// A sent row is still queued before; a resolved item is no longer open.
	err = s.Tx(ctx, func(tx *Tx) error {
		if err := tx.MarkSent(1, at); err != nil {
			return err
		}
		return tx.ResolveReview(2, "answered", at)
	})
	if err != nil {
		t.Fatal(err)
	}
	if q, open := count(); q != [3]bool{true, false, false} || open != 2 {
		t.Errorf("after sending and resolving one: queued %v, %d open; want the first key, 2 open", q, open)
	}
}

// A store written while steps were known only by their count (user_version 4: the first
// three and 0007) takes the desk's 0005 and nothing twice; one written by a newer rsvpd is
// refused.
func TestMigrationsByName(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "legacy.db")
	old, err := open(ctx, path, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Make it what the counting rsvpd left: 0007 applied as step 4, no record by name.
	for _, q := range []string{`DROP TABLE schema_migrations`, mustStep(t, "0007_agreement_pdf.sql"), `PRAGMA user_version = 4`} {
		if _, err := old.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("opening a counted store: %v", err)
	}
	if v, _ := s.Version(ctx); v != latest() {
		t.Errorf("version %d, want %d", v, latest())
	}
	var n int
	s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM desk_sessions`).Scan(&n)
	if _, err := s.db.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES ('0099_future.sql')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, path); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("a store with a step this rsvpd lacks: %v", err)
	}
}

func mustStep(t *testing.T, name string) string {
	t.Helper()
	for _, m := range migrations() {
		if m.name == name {
			return m.sql
		}
	}
	t.Fatalf("no step %s", name)
	return ""
}
