package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Inbound is one fetched message in the inbound ledger.
type Inbound struct {
	ID          int64
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	MessageID   string
	Raw         []byte
	ReceivedAt  time.Time
	Status      InboundStatus
	Reading     string // JSON of the reading that was applied
	AppliedAt   time.Time
	Error       string
	Attempts    int // times reading it was begun
}

// InboundStatus is where a message of the inbound ledger stands.
type InboundStatus string

const (
	InboundNew       InboundStatus = "new"       // stored, not read yet
	InboundApplied   InboundStatus = "applied"   // read and applied (or nothing to apply)
	InboundHeld      InboundStatus = "held"      // read, waiting in review for a person to accept the reading
	InboundDuplicate InboundStatus = "duplicate" // a second copy of a message already applied
	InboundIgnored   InboundStatus = "ignored"   // our own mail
	InboundFailed    InboundStatus = "failed"    // could not be read (or was too large to read)
)

const inboundCols = `id, mailbox, uidvalidity, uid, message_id, raw, received_at, status, reading, applied_at, error, attempts`

func scanInbound(r scanner) (Inbound, error) {
	var in Inbound
	var received, applied int64
	err := r.Scan(&in.ID, &in.Mailbox, &in.UIDValidity, &in.UID, &in.MessageID, &in.Raw, &received,
		&in.Status, &in.Reading, &applied, &in.Error, &in.Attempts)
	in.ReceivedAt, in.AppliedAt = fromMS(received), fromMS(applied)
	return in, err
}

// AddInbound stores a fetched message raw, before it is read. A message the ledger already
// holds (same mailbox, UIDVALIDITY and UID) is not stored again: added is false and id names
// the existing row.
func (s *Store) AddInbound(ctx context.Context, in Inbound) (id int64, added bool, err error) {
	err = s.Tx(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO inbound
			(mailbox, uidvalidity, uid, message_id, raw, received_at) VALUES (?,?,?,?,?,?)`,
			in.Mailbox, in.UIDValidity, in.UID, in.MessageID, in.Raw, ms(in.ReceivedAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			added = true
			id, err = res.LastInsertId()
			return err
		}
		return tx.tx.QueryRowContext(ctx, `SELECT id FROM inbound WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
			in.Mailbox, in.UIDValidity, in.UID).Scan(&id)
	})
	if err != nil {
		return 0, false, fmt.Errorf("store inbound %s/%d/%d: %w", in.Mailbox, in.UIDValidity, in.UID, err)
	}
	return id, added, nil
}

// HasInbound reports whether the ledger holds the message with this mailbox, UIDVALIDITY and UID.
func (s *Store) HasInbound(ctx context.Context, mailbox string, uidValidity, uid uint32) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbound WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
		mailbox, uidValidity, uid).Scan(&n)
	return n > 0, err
}

