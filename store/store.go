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
	"path"
	"path/filepath"
	"sort"
	"sync"
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
	// stmts holds the statements with arguments that transactions ran, prepared once for
	// the database (database/sql prepares each on a connection when first used there).
	stmts sync.Map // string -> *sql.Stmt
}

// stmt is the database's prepared statement for query.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
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
	if err := mkdirPrivate(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := privateFile(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// The store keeps no statistics: no ANALYZE, and no PRAGMA optimize, which SQLite advises
	// at open or close and which analyzes the tables a connection read that have none. Each
	// query has an index that serves it exactly and that SQLite takes without statistics
	// (TestQueryPlans). Statistics would make the plans depend on the data as it stood when
	// they were taken (taken again only once a table grew tenfold), in plans no test sees, and
	// would make read-only commands (review, status) write to the campaign's store. The plans
	// hold with the statistics an operator's ANALYZE gives, which TestQueryPlans checks too.
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
func (s *Store) Close() error {
	s.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// migration is one embedded schema step, known by its file name (NNNN_name.sql).
type migration struct {
	name string
	sql  string
}

// migrations lists the embedded schema steps in the order of their numbers.
func migrations() []migration {
	names, _ := fs.Glob(migrationFiles, "migrations/*.sql")
	sort.Strings(names)
	out := make([]migration, len(names))
	for i, n := range names {
		data, _ := migrationFiles.ReadFile(n)
		out[i] = migration{name: path.Base(n), sql: string(data)}
	}
	return out
}

// legacyOrder is the order in which rsvpd applied its steps while a store knew them only by
// their count in user_version: a store without schema_migrations at user_version N has the
// first N of these. Branches developed side by side take numbers of their own (0005 for the
// desk, 0007 for the returned PDF), so that count no longer says which steps a store has:
// from now on each applied step is recorded by name.
var legacyOrder = []string{"0001_initial.sql", "0002_reviews_jobs.sql", "0003_typed_reasons.sql", "0007_agreement_pdf.sql"}

// latest is the schema version this rsvpd writes: the number of its steps.
func latest() int { return len(migrations()) }

// migrate applies the steps a store lacks, in order, the first target of them at most (tests
// build old schemas with fewer), and records each by name. user_version keeps the number of
// steps applied, so that an older rsvpd, which counts, refuses a store with more than it knows.
func (s *Store) migrate(ctx context.Context, target int) error {
	steps := migrations()
	known := map[string]bool{}
	for _, m := range steps {
		known[m.name] = true
	}
	return s.tx(ctx, func(tx *Tx) error {
		var version int
		if err := tx.tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > len(steps) {
			return fmt.Errorf("%w (schema %d, this rsvpd knows up to %d): upgrade rsvpd", ErrNewerSchema, version, len(steps))
		}
		applied, err := appliedSteps(tx, version)
		if err != nil {
			return err
		}
		for name := range applied {
			if !known[name] {
				return fmt.Errorf("%w (it has schema step %s): upgrade rsvpd", ErrNewerSchema, name)
			}
		}
		for i, m := range steps {
			if i >= target || applied[m.name] {
				continue
			}
			if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migrate schema: %s: %w", m.name, err)
			}
			if _, err := tx.tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, m.name); err != nil {
				return fmt.Errorf("record schema step %s: %w", m.name, err)
			}
			applied[m.name] = true
		}
		if len(applied) != version {
			if _, err := tx.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(applied))); err != nil {
				return fmt.Errorf("set schema version: %w", err)
			}
		}
		return nil
	})
}

// appliedSteps reads the steps a store has, recording the legacy ones by name on first use.
func appliedSteps(tx *Tx, version int) (map[string]bool, error) {
	if _, err := tx.tx.ExecContext(tx.ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return nil, fmt.Errorf("read schema steps: %w", err)
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT name FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema steps: %w", err)
	}
	applied := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read schema steps: %w", err)
		}
		applied[n] = true
	}
	rows.Close()
	if len(applied) > 0 || version == 0 {
		return applied, rows.Err()
	}
	if version > len(legacyOrder) {
		return nil, fmt.Errorf("%w (schema %d without a record of its steps)", ErrNewerSchema, version)
	}
	for _, n := range legacyOrder[:version] {
		if _, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, n); err != nil {
			return nil, fmt.Errorf("record schema step %s: %w", n, err)
		}
		applied[n] = true
	}
	return applied, nil
}

// Version is the schema version of the open database.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// Tx is one immediate transaction.
type Tx struct {
	tx  *stmtCache
	ctx context.Context
	// committed are called once the transaction is committed (OnCommit).
	committed []func()
}

// OnCommit calls fn once the transaction is committed, and never when it is rolled back: what
// a write leaves in memory for the writer (what a sent letter said) is dropped only when the
// write is in the store.
func (tx *Tx) OnCommit(fn func()) { tx.committed = append(tx.committed, fn) }

// stmtCache is a transaction that prepares each statement with arguments once and reuses it:
// the driver would otherwise parse the SQL again for every row, which cost more than writing
// the row when a transaction writes hundreds (a batch of invitations). Statements without
// arguments (migrations, pragmas) are run as they are. The statements close with the
// transaction.
type stmtCache struct {
	*sql.Tx
	s     *Store
	stmts map[string]*sql.Stmt
}

func (c *stmtCache) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	// The store keeps each statement prepared on every connection that ran it: a
	// transaction that writes one row (a message marked sent) takes it from there rather
	// than parsing the SQL again.
	var st *sql.Stmt
	if shared, err := c.s.stmt(ctx, query); err == nil {
		st = c.Tx.StmtContext(ctx, shared)
	} else {
		// The statement names what only this transaction can see yet (a table a migration
		// is creating): prepared for the transaction alone.
		if st, err = c.Tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	return st, nil
}

// The statements of a transaction run without the context's cancellation: the driver starts a
// goroutine per statement to watch a context that can end (a third of a batch's allocations),
// and a transaction whose context ends is rolled back by database/sql all the same.

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx)
	if len(args) == 0 {
		return c.Tx.ExecContext(ctx, query)
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	if len(args) == 0 {
		return c.Tx.QueryContext(ctx, query)
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	if len(args) == 0 {
		return c.Tx.QueryRowContext(ctx, query)
	}
	st, err := c.prepared(ctx, query)
	if err != nil {
		return c.Tx.QueryRowContext(ctx, query, args...) // the Row carries the same error
	}
	return st.QueryRowContext(ctx, args...)
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
	if err := fn(&Tx{tx: &stmtCache{Tx: sqlTx, s: s}, ctx: ctx}); err != nil {
		var dbErr *sqlite.Error
		if errors.As(err, &dbErr) {
			return fmt.Errorf("store %s: %w", s.path, err)
		}
		return err
	}
	return nil
}

// tx is Tx without the file's name in errors (open names it already).
func (s *Store) tx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback() // a caller that recovers must not find the write lock held
			panic(p)
		}
	}()
	t := &Tx{tx: &stmtCache{Tx: sqlTx, s: s}, ctx: ctx}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range t.committed {
		f()
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
