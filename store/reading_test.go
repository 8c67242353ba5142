package store

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestReadingAttempts: a row's attempts count the readings begun and never ended. The first
// begin counts; a begin of a row begun before and never ended does not (its reader counts it
// with ChargeReading when it reads it alone); EndReading sets the count back to none, so that
// the next begin counts again; a row not new is never counted.
func TestReadingAttempts(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	var ids []int64
	for uid := uint32(1); uid <= 2; uid++ {
		id, _, err := s.AddInbound(ctx, Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid, Raw: []byte("Subject: x\r\n\r\ny"), ReceivedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	step := func(what string, err error, want ...int) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := attemptsOf(t, s, ids); got[0] != want[0] || got[1] != want[1] {
			t.Errorf("after %s: attempts %v, want %v", what, got, want)
		}
	}
	ins, err := s.BeginInbounds(ctx, ids)
	step("the first begin", err, 1, 1)
	if ins[0].Attempts != 0 || ins[1].Attempts != 0 {
		t.Errorf("the first begin returned attempts %d, %d, want those before it: 0, 0", ins[0].Attempts, ins[1].Attempts)
	}
	ins, err = s.BeginInbounds(ctx, ids)
	step("a begin after a death in reading", err, 1, 1)
	if ins[0].Attempts != 1 {
		t.Errorf("the second begin returned attempts %d, want 1", ins[0].Attempts)
	}
	step("counting the first one's reading alone", s.ChargeReading(ctx, ids[0]), 2, 1)
	step("ending the second one's reading", s.EndReading(ctx, ids[1:]), 2, 0)
	_, err = s.BeginInbounds(ctx, ids)
	step("a begin after the second one's reading ended", err, 2, 1)
	if err := s.Tx(ctx, func(tx *Tx) error { return tx.FinishInbound(ids[1], InboundApplied, "{}", "", time.Now()) }); err != nil {
		t.Fatal(err)
	}
	step("ending a row applied", s.EndReading(ctx, ids[1:]), 2, 1)
	step("counting a row applied", s.ChargeReading(ctx, ids[1]), 2, 1)
}

// begunRows adds n rows to the ledger and begins their reading, as one fetch would: each
// counts one attempt.
func begunRows(t testing.TB, s *Store, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	ins := make([]Inbound, n)
	for i := range ins {
		ins[i] = Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), Raw: []byte("Subject: x\r\n\r\ny"), ReceivedAt: time.Now()}
	}
	ids, _, err := s.AddInbounds(ctx, ins)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginInbounds(ctx, ids); err != nil {
		t.Fatal(err)
	}
	return ids
}

// attemptsOf is the attempts of each row of ids.
func attemptsOf(t testing.TB, s *Store, ids []int64) []int {
	t.Helper()
	out := make([]int, len(ids))
	err := s.View(context.Background(), func(tx *Tx) error {
		for i, id := range ids {
			in, err := tx.Inbound(id)
			if err != nil {
				return err
			}
			out[i] = in.Attempts
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEndReadingBatch: the reading of a fetch's 500 rows ends in one call; every new row's
// attempts go back to none, a row handled meanwhile keeps its count, and an id the ledger does
// not hold changes nothing.
func TestEndReadingBatch(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	ids := begunRows(t, s, 500)
	for _, id := range ids[:100] {
		if err := s.Tx(ctx, func(tx *Tx) error { return tx.FinishInbound(id, InboundApplied, "{}", "", time.Now()) }); err != nil {
			t.Fatal(err)
		}
	}
	missing := ids[len(ids)-1] + 1
	if err := s.EndReading(ctx, append(slices.Clone(ids), missing)); err != nil {
		t.Fatal(err)
	}
	for i, n := range attemptsOf(t, s, ids) {
		want, what := 0, "new"
		if i < 100 {
			want, what = 1, "applied"
		}
		if n != want {
			t.Errorf("row %d (%s): attempts %d after its reading ended, want %d", i, what, n, want)
		}
	}
}

// BenchmarkEndReading ends the reading of a fetch of 500 rows, the write readFresh makes after
// every batch the watcher hands over; ns/id is its cost per message.
func BenchmarkEndReading(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	ids := begunRows(b, s, 500)
	for b.Loop() {
		b.StopTimer()
		if err := s.Tx(ctx, func(tx *Tx) error {
			_, err := tx.tx.ExecContext(ctx, `UPDATE inbound SET attempts = 1`)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.EndReading(ctx, ids); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	for i, n := range attemptsOf(b, s, ids) {
		if n != 0 {
			b.Fatalf("row %d: attempts %d after its reading ended, want 0", i, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(ids)), "ns/id")
}
