package inbox

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// At start the watcher hands over the rows of its mailbox stored but not handled before a
// stop, oldest first, and no other: not a row handled, not one of another mailbox. A row the
// handler fails is logged by UID and Message-ID and does not stop the others.
func TestWatcherHandsOverLeftovers(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	at := time.Date(2012, 2, 10, 9, 0, 0, 0, time.UTC)
	var ids []int64
	for i, mailbox := range []string{"INBOX", "INBOX", "Other", "INBOX", "INBOX"} {
		id, _, err := st.AddInbound(ctx, store.Inbound{Mailbox: mailbox, UIDValidity: 1, UID: uint32(i + 1),
			MessageID: string(rune('a'+i)) + "@x.test", Raw: []byte("Subject: hi\r\n\r\nVi kommer"), ReceivedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := st.Tx(ctx, func(tx *store.Tx) error {
		return tx.FinishInbound(ids[1], store.InboundApplied, "{}", "", at)
	}); err != nil {
		t.Fatal(err)
	}
	var handed []int64
	handle := func(_ context.Context, id int64) error {
		handed = append(handed, id)
		if id == ids[3] {
			return errors.New("database is locked")
		}
		return nil
	}
	var log bytes.Buffer
	w := New(st, handle, Options{Mailbox: "INBOX", Log: slog.New(slog.NewTextHandler(&log, nil))})
	w.handleLeftovers(ctx)
	if want := []int64{ids[0], ids[3], ids[4]}; !slices.Equal(handed, want) {
		t.Errorf("handed over %v, want the new INBOX rows %v", handed, want)
	}
	if n := w.Stats().HandleErrors; n != 1 {
		t.Errorf("%d handle errors, want 1", n)
	}
	if line := log.String(); !strings.Contains(line, "uid=4") || !strings.Contains(line, "message_id=d@x.test") {
		t.Errorf("the failed row is not named by UID and Message-ID in the log:\n%s", line)
	}
}

// BenchmarkLeftovers is the watcher's pass at start over 1,000 messages of 50 KB stored but
// not handled, with a handler that reads each row as the daemon's does: what the start costs
// before the watcher connects. The handler leaves the rows new, so each round re-reads the
// same rows from a warm store, the one just written and read by the rounds before: it is not
// the cost of a cold start after a stop.
func BenchmarkLeftovers(b *testing.B) {
	st := testenv.Store(b)
	ctx := context.Background()
	body := bytes.Repeat([]byte("Vi kommer til Vejle, 2 personer.\r\n"), 50<<10/34)
	ins := make([]store.Inbound, 1000)
	for i := range ins {
		ins[i] = store.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), Raw: body, ReceivedAt: time.Now()}
	}
	if _, _, err := st.AddInbounds(ctx, ins); err != nil {
		b.Fatal(err)
	}
	handled := 0
	handle := func(ctx context.Context, id int64) error {
		handled++
		return st.View(ctx, func(tx *store.Tx) error {
			_, err := tx.Inbound(id)
			return err
		})
	}
	w := New(st, handle, Options{Mailbox: "INBOX"})
	b.ReportAllocs()
	for b.Loop() {
		w.handleLeftovers(ctx)
	}
	if n := w.Stats().HandleErrors; n != 0 {
		b.Fatalf("%d handle errors in %d rounds: the rounds timed rows not read", n, b.N)
	}
	if handled != 1000*b.N {
		b.Fatalf("handled %d rows in %d rounds, want 1,000 a round", handled, b.N)
	}
}
