package schedules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
)

// RunFunc performs one job: writes the job's letters to the outbox (in the transaction the
// ledger passes in ctx) or composes the digest. It is called at most once per job that
// succeeds; an error leaves the job due, to be tried again after a pause.
type RunFunc func(ctx context.Context, job Job) error

// StateFunc reads the invitees' current state, once per wake-up.
type StateFunc func(ctx context.Context) (State, error)

// RunnerConfig is what a Runner needs. Ledger, Clock, State and Run are required.
type RunnerConfig struct {
	Ledger Ledger
	Clock  clock.Clock
	State  StateFunc
	Run    RunFunc
	Logger *slog.Logger // nil: discard
	// MaxSleep caps one wait, so that a system clock that was stepped or suspended delays a
	// job by at most this much. Zero: no cap (the virtual clock, where a cap only adds steps).
	MaxSleep time.Duration
	// RetryAfter is the pause after a failed job or state read; it doubles with each failure of
	// the same job, up to an hour. Zero: one minute.
	RetryAfter time.Duration
	// OnStep, when set, is called by Run after every step that ran, skipped or failed a job
	// (a progress line, metrics).
	OnStep func(Report)
}

// Runner runs a campaign's due jobs, each once, and sleeps until the next one or a Kick.
type Runner struct {
	p    *Planner
	cfg  RunnerConfig
	log  *slog.Logger
	kick clock.Signal

	mu         sync.Mutex // one Step at a time
	loaded     bool
	done       map[string]bool
	lastDigest time.Time // the latest digest in the ledger: digests up to it are settled
	retry      map[string]retry
}

type retry struct {
	at    time.Time
	delay time.Duration
}

// Skip is a job that was not run, and why.
type Skip struct {
	Job    Job
	Reason string
}

// Failure is a job whose run failed; it is tried again at RetryAt if it still makes sense.
type Failure struct {
	Job     Job
	Err     error
	RetryAt time.Time
}

// Report is what one Step did.
type Report struct {
	Now     time.Time
	Ran     []Job
	Skipped []Skip
	Failed  []Failure
	// Next is when something is due next (a job, a retry); zero when nothing is left.
	Next time.Time
}

const maxRetryDelay = time.Hour

// NewRunner returns a Runner for the campaign c.
func NewRunner(c *campaign.Campaign, cfg RunnerConfig) (*Runner, error) {
	switch {
	case cfg.Ledger == nil:
		return nil, errors.New("new schedule runner: no ledger")
	case cfg.Clock == nil:
		return nil, errors.New("new schedule runner: no clock")
	case cfg.State == nil:
		return nil, errors.New("new schedule runner: no state")
	case cfg.Run == nil:
		return nil, errors.New("new schedule runner: no run function")
	}
	p, err := NewPlanner(c)
	if err != nil {
		return nil, fmt.Errorf("new schedule runner: %w", err)
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Minute
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{
		p: p, cfg: cfg, log: log.With("component", "schedules"), kick: cfg.Clock.NewSignal(),
		done: map[string]bool{}, retry: map[string]retry{},
	}, nil
}

// Planner is the runner's planner, for showing the timeline.
func (r *Runner) Planner() *Planner { return r.p }

// Kick makes a waiting Run look again now: call it after a state change that may add, remove
// or move jobs (an answer, a returned agreement, an out-of-office). Kicks while Run is busy
// are kept (one), so none is lost.
func (r *Runner) Kick() { r.kick.Notify() }

// Run runs due jobs until ctx ends, then returns nil. It waits on the clock until the next due
// time, a retry, or a Kick.
func (r *Runner) Run(ctx context.Context) error {
	for {
		rep, err := r.Step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.log.Error("schedule step failed", "err", err, "retry_at", rep.Next)
		}
		if r.cfg.OnStep != nil && (len(rep.Ran) > 0 || len(rep.Skipped) > 0 || len(rep.Failed) > 0) {
			r.cfg.OnStep(rep)
		}
		until := rep.Next
		if r.cfg.MaxSleep > 0 {
			if limit := rep.Now.Add(r.cfg.MaxSleep); until.IsZero() || until.After(limit) {
				until = limit
			}
		}
		if err := r.cfg.Clock.Wait(ctx, until, r.kick); err != nil {
			return nil
		}
	}
}

// Step runs or skips every job due at the clock's time that the ledger has not settled, in due
// order, and reports what it did and when something is due next. A job past its Expires time is
// skipped as missed; of several due jobs in one series (one invitee's nudges, the digests) the
// earlier ones are skipped as superseded by the latest, so that a restart after downtime sends
// one nudge, not three, and one digest. Skips are recorded, so each is reported once.
func (r *Runner) Step(ctx context.Context) (Report, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.cfg.Clock.Now()
	rep := Report{Now: now}
	if !r.loaded {
		if err := r.load(ctx); err != nil {
			rep.Next = now.Add(r.cfg.RetryAfter)
			return rep, err
		}
	}
	st, err := r.cfg.State(ctx)
	if err != nil {
		rep.Next = now.Add(r.cfg.RetryAfter)
		return rep, fmt.Errorf("read invitee state: %w", err)
	}

	due, latest, next := r.collect(st, now)
	for _, j := range due {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		switch {
		case !j.Expires.IsZero() && !now.Before(j.Expires):
			if !r.skip(ctx, &rep, j, fmt.Sprintf("missed: due %s, useful only before %s", r.p.local(j.Due), r.p.local(j.Expires))) {
				next = earliest(next, now.Add(r.cfg.RetryAfter))
			}
		case latest[j.series()].Key != j.Key:
			if !r.skip(ctx, &rep, j, "superseded by "+latest[j.series()].Key) {
				next = earliest(next, now.Add(r.cfg.RetryAfter))
			}
		default:
			if rt, ok := r.retry[j.Key]; ok && rt.at.After(now) {
				next = earliest(next, rt.at)
				continue
			}
			if at, failed := r.run(ctx, &rep, j); failed {
				next = earliest(next, at)
			}
		}
	}
	rep.Next = next
	return rep, nil
}

