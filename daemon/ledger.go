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

// Perform records rec and runs fn in one transaction, unless the key is recorded already.
func (l *Ledger) Perform(ctx context.Context, rec schedules.Record, fn func(ctx context.Context) error) (bool, error) {
	ran := false
	err := l.st.Tx(ctx, func(tx *store.Tx) error {
		claimed, err := tx.ClaimJob(store.JobRun{Key: rec.Key, Due: rec.Due, RanAt: rec.At, Outcome: string(rec.Outcome)})
		if err != nil || !claimed {
			return err
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
		}
		if fn != nil {
			if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
				return err
			}
		}
		ran = true
		return nil
	})
	if ran && fn != nil {
		l.after()
	}
	return ran, err
}

// Runs lists the ledger.
func (l *Ledger) Runs(ctx context.Context) ([]schedules.Record, error) {
	var out []schedules.Record
	err := l.st.Tx(ctx, func(tx *store.Tx) error {
		runs, err := tx.JobRuns()
		if err != nil {
			return err
		}
		for _, r := range runs {
			kind, _, _ := strings.Cut(r.Key, "/")
			out = append(out, schedules.Record{Key: r.Key, Kind: schedules.Kind(kind), Due: r.Due, At: r.RanAt,
				Outcome: schedules.Outcome(r.Outcome)})
		}
		return nil
	})
	return out, err
}