// Inbound returns one ledger row.
func (tx *Tx) Inbound(id int64) (Inbound, error) {
	in, err := scanInbound(tx.tx.QueryRowContext(tx.ctx, `SELECT `+inboundCols+` FROM inbound WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("inbound %d: %w", id, ErrNotFound)
	}
	return in, err
}

// NoteMessageID keeps the Message-ID the reading found on a ledger row stored without one,
// so that a second copy of the message is recognised.
func (tx *Tx) NoteMessageID(id int64, messageID string) error {
	_, err := tx.tx.ExecContext(tx.ctx, `UPDATE inbound SET message_id = ? WHERE id = ? AND message_id = ''`, messageID, id)
	if err != nil {
		return fmt.Errorf("note Message-ID of inbound %d: %w", id, err)
	}
	return nil
}

// MessageIDApplied reports whether another message with this Message-ID was already applied
// (the same mail delivered twice, or fetched again under a new UIDVALIDITY).
func (tx *Tx) MessageIDApplied(messageID string, except int64) (bool, error) {
	if messageID == "" {
		return false, nil
	}
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT COUNT(*) FROM inbound WHERE message_id = ? AND id <> ? AND status IN ('applied', 'held')`,
		messageID, except).Scan(&n)
	return n > 0, err
}

// FinishInbound records the outcome of reading a message: applied (with the reading),
// duplicate, or failed (with the error).
func (tx *Tx) FinishInbound(id int64, status InboundStatus, reading, errText string, at time.Time) error {
	_, err := tx.tx.ExecContext(tx.ctx, `UPDATE inbound SET status = ?, reading = ?, error = ?, applied_at = ? WHERE id = ?`,
		status, reading, errText, ms(at), id)
	if err != nil {
		return fmt.Errorf("finish inbound %d: %w", id, err)
	}
	return nil
}

// InboundByStatus lists ledger rows in a status (such as "new": stored but not yet applied,
// after a crash), oldest first. Raw bytes are included.
func (s *Store) InboundByStatus(ctx context.Context, status InboundStatus) ([]Inbound, error) {
	return s.queryInbound(ctx, scanInbound, `SELECT `+inboundCols+` FROM inbound WHERE status = ? ORDER BY id`, status)
}

// InboundSince lists every ledger row received at or after since, oldest first (for replay).
func (s *Store) InboundSince(ctx context.Context, since time.Time) ([]Inbound, error) {
	return s.queryInbound(ctx, scanInbound, `SELECT `+inboundCols+` FROM inbound WHERE received_at >= ? ORDER BY id`, ms(since))
}

// queryInbound reads the ledger rows q selects, each with scan: the whole row or its meta.
func (s *Store) queryInbound(ctx context.Context, scan func(scanner) (Inbound, error), q string, args ...any) ([]Inbound, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read inbound: %w", err)
	}
	defer rows.Close()
	var out []Inbound
	for rows.Next() {
		in, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read inbound: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// MailboxPosition is how far the watcher has read a mailbox.
type MailboxPosition struct {
	UIDValidity uint32
	LastUID     uint32
}

// MailboxPosition returns the stored position; the zero position when none is stored.
func (s *Store) MailboxPosition(ctx context.Context, name string) (MailboxPosition, error) {
	var p MailboxPosition
	err := s.db.QueryRowContext(ctx, `SELECT uidvalidity, last_uid FROM mailboxes WHERE name = ?`, name).Scan(&p.UIDValidity, &p.LastUID)
	if errors.Is(err, sql.ErrNoRows) {
		return MailboxPosition{}, nil
	}
	if err != nil {
		return p, fmt.Errorf("read position of %s: %w", name, err)
	}
	return p, nil
}

// SetMailboxPosition stores how far a mailbox has been read.
func (s *Store) SetMailboxPosition(ctx context.Context, name string, p MailboxPosition) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mailboxes (name, uidvalidity, last_uid) VALUES (?,?,?)
		ON CONFLICT (name) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid`,
		name, p.UIDValidity, p.LastUID)
	if err != nil {
		return fmt.Errorf("store position of %s: %w", name, err)
	}
	return nil
}

// BeginInbound returns a ledger row to read and counts the attempt in the same write, so that
// a message whose reading never ends (the daemon dies in it) is known on the next start. The
// row's Attempts are those begun before this one. A row whose reading was begun before and
// never ended (Attempts > 0) is not counted here: its reader reads it alone, counting that
// attempt with ChargeReading, so that a death in another message's reading is not charged to
// it. A row that is not new is returned with its id and status only, uncounted.
func (s *Store) BeginInbound(ctx context.Context, id int64) (Inbound, error) {
	var in Inbound
	err := s.Tx(ctx, func(tx *Tx) error {
		var err error
		in, err = tx.beginInbound(id)
		return err
	})
	if err != nil {
		return in, fmt.Errorf("begin reading inbound %d: %w", id, err)
	}
	return in, nil
}

// beginInbound reads a ledger row and, when it is new and its reading was never begun
// unfinished, counts the attempt (BeginInbound).
func (tx *Tx) beginInbound(id int64) (Inbound, error) {
	if st, err := tx.InboundStatusOf(id); err != nil || st != InboundNew {
		return Inbound{ID: id, Status: st}, err // handled: its message is not read again
	}
	in, err := tx.Inbound(id)
	if err != nil || in.Attempts > 0 {
		return in, err
	}
	_, err = tx.tx.ExecContext(tx.ctx, `UPDATE inbound SET attempts = attempts + 1 WHERE id = ?`, id)
	return in, err
}

// ChargeReading counts an attempt to read a new ledger row begun before and never ended, just
// before it is read again, alone.
func (s *Store) ChargeReading(ctx context.Context, id int64) error {
	err := s.Tx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE inbound SET attempts = attempts + 1 WHERE id = ? AND status = 'new'`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("count the reading of inbound %d: %w", id, err)
	}
	return nil
}

