package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// JobRun is one entry of the run ledger of scheduled jobs.
type JobRun struct {
	Key     string
	Due     time.Time
	RanAt   time.Time
	Outcome string // done, skipped
}

// ClaimJob records that the job with this key has run (or was skipped); it returns false when
// the ledger already holds the key, in which case the caller must not run it again. Call it in
// the transaction that performs the job, so the job and its record commit together.
func (tx *Tx) ClaimJob(r JobRun) (bool, error) {
	res, err := tx.tx.ExecContext(tx.ctx, `INSERT OR IGNORE INTO job_runs (key, due, ran_at, outcome) VALUES (?,?,?,?)`,
		r.Key, ms(r.Due), ms(r.RanAt), r.Outcome)
	if err != nil {
		return false, fmt.Errorf("claim job %s: %w", r.Key, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const jobRunCols = `key, due, ran_at, outcome`

func scanJobRun(r scanner) (JobRun, error) {
	var j JobRun
	var due, ran int64
	err := r.Scan(&j.Key, &due, &ran, &j.Outcome)
	j.Due, j.RanAt = fromMS(due), fromMS(ran)
	return j, err
}

// eachJobRun calls fn with each row of a query of jobRunCols.
func eachJobRun(rows *sql.Rows, err error, fn func(JobRun)) error {
	if err != nil {
		return fmt.Errorf("read job runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanJobRun(rows)
		if err != nil {
			return fmt.Errorf("read job runs: %w", err)
		}
		fn(r)
	}
	return rows.Err()
}

// JobRuns lists the run ledger in the order jobs ran.
func (tx *Tx) JobRuns() ([]JobRun, error) {
	var out []JobRun
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT `+jobRunCols+` FROM job_runs ORDER BY ran_at, key`)
	if err := eachJobRun(rows, err, func(r JobRun) { out = append(out, r) }); err != nil {
		return nil, err
	}
	return out, nil
}

// EachJobRun calls fn with every entry of the run ledger, in no particular order, reading it
// row by row rather than into one list (a campaign of 100,000 invitees has 600,000).
func (s *Store) EachJobRun(ctx context.Context, fn func(JobRun)) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobRunCols+` FROM job_runs`)
	return eachJobRun(rows, err, fn)
}

// LastRun is the entry of the run ledger with the latest ran_at among those whose key starts
// with prefix, that ran (were not skipped) and are not the key except; ok is false when there
// is none. It reads only the keys with the prefix, not the whole ledger.
func (tx *Tx) LastRun(prefix, except string) (JobRun, bool, error) {
	r, err := scanJobRun(tx.tx.QueryRowContext(tx.ctx, `SELECT `+jobRunCols+` FROM job_runs
		WHERE key >= ? AND key < ? AND outcome = 'ran' AND key <> ? ORDER BY ran_at DESC, key DESC LIMIT 1`,
		prefix, prefix+"\xff", except))
	if errors.Is(err, sql.ErrNoRows) {
		return JobRun{}, false, nil
	}
	if err != nil {
		return JobRun{}, false, fmt.Errorf("read the last %s job: %w", prefix, err)
	}
	return r, true, nil
}

// JobRan reports whether the ledger holds the key.
func (tx *Tx) JobRan(key string) (bool, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT COUNT(*) FROM job_runs WHERE key = ?`, key).Scan(&n)
	return n > 0, err
}

// CountAutoAnswer adds one automatic answer to address on day and returns the day's count
// including it, so the caller can refuse answers beyond the daily cap (no mail loops).
func (tx *Tx) CountAutoAnswer(address, day string) (int, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `INSERT INTO auto_answers (address, day, count) VALUES (?, ?, 1)
		ON CONFLICT (address, day) DO UPDATE SET count = count + 1 RETURNING count`, address, day).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count automatic answers to %s: %w", address, err)
	}
	return n, nil
}
