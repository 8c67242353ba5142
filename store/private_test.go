//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestStoreIsPrivate opens a new store under the common umask 022, in folders that do not
// exist yet, and writes to it: the database and its -wal and -shm files are 0600 and the
// folders rsvpd made 0700, so no other user of the machine reads the replies. A store an
// older rsvpd left world-readable loses the permissions of others when it is opened.
func TestStoreIsPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	root := t.TempDir()
	path := filepath.Join(root, "var", "rsvpd", "rsvpd.db")
	ctx := context.Background()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Tx(ctx, func(tx *Tx) error {
		_, err := tx.AddReview(Review{Invitee: "615", Text: "a reply to read", CreatedAt: time.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{
		{filepath.Join(root, "var"), 0o700},
		{filepath.Join(root, "var", "rsvpd"), 0o700},
		{path, 0o600},
		{path + "-wal", 0o600},
		{path + "-shm", 0o600},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if got := fi.Mode().Perm(); got != c.mode {
			t.Errorf("%s: mode %04o, want %04o", c.path, got, c.mode)
		}
	}
	st.Close()

	// A store made world-readable before.
	legacy := filepath.Join(root, "legacy.db")
	if err := os.WriteFile(legacy, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(legacy, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err = Open(ctx, legacy)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if fi, _ := os.Stat(legacy); fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing world-readable store: mode %04o, want 0640", fi.Mode().Perm())
	}
}
