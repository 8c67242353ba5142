// Package inbox is the IMAP watcher: it reads the replies from a mailbox into the store's
// inbound ledger, hands each to the daemon, and moves (or flags) what it has finished
// (watcher.go), over one IMAP session at a time (session.go) with go-imap v2.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/store"
)

// The keywords the watcher sets on a message it has finished: $rsvpd on every one (with
// \Seen), $rsvpd-toolarge on one it refused to read.
const (
	Keyword         = imap.Flag("$rsvpd")
	KeywordTooLarge = imap.Flag("$rsvpd-toolarge")
)

// Watcher reads replies from an IMAP mailbox into the inbound ledger and hands each to the
// handler. For every message above the stored position, in UID order, it
//
//  1. fetches the raw message with BODY.PEEK[] (nothing is marked seen before it is applied),
//  2. stores it with Store.AddInbound (a message the ledger already holds is not stored again),
//  3. calls handle with the ledger id, unless the ledger says it was handled before,
//  4. moves it to the processed mailbox (or flags it), and
//  5. stores the new position.
//
// A crash between any two steps repeats the steps after it and no more: the ledger remembers
// what was handled, the handler skips a row it has handled (and a second copy of a
// Message-ID), and the position only saves searching. A handler error leaves the message in
// the mailbox and the position below it; it is retried with backoff while the other messages
// go on. A new UIDVALIDITY starts the mailbox from the beginning; the ledger's Message-IDs keep
// what was applied from being applied again.
//
// Between passes the watcher IDLEs (or polls when the server has no IDLE). New mail wakes it;
// so does Kick. Every command runs under a deadline; a lost or silent connection is made again
// with exponential backoff and jitter.
type Watcher struct {
	st     *store.Store
	handle func(ctx context.Context, inboundID int64) error
	o      Options
	log    *slog.Logger
	clk    clock.Clock
	wake   chan struct{}
	// backoff spaces the attempts to connect again and the retries of a message.
	backoff mailer.Backoff

	// retries holds the messages of the current UIDVALIDITY that failed, by UID, and finished
	// those finished above the position (which stays below a message that failed), so that a
	// pass does not take them again. Only Run's goroutine touches them.
	retries     map[imap.UID]*retry
	finished    map[imap.UID]bool
	retriesUVal uint32
	// signInFails counts the sign-ins that failed in a row, since signInSince (Run's
	// goroutine only): the log tells of an outage once, and of its end.
	signInFails int
	signInSince time.Time

	connects, reconnects, connectFailures, handled, handleErrors, tooLarge atomic.Int64
}

// retry is a message that could not be finished yet.
type retry struct {
	id       int64 // its ledger row, once stored (0 before)
	attempts int
	next     time.Time
}

// New returns a watcher that stores what it reads in st and hands each message to
// handle. handle reads and applies the ledger row in one transaction; it returns nil when the
// message is finished (applied, a duplicate, or recorded as failed because it cannot be read)
// and an error only when it should be tried again (a store error).
func New(st *store.Store, handle func(ctx context.Context, inboundID int64) error, opts Options) *Watcher {
	o := opts.withDefaults()
	return &Watcher{
		st:       st,
		handle:   handle,
		o:        o,
		log:      o.Log.With("mailbox", o.Mailbox),
		clk:      o.Clock,
		wake:     make(chan struct{}, 1),
		backoff:  mailer.Backoff{Base: o.BackoffBase, Max: o.BackoffMax},
		retries:  map[imap.UID]*retry{},
		finished: map[imap.UID]bool{},
	}
}

// Kick asks the watcher to search the mailbox now, as new mail does. It never blocks.
func (w *Watcher) Kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Stats returns the watcher's counters.
func (w *Watcher) Stats() Stats {
	return Stats{
		Connects:        w.connects.Load(),
		Reconnects:      w.reconnects.Load(),
		ConnectFailures: w.connectFailures.Load(),
		Handled:         w.handled.Load(),
		HandleErrors:    w.handleErrors.Load(),
		TooLarge:        w.tooLarge.Load(),
	}
}

