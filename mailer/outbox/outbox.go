// Package outbox is the outbox worker. Every message rsvpd sends is a row of the store's
// outbox, written in the transaction of its cause; the Sender turns due rows into SMTP
// transactions and records each outcome right after the server answered, so that a crash
// resends at most the one message in flight on each connection and loses none.
//
// The shape follows mox's queue: one loop (the dispatcher, dispatch.go) owns all decisions
// about time. It reads due rows, hands them one by one to a small pool of connection workers
// (worker.go), and otherwise waits on the clock until the next attempt stored in the
// database, a Kick, or a worker's result. Workers never wait on the clock; they only talk
// SMTP and write the outcome (record.go). That is also what lets a virtual clock drive the
// sender: the dispatcher is the only participant, and a message in flight holds the clock so
// that no time passes while it is being delivered.
//
// go-mail composes the message and opens the connection (greeting, EHLO, STARTTLS, AUTH);
// the worker runs each mail transaction on that connection through go-mail's SMTP client
// (Mail, Rcpt, Data), one recipient per message, with the message encoded beforehand and
// written at once, no NOOP or RSET between messages, and the step an error came from kept
// in the stored reason.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/store"
)

// Renderer turns an outbox row into the message to send: headers, body and attachments. The
// Sender adds only what the SMTP envelope needs (the To address when none is set, the
// Message-ID of the row and a Date when missing, the envelope sender when configured) and
// checks that the message has exactly the row's one recipient.
type Renderer interface {
	Render(ctx context.Context, row store.Outgoing) (*mail.Msg, error)
}

// Clock is the time the Sender runs on: clock.Real() in the daemon, a *clock.Virtual in
// tests, simulate and the demo. Wait must return early when the signal is notified (Kick and
// finished messages use it).
type Clock interface {
	Now() time.Time
	Wait(ctx context.Context, until time.Time, s clock.Signal) error
	NewSignal() clock.Signal
}

// clockHolder is implemented by the virtual clock: a message in flight holds it, so that
// simulated time does not move while the message is with the SMTP server.
type clockHolder interface {
	Hold() (release func())
}

// Sender is the outbox worker: it sends due outbox rows over a pool of SMTP connections and
// records each outcome in the store. One Run or Drain at a time.
type Sender struct {
	st     *store.Store
	render Renderer
	o      Options
	clock  Clock
	log    *slog.Logger
	wake   clock.Signal // Kick and finished messages wake the dispatcher
	busy   atomic.Bool
	// writeMu serialises the sender's own store writes: SQLite has one writer, and
	// connections queueing in the driver's busy handler sleep for milliseconds.
	writeMu sync.Mutex
	// group holds the sent messages' outcomes waiting for a commit; committing says that a
	// connection is committing them (commitGrouped).
	groupMu    sync.Mutex
	group      []*grouped
	committing bool
	// backoff spaces the retries of a message and the attempts to open a connection.
	backoff mailer.Backoff
	// stop is the running Run's or Drain's ctx.Done(): a store that cannot be written is
	// waited for until then.
	stop <-chan struct{}
}

// New returns a Sender for the store's outbox. It does not connect yet.
func New(st *store.Store, render Renderer, opts Options) *Sender {
	o := opts.withDefaults()
	return &Sender{st: st, render: render, o: o, clock: o.Clock, log: o.Log,
		wake: o.Clock.NewSignal(), backoff: mailer.Backoff{Base: o.BackoffBase, Max: o.BackoffMax}}
}

// Kick wakes the sender: new rows were queued. It never blocks; kicks while the sender is
// busy are folded into one.
func (s *Sender) Kick() { s.wake.Notify() }

// Run sends due messages until ctx is done. Between batches it sleeps until the next attempt
// stored in the outbox or a Kick. When ctx ends it hands out no new message, lets the ones in
// flight finish (each bounded by Timeout), records them and returns nil. A store that cannot
// be written for now (locked, disk full) stops the sending: the outcome in hand is kept and
// written again until the store takes it, and nothing more goes out meanwhile. Run returns an
// error when the options are invalid, the store cannot be read, or an outcome cannot be
// recorded for a reason that will not pass: a message whose outcome is lost could otherwise
// be sent again and again.
func (s *Sender) Run(ctx context.Context) error { return s.run(ctx, false) }

// Drain sends every message due now, retries included as long as they fall due before the
// outbox is empty, and returns. It returns an error when it stops with messages still due
// because no connection to the server could be opened (they stay queued, each attempt
// recorded), and ctx.Err() when ctx ends first.
func (s *Sender) Drain(ctx context.Context) error { return s.run(ctx, true) }

// ErrBusy is returned by Run and Drain while another Run or Drain of the Sender runs.
var ErrBusy = errors.New("send outbox: the sender is already running")

func (s *Sender) run(ctx context.Context, drain bool) error {
	if err := s.o.Validate(); err != nil {
		return fmt.Errorf("send outbox: %w", err)
	}
	if s.st == nil || s.render == nil {
		return errors.New("send outbox: no store or no renderer")
	}
	if !s.busy.CompareAndSwap(false, true) {
		return ErrBusy
	}
	defer s.busy.Store(false)
	s.stop = ctx.Done() // before the workers start, who read it

	d := &dispatch{s: s, drain: drain, inflight: map[int64]bool{},
		results: make(chan result, s.o.Concurrency)}
	if s.o.Rate > 0 {
		d.interval = time.Duration(float64(time.Second) / s.o.Rate)
	}
	// Workers finish the message in flight after ctx ends: their context is not cancelled.
	wctx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for i := range s.o.Concurrency {
		w, err := s.newWorker(i)
		if err != nil {
			d.stopWorkers(&wg)
			return err
		}
		d.workers = append(d.workers, &workerSlot{w: w, idle: true})
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(wctx, d.results, s.wake)
		}()
	}
	defer d.stopWorkers(&wg)
	return d.loop(ctx)
}
