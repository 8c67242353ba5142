package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The store holds every reply as it came, the invitees' addresses and the state of the
// campaign: only its owner may read it. SQLite creates a database 0644 less the umask, and
// its -wal and -shm files with the database's mode; so the file is created here first, 0600
// whatever the umask, and SQLite's journal files follow it. The folders rsvpd creates for it
// are 0700.

// mkdirPrivate creates dir and the parents it lacks, each 0700 exactly (the umask can only
// take bits away, a chmod sets them). A folder that exists is left as it is: it may be
// systemd's StateDirectory, or the operator's choice.
func mkdirPrivate(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirPrivate(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // made meanwhile by another process
		}
		return err
	}
	return os.Chmod(dir, 0o700)
}

// privateFile creates the database file 0600 when it does not exist. One that exists (made
// by an older rsvpd, which left it world-readable) loses the permissions of others, as do
// its -wal and -shm files; its owner and group keep theirs, since the operator may share the
// store with a group on purpose. A chmod that is not allowed (someone else's file) is left
// undone: the store opens as before.
func privateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		if err := f.Close(); err != nil {
			return err
		}
		return os.Chmod(path, 0o600)
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o007 == 0 || !fi.Mode().IsRegular() {
			continue
		}
		if err := os.Chmod(p, fi.Mode().Perm()&^0o007); err != nil && !errors.Is(err, fs.ErrPermission) {
			return err
		}
	}
	return nil
}
