package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rsvpd/rsvpd/campaign"
)

const inviteeCols = `code, status, meeting, headcount, companions, agreement, delivery, away_until,
	sequence, partstat, answered_at, updated_at, agreement_sha256, agreement_signed, returned_sha256, email`

type scanner interface{ Scan(dest ...any) error }

func scanState(r scanner) (campaign.State, error) {
	var st campaign.State
	var companions, partstats string
	var answered, updated int64
	err := r.Scan(&st.Code, &st.Status, &st.Meeting, &st.Headcount, &companions, &st.Agreement,
		&st.Delivery, &st.AwayUntil, &st.Sequence, &partstats, &answered, &updated, &st.AgreementSHA256,
		&st.AgreementSigned, &st.ReturnedSHA256, &st.Email)
	if err != nil {
		return st, err
	}
	if companions != "[]" { // most have none: no JSON to decode
		if err := json.Unmarshal([]byte(companions), &st.Companions); err != nil {
			return st, fmt.Errorf("invitee %s: companions: %w", st.Code, err)
		}
	} else {
		st.Companions = []string{}
	}
	if partstats != "" {
		if err := json.Unmarshal([]byte(partstats), &st.PartStats); err != nil {
			return st, fmt.Errorf("invitee %s: calendar answers: %w", st.Code, err)
		}
	}
	st.AnsweredAt, st.UpdatedAt = fromMS(answered), fromMS(updated)
	return st, nil
}

// State returns one invitee's state; ErrNotFound when the store has no row for it.
func (tx *Tx) State(code string) (campaign.State, error) {
	st, err := scanState(tx.tx.QueryRowContext(tx.ctx, `SELECT `+inviteeCols+` FROM invitees WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("invitee %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return st, fmt.Errorf("read invitee %s: %w", code, err)
	}
	return st, nil
}

// PutState writes an invitee's state.
func (tx *Tx) PutState(st campaign.State) error {
	companions, err := json.Marshal(nonNil(st.Companions))
	if err != nil {
		return err
	}
	partstats := ""
	if len(st.PartStats) > 0 {
		b, err := json.Marshal(st.PartStats)
		if err != nil {
			return err
		}
		partstats = string(b)
	}
	_, err = tx.tx.ExecContext(tx.ctx, `INSERT INTO invitees (`+inviteeCols+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (code) DO UPDATE SET status=excluded.status, meeting=excluded.meeting,
			headcount=excluded.headcount, companions=excluded.companions, agreement=excluded.agreement,
			delivery=excluded.delivery, away_until=excluded.away_until, sequence=excluded.sequence,
			partstat=excluded.partstat, answered_at=excluded.answered_at, updated_at=excluded.updated_at,
			agreement_sha256=excluded.agreement_sha256, agreement_signed=excluded.agreement_signed,
			returned_sha256=excluded.returned_sha256, email=excluded.email`,
		st.Code, st.Status, st.Meeting, st.Headcount, string(companions), st.Agreement, st.Delivery,
		st.AwayUntil, st.Sequence, partstats, ms(st.AnsweredAt), ms(st.UpdatedAt), st.AgreementSHA256,
		st.AgreementSigned, st.ReturnedSHA256, st.Email)
	if err != nil {
		return fmt.Errorf("write invitee %s: %w", st.Code, err)
	}
	return nil
}

// States returns every invitee's state, ordered by code.
func (tx *Tx) States() ([]campaign.State, error) {
	return queryStates(tx.tx.QueryContext(tx.ctx, `SELECT `+inviteeCols+` FROM invitees ORDER BY code`))
}

// EachState calls fn with every invitee's state, in no particular order, one row at a time.
func (tx *Tx) EachState(fn func(campaign.State)) error {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT `+inviteeCols+` FROM invitees`)
	if err != nil {
		return fmt.Errorf("read invitees: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		st, err := scanState(rows)
		if err != nil {
			return fmt.Errorf("read invitees: %w", err)
		}
		fn(st)
	}
	return rows.Err()
}

// Brief is the part of an invitee's state the schedules look at.
type Brief struct {
	Code      string
	Status    campaign.Status
	Meeting   string
	Agreement campaign.AgreementStatus
	AwayUntil string
}

// EachBrief calls fn with every invitee's Brief, row by row: what the scheduler reads at
// every step, without the columns and the JSON it does not need.
func (tx *Tx) EachBrief(fn func(Brief)) error {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT code, status, meeting, agreement, away_until FROM invitees`)
	if err != nil {
		return fmt.Errorf("read invitees: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b Brief
		if err := rows.Scan(&b.Code, &b.Status, &b.Meeting, &b.Agreement, &b.AwayUntil); err != nil {
			return fmt.Errorf("read invitees: %w", err)
		}
		fn(b)
	}
	return rows.Err()
}

func queryStates(rows *sql.Rows, err error) ([]campaign.State, error) {
	if err != nil {
		return nil, fmt.Errorf("read invitees: %w", err)
	}
	defer rows.Close()
	var out []campaign.State
	for rows.Next() {
		st, err := scanState(rows)
		if err != nil {
			return nil, fmt.Errorf("read invitees: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
