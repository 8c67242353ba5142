package daemon

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/mailer/inbox"
	"github.com/rsvpd/rsvpd/mailer/outbox"
	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// RunOptions are the parts of a running daemon that differ between live, simulate and demo.
type RunOptions struct {
	Clock clock.Clock
	// Send and Watch turn the SMTP sender and the IMAP watcher on; simulate runs neither.
	Send, Watch bool
	// SMTPPassword and IMAPPassword come from the environment or files, never the config.
	SMTPPassword, IMAPPassword string
	// SMTPSignIn and IMAPSignIn, when set, sign the connections in instead (auth.Credentials
	// of a server signed in to with OAuth2: a fresh token for each connection).
	SMTPSignIn outbox.SignIn
	IMAPSignIn inbox.SignIn
	// DKIM, when set, signs every message sent (mail.dkim).
	DKIM *mail.DKIMSigner
	// Progress reports sending batches for a terminal display.
	Progress func(outbox.Progress)
	// OnJobs is called after every scheduler step that ran, skipped or failed jobs.
	OnJobs func(schedules.Report)
	// Ready is called once every loop has started (on a virtual clock: is its participant).
	Ready func()
	// SenderTweak and WatcherTweak let tests and the demo adjust the options (backoff, ...).
	SenderTweak  func(*outbox.Options)
	WatcherTweak func(*inbox.Options)
	// OnWatcher is given the watcher before it starts, so health checks can read its Stats.
	OnWatcher func(*inbox.Watcher)
}

// Run runs the daemon until ctx ends: the scheduler, the sender, the watcher and the review
// notifications, each in its own goroutine that recovers from panics.
func (e *Engine) Run(ctx context.Context, o RunOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runner, err := schedules.NewRunner(e.c, schedules.RunnerConfig{
		Ledger: e.Ledger(), Clock: o.Clock, Logger: e.log,
		State:  func(ctx context.Context) (schedules.State, error) { return e.Snapshot(ctx) },
		Run:    e.RunJob,
		OnStep: o.OnJobs,
	})
	if err != nil {
		return err
	}
	signIns := newSignInWatch(e)
	var sender *outbox.Sender
	if o.Send {
		sender = outbox.New(e.st, e, e.senderOptions(o, signIns.report("SMTP")))
	}
	kickReviews := o.Clock.NewSignal()
	e.OnQueued(func() {
		if sender != nil {
			sender.Kick()
		}
	})
	e.onChange = func() { runner.Kick(); kickReviews.Notify() }

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	start := func(name string, participant bool, fn func(ctx context.Context) error) {
		wg.Add(1)
		body := func(ctx context.Context) {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs <- fmt.Errorf("%s panicked: %v", name, p)
					cancel()
				}
			}()
			if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}
		// On a virtual clock the loops that wait on it are its participants: time moves on
		// only while all of them wait. The watcher waits on the IMAP server instead.
		if v, ok := o.Clock.(*clock.Virtual); ok && participant {
			v.Go(ctx, body)
		} else {
			go body(ctx)
		}
	}
	start("scheduler", true, runner.Run)
	start("reviews", true, func(ctx context.Context) error { return e.runReviews(ctx, o.Clock, kickReviews) })
	if sender != nil {
		start("sender", true, sender.Run)
	}
	if o.Watch {
		// A message being applied when the daemon stops is finished (one short transaction)
		// rather than rolled back and read again at the next start.
		handle := func(ctx context.Context, id int64) error { return e.HandleInbound(context.WithoutCancel(ctx), id) }
		w := inbox.New(e.st, handle, e.watcherOptions(o, signIns.report("IMAP")))
		if o.OnWatcher != nil {
			o.OnWatcher(w)
		}
		start("watcher", false, w.Run)
	}
	if o.Ready != nil {
		o.Ready()
	}
	wg.Wait()
	close(errs)
	return errors.Join(collect(errs)...)
}

func collect(ch <-chan error) []error {
	var out []error
	for err := range ch {
		out = append(out, err)
	}
	return out
}

// runReviews sends the batched review notifications.
func (e *Engine) runReviews(ctx context.Context, clk clock.Clock, kick clock.Signal) error {
	for {
		next, err := e.NotifyReviews(ctx)
		if err != nil {
			e.log.Error("review notification failed", "err", err)
			next = clk.Now().Add(time.Minute)
		}
		if err := clk.Wait(ctx, next, kick); err != nil {
			return nil
		}
	}
}

