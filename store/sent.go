package store

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
)

// SentLetter is what a letter said when it went out: the SHA-256 of its subject and text part,
// and for the letters whose text is kept (the staff's) the subject, the text part and the
// attachments that cannot be made again.
type SentLetter struct {
	Outbox int64
	SHA256 []byte
	// Subject and Text are kept where HasText is set.
	Subject, Text string
	HasText       bool
	// Attachments are the kept attachments: on reading, their names and sizes only
	// (SentAttachment reads one's bytes).
	Attachments []SentAttachment
}

// SentAttachment is an attachment of a sent letter, kept because it cannot be made again.
type SentAttachment struct {
	N           int
	Name        string
	ContentType string
	Inline      bool // shown in the letter (the digest's chart), not attached for download
	Size        int
	Data        []byte
}

// RecordSent keeps what a letter said; it is written in the transaction that marks the row
// sent. A second record for the same row (a message sent again after a crash) replaces the
// first.
func (tx *Tx) RecordSent(l SentLetter) error {
	if _, err := tx.tx.ExecContext(tx.ctx, `UPDATE outbox SET sent_sha256 = ? WHERE id = ?`, l.SHA256, l.Outbox); err != nil {
		return fmt.Errorf("keep the sum of message %d: %w", l.Outbox, err)
	}
	if !l.HasText {
		return nil
	}
	if _, err := tx.tx.ExecContext(tx.ctx, `INSERT OR REPLACE INTO sent_letters (outbox, subject, text) VALUES (?,?,?)`,
		l.Outbox, l.Subject, l.Text); err != nil {
		return fmt.Errorf("keep the text of message %d: %w", l.Outbox, err)
	}
	if _, err := tx.tx.ExecContext(tx.ctx, `DELETE FROM sent_attachments WHERE outbox = ?`, l.Outbox); err != nil {
		return fmt.Errorf("keep the attachments of message %d: %w", l.Outbox, err)
	}
	for i, a := range l.Attachments {
		z, err := compress(a.Data)
		if err != nil {
			return fmt.Errorf("keep attachment %s of message %d: %w", a.Name, l.Outbox, err)
		}
		if _, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO sent_attachments (outbox, n, name, content_type, inline, size, gzip)
			VALUES (?,?,?,?,?,?,?)`, l.Outbox, i, a.Name, a.ContentType, a.Inline, len(a.Data), z); err != nil {
			return fmt.Errorf("keep attachment %s of message %d: %w", a.Name, l.Outbox, err)
		}
	}
	return nil
}

// SentLetter reads what the letter of an outbox row said, with its kept attachments' names;
// ErrNotFound for a row sent before rsvpd kept letters, or not sent.
func (tx *Tx) SentLetter(outbox int64) (SentLetter, error) {
	l := SentLetter{Outbox: outbox}
	var subject, text sql.NullString
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT o.sent_sha256, s.subject, s.text FROM outbox o
		LEFT JOIN sent_letters s ON s.outbox = o.id WHERE o.id = ?`, outbox).Scan(&l.SHA256, &subject, &text)
	if err == nil && l.SHA256 == nil && !text.Valid {
		err = sql.ErrNoRows
	}
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("text of message %d: %w", outbox, ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("read the text of message %d: %w", outbox, err)
	}
	l.Subject, l.Text, l.HasText = subject.String, text.String, text.Valid
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT n, name, content_type, inline, size FROM sent_attachments
		WHERE outbox = ? ORDER BY n`, outbox)
	if err != nil {
		return l, fmt.Errorf("read the attachments of message %d: %w", outbox, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a SentAttachment
		if err := rows.Scan(&a.N, &a.Name, &a.ContentType, &a.Inline, &a.Size); err != nil {
			return l, fmt.Errorf("read the attachments of message %d: %w", outbox, err)
		}
		l.Attachments = append(l.Attachments, a)
	}
	return l, rows.Err()
}

// SentSubjects reads the kept subjects of outbox rows, by row id; rows whose text is not kept
// are missing from the map.
func (tx *Tx) SentSubjects(ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT outbox, subject FROM sent_letters WHERE outbox IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
	rows, err := tx.tx.QueryContext(tx.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read subjects of sent messages: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, fmt.Errorf("read subjects of sent messages: %w", err)
		}
		out[id] = s
	}
	return out, rows.Err()
}

// SentAttachment reads a kept attachment with its bytes.
func (tx *Tx) SentAttachment(outbox int64, n int) (SentAttachment, error) {
	a := SentAttachment{N: n}
	var z []byte
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT name, content_type, inline, size, gzip FROM sent_attachments
		WHERE outbox = ? AND n = ?`, outbox, n).Scan(&a.Name, &a.ContentType, &a.Inline, &a.Size, &z)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("attachment %d of message %d: %w", n, outbox, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("read attachment %d of message %d: %w", n, outbox, err)
	}
	if a.Data, err = decompress(z); err != nil {
		return a, fmt.Errorf("read attachment %d of message %d: %w", n, outbox, err)
	}
	return a, nil
}

func compress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decompress(z []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// SentRows lists the sent outbox rows of an invitee code (the staff's letters are queued
// under one code of their own) and of the given kinds, newest first: those before the row
// id before (0: from the newest), limit at most.
func (tx *Tx) SentRows(invitee string, kinds []string, before int64, limit int) ([]Outgoing, error) {
	q, args := sentRowsQuery(invitee, kinds, before, limit)
	rows, err := tx.tx.QueryContext(tx.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read sent messages: %w", err)
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		o, err := scanOutgoing(rows)
		if err != nil {
			return nil, fmt.Errorf("read sent messages: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// sentRowsQuery is the statement of SentRows and its arguments.
func sentRowsQuery(invitee string, kinds []string, before int64, limit int) (string, []any) {
	q := `SELECT ` + outboxCols + ` FROM outbox WHERE invitee = ? AND status = 'sent'`
	args := []any{invitee}
	if before > 0 {
		q += ` AND id < ?`
		args = append(args, before)
	}
	if len(kinds) > 0 {
		q += ` AND kind IN (?` + strings.Repeat(",?", len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	return q + ` ORDER BY id DESC LIMIT ?`, append(args, limit)
}
