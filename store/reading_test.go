package store

import (
	"context"
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
	attempts := func() []int {
		t.Helper()
		var out []int
		for _, id := range ids {
			var in Inbound
			if err := s.View(ctx, func(tx *Tx) (err error) { in, err = tx.Inbound(id); return err }); err != nil {
				t.Fatal(err)
			}
			out = append(out, in.Attempts)
		}
		return out
	}
	step := func(what string, err error, want ...int) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := attempts(); got[0] != want[0] || got[1] != want[1] {
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
