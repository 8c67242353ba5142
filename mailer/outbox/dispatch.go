package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/store"
)

// dispatch is the state of one Run or Drain; only its loop's goroutine touches it.
type dispatch struct {
	s        *Sender
	drain    bool
	workers  []*workerSlot
	results  chan result
	queue    []store.Outgoing // due rows not yet handed out, oldest first
	inflight map[int64]bool   // rows handed out whose outcome is not recorded yet
	interval time.Duration    // 1/Rate; 0 without a rate
	nextSlot time.Time        // when the rate allows the next message
	connErr  error            // the last connection failure
	fatal    error            // the first failure to record an outcome
	batch    batchStats
	counted  time.Time // when the pending rows were last counted (wall time)
	signIn   signInState
}

// signInState follows a sign-in that fails. Every connection signs in with the same
// credentials, so a failure pauses them all.
type signInState struct {
	fails int       // failed sign-ins in a row
	since time.Time // the first of them
	until time.Time // no connection tries again before this
}

// workerSlot is the dispatcher's view of a worker.
type workerSlot struct {
	w         *worker
	idle      bool
	connFails int       // connection failures in a row
	notBefore time.Time // after a connection failure: no new message before this
}

type batchStats struct {
	active                 bool
	start                  time.Time
	sent, failed, deferred int
	total                  int
}

func (d *dispatch) stopWorkers(wg *sync.WaitGroup) {
	for _, ws := range d.workers {
		close(ws.w.jobs)
	}
	d.workers = nil
	wg.Wait()
}

func (d *dispatch) loop(ctx context.Context) error {
	s := d.s
	for {
		d.collect()
		if d.fatal != nil || ctx.Err() != nil {
			d.finish()
			if d.fatal != nil {
				return d.fatal
			}
			if d.drain {
				return ctx.Err()
			}
			return nil
		}
		if len(d.queue) == 0 {
			if err := d.refill(ctx); err != nil {
				if ctx.Err() != nil {
					continue
				}
				d.finish()
				return err
			}
		}
		now := s.clock.Now()
		d.handOut(now)
		if len(d.queue) == 0 && len(d.inflight) == 0 {
			d.endBatch(now)
			if d.drain {
				return nil
			}
		}
		if d.drain && len(d.inflight) == 0 && d.readyWorker(now) < 0 {
			// Every connection failed to open and is backing off: the rest stays queued.
			d.endBatch(now)
			return fmt.Errorf("send outbox: %d due messages left queued: %w", len(d.queue), d.connErr)
		}
		until, err := d.nextWake(ctx, now)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			d.finish()
			return err
		}
		_ = s.clock.Wait(ctx, until, s.wake) // an error is ctx's, seen at the top
	}
}

// refill reads the due rows that are not in flight.
func (d *dispatch) refill(ctx context.Context) error {
	s := d.s
	rows, err := s.st.Due(ctx, s.clock.Now(), s.o.BatchSize+len(d.inflight))
	if err != nil {
		return fmt.Errorf("send outbox: %w", err)
	}
	for _, r := range rows {
		if !d.inflight[r.ID] {
			d.queue = append(d.queue, r)
		}
	}
	if len(d.queue) == 0 {
		return nil
	}
	if !d.batch.active {
		d.batch = batchStats{active: true, start: s.clock.Now()}
	}
	// The total for the progress display: counting the pending rows costs a read of the
	// outbox's index, too much for every refill of a hundred thousand rows; once a second
	// tells the display all it shows, and sooner when more rows are known than counted
	// (rows queued since: the display would take the batch for done).
	known := d.batch.sent + d.batch.failed + len(d.queue) + len(d.inflight)
	if s.o.Progress != nil && (d.batch.total < known || time.Since(d.counted) >= time.Second) {
		pending, err := s.st.PendingCount(ctx)
		if err != nil {
			return fmt.Errorf("send outbox: %w", err)
		}
		d.batch.total, d.counted = d.batch.sent+d.batch.failed+pending, time.Now()
	}
	return nil
}

