package testenv

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/store"
)

// Store is a new, empty store in a temporary folder, closed when the test ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "rsvpd.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Inbound stores raw in the inbound ledger as the watcher would, under INBOX, UIDVALIDITY 1
// and uid, received at at, and returns its id. raw is written with "\n"; the ledger gets the
// "\r\n" of the wire.
func Inbound(t testing.TB, st *store.Store, uid uint32, raw string, at time.Time) int64 {
	t.Helper()
	id, _, err := st.AddInbound(context.Background(), store.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uid,
		Raw: []byte(strings.ReplaceAll(raw, "\n", "\r\n")), ReceivedAt: at})
	if err != nil {
		t.Fatalf("store inbound uid %d: %v", uid, err)
	}
	return id
}

// Reader reads a message of the inbound ledger and applies it: the daemon's Engine.
type Reader interface {
	HandleInbound(ctx context.Context, id int64) error
}

// Deliver stores raw as Inbound does and has r read it, as the watcher hands a new message
// to the daemon; it returns the ledger id.
func Deliver(t testing.TB, st *store.Store, r Reader, uid uint32, raw string, at time.Time) int64 {
	t.Helper()
	id := Inbound(t, st, uid, raw, at)
	if err := r.HandleInbound(context.Background(), id); err != nil {
		t.Fatalf("read inbound uid %d: %v", uid, err)
	}
	return id
}

// OutboxOf is the outbox counts of the store at path, which another process (a running
// rsvpd) may be writing.
func OutboxOf(t testing.TB, path string) store.OutboxStats {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := st.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
