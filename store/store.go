// Package store keeps rsvpd's state in SQLite (modernc.org/sqlite, pure Go): the invitees'
// state, the append-only event log, the outbox, the inbound ledger, review items and the run
// ledger of scheduled jobs. Every change happens in an immediate transaction, so a state change
// and the messages it causes are written together or not at all.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite" // the database/sql driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is an open database.
type Store struct {
	db   *sql.DB
	path string
}

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrNewerSchema is returned when the database was written by a newer rsvpd.
var ErrNewerSchema = errors.New("the database was written by a newer version of rsvpd")

// Open opens (creating when missing) the database at path and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, latest())
}

// open migrates up to schema version target only; tests use it to build old schemas.
func open(ctx context.Context, path string, target int) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(ctx, target); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// migration is one embedded schema step: NNNN_name.sql brings the schema to user_version NNNN.
type migration struct {
	version int
	sql     string
}

// migrations lists the embedded schema steps in order of their numbers. The version is the
// file's number, not its place in the list, so that branches developed side by side can each
// take a number (0004 on one, 0005 on another) and still agree once both are merged.
func migrations() []migration {
	names, _ := fs.Glob(migrationFiles, "migrations/*.sql")
	var out []migration
	for _, n := range names {
		base := path.Base(n)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			panic(fmt.Sprintf("store: migration %s is not named NNNN_name.sql", base)) // a build mistake
		}
		data, _ := migrationFiles.ReadFile(n)
		out = append(out, migration{version: v, sql: string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}

// latest is the schema version this rsvpd writes.
func latest() int {
	m := migrations()
	return m[len(m)-1].version
}

func (s *Store) migrate(ctx context.Context, target int) error {
	steps := migrations()
	return s.tx(ctx, func(tx *Tx) error {
		var version int
		if err := tx.tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > latest() {
			return fmt.Errorf("%w (schema %d, this rsvpd knows up to %d): upgrade rsvpd", ErrNewerSchema, version, latest())
		}
		reached := version
		for _, m := range steps {
			if m.version <= version || m.version > target {
				continue
			}
			if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migrate schema to %d: %w", m.version, err)
			}
			reached = m.version
		}
		if reached > version {
			if _, err := tx.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", reached)); err != nil {
				return fmt.Errorf("set schema version: %w", err)
			}
		}
		return nil
	})
}

// Version is the schema version of the open database.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// Tx is one immediate transaction.
type Tx struct {
	tx  *sql.Tx
	ctx context.Context
}

// Tx runs fn in an immediate transaction: committed when fn returns nil, rolled back
// otherwise. SQLITE_BUSY beyond the busy timeout is returned as an error. An error of the
// database itself (locked, disk full, ...) names the file, so that the log says which store
// the operator must look at.
func (s *Store) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	err := s.tx(ctx, fn)
	var dbErr *sqlite.Error
	if errors.As(err, &dbErr) {
		return fmt.Errorf("store %s: %w", s.path, err)
	}
	return err
}

// Unavailable reports whether err says the database cannot be written for now, whatever
// was being written: another process holds its lock, its disk is full or failing, or it is
// read-only. Such a write may succeed when tried again later; a constraint violation or a
// mistake in the caller's data never does.
func Unavailable(err error) bool {
	var dbErr *sqlite.Error
	if !errors.As(err, &dbErr) {
		return false
	}
	switch dbErr.Code() & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL:
		return true
	}
	return false
}

// View runs fn in a read transaction: a consistent snapshot that, unlike Tx, takes no write
// lock, so that pages read while the daemon writes (WAL lets readers and a writer go on
// together). fn must not write.
func (s *Store) View(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store %s: begin read: %w", s.path, err)
	}
	defer sqlTx.Rollback()
	return fn(&Tx{tx: sqlTx, ctx: ctx})
}

// tx is Tx without the file's name in errors (open names it already).
func (s *Store) tx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(&Tx{tx: sqlTx, ctx: ctx}); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ms converts a time to the stored Unix milliseconds (0 for the zero time).
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts stored Unix milliseconds back (the zero time for 0).
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