// Run watches the mailbox until ctx ends, then returns nil. It returns an error at once only
// for options that cannot work (an unknown TLS mode, no host); every other failure (a refused
// login, a lost connection, a store error) is logged and retried.
func (w *Watcher) Run(ctx context.Context) error {
	if err := w.o.Validate(); err != nil {
		return err
	}
	w.handleLeftovers(ctx)
	var (
		failures int       // sessions failed since the last ready one
		lostAt   time.Time // when the last ready session was lost
	)
	for {
		s := &session{w: w, failures: failures, lostAt: lostAt}
		err := s.run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errRenew) {
			// Planned: the next session signs in with a new token at once. Nothing was lost.
			w.log.Debug("renewing the IMAP session before its token expires", "server", w.o.addr())
			failures, lostAt = 0, time.Time{}
			continue
		}
		w.connectFailures.Add(1)
		if s.ready {
			lostAt = time.Now()
		}
		// The backoff starts over only after a session that got as far as a whole pass: a
		// server that accepts the login and then fails every time must not be hammered.
		if s.synced {
			failures = 0
		}
		failures++
		delay := w.backoff.Wait(failures)
		if auth.IsSignInError(err) {
			delay = w.signInFailed(err, failures)
		} else {
			w.log.Warn("IMAP session ended; connecting again", "server", w.o.addr(), "in", delay.Round(time.Millisecond),
				"attempt", failures, "err", err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// handleLeftovers hands over ledger rows of this mailbox that were stored but not handled
// (the process stopped between the two), so that none waits for its message to be seen
// again: under a new UIDVALIDITY it would come back as a new row. The rows are listed without
// their raw bytes, which the handler reads, one row at a time.
func (w *Watcher) handleLeftovers(ctx context.Context) {
	rows, err := w.st.NewInbound(ctx, w.o.Mailbox)
	if err != nil {
		w.log.Error("read unhandled ledger rows", "err", err)
		return
	}
	for _, in := range rows {
		if err := w.handle(ctx, in.ID); err != nil {
			w.handleErrors.Add(1)
			w.log.Error("handle stored message", "inbound", in.ID, "uid", in.UID, "message_id", in.MessageID, "err", err)
		}
	}
}

// handleBatch hands ids to Options.HandleBatch, or one by one to the handler those the
// ledger holds as new. HandleBatch reads each row's status itself, in the write that begins
// it, and leaves alone a row handled before: a status read here as well would be a second
// read of the same rows with nothing between the two that writes them.
func (w *Watcher) handleBatch(ctx context.Context, ids []int64) []error {
	if len(ids) == 0 {
		return nil
	}
	if w.o.HandleBatch != nil {
		return w.o.HandleBatch(ctx, ids)
	}
	errs := make([]error, len(ids))
	statuses, err := w.st.InboundStatuses(ctx, ids)
	for i, id := range ids {
		switch {
		case err != nil:
			errs[i] = fmt.Errorf("read ledger row %d: %w", id, err)
		case statuses[i] == store.InboundNew:
			errs[i] = w.handle(ctx, id)
		}
	}
	return errs
}

// retryDue reports whether a message that failed may be tried now.
func (w *Watcher) retryDue(uid imap.UID, now time.Time) bool {
	r := w.retries[uid]
	return r == nil || !now.Before(r.next)
}

// failed records that a message could not be finished; it is tried again after a backoff.
func (w *Watcher) failed(uid imap.UID, id int64, now time.Time) time.Duration {
	r := w.retries[uid]
	if r == nil {
		r = &retry{}
		w.retries[uid] = r
	}
	if id != 0 {
		r.id = id
	}
	r.attempts++
	d := w.backoff.Wait(r.attempts)
	r.next = now.Add(d)
	w.handleErrors.Add(1)
	return d
}

// nextRetry is when the earliest failed message is due (zero when none is waiting).
func (w *Watcher) nextRetry() time.Time {
	var next time.Time
	for _, r := range w.retries {
		if next.IsZero() || r.next.Before(next) {
			next = r.next
		}
	}
	return next
}

// recordTooLarge marks the ledger row failed and opens a review item, once.
func (w *Watcher) recordTooLarge(ctx context.Context, id, size int64, where string) error {
	reason := fmt.Sprintf("message too large to read: %d bytes, the limit is %d; it was not read and is in the mailbox %s, flagged %s",
		size, w.o.MaxSize, where, KeywordTooLarge)
	return w.st.Tx(ctx, func(tx *store.Tx) error {
		status, err := tx.InboundStatusOf(id)
		if err != nil || status != store.InboundNew {
			return err
		}
		now := w.clk.Now()
		if err := tx.FinishInbound(id, store.InboundFailed, "", reason, now); err != nil {
			return err
		}
		why := campaign.Reason{Code: campaign.ReasonMessageTooLarge, Count: int(size), Detail: where}
		rid, err := tx.AddReview(store.Review{Inbound: id, Why: why, CreatedAt: now})
		if err != nil {
			return err
		}
		return tx.Log(store.Event{At: now, Kind: "review", Cause: fmt.Sprintf("inbound:%d", id),
			Detail: map[string]any{"review": rid, "reason": why}})
	})
}
