package schedules

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
	// BatchSize is the most jobs performed in one ledger transaction; 0: DefaultBatchSize.
	BatchSize int
}

// Runner runs a campaign's due jobs, each once, and sleeps until the next one or a Kick.
type Runner struct {
	p    *Planner
	cfg  RunnerConfig
	log  *slog.Logger
	kick clock.Signal

	mu         sync.Mutex // one Step at a time
	loaded     bool
	done       doneSet
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
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{
		p: p, cfg: cfg, log: log.With("component", "schedules"), kick: cfg.Clock.NewSignal(),
		done: newDoneSet(p), retry: map[string]retry{},
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
	// OnStep hears of every batch as it settles: a step that queues 100,000 invitations
	// keeps none of them in a report.
	var each func(Report)
	if r.cfg.OnStep != nil {
		each = func(rep Report) {
			if len(rep.Ran) > 0 || len(rep.Skipped) > 0 || len(rep.Failed) > 0 {
				r.cfg.OnStep(rep)
			}
		}
	}
	for {
		rep, err := r.step(ctx, each)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.log.Error("schedule step failed", "err", err, "retry_at", rep.Next)
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
// one nudge, not three, and one digest. Skips are recorded, so each is reported once. Jobs are
// performed in batches of up to BatchSize, each batch in one ledger transaction.
func (r *Runner) Step(ctx context.Context) (Report, error) { return r.step(ctx, nil) }

// step is Step; with each set, every batch's report goes to each as it settles and the
// returned Report holds only the time and Next.
func (r *Runner) step(ctx context.Context, each func(Report)) (Report, error) {
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

	due, digests, next := r.collect(st, now)
	b := &batch{r: r, rep: &rep, each: each, total: len(due)}
	var buf []Job
	last := -1
	for _, d := range due {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		var j Job
		if d.n < 0 {
			j = digests[d.k]
		} else {
			n := int(d.n)
			if n != last {
				buf, last = r.p.appendJobs(buf[:0], n, st.Invitee(r.p.c.Invitees[n].Code)), n
			}
			j = buf[d.k]
			if l := latestOf(buf, &j, now); l != nil {
				l.fillKey()
				j.superseded = l.Key
			}
			j.fillKey()
		}
		switch {
		case !j.Expires.IsZero() && !now.Before(j.Expires):
			b.add(j, fmt.Sprintf("missed: due %s, useful only before %s", r.p.local(j.Due), r.p.local(j.Expires)))
		case j.superseded != "":
			b.add(j, "superseded by "+j.superseded)
		default:
			if rt, ok := r.retry[j.Key]; ok && rt.at.After(now) {
				next = earliest(next, rt.at)
				continue
			}
			b.add(j, "")
		}
		if len(b.items) >= r.cfg.BatchSize {
			next = earliest(next, b.flush(ctx))
		}
	}
	next = earliest(next, b.flush(ctx))
	rep.Next = next
	return rep, nil
}

// dueRef is a due job as collect keeps it: 24 bytes where the job is 200, since a step may
// find 100,000 due at once. The job itself is made again from the invitee's state when its
// turn comes (Planner.appendJobs is cheap and the state does not change within a step).
type dueRef struct {
	due  int64 // the due time, Unix nanoseconds
	n    int32 // the invitee's position; -1 for a digest
	k    int16 // the job's index among the invitee's jobs, or among the digests
	rank int8  // the kind's rank (Kind.rank)
}

// collect returns the jobs due at now that the ledger has not settled, in due order (by due
// time, kind, then invitee in configuration order); those of the whole campaign among them
// (digests, participant lists, the final report), which refs name by n -1; and the next due
// time after now. It looks at one invitee's jobs at a time and makes no keys, so a step costs
// little more than reading the state when nothing is due.
func (r *Runner) collect(st State, now time.Time) (due []dueRef, digests []Job, next time.Time) {
	var buf []Job
	for n, inv := range r.p.c.Invitees {
		buf = r.p.appendJobs(buf[:0], n, st.Invitee(inv.Code))
		for i := range buf {
			j := &buf[i]
			switch {
			case j.Due.After(now):
				if !r.done.has(j) {
					next = earliest(next, j.Due)
				}
			case !r.done.has(j):
				due = append(due, dueRef{due: j.Due.UnixNano(), n: int32(n), k: int16(i), rank: int8(j.Kind.rank())})
			}
		}
	}
	all := r.p.Digests(r.lastDigest, now)
	for i, j := range all {
		if r.done.hasKey(j.Key) {
			continue
		}
		if i < len(all)-1 {
			j.superseded = all[len(all)-1].Key
		}
		due = append(due, dueRef{due: j.Due.UnixNano(), n: -1, k: int16(len(digests)), rank: int8(j.Kind.rank())})
		digests = append(digests, j)
	}
	if j, ok := r.p.NextDigest(now); ok {
		next = earliest(next, j.Due)
	}
	// The participant lists and the final report. The final report says more than any daily
	// digest missed before it: due, it supersedes them.
	for _, j := range r.p.campaign {
		switch {
		case r.done.hasKey(j.Key):
		case j.Due.After(now):
			next = earliest(next, j.Due)
		default:
			if j.Kind == KindFinalReport {
				for i := range digests {
					if digests[i].Kind == KindDigest {
						digests[i].superseded = j.Key
					}
				}
			}
			due = append(due, dueRef{due: j.Due.UnixNano(), n: -1, k: int16(len(digests)), rank: int8(j.Kind.rank())})
			digests = append(digests, j)
		}
	}
	slices.SortFunc(due, func(a, b dueRef) int {
		if c := cmp.Compare(a.due, b.due); c != 0 {
			return c
		}
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		if c := cmp.Compare(a.n, b.n); c != 0 {
			return c
		}
		return cmp.Compare(a.k, b.k)
	})
	return due, digests, next
}

// latestOf is the job of j's series (its invitee's jobs of one kind for one meeting) that is
// due at now and comes after j, the one to run instead of j; nil when j is the latest.
func latestOf(jobs []Job, j *Job, now time.Time) *Job {
	var latest *Job
	for i := range jobs {
		o := &jobs[i]
		if o.Kind != j.Kind || o.Meeting != j.Meeting || o.Due.After(now) {
			continue
		}
		if latest == nil || o.Due.After(latest.Due) || (o.Due.Equal(latest.Due) && o.Seq > latest.Seq) {
			latest = o
		}
	}
	if latest == nil || latest.slot == j.slot {
		return nil
	}
	return latest
}

// load reads the ledger once, so that a restarted runner knows what has run.
func (r *Runner) load(ctx context.Context) error {
	err := r.cfg.Ledger.EachRun(ctx, func(rec Record) {
		r.settleKey(rec.Key, rec.Kind, rec.Due)
	})
	if err != nil {
		return fmt.Errorf("read the schedule ledger: %w", err)
	}
	r.loaded = true
	return nil
}

func (r *Runner) settleKey(key string, k Kind, due time.Time) {
	r.done.addKey(key)
	delete(r.retry, key)
	if k == KindDigest && due.After(r.lastDigest) {
		r.lastDigest = due
	}
}

func (r *Runner) settle(j *Job) {
	r.done.add(j)
	if len(r.retry) > 0 {
		delete(r.retry, j.Key)
	}
	if j.Kind == KindDigest && j.Due.After(r.lastDigest) {
		r.lastDigest = j.Due
	}
}

// fail keeps a failed job due and says when to try it again, later after each failure.
func (r *Runner) fail(rep *Report, j Job, err error, now time.Time) time.Time {
	rt := r.retry[j.Key]
	rt.delay = min(max(2*rt.delay, r.cfg.RetryAfter), maxRetryDelay)
	rt.at = now.Add(rt.delay)
	r.retry[j.Key] = rt
	rep.Failed = append(rep.Failed, Failure{Job: j, Err: err, RetryAt: rt.at})
	r.log.Error("job failed", "key", j.Key, "due", j.Due, "err", err, "retry_at", rt.at)
	return rt.at
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
