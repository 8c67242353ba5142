package store

import (
	"context"
	"slices"
	"testing"
	"time"
)

// OpenReviewsOf gives one invitee's open items, oldest first, and none of another invitee
// (not one whose code begins with the same digits), of no invitee, or resolved.
func TestOpenReviewsOf(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	at := time.Date(2012, 2, 7, 9, 0, 0, 0, time.UTC)
	err := s.Tx(ctx, func(tx *Tx) error {
		for _, code := range []string{"615", "6150", "", "615", "101", "615"} {
			if _, err := tx.AddReview(Review{Invitee: code, Text: "x", CreatedAt: at}); err != nil {
				return err
			}
		}
		return tx.ResolveReview(4, "answered", at)
	})
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string][]int64{"615": {1, 6}, "6150": {2}, "": {3}, "147": nil} {
		var got []int64
		err := s.View(ctx, func(tx *Tx) error {
			items, err := tx.OpenReviewsOf(code)
			for _, rv := range items {
				if rv.Invitee != code || !rv.ResolvedAt.IsZero() {
					t.Errorf("OpenReviewsOf(%q) gave %+v", code, rv)
				}
				got = append(got, rv.ID)
			}
			return err
		})
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("OpenReviewsOf(%q) = %v, %v; want %v", code, got, err, want)
		}
	}
}

// OpenReviewStats counts the open items and says when the first open one was opened: an
// older item resolved counts for neither, and with none open the time is zero.
func TestOpenReviewStats(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	stats := func() (int, time.Time) {
		t.Helper()
		var n int
		var first time.Time
		if err := s.View(ctx, func(tx *Tx) (err error) {
			n, first, err = tx.OpenReviewStats()
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n, first
	}
	if n, first := stats(); n != 0 || !first.IsZero() {
		t.Fatalf("empty store: %d open, the first at %v; want none", n, first)
	}
	day := time.Date(2012, 2, 7, 9, 0, 0, 0, time.UTC)
	err := s.Tx(ctx, func(tx *Tx) error {
		for i := range 4 {
			if _, err := tx.AddReview(Review{Invitee: "615", Text: "x", CreatedAt: day.AddDate(0, 0, i)}); err != nil {
				return err
			}
		}
		return tx.ResolveReview(1, "answered", day)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, first := stats(); n != 3 || !first.Equal(day.AddDate(0, 0, 1)) {
		t.Errorf("%d open, the first at %v; want 3, the second item's %v", n, first, day.AddDate(0, 0, 1))
	}
	for id := int64(2); id <= 4; id++ {
		if err := s.Tx(ctx, func(tx *Tx) error { return tx.ResolveReview(id, "answered", day) }); err != nil {
			t.Fatal(err)
		}
	}
	if n, first := stats(); n != 0 || !first.IsZero() {
		t.Errorf("all resolved: %d open, the first at %v; want none", n, first)
	}
}

// NewInbound lists a mailbox's rows still new, oldest first, with what names them but not
// their raw bytes; rows handled, or of another mailbox, are not listed.
func TestNewInbound(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	at := time.Date(2012, 2, 7, 9, 0, 0, 0, time.UTC)
	for i, mailbox := range []string{"INBOX", "INBOX", "Other", "INBOX"} {
		_, _, err := s.AddInbound(ctx, Inbound{Mailbox: mailbox, UIDValidity: 7, UID: uint32(10 + i),
			MessageID: "<m" + string(rune('0'+i)) + "@x>", Raw: []byte("Subject: hi\r\n\r\nbody"), ReceivedAt: at})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Tx(ctx, func(tx *Tx) error { return tx.FinishInbound(2, InboundApplied, "{}", "", at) }); err != nil {
		t.Fatal(err)
	}
	rows, err := s.NewInbound(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range rows {
		if in.Raw != nil || in.Mailbox != "INBOX" || in.Status != InboundNew || !in.ReceivedAt.Equal(at) {
			t.Errorf("row %d: %+v, want a new INBOX row without its raw bytes", in.ID, in)
		}
		got = append(got, in.MessageID)
	}
	if want := []string{"<m0@x>", "<m3@x>"}; !slices.Equal(got, want) {
		t.Errorf("new rows of INBOX: %v, want %v", got, want)
	}
	if rows, err := s.NewInbound(ctx, "Archive"); err != nil || len(rows) != 0 {
		t.Errorf("a mailbox without rows: %v, %v; want none", rows, err)
	}
}
