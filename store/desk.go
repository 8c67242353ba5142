package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrLinkUsed is returned for a sign-in link that was used already, has expired or was
// never issued: the desk refuses all three alike.
var ErrLinkUsed = errors.New("the sign-in link was used already or has expired")

// AddSignIn records a sign-in link sent to a staff address; the link names the nonce.
func (tx *Tx) AddSignIn(nonce, staff string, created, expires time.Time) error {
	_, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO desk_signins (nonce, staff, created_at, expires_at) VALUES (?,?,?,?)`,
		nonce, staff, ms(created), ms(expires))
	if err != nil {
		return fmt.Errorf("record sign-in link for %s: %w", staff, err)
	}
	return nil
}

// SignInsSince counts the sign-in links sent to a staff address since a time.
func (tx *Tx) SignInsSince(staff string, since time.Time) (int, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT COUNT(*) FROM desk_signins WHERE staff = ? AND created_at >= ?`,
		staff, ms(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sign-in links for %s: %w", staff, err)
	}
	return n, nil
}

// UseSignIn spends a sign-in link: it returns the staff address it was sent to, once, while
// it has not expired. A second use, an expired link and an unknown nonce are ErrLinkUsed.
func (tx *Tx) UseSignIn(nonce string, now time.Time) (string, error) {
	var staff string
	err := tx.tx.QueryRowContext(tx.ctx, `UPDATE desk_signins SET used_at = ?
		WHERE nonce = ? AND used_at = 0 AND expires_at > ? RETURNING staff`, ms(now), nonce, ms(now)).Scan(&staff)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrLinkUsed
	}
	if err != nil {
		return "", fmt.Errorf("use sign-in link: %w", err)
	}
	return staff, nil
}

// AddSession opens a desk session, kept by the SHA-256 of its cookie.
func (tx *Tx) AddSession(idSHA256, staff string, created, expires time.Time) error {
	_, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO desk_sessions (id_sha256, staff, created_at, expires_at) VALUES (?,?,?,?)`,
		idSHA256, staff, ms(created), ms(expires))
	if err != nil {
		return fmt.Errorf("open session for %s: %w", staff, err)
	}
	return nil
}

// Session returns the staff address of a live session; ErrNotFound when there is none (never
// opened, ended or expired).
func (s *Store) Session(ctx context.Context, idSHA256 string, now time.Time) (string, error) {
	var staff string
	err := s.db.QueryRowContext(ctx, `SELECT staff FROM desk_sessions WHERE id_sha256 = ? AND ended_at = 0 AND expires_at > ?`,
		idSHA256, ms(now)).Scan(&staff)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read session: %w", err)
	}
	return staff, nil
}

// EndSession ends a session (signing out).
func (tx *Tx) EndSession(idSHA256 string, now time.Time) error {
	_, err := tx.tx.ExecContext(tx.ctx, `UPDATE desk_sessions SET ended_at = ? WHERE id_sha256 = ? AND ended_at = 0`, ms(now), idSHA256)
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// LastActivity is when each invitee that has done anything last did something itself: an
// answer by mail or in the calendar (applied, or held for the staff), or by a link of the
// invitation; a returned agreement is such an answer. What rsvpd or the staff did (a letter
// sent, a decision) is not, nor is a bounce or an out-of-office reply: the agreement mailing
// made 20 February the last activity of almost every invitee.
func (tx *Tx) LastActivity() (map[string]time.Time, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT invitee, MAX(at) FROM events
		WHERE kind IN ('answer', 'held') AND invitee <> ''
		AND (cause LIKE 'link:%' OR (cause LIKE 'inbound:%' AND json_extract(detail, '$.class') IN ('human', 'calendar')))
		GROUP BY invitee`)
	if err != nil {
		return nil, fmt.Errorf("read last activity: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var code string
		var at int64
		if err := rows.Scan(&code, &at); err != nil {
			return nil, fmt.Errorf("read last activity: %w", err)
		}
		out[code] = fromMS(at)
	}
	return out, rows.Err()
}

// OutgoingByID returns the outbox row with an id.
func (tx *Tx) OutgoingByID(id int64) (Outgoing, error) {
	o, err := scanOutgoing(tx.tx.QueryRowContext(tx.ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("outbox %d: %w", id, ErrNotFound)
	}
	return o, err
}