// EndReading records that the reading of the rows ended, whatever it found: their attempts
// go back to none, so that a death after reading (while the outcomes are written) is not taken
// for one in reading. One statement for all of them (json_each over the ids), where one per
// row cost a fetch of 500 rows 500 statements.
func (s *Store) EndReading(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("end the reading of %d inbound messages: %w", len(ids), err)
	}
	err = s.Tx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE inbound SET attempts = 0
			WHERE id IN (SELECT value FROM json_each(?)) AND status = 'new'`, string(list))
		return err
	})
	if err != nil {
		return fmt.Errorf("end the reading of %d inbound messages: %w", len(ids), err)
	}
	return nil
}

// BeginInbounds is BeginInbound for several rows in one write (the messages of one fetch);
// the rows come back in the order of ids. A row that is not new is returned with its id and status only.
func (s *Store) BeginInbounds(ctx context.Context, ids []int64) ([]Inbound, error) {
	out := make([]Inbound, len(ids))
	err := s.Tx(ctx, func(tx *Tx) error {
		for i, id := range ids {
			var err error
			if out[i], err = tx.beginInbound(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("begin reading %d inbound messages: %w", len(ids), err)
	}
	return out, nil
}

// AddInbounds is AddInbound for the messages of one fetch, in one write; ids and added are in
// the order of ins.
func (s *Store) AddInbounds(ctx context.Context, ins []Inbound) (ids []int64, added []bool, err error) {
	ids, added = make([]int64, len(ins)), make([]bool, len(ins))
	err = s.Tx(ctx, func(tx *Tx) error {
		for i, in := range ins {
			res, err := tx.tx.ExecContext(ctx, `INSERT OR IGNORE INTO inbound
				(mailbox, uidvalidity, uid, message_id, raw, received_at) VALUES (?,?,?,?,?,?)`,
				in.Mailbox, in.UIDValidity, in.UID, in.MessageID, in.Raw, ms(in.ReceivedAt))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				added[i] = true
				if ids[i], err = res.LastInsertId(); err != nil {
					return err
				}
				continue
			}
			if err := tx.tx.QueryRowContext(ctx, `SELECT id FROM inbound WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
				in.Mailbox, in.UIDValidity, in.UID).Scan(&ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store %d inbound messages: %w", len(ins), err)
	}
	return ids, added, nil
}

// InboundStatuses returns the status of each ledger row, in the order of ids.
func (s *Store) InboundStatuses(ctx context.Context, ids []int64) ([]InboundStatus, error) {
	out := make([]InboundStatus, len(ids))
	err := s.View(ctx, func(tx *Tx) error {
		for i, id := range ids {
			st, err := tx.InboundStatusOf(id)
			if err != nil {
				return err
			}
			out[i] = st
		}
		return nil
	})
	return out, err
}

// InboundStatusOf returns a ledger row's status without its raw bytes.
func (tx *Tx) InboundStatusOf(id int64) (InboundStatus, error) {
	var st InboundStatus
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT status FROM inbound WHERE id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("inbound %d: %w", id, ErrNotFound)
	}
	return st, err
}

// inboundMetaCols are the columns of a ledger row but its raw bytes.
const inboundMetaCols = `id, mailbox, uidvalidity, uid, message_id, received_at, status, reading, applied_at, error, attempts`

func scanInboundMeta(r scanner) (Inbound, error) {
	var in Inbound
	var received, applied int64
	err := r.Scan(&in.ID, &in.Mailbox, &in.UIDValidity, &in.UID, &in.MessageID, &received, &in.Status, &in.Reading,
		&applied, &in.Error, &in.Attempts)
	in.ReceivedAt, in.AppliedAt = fromMS(received), fromMS(applied)
	return in, err
}

// InboundMeta returns a ledger row without its raw bytes: what was read of it (Reading) is
// enough for reports, and a message may be megabytes.
func (tx *Tx) InboundMeta(id int64) (Inbound, error) {
	in, err := scanInboundMeta(tx.tx.QueryRowContext(tx.ctx, `SELECT `+inboundMetaCols+` FROM inbound WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("inbound %d: %w", id, ErrNotFound)
	}
	return in, err
}

// NewInbound lists the ledger rows of a mailbox still new (stored but not handled: the
// process stopped between the two), oldest first, without their raw bytes, from the index of
// statuses: whoever handles a row reads its bytes then, one row at a time.
func (s *Store) NewInbound(ctx context.Context, mailbox string) ([]Inbound, error) {
	return s.queryInbound(ctx, scanInboundMeta, `SELECT `+inboundMetaCols+` FROM inbound WHERE status = ? AND mailbox = ? ORDER BY id`,
		InboundNew, mailbox)
}
