package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is one entry of the append-only event log: what changed, for whom, and what caused it
// ("inbound:42" for a message, "job:invitation" for a scheduled job, "staff:review/7" ...).
type Event struct {
	ID      int64
	At      time.Time
	Invitee string
	Kind    string
	Cause   string
	Detail  map[string]any
}

// Log appends an event.
func (tx *Tx) Log(e Event) error {
	detail, err := json.Marshal(e.Detail)
	if err != nil {
		return fmt.Errorf("log %s: %w", e.Kind, err)
	}
	if e.Detail == nil {
		detail = []byte("{}")
	}
	_, err = tx.tx.ExecContext(tx.ctx, `INSERT INTO events (at, invitee, kind, cause, detail) VALUES (?,?,?,?,?)`,
		ms(e.At), e.Invitee, e.Kind, e.Cause, string(detail))
	if err != nil {
		return fmt.Errorf("log %s for %q: %w", e.Kind, e.Invitee, err)
	}
	return nil
}

// EventFilter selects events; empty fields match everything.
type EventFilter struct {
	Invitee string
	Kind    string
	Since   time.Time
	AfterID int64
	Limit   int
}

// Events returns events in the order they were logged.
func (tx *Tx) Events(f EventFilter) ([]Event, error) {
	q, args := eventsQuery(f)
	rows, err := tx.tx.QueryContext(tx.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.Invitee, &e.Kind, &e.Cause, &detail); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.At = fromMS(at)
		if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
			return nil, fmt.Errorf("read event %d: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// eventsQuery is the statement of Events and its arguments.
func eventsQuery(f EventFilter) (string, []any) {
	q := `SELECT id, at, invitee, kind, cause, detail FROM events WHERE id > ? AND at >= ?`
	args := []any{f.AfterID, ms(f.Since)}
	if f.Invitee != "" {
		q += ` AND invitee = ?`
		args = append(args, f.Invitee)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	return q, args
}
