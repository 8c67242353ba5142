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
	// PerformBatch records recs and calls fn for each record it claims, all in one transaction,
	// so that the records and what fn writes (the outbox rows of the letters the jobs send) are
	// committed together or not at all. A record whose Key is recorded already is not claimed:
	// fn is not called for it and claimed[i] is false. If fn returns an error, nothing is
	// recorded and PerformBatch returns the error: the jobs stay due. fn gets a context from
	// which the store's code can take the transaction; how is the store's business. fn is
	// called for skipped records too (rec.Outcome says which), and may do nothing for them.
	//
	// In SQLite: BEGIN IMMEDIATE; per record INSERT INTO job_runs ... ON CONFLICT(key) DO
	// NOTHING and, when a row was inserted, fn(ctx with tx, i); COMMIT.
	PerformBatch(ctx context.Context, recs []Record, fn func(ctx context.Context, i int) error) (claimed []bool, err error)
	// EachRun calls fn with every record, for the runner's start, without holding them all.
	EachRun(ctx context.Context, fn func(Record)) error
}

// MemLedger is a Ledger in memory. PerformBatch holds its lock while fn runs, as a database
// transaction would serialise two runners.
type MemLedger struct {
	mu   sync.Mutex
	keys map[string]int
	recs []Record
}

// NewMemLedger returns an empty ledger.
func NewMemLedger() *MemLedger { return &MemLedger{keys: map[string]int{}} }

// PerformBatch records the records not recorded yet and runs fn for each of them; when fn
// fails, the records of this batch are dropped again.
func (l *MemLedger) PerformBatch(ctx context.Context, recs []Record, fn func(ctx context.Context, i int) error) ([]bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("record %d jobs: %w", len(recs), err)
	}
	claimed := make([]bool, len(recs))
	mark := len(l.recs)
	tx := &memTx{}
	ctx = context.WithValue(ctx, memTxKey{}, tx)
	undo := func() {
		for _, rec := range l.recs[mark:] {
			delete(l.keys, rec.Key)
		}
		l.recs = l.recs[:mark]
		for i := len(tx.undo) - 1; i >= 0; i-- {
			tx.undo[i]()
		}
	}
	for i, rec := range recs {
		if _, ok := l.keys[rec.Key]; ok {
			continue
		}
		l.keys[rec.Key] = len(l.recs)
		l.recs = append(l.recs, rec)
		if fn != nil {
			if err := fn(ctx, i); err != nil {
				undo()
				return nil, err
			}
		}
		claimed[i] = true
	}
	return claimed, nil
}

// EachRun calls fn with the records in the order they were made.
func (l *MemLedger) EachRun(_ context.Context, fn func(Record)) error {
	for _, rec := range l.Runs() {
		fn(rec)
	}
	return nil
}

// Runs returns the records in the order they were made.
func (l *MemLedger) Runs() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record(nil), l.recs...)
}

// memTx is a MemLedger transaction: what to undo when it rolls back.
type memTx struct{ undo []func() }

type memTxKey struct{}

// onRollback registers f to be called if the MemLedger transaction in ctx rolls back, so
// that effects kept in memory are as transactional as outbox rows in the store.
func onRollback(ctx context.Context, f func()) {
	if tx, ok := ctx.Value(memTxKey{}).(*memTx); ok {
		tx.undo = append(tx.undo, f)
	}
}