// handOut gives queued rows to idle workers as far as the rate allows.
func (d *dispatch) handOut(now time.Time) {
	holder, canHold := d.s.clock.(clockHolder)
	for len(d.queue) > 0 {
		if d.interval > 0 && now.Before(d.nextSlot) {
			return
		}
		i := d.readyWorker(now)
		if i < 0 {
			return
		}
		row := d.queue[0]
		d.queue = d.queue[1:]
		d.inflight[row.ID] = true
		ws := d.workers[i]
		ws.idle = false
		j := job{row: row}
		if canHold {
			j.release = holder.Hold()
		}
		ws.w.jobs <- j // buffered and the worker is idle: never blocks
		if d.interval > 0 {
			d.nextSlot = later(d.nextSlot, now).Add(d.interval)
		}
	}
}

// readyWorker is an idle worker that may take a message now, or -1.
func (d *dispatch) readyWorker(now time.Time) int {
	if now.Before(d.signIn.until) {
		return -1
	}
	for i, ws := range d.workers {
		if ws.idle && !now.Before(ws.notBefore) {
			return i
		}
	}
	return -1
}

// nextWake is when the dispatcher must look again by itself; zero means only a signal (a
// result or a Kick) can bring new work.
func (d *dispatch) nextWake(ctx context.Context, now time.Time) (time.Time, error) {
	if len(d.queue) > 0 {
		var until time.Time
		anyIdle := false
		for _, ws := range d.workers {
			if ws.idle {
				anyIdle = true
				if until.IsZero() || ws.notBefore.Before(until) {
					until = ws.notBefore
				}
			}
		}
		if !anyIdle {
			return time.Time{}, nil
		}
		until = later(until, d.signIn.until)
		if d.interval > 0 {
			until = later(until, d.nextSlot)
		}
		return until, nil
	}
	if len(d.inflight) > 0 {
		return time.Time{}, nil
	}
	next, ok, err := d.s.st.NextDue(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("send outbox: %w", err)
	}
	if !ok {
		return time.Time{}, nil
	}
	return next, nil
}

// collect takes the results that have arrived, without waiting.
func (d *dispatch) collect() {
	for {
		select {
		case r := <-d.results:
			d.apply(r)
		default:
			return
		}
	}
}

// finish waits for the messages in flight and takes their results.
func (d *dispatch) finish() {
	for len(d.inflight) > 0 {
		d.apply(<-d.results)
	}
	d.endBatch(d.s.clock.Now())
}

func (d *dispatch) apply(r result) {
	s := d.s
	now := s.clock.Now()
	ws := d.workers[r.worker]
	if r.ready {
		// The server took the message; its outcome waits for a commit while the worker
		// takes the next one. The row stays in flight until the outcome is recorded.
		ws.idle = true
		ws.connFails = 0
		if r.signedIn {
			d.signedIn(now)
		}
		return
	}
	delete(d.inflight, r.row.ID)
	if !r.earlier {
		ws.idle = true
	}
	if r.signIn != nil {
		d.signInFailed(r, now)
		return
	}
	if r.signedIn {
		d.signedIn(now)
	}
	if r.outcome == 0 && r.fatal == nil && r.connErr == nil {
		return // not tried: the worker stopped before its end of data (the sender stops)
	}
	if r.connErr != nil {
		ws.connFails++
		ws.notBefore = now.Add(s.backoff.Wait(ws.connFails))
		d.connErr = r.connErr
	} else if r.connected {
		ws.connFails = 0
	}
	if r.fatal != nil {
		if d.fatal == nil {
			d.fatal = r.fatal
		}
		s.log.Error("outbox: cannot record a message's outcome; stopping", "key", r.row.Key, "err", r.fatal)
		return
	}
	switch r.outcome {
	case outcomeSent:
		d.batch.sent++
		s.log.Debug("outbox: sent", "key", r.row.Key, "to", r.row.Recipient)
	case outcomeFailed:
		d.batch.failed++
		s.log.Warn("outbox: failed", "key", r.row.Key, "to", r.row.Recipient, "reason", r.reason)
	case outcomeDeferred:
		d.batch.deferred++
		s.log.Info("outbox: deferred", "key", r.row.Key, "to", r.row.Recipient, "next", r.next, "reason", r.reason)
	}
	if s.o.Progress != nil {
		s.o.Progress(d.progress(now))
	}
}

