package schedules

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// DefaultBatchSize is how many jobs one ledger transaction performs when RunnerConfig names no
// size. Per job, a transaction of its own costs a commit (a WAL write of every page it touched)
// and the statements' preparation; at 500 those are shared and the invitations of 100,000
// invitees are queued in seconds.
const DefaultBatchSize = 500

// batch gathers consecutive due jobs of one step, to be run or recorded as skipped in one
// ledger transaction.
type batch struct {
	r     *Runner
	rep   *Report
	each  func(Report) // when set, each batch's report goes here instead of into rep
	items []item
	total int // the step's due jobs, for the progress in the log
	done  int
}

type item struct {
	job  Job
	skip string // why it is skipped; "" to run it
}

func (b *batch) add(j Job, skip string) { b.items = append(b.items, item{job: j, skip: skip}) }

// flush performs the gathered jobs in one transaction and reports the earliest retry of a job
// that failed (zero when none did). When the transaction fails, the jobs are performed one by
// one, so that one job that cannot run keeps only itself due.
func (b *batch) flush(ctx context.Context) time.Time {
	items := b.items
	b.items = b.items[:0]
	if len(items) == 0 {
		return time.Time{}
	}
	defer func() { b.done += len(items) }()
	if b.each != nil {
		into := b.rep
		b.rep = &Report{Now: into.Now}
		defer func() {
			b.each(*b.rep)
			b.rep = into
		}()
	}
	r := b.r
	now := r.cfg.Clock.Now()
	if len(items) > 1 {
		claimed, err := r.perform(ctx, items, now)
		if err == nil {
			b.settled(items, claimed, now)
			return time.Time{}
		}
		if ctx.Err() != nil {
			return time.Time{} // stopping: the jobs stay due for the next start
		}
		r.log.Warn("a batch of jobs failed: performing them one by one", "jobs", len(items), "err", err)
	}
	var retry time.Time
	for _, it := range items {
		claimed, err := r.perform(ctx, []item{it}, now)
		if err != nil {
			if it.skip != "" {
				r.log.Error("recording a skipped job failed", "key", it.job.Key, "err", err)
				retry = earliest(retry, now.Add(r.cfg.RetryAfter))
				continue
			}
			retry = earliest(retry, r.fail(b.rep, it.job, err, now))
			continue
		}
		b.settled([]item{it}, claimed, now)
	}
	return retry
}

// perform records the items and runs those to run in one ledger transaction.
func (r *Runner) perform(ctx context.Context, items []item, now time.Time) ([]bool, error) {
	recs := make([]Record, len(items))
	for i, it := range items {
		recs[i] = Record{Key: it.job.Key, Kind: it.job.Kind, Due: it.job.Due, At: now, Outcome: OutcomeRan}
		if it.skip != "" {
			recs[i].Outcome, recs[i].Reason = OutcomeSkipped, it.skip
		}
	}
	return r.cfg.Ledger.PerformBatch(ctx, recs, func(ctx context.Context, i int) (err error) {
		if items[i].skip != "" {
			return nil
		}
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("job %s panicked: %v", items[i].job.Key, p)
			}
		}()
		return r.cfg.Run(ctx, items[i].job)
	})
}

// settled notes the items the ledger now holds, reports those this runner ran or skipped, and
// logs them: one line for one job, one line per batch for more.
func (b *batch) settled(items []item, claimed []bool, now time.Time) {
	r := b.r
	var ran []Job
	var skipped []Skip
	for i := range items {
		it := &items[i]
		r.settle(&it.job)
		switch {
		case !claimed[i]:
			r.log.Debug("job already in the ledger", "key", it.job.Key)
		case it.skip != "":
			skipped = append(skipped, Skip{Job: it.job, Reason: it.skip})
		default:
			ran = append(ran, it.job)
		}
	}
	b.rep.Ran = append(b.rep.Ran, ran...)
	b.rep.Skipped = append(b.rep.Skipped, skipped...)
	if len(ran) == 1 {
		r.logRan(ran[0], now)
	} else if len(ran) > 1 {
		attrs := []any{"jobs", len(ran), "kinds", kinds(ran, func(j Job) Job { return j }),
			"first", ran[0].Key, "last", ran[len(ran)-1].Key,
			"progress", fmt.Sprintf("%d/%d", b.done+len(items), b.total)}
		if late := now.Sub(ran[0].Due); late >= time.Minute {
			attrs = append(attrs, "late", late.Round(time.Second).String())
		}
		r.log.Info("jobs ran", attrs...)
	}
	if len(skipped) == 1 {
		s := skipped[0]
		r.log.Warn("job skipped", "key", s.Job.Key, "due", s.Job.Due, "reason", s.Reason)
	} else if len(skipped) > 1 {
		r.log.Warn("jobs skipped", "jobs", len(skipped), "kinds", kinds(skipped, func(s Skip) Job { return s.Job }),
			"first", skipped[0].Job.Key, "reason", skipped[0].Reason)
	}
}

func (r *Runner) logRan(j Job, now time.Time) {
	attrs := []any{"key", j.Key, "kind", j.Kind, "due", j.Due}
	if late := now.Sub(j.Due); late >= time.Minute {
		attrs = append(attrs, "late", late.Round(time.Second).String())
	}
	if j.Note != "" {
		attrs = append(attrs, "note", j.Note)
	}
	r.log.Info("job ran", attrs...)
}

// kinds counts jobs by kind: "invitation 500" or "nudge_agreement 12, nudge_unanswered 488".
func kinds[T any](list []T, job func(T) Job) string {
	n := map[Kind]int{}
	for _, x := range list {
		n[job(x).Kind]++
	}
	parts := make([]string, 0, len(n))
	for k, c := range n {
		parts = append(parts, fmt.Sprintf("%s %d", k, c))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