// collect returns the jobs due at now that the ledger has not settled, in due order; per
// series the latest job due so far; and the next due time after now.
func (r *Runner) collect(st State, now time.Time) (due []Job, latest map[string]Job, next time.Time) {
	latest = map[string]Job{}
	note := func(j Job) {
		if l, ok := latest[j.series()]; !ok || j.Due.After(l.Due) || (j.Due.Equal(l.Due) && j.Seq > l.Seq) {
			latest[j.series()] = j
		}
	}
	for _, j := range r.p.jobs(st) {
		if j.Due.After(now) {
			if !r.done[j.Key] {
				next = earliest(next, j.Due)
			}
			continue
		}
		note(j)
		if !r.done[j.Key] {
			due = append(due, j)
		}
	}
	for _, j := range r.p.Digests(r.lastDigest, now) {
		note(j)
		if !r.done[j.Key] {
			due = append(due, j)
		}
	}
	if j, ok := r.p.NextDigest(now); ok {
		next = earliest(next, j.Due)
	}
	for _, j := range r.p.campaign {
		switch {
		case r.done[j.Key]:
		case j.Due.After(now):
			next = earliest(next, j.Due)
		default:
			note(j)
			due = append(due, j)
			if j.Kind == KindFinalReport {
				// The result says more than any daily digest missed before it.
				latest[Job{Kind: KindDigest}.series()] = j
			}
		}
	}
	r.p.sort(due)
	return due, latest, next
}

// load reads the ledger once, so that a restarted runner knows what has run.
func (r *Runner) load(ctx context.Context) error {
	recs, err := r.cfg.Ledger.Runs(ctx)
	if err != nil {
		return fmt.Errorf("read the schedule ledger: %w", err)
	}
	for _, rec := range recs {
		r.settle(rec.Key, rec.Kind, rec.Due)
	}
	r.loaded = true
	return nil
}

func (r *Runner) settle(key string, k Kind, due time.Time) {
	r.done[key] = true
	delete(r.retry, key)
	if k == KindDigest && due.After(r.lastDigest) {
		r.lastDigest = due
	}
}

// run performs j through the ledger; it reports a failure's retry time.
func (r *Runner) run(ctx context.Context, rep *Report, j Job) (time.Time, bool) {
	now := r.cfg.Clock.Now()
	rec := Record{Key: j.Key, Kind: j.Kind, Due: j.Due, At: now, Outcome: OutcomeRan}
	ran, err := r.cfg.Ledger.Perform(ctx, rec, func(ctx context.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("job %s panicked: %v", j.Key, p)
			}
		}()
		return r.cfg.Run(ctx, j)
	})
	if err != nil {
		rt := r.retry[j.Key]
		rt.delay = min(max(2*rt.delay, r.cfg.RetryAfter), maxRetryDelay)
		rt.at = now.Add(rt.delay)
		r.retry[j.Key] = rt
		rep.Failed = append(rep.Failed, Failure{Job: j, Err: err, RetryAt: rt.at})
		r.log.Error("job failed", "key", j.Key, "due", j.Due, "err", err, "retry_at", rt.at)
		return rt.at, true
	}
	r.settle(j.Key, j.Kind, j.Due)
	if !ran {
		r.log.Debug("job already in the ledger", "key", j.Key)
		return time.Time{}, false
	}
	rep.Ran = append(rep.Ran, j)
	attrs := []any{"key", j.Key, "kind", j.Kind, "due", j.Due}
	if late := now.Sub(j.Due); late >= time.Minute {
		attrs = append(attrs, "late", late.Round(time.Second).String())
	}
	if j.Note != "" {
		attrs = append(attrs, "note", j.Note)
	}
	r.log.Info("job ran", attrs...)
	return time.Time{}, false
}

// skip records j as skipped, so that it is reported once; if the ledger cannot record it, it
// returns false and a later step tries again.
func (r *Runner) skip(ctx context.Context, rep *Report, j Job, reason string) bool {
	rec := Record{Key: j.Key, Kind: j.Kind, Due: j.Due, At: r.cfg.Clock.Now(), Outcome: OutcomeSkipped, Reason: reason}
	recorded, err := r.cfg.Ledger.Perform(ctx, rec, nil)
	if err != nil {
		r.log.Error("recording a skipped job failed", "key", j.Key, "err", err)
		return false
	}
	r.settle(j.Key, j.Kind, j.Due)
	if recorded {
		rep.Skipped = append(rep.Skipped, Skip{Job: j, Reason: reason})
		r.log.Warn("job skipped", "key", j.Key, "due", j.Due, "reason", reason)
	}
	return true
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
