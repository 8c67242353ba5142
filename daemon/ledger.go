package daemon

import (
	"context"
	"strings"

	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// Ledger is the schedules' run ledger over the store: a job's record and the outbox rows it
// writes commit in one transaction.
type Ledger struct {
	st    *store.Store
	after func() // called after a job that ran has committed (wakes the sender)
}

// Ledger returns the engine's run ledger.
func (e *Engine) Ledger() *Ledger { return &Ledger{st: e.st, after: func() { e.kick() }} }

type txKey struct{}

func txFrom(ctx context.Context) (*store.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(*store.Tx)
	return tx, ok
}

// PerformBatch records the jobs and runs fn for each it claims, in one transaction: a batch of
// invitations is one commit, not one per invitee.
func (l *Ledger) PerformBatch(ctx context.Context, recs []schedules.Record, fn func(ctx context.Context, i int) error) ([]bool, error) {
	claimed := make([]bool, len(recs))
	ranAny := false
	err := l.st.Tx(ctx, func(tx *store.Tx) error {
		ranAny = false
		clear(claimed)
		txCtx := context.WithValue(ctx, txKey{}, tx)
		for i, rec := range recs {
			ok, err := tx.ClaimJob(store.JobRun{Key: rec.Key, Due: rec.Due, RanAt: rec.At, Outcome: string(rec.Outcome)})
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if rec.Outcome == schedules.OutcomeSkipped {
				code := ""
				if parts := strings.Split(rec.Key, "/"); len(parts) > 1 && rec.Kind.PerInvitee() {
					code = parts[1]
				}
				if err := tx.Log(store.Event{At: rec.At, Invitee: code, Kind: "job_skipped", Cause: "job:" + rec.Key,
					Detail: map[string]any{"due": rec.Due, "reason": rec.Reason}}); err != nil {
					return err
				}
			} else {
				ranAny = true
			}
			if fn != nil {
				if err := fn(txCtx, i); err != nil {
					return err
				}
			}
			claimed[i] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if ranAny {
		l.after()
	}
	return claimed, nil
}

// EachRun reads the ledger row by row.
func (l *Ledger) EachRun(ctx context.Context, fn func(schedules.Record)) error {
	return l.st.EachJobRun(ctx, func(r store.JobRun) {
		kind, _, _ := strings.Cut(r.Key, "/")
		fn(schedules.Record{Key: r.Key, Kind: schedules.Kind(kind), Due: r.Due, At: r.RanAt,
			Outcome: schedules.Outcome(r.Outcome)})
	})
}
