package schedules

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Outcome is how a job ended.
type Outcome string

// The outcomes a ledger records.
const (
	OutcomeRan     Outcome = "ran"
	OutcomeSkipped Outcome = "skipped" // missed and no longer useful, or superseded by a later one
)

// Record is one entry in the ledger: a job that ran or was skipped, once and for all.
type Record struct {
	Key     string
	Kind    Kind
	Due     time.Time
	At      time.Time // when it ran or was skipped, by the runner's clock
	Outcome Outcome
	Reason  string // why it was skipped
}

// Ledger records which jobs have run, so that each runs once across restarts. The store
// implements it over its database; MemLedger is the one for tests and simulations.
type Ledger interface {
	// Perform records rec and calls fn in one transaction, so that the record and what fn
	// writes (the outbox rows of the letters the job sends) are committed together or not at
	// all. If rec.Key is recorded already it returns false without calling fn. If fn returns
	// an error, nothing is recorded and Perform returns the error: the job stays due. fn may be
	// nil (recording a skipped job). fn gets a context from which the store's code can take
	// the transaction; how is the store's business.
	//
	// In SQLite: BEGIN IMMEDIATE; INSERT INTO job_runs ... ON CONFLICT(key) DO NOTHING; no row
	// inserted: ROLLBACK, false; otherwise fn(ctx with tx), COMMIT.
	Perform(ctx context.Context, rec Record, fn func(ctx context.Context) error) (bool, error)
	// Runs returns every record, for the runner's start and for status pages.
	Runs(ctx context.Context) ([]Record, error)
}

// MemLedger is a Ledger in memory. Perform holds its lock while fn runs, as a database
// transaction would serialise two runners.
type MemLedger struct {
	mu   sync.Mutex
	keys map[string]int
	recs []Record
}

// NewMemLedger returns an empty ledger.
func NewMemLedger() *MemLedger { return &MemLedger{keys: map[string]int{}} }

// Perform records rec and runs fn, unless rec.Key is recorded already.
func (l *MemLedger) Perform(ctx context.Context, rec Record, fn func(ctx context.Context) error) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.keys[rec.Key]; ok {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("record job %s: %w", rec.Key, err)
	}
	if fn != nil {
		if err := fn(ctx); err != nil {
			return false, err
		}
	}
	l.keys[rec.Key] = len(l.recs)
	l.recs = append(l.recs, rec)
	return true, nil
}

// Runs returns the records in the order they were made.
func (l *MemLedger) Runs(context.Context) ([]Record, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record(nil), l.recs...), nil
}