// senderOptions are the sender's settings; onSignIn follows its sign-in (signInWatch).
func (e *Engine) senderOptions(o RunOptions, onSignIn func(error)) outbox.Options {
	m := e.cfg.Mail
	so := outbox.Options{
		Host: m.SMTP.Host, Port: m.SMTP.Port, TLS: m.SMTP.TLS, User: m.SMTP.User, Password: o.SMTPPassword,
		SignIn: o.SMTPSignIn, OnSignIn: onSignIn, DKIM: o.DKIM,
		EnvelopeFrom: e.c.Organiser.Email, Concurrency: m.Concurrency, Rate: m.Rate, RetryFor: m.RetryFor,
		Clock: o.Clock, Log: e.log.With("component", "sender"), Progress: o.Progress,
		OnSent:   e.OnSent,
		OnFailed: e.onFailed,
	}
	if o.SenderTweak != nil {
		o.SenderTweak(&so)
	}
	return so
}

// watcherOptions are the watcher's settings; onSignIn follows its sign-in (signInWatch).
func (e *Engine) watcherOptions(o RunOptions, onSignIn func(error)) inbox.Options {
	m := e.cfg.Mail
	wo := inbox.Options{
		Host: m.IMAP.Host, Port: m.IMAP.Port, TLS: m.IMAP.TLS, User: m.IMAP.User, Password: o.IMAPPassword,
		SignIn: o.IMAPSignIn, OnSignIn: onSignIn,
		Mailbox: m.Inbox, Processed: m.Processed, Poll: m.Poll, Log: e.log.With("component", "watcher"),
		Clock: o.Clock,
		// As the single handler: the batch being applied when the daemon stops is finished.
		HandleBatch: func(ctx context.Context, ids []int64) []error {
			return e.HandleInbounds(context.WithoutCancel(ctx), ids)
		},
	}
	if o.WatcherTweak != nil {
		o.WatcherTweak(&wo)
	}
	return wo
}

// OnSent is the sender's OnSent (outbox.Options): in the transaction that marks the row sent
// it keeps what the letter said and logs the SHA-256 of an agreement PDF that went out. The
// row itself (status sent, sent_at, message_id) is the record that the message went: no
// "sent" event repeats it (100,000 of them for the invitations alone, read by nothing).
func (e *Engine) OnSent(tx *store.Tx, row store.Outgoing) error {
	now := e.clock.Now()
	if err := e.recordSent(tx, row); err != nil {
		return err
	}
	sum, ok := e.pdfSums.Load(row.ID)
	if !ok {
		return nil
	}
	tx.OnCommit(func() { e.pdfSums.CompareAndDelete(row.ID, sum) })
	if err := tx.Log(store.Event{At: now, Invitee: inviteeOf(row), Kind: "agreement_pdf", Cause: "outbox:" + row.Key,
		Detail: map[string]any{"sha256": sum}}); err != nil {
		return err
	}
	st, err := e.state(tx, row.Invitee)
	if err != nil || st.AgreementSHA256 == sum {
		return err
	}
	st.AgreementSHA256 = sum.(string)
	return tx.PutState(st)
}

// onFailed marks the invitee undeliverable when its own address failed for good, and tells
// the staff, in the transaction that fails the row.
func (e *Engine) onFailed(tx *store.Tx, row store.Outgoing, reason string) error {
	now := e.clock.Now()
	e.composed.Delete(row.ID) // it will not be sent: nothing to keep
	e.pdfSums.Delete(row.ID)
	code := inviteeOf(row)
	if err := tx.Log(store.Event{At: now, Invitee: code, Kind: "failed", Cause: "outbox:" + row.Key,
		Detail: map[string]any{"kind": row.Kind, "to": row.Recipient, "reason": reason}}); err != nil {
		return err
	}
	inv, ok := e.c.Invitee(code)
	if !ok {
		return nil
	}
	st, err := e.state(tx, code)
	if err != nil || row.Recipient != e.addressed(inv, st).Email {
		return err // a copy to another sender, or a letter to an address changed since
	}
	if st.Delivery != campaign.DeliveryUndeliverable {
		after := st
		after.Delivery, after.UpdatedAt = campaign.DeliveryUndeliverable, now
		if err := tx.PutState(after); err != nil {
			return err
		}
	}
	why := campaign.Reason{Code: campaign.ReasonUndeliverable, Letter: row.Kind, Address: row.Recipient, Detail: reason}
	return e.addReview(tx, 0, code, why, "outbox:"+row.Key, now)
}

func inviteeOf(row store.Outgoing) string {
	if row.Invitee == staffCode {
		return ""
	}
	return row.Invitee
}
