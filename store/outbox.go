package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Outgoing is one row of the outbox: one message to one recipient.
// OutboxStatus is where a message to send stands.
type OutboxStatus string

const (
	OutboxPending OutboxStatus = "pending" // waiting for its attempt
	OutboxSent    OutboxStatus = "sent"    // the server took it
	OutboxFailed  OutboxStatus = "failed"  // refused for good, or retried too long
)

type Outgoing struct {
	ID int64
	// Key is deterministic for the cause (kind/invitee/meeting/seq): the same cause can
	// never queue a second message.
	Key         string
	Kind        string
	Invitee     string
	Recipient   string
	MessageID   string
	Params      json.RawMessage // what the letter needs besides the campaign (meeting, headcount ...)
	Status      OutboxStatus
	Attempts    int
	NextAttempt time.Time
	LastError   string
	CreatedAt   time.Time
	SentAt      time.Time
	// Cause is what queued the message: "job:invitation/101", "inbound:42", "staff:review/7".
	Cause string
}

const outboxCols = `id, key, kind, invitee, recipient, message_id, params, status, attempts,
	next_attempt, last_error, created_at, sent_at, cause`

func scanOutgoing(r scanner) (Outgoing, error) {
	var o Outgoing
	var params string
	var next, created, sent int64
	err := r.Scan(&o.ID, &o.Key, &o.Kind, &o.Invitee, &o.Recipient, &o.MessageID, &params, &o.Status,
		&o.Attempts, &next, &o.LastError, &created, &sent, &o.Cause)
	o.Params = json.RawMessage(params)
	o.NextAttempt, o.CreatedAt, o.SentAt = fromMS(next), fromMS(created), fromMS(sent)
	return o, err
}

// Enqueue adds a message unless one with the same key exists; it reports whether it was added.
func (tx *Tx) Enqueue(o Outgoing) (bool, error) {
	if len(o.Params) == 0 {
		o.Params = json.RawMessage("{}")
	}
	if o.NextAttempt.IsZero() {
		o.NextAttempt = o.CreatedAt
	}
	res, err := tx.tx.ExecContext(tx.ctx, `INSERT OR IGNORE INTO outbox
		(key, kind, invitee, recipient, message_id, params, next_attempt, created_at, cause)
		VALUES (?,?,?,?,?,?,?,?,?)`,
		o.Key, o.Kind, o.Invitee, o.Recipient, o.MessageID, string(o.Params), ms(o.NextAttempt), ms(o.CreatedAt), o.Cause)
	if err != nil {
		return false, fmt.Errorf("queue %s: %w", o.Key, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Outgoing returns the outbox row with the given key.
func (tx *Tx) Outgoing(key string) (Outgoing, error) {
	o, err := scanOutgoing(tx.tx.QueryRowContext(tx.ctx, `SELECT `+outboxCols+` FROM outbox WHERE key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("outbox %s: %w", key, ErrNotFound)
	}
	return o, err
}

// Queued reports whether the outbox holds a row with the key, whatever its status, from the
// key's index alone: the row, its parameters included, is not read.
func (tx *Tx) Queued(key string) (bool, error) {
	var ok bool
	if err := tx.tx.QueryRowContext(tx.ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE key = ?)`, key).Scan(&ok); err != nil {
		return false, fmt.Errorf("outbox %s: %w", key, err)
	}
	return ok, nil
}

// dueQuery reads the pending messages due at a time, up to a limit, from the index of pending
// rows in the order it keeps them.
const dueQuery = `SELECT ` + outboxCols + ` FROM outbox
	WHERE status = 'pending' AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?`

// Due returns up to limit pending messages whose next attempt is at or before now, oldest first.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]Outgoing, error) {
	rows, err := s.db.QueryContext(ctx, dueQuery, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("read due messages: %w", err)
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		o, err := scanOutgoing(rows)
		if err != nil {
			return nil, fmt.Errorf("read due messages: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// NextDue is the earliest next attempt of a pending message; ok is false when none is pending.
func (s *Store) NextDue(ctx context.Context) (t time.Time, ok bool, err error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(next_attempt) FROM outbox WHERE status = 'pending'`).Scan(&v); err != nil {
		return time.Time{}, false, fmt.Errorf("read next due message: %w", err)
	}
	if !v.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(v.Int64), true, nil
}

// MarkSent records that the message was accepted by the SMTP server.
func (tx *Tx) MarkSent(id int64, at time.Time) error {
	_, err := tx.tx.ExecContext(tx.ctx, `UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1,
		last_error = '' WHERE id = ?`, ms(at), id)
	if err != nil {
		return fmt.Errorf("mark message %d sent: %w", id, err)
	}
	return nil
}

// Retry records a temporary failure and when to try again.
func (tx *Tx) Retry(id int64, next time.Time, reason string) error {
	_, err := tx.tx.ExecContext(tx.ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt = ?,
		last_error = ? WHERE id = ? AND status = 'pending'`, ms(next), reason, id)
	if err != nil {
		return fmt.Errorf("reschedule message %d: %w", id, err)
	}
	return nil
}

// Fail records a permanent failure: the message will not be tried again.
func (tx *Tx) Fail(id int64, reason string) error {
	_, err := tx.tx.ExecContext(tx.ctx, `UPDATE outbox SET status = 'failed', attempts = attempts + 1,
		last_error = ? WHERE id = ?`, reason, id)
	if err != nil {
		return fmt.Errorf("fail message %d: %w", id, err)
	}
	return nil
}

// OutboxStats counts the outbox by status, and gives the creation time of the oldest pending row.
type OutboxStats struct {
	Pending, Sent, Failed int
	OldestPending         time.Time
}

// OutboxStats counts the outbox.
func (s *Store) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var st OutboxStats
	var oldest sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(status = 'pending'), 0), COALESCE(SUM(status = 'sent'), 0), COALESCE(SUM(status = 'failed'), 0),
		MIN(CASE WHEN status = 'pending' THEN created_at END) FROM outbox`).Scan(&st.Pending, &st.Sent, &st.Failed, &oldest)
	if err != nil {
		return st, fmt.Errorf("count outbox: %w", err)
	}
	if oldest.Valid {
		st.OldestPending = fromMS(oldest.Int64)
	}
	return st, nil
}

// PendingCount counts the messages waiting to be sent (from the index of pending rows).
func (s *Store) PendingCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending messages: %w", err)
	}
	return n, nil
}

// OutboxFilter selects outbox rows; empty fields match everything.
type OutboxFilter struct {
	Kind, Invitee string
	Status        OutboxStatus
}

// OutboxRows lists outbox rows in the order they were queued.
func (tx *Tx) OutboxRows(f OutboxFilter) ([]Outgoing, error) {
	var out []Outgoing
	err := tx.EachOutboxRow(f, func(o Outgoing) error {
		out = append(out, o)
		return nil
	})
	return out, err
}

// EachOutboxRow calls fn with the outbox rows in the order they were queued, one at a time
// (a campaign of 100,000 invitees queues 600,000); an error from fn stops it.
func (tx *Tx) EachOutboxRow(f OutboxFilter, fn func(Outgoing) error) error {
	q := `SELECT ` + outboxCols + ` FROM outbox WHERE 1=1`
	var args []any
	for _, c := range []struct{ col, val string }{{"kind", f.Kind}, {"invitee", f.Invitee}, {"status", string(f.Status)}} {
		if c.val != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.val)
		}
	}
	rows, err := tx.tx.QueryContext(tx.ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		o, err := scanOutgoing(rows)
		if err != nil {
			return fmt.Errorf("read outbox: %w", err)
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return rows.Err()
}