// signInFailed puts back the row that waited for the connection (it was not tried) and
// pauses every connection for the backoff: they all sign in alike. The log says it once per
// outage.
func (d *dispatch) signInFailed(r result, now time.Time) {
	s := d.s
	d.queue = append([]store.Outgoing{r.row}, d.queue...)
	d.connErr = r.signIn
	st := &d.signIn
	st.fails++
	wait := s.backoff.Wait(st.fails)
	var te *auth.TokenError
	if errors.As(r.signIn, &te) {
		// No token could be had: asking again opens no connection, and should find a new
		// sign-in soon after rsvpd login. A server that refused gets the full backoff.
		wait = min(wait, mailer.SignInRetryMax)
	}
	st.until = now.Add(wait)
	if st.fails == 1 {
		st.since = now
		s.log.Error("outbox: SMTP sign-in failed; messages wait in the outbox until it works again",
			"server", s.o.addr(), "err", r.signIn)
	} else {
		s.log.Debug("outbox: SMTP sign-in failed again", "attempt", st.fails, "in", wait, "err", r.signIn)
	}
	if s.o.OnSignIn != nil {
		s.o.OnSignIn(r.signIn)
	}
}

// signedIn notes a connection signed in, and the end of an outage.
func (d *dispatch) signedIn(now time.Time) {
	s := d.s
	if st := d.signIn; st.fails > 0 {
		s.log.Info("outbox: SMTP sign-in works again; sending what waited", "server", s.o.addr(),
			"down", now.Sub(st.since).Round(time.Second), "failed_attempts", st.fails)
	}
	d.signIn = signInState{}
	if s.o.OnSignIn != nil {
		s.o.OnSignIn(nil)
	}
}

func (d *dispatch) progress(now time.Time) Progress {
	b := d.batch
	p := Progress{Sent: b.sent, Failed: b.failed, Deferred: b.deferred, Total: b.total,
		Elapsed: now.Sub(b.start)}
	if p.Total < p.Done() {
		p.Total = p.Done()
	}
	if secs := p.Elapsed.Seconds(); secs > 0 && p.Done() > 0 {
		p.Rate = float64(p.Done()) / secs
		p.Left = time.Duration(float64(p.Total-p.Done()) / p.Rate * float64(time.Second))
	}
	return p
}

func (d *dispatch) endBatch(now time.Time) {
	if !d.batch.active {
		return
	}
	b := d.batch
	d.s.log.Info("outbox: batch done", "sent", b.sent, "failed", b.failed, "deferred", b.deferred,
		"elapsed", now.Sub(b.start))
	d.batch = batchStats{}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// outcome is what became of a row.
type outcome int

const (
	outcomeSent outcome = iota + 1
	outcomeDeferred
	outcomeFailed
)

type job struct {
	row     store.Outgoing
	release func() // the virtual clock's hold; nil on the real clock
}

type result struct {
	worker    int
	row       store.Outgoing
	outcome   outcome
	reason    string
	next      time.Time // deferred: the next attempt
	connErr   error     // the connection could not be opened
	connected bool      // the connection was open when the message was tried
	signIn    error     // the connection could not be signed in: the row was not tried
	signedIn  bool      // a new connection was opened and signed in for the row
	fatal     error     // the outcome could not be recorded
	// ready: the server took the message and its outcome waits for a commit; the worker is
	// free for the next message, the row still in flight (its outcome comes later).
	ready bool
	// earlier: the outcome of a message reported ready before. The ready result made the
	// worker idle; this one must not again, since it may have been handed the next message.
	earlier bool
}
