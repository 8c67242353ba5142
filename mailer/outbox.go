package mailer

// The outbox worker. Every message rsvpd sends is a row of the store's outbox, written in the
// transaction of its cause; the Sender turns due rows into SMTP transactions and records each
// outcome right after the server answered, so that a crash resends at most the one message in
// flight on each connection and loses none.
//
// The shape follows mox's queue: one loop (the dispatcher) owns all decisions about time. It
// reads due rows, hands them one by one to a small pool of connection workers, and otherwise
// waits on the clock until the next attempt stored in the database, a Kick, or a worker's
// result. Workers never wait on the clock; they only talk SMTP and write the outcome. That is
// also what lets a virtual clock drive the sender: the dispatcher is the only participant, and
// a message in flight holds the clock so that no time passes while it is being delivered.
//
// go-mail composes the message and opens the connection (greeting, EHLO, STARTTLS, AUTH); the
// worker runs each mail transaction itself on that connection (transact): the message encoded
// beforehand and written at once, MAIL FROM, RCPT TO and DATA pipelined when the server offers
// PIPELINING, no NOOP or RSET between messages. That halves the time per message against
// go-mail's Send, and it knows which step an error came from.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/store"
)

// Renderer turns an outbox row into the message to send: headers, body and attachments. The
// Sender adds only what the SMTP envelope needs (the To address when none is set, the
// Message-ID of the row and a Date when missing, the envelope sender when configured) and
// checks that the message has exactly the row's one recipient.
type Renderer interface {
	Render(ctx context.Context, row store.Outgoing) (*mail.Msg, error)
}

// SenderClock is the time the Sender runs on: clock.Real() in the daemon, a *clock.Virtual in
// tests, simulate and the demo. Wait must return early when the signal is notified (Kick and
// finished messages use it).
type SenderClock interface {
	Now() time.Time
	Wait(ctx context.Context, until time.Time, s clock.Signal) error
	NewSignal() clock.Signal
}

// clockHolder is implemented by the virtual clock: a message in flight holds it, so that
// simulated time does not move while the message is with the SMTP server.
type clockHolder interface {
	Hold() (release func())
}

// The TLS modes of SenderOptions.TLS.
const (
	SMTPTLSNone     = "none"     // plain SMTP (loopback test servers only)
	SMTPTLSStartTLS = "starttls" // STARTTLS is required; the default
	SMTPTLSImplicit = "tls"      // TLS from the first byte (SMTPS, port 465)
)

// SenderOptions configure a Sender. Zero values take the defaults named on each field.
type SenderOptions struct {
	Host string
	// Port defaults to 465 for TLS "tls" and 587 otherwise.
	Port int
	// TLS is "none", "starttls" (default) or "tls".
	TLS string
	// TLSConfig replaces the default (the system roots, ServerName Host).
	TLSConfig *tls.Config
	// User and Password authenticate with SMTP AUTH PLAIN when User is set; go-mail sends the
	// password only over TLS or to localhost.
	User, Password string
	// HELO is the name given in EHLO; default the machine's host name.
	HELO string
	// EnvelopeFrom is the SMTP MAIL FROM (where bounces go); default the message's From.
	EnvelopeFrom string

	// Concurrency is the number of SMTP connections, each reused for many messages; default 1.
	Concurrency int
	// Rate limits the messages handed to the server per second; 0 means no limit.
	Rate float64
	// RetryFor is how long after a row was queued a temporary failure is still retried;
	// after that it is a permanent failure. Default 48 hours.
	RetryFor time.Duration
	// BackoffBase and BackoffMax bound the wait before the n-th retry: a random duration
	// (full jitter) up to min(BackoffMax, BackoffBase*2^(n-1)). Defaults 1 minute and 1 hour.
	// The same backoff keeps a connection that could not be opened from being redialled at once.
	BackoffBase, BackoffMax time.Duration
	// Timeout bounds opening a connection (dial, greeting, EHLO, STARTTLS, AUTH) and each
	// message's whole SMTP transaction, so a hung server never blocks a connection for longer.
	// Default 30 seconds.
	Timeout time.Duration
	// BatchSize is how many due rows one read of the store fetches; default 256.
	BatchSize int

	// Clock defaults to clock.Real().
	Clock SenderClock
	// Log defaults to discarding.
	Log *slog.Logger

	// OnSent is called in the transaction that marks the row sent, so what follows from the
	// delivery (an event, the invitee's state) commits with it. If it fails, the row is still
	// marked sent in a transaction of its own and the error is logged: the server has the
	// message, and a row left pending would send it twice.
	OnSent func(tx *store.Tx, row store.Outgoing) error
	// OnFailed is called in the transaction that marks the row failed for good (an SMTP 5xx,
	// a message that cannot be rendered, or retries given up), with the reason. If it fails,
	// the row is still marked failed and the error is logged.
	OnFailed func(tx *store.Tx, row store.Outgoing, reason string) error
	// Progress, when set, is called after every message with the state of the current batch
	// (the messages due since the sender was last idle), for a terminal display.
	Progress func(SendProgress)
}

// SendProgress is how far a batch of sending has come.
type SendProgress struct {
	Sent     int // accepted by the server
	Failed   int // failed for good
	Deferred int // temporary failures, to be retried (they stay in Total)
	// Total is Sent + Failed + the rows pending when the outbox was last read.
	Total   int
	Elapsed time.Duration // on the sender's clock since the batch began
	Rate    float64       // messages done (sent or failed) per second
	Left    time.Duration // estimated time to finish Total at Rate; 0 when unknown
}

// Done is the number of messages finished, sent or failed.
func (p SendProgress) Done() int { return p.Sent + p.Failed }

// String is a one-line display: "42/98 sent, 1 failed, 3 deferred, 12.5/s, 5s left".
func (p SendProgress) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d sent", p.Sent, p.Total)
	if p.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", p.Failed)
	}
	if p.Deferred > 0 {
		fmt.Fprintf(&b, ", %d deferred", p.Deferred)
	}
	if p.Rate > 0 {
		fmt.Fprintf(&b, ", %.1f/s", p.Rate)
	}
	if p.Left > 0 {
		fmt.Fprintf(&b, ", %s left", p.Left.Round(time.Second))
	}
	return b.String()
}

func (o SenderOptions) withDefaults() SenderOptions {
	if o.TLS == "" {
		o.TLS = SMTPTLSStartTLS
	}
	if o.Port == 0 {
		o.Port = 587
		if o.TLS == SMTPTLSImplicit {
			o.Port = 465
		}
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.RetryFor == 0 {
		o.RetryFor = 48 * time.Hour
	}
	if o.BackoffBase == 0 {
		o.BackoffBase = time.Minute
	}
	if o.BackoffMax == 0 {
		o.BackoffMax = time.Hour
	}
	if o.BackoffMax < o.BackoffBase {
		o.BackoffMax = o.BackoffBase
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Validate reports every setting that cannot work, naming it.
func (o SenderOptions) Validate() error {
	var errs []error
	if strings.TrimSpace(o.Host) == "" {
		errs = append(errs, errors.New("smtp host: missing"))
	}
	switch o.TLS {
	case "", SMTPTLSNone, SMTPTLSStartTLS, SMTPTLSImplicit:
	default:
		errs = append(errs, fmt.Errorf("smtp tls: %q is not one of none, starttls, tls", o.TLS))
	}
	if o.Port < 0 || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("smtp port: %d is not a port", o.Port))
	}
	if o.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("smtp concurrency: %d is negative", o.Concurrency))
	}
	if o.Rate < 0 {
		errs = append(errs, fmt.Errorf("smtp rate: %g is negative", o.Rate))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"retry for", o.RetryFor}, {"backoff base", o.BackoffBase}, {"backoff max", o.BackoffMax}, {"timeout", o.Timeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("smtp %s: %s is negative", d.name, d.v))
		}
	}
	return errors.Join(errs...)
}

// Sender is the outbox worker: it sends due outbox rows over a pool of SMTP connections and
// records each outcome in the store. One Run or Drain at a time.
type Sender struct {
	st     *store.Store
	render Renderer
	o      SenderOptions
	clock  SenderClock
	log    *slog.Logger
	wake   clock.Signal // Kick and finished messages wake the dispatcher
	busy   atomic.Bool
	// writeMu serialises the sender's own store writes: SQLite has one writer, and
	// connections queueing in the driver's busy handler sleep for milliseconds.
	writeMu sync.Mutex
	// jitter returns a number in [0, 1) for the backoff; tests replace it.
	jitter func() float64
	// stop is the running Run's or Drain's ctx.Done(): a store that cannot be written is
	// waited for until then.
	stop <-chan struct{}
}

// The wait before writing an outcome again to a store that could not take it: the first,
// doubling up to the last.
const (
	storeRetryFirst = time.Second
	storeRetryMax   = 30 * time.Second
)

// NewSender returns a Sender for the store's outbox. It does not connect yet.
func NewSender(st *store.Store, render Renderer, opts SenderOptions) *Sender {
	o := opts.withDefaults()
	return &Sender{st: st, render: render, o: o, clock: o.Clock, log: o.Log,
		wake: o.Clock.NewSignal(), jitter: rand.Float64}
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

// ErrSenderBusy is returned by Run and Drain while another Run or Drain of the Sender runs.
var ErrSenderBusy = errors.New("send outbox: the sender is already running")

func (s *Sender) run(ctx context.Context, drain bool) error {
	if err := s.o.Validate(); err != nil {
		return fmt.Errorf("send outbox: %w", err)
	}
	if s.st == nil || s.render == nil {
		return errors.New("send outbox: no store or no renderer")
	}
	if !s.busy.CompareAndSwap(false, true) {
		return ErrSenderBusy
	}
	defer s.busy.Store(false)
	s.stop = ctx.Done() // before the workers start, who read it

	d := &dispatch{s: s, drain: drain, inflight: map[int64]bool{},
		results: make(chan sendResult, s.o.Concurrency)}
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

// dispatch is the state of one Run or Drain; only its loop's goroutine touches it.
type dispatch struct {
	s        *Sender
	drain    bool
	workers  []*workerSlot
	results  chan sendResult
	queue    []store.Outgoing // due rows not yet handed out, oldest first
	inflight map[int64]bool   // rows handed out whose outcome is not recorded yet
	interval time.Duration    // 1/Rate; 0 without a rate
	nextSlot time.Time        // when the rate allows the next message
	connErr  error            // the last connection failure
	fatal    error            // the first failure to record an outcome
	batch    batchStats
}

// workerSlot is the dispatcher's view of a worker.
type workerSlot struct {
	w         *sendWorker
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
	if s.o.Progress != nil {
		st, err := s.st.OutboxStats(ctx)
		if err != nil {
			return fmt.Errorf("send outbox: %w", err)
		}
		d.batch.total = d.batch.sent + d.batch.failed + st.Pending
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
		job := sendJob{row: row}
		if canHold {
			job.release = holder.Hold()
		}
		ws.w.jobs <- job // buffered and the worker is idle: never blocks
		if d.interval > 0 {
			d.nextSlot = later(d.nextSlot, now).Add(d.interval)
		}
	}
}

// readyWorker is an idle worker that may take a message now, or -1.
func (d *dispatch) readyWorker(now time.Time) int {
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

func (d *dispatch) apply(r sendResult) {
	s := d.s
	now := s.clock.Now()
	delete(d.inflight, r.row.ID)
	ws := d.workers[r.worker]
	ws.idle = true
	if r.connErr != nil {
		ws.connFails++
		ws.notBefore = now.Add(s.backoff(ws.connFails))
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

func (d *dispatch) progress(now time.Time) SendProgress {
	b := d.batch
	p := SendProgress{Sent: b.sent, Failed: b.failed, Deferred: b.deferred, Total: b.total,
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

// backoff is the wait before the n-th retry (n >= 1): full jitter up to
// min(BackoffMax, BackoffBase*2^(n-1)).
func (s *Sender) backoff(n int) time.Duration {
	ceiling := s.o.BackoffMax
	if n < 1 {
		n = 1
	}
	if n <= 62 {
		if c := s.o.BackoffBase << (n - 1); c > 0 && c < ceiling {
			ceiling = c
		}
	}
	return time.Duration(s.jitter() * float64(ceiling))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sendOutcome is what became of a row.
type sendOutcome int

const (
	outcomeSent sendOutcome = iota + 1
	outcomeDeferred
	outcomeFailed
)

type sendJob struct {
	row     store.Outgoing
	release func() // the virtual clock's hold; nil on the real clock
}

type sendResult struct {
	worker    int
	row       store.Outgoing
	outcome   sendOutcome
	reason    string
	next      time.Time // deferred: the next attempt
	connErr   error     // the connection could not be opened
	connected bool      // the connection was open when the message was tried
	fatal     error     // the outcome could not be recorded
}

// sendWorker owns one SMTP connection and delivers the messages handed to it, one at a time.
type sendWorker struct {
	s       *Sender
	id      int
	jobs    chan sendJob
	client  *mail.Client   // configuration only; the connection is conn
	conn    *gmsmtp.Client // nil when not connected
	raw     net.Conn       // the connection being opened, closed when the handshake fails
	tlsConf *tls.Config
	used    time.Time    // wall time of the last transaction, to check an idle connection
	buf     bytes.Buffer // the encoded message, reused from one message to the next
}

// idleCheck is how long a connection may sit unused before it is checked with NOOP: servers
// drop idle clients (Postfix after 300 s), and a message should not pay for finding that out.
const idleCheck = 10 * time.Second

func (s *Sender) newWorker(id int) (*sendWorker, error) {
	w := &sendWorker{s: s, id: id, jobs: make(chan sendJob, 1)}
	o := s.o
	tlsConf := &tls.Config{ServerName: o.Host, MinVersion: tls.VersionTLS12}
	if o.TLSConfig != nil {
		tlsConf = o.TLSConfig.Clone()
		if tlsConf.ServerName == "" {
			tlsConf.ServerName = o.Host // STARTTLS verifies against it
		}
	}
	opts := []mail.Option{
		mail.WithPort(o.Port),
		mail.WithTimeout(o.Timeout),
		mail.WithTLSConfig(tlsConf),
		// go-mail opens the connection (greeting, EHLO, STARTTLS, AUTH); the worker runs the
		// transactions itself (transact).
		mail.WithDialContextFunc(w.dialRaw),
	}
	switch o.TLS {
	case SMTPTLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case SMTPTLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case SMTPTLSImplicit:
		// The dialler does the TLS handshake (dialRaw); go-mail must not try STARTTLS.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if o.HELO != "" {
		opts = append(opts, mail.WithHELO(o.HELO))
	}
	if o.User != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(o.User),
			mail.WithPassword(o.Password))
	}
	c, err := mail.NewClient(o.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("send outbox: smtp client for %s: %w", o.Host, err)
	}
	w.client, w.tlsConf = c, tlsConf
	return w, nil
}

// dialRaw opens the TCP (or TLS) connection and remembers it, so that a connection whose SMTP
// handshake fails is closed (go-mail leaves it open).
func (w *sendWorker) dialRaw(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := &net.Dialer{}
	var (
		c   net.Conn
		err error
	)
	if w.s.o.TLS == SMTPTLSImplicit {
		td := &tls.Dialer{NetDialer: nd, Config: w.tlsConf}
		c, err = td.DialContext(ctx, network, addr)
	} else {
		c, err = nd.DialContext(ctx, network, addr)
	}
	w.raw = c
	return c, err
}

func (w *sendWorker) run(ctx context.Context, results chan<- sendResult, wake clock.Signal) {
	defer w.hangUp()
	for job := range w.jobs {
		r := w.deliver(ctx, job.row)
		r.worker, r.row = w.id, job.row
		results <- r
		wake.Notify()
		if job.release != nil {
			job.release() // after Notify: the dispatcher is awake before the clock may move
		}
	}
}

// deliver renders, sends and records one row.
func (w *sendWorker) deliver(ctx context.Context, row store.Outgoing) (r sendResult) {
	s := w.s
	defer func() {
		if p := recover(); p != nil {
			r = sendResult{fatal: fmt.Errorf("send %s: panic: %v", row.Key, p)}
		}
	}()
	msg, err := s.renderRow(ctx, row)
	if err != nil {
		return s.recordFailed(row, err.Error())
	}
	env, err := s.prepare(msg, row)
	if err != nil {
		return s.recordFailed(row, err.Error())
	}
	// The message is encoded before the transaction starts: go-mail writing its MIME parts
	// straight into the DATA stream costs twice the time of one write of the finished bytes,
	// and a message that cannot be encoded should fail before the server sees anything.
	w.buf.Reset()
	if _, err := msg.WriteTo(&w.buf); err != nil {
		return s.recordFailed(row, fmt.Sprintf("message %s: encode: %v", row.Key, err))
	}
	env.eightBit = msg.Encoding() == mail.NoEncoding.String()
	dialFailed, err := w.send(env, w.buf.Bytes())
	if dialFailed {
		r = s.recordDeferred(row, err.Error())
		r.connErr = err
		return r
	}
	if err == nil {
		r = s.recordSent(row)
		r.connected = true
		return r
	}
	if permanentSendError(err) {
		r = s.recordFailed(row, smtpReason(err))
	} else {
		r = s.recordDeferred(row, smtpReason(err))
	}
	r.connected = true
	return r
}

// renderRow calls the renderer, turning a panic into an error for that row alone.
func (s *Sender) renderRow(ctx context.Context, row store.Outgoing) (msg *mail.Msg, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("render %s: panic: %v", row.Key, p)
		}
	}()
	rctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	msg, err = s.render.Render(rctx, row)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", row.Key, err)
	}
	if msg == nil {
		return nil, fmt.Errorf("render %s: no message", row.Key)
	}
	return msg, nil
}

// envelope is what the SMTP transaction needs besides the message's bytes.
type envelope struct {
	from, to string // as go-mail writes them in MAIL FROM and RCPT TO: <addr>
	eightBit bool   // the message is not 7-bit encoded: the server must offer 8BITMIME
}

// prepare adds the envelope details and checks that the message goes to the row's recipient
// alone: one refused recipient would sink a message for all, and a second recipient would be
// a second message the outbox knows nothing about.
func (s *Sender) prepare(msg *mail.Msg, row store.Outgoing) (envelope, error) {
	var rcpts []string
	for _, list := range [][]*netmail.Address{msg.GetTo(), msg.GetCc(), msg.GetBcc()} {
		for _, a := range list {
			rcpts = append(rcpts, a.Address)
		}
	}
	switch {
	case len(rcpts) == 0:
		if err := msg.To(row.Recipient); err != nil {
			return envelope{}, fmt.Errorf("message %s: recipient %q: %w", row.Key, row.Recipient, err)
		}
	case len(rcpts) != 1 || !strings.EqualFold(rcpts[0], row.Recipient):
		return envelope{}, fmt.Errorf("message %s: one recipient per message: the message is addressed to %s, the outbox row to %s",
			row.Key, strings.Join(rcpts, ", "), row.Recipient)
	}
	if msg.GetMessageID() == "" && row.MessageID != "" {
		msg.SetMessageIDWithValue(strings.Trim(row.MessageID, "<>"))
	}
	if len(msg.GetGenHeader(mail.HeaderDate)) == 0 {
		msg.SetDateWithValue(s.clock.Now())
	}
	if s.o.EnvelopeFrom != "" {
		if err := msg.EnvelopeFrom(s.o.EnvelopeFrom); err != nil {
			return envelope{}, fmt.Errorf("message %s: envelope sender %q: %w", row.Key, s.o.EnvelopeFrom, err)
		}
	}
	from, err := msg.GetSender(false)
	if err != nil {
		return envelope{}, fmt.Errorf("message %s: no sender: %w", row.Key, err)
	}
	to, err := msg.GetRecipients()
	if err != nil || len(to) != 1 {
		return envelope{}, fmt.Errorf("message %s: recipient %q: %v", row.Key, row.Recipient, err)
	}
	return envelope{from: from, to: to[0]}, nil
}

// send delivers the message over the worker's connection, opening it when needed.
// dialFailed reports that the connection could not be opened (the message was not tried).
func (w *sendWorker) send(env envelope, data []byte) (dialFailed bool, err error) {
	reused := w.conn != nil
	if reused && time.Since(w.used) > idleCheck && !w.alive() {
		w.drop()
		reused = false
	}
	if w.conn == nil {
		if err := w.dial(); err != nil {
			return true, err
		}
	}
	err = w.transact(env, data)
	if err != nil && reused && staleConnection(err) {
		// The server closed the connection while it was idle; the message never left.
		w.drop()
		if err := w.dial(); err != nil {
			return true, err
		}
		err = w.transact(env, data)
	}
	w.used = time.Now()
	if err != nil && mustReconnect(err) {
		w.drop()
	}
	return false, err
}

// transact is one SMTP mail transaction within Timeout: MAIL FROM, RCPT TO and DATA, sent
// together when the server offers PIPELINING (RFC 2920: one round trip instead of three),
// then the message. A refusal before the data leaves the session clean (RSET) for the next
// message.
func (w *sendWorker) transact(env envelope, data []byte) error {
	c := w.conn
	if err := c.UpdateDeadline(w.s.o.Timeout); err != nil {
		return &smtpStepError{"set deadline", err}
	}
	eightBitMIME, _ := c.Extension("8BITMIME")
	if env.eightBit && !eightBitMIME {
		return &smtpStepError{"MAIL FROM", errNo8BitMIME}
	}
	if strings.ContainsAny(env.from+env.to, "\r\n") {
		return &smtpStepError{"MAIL FROM", errors.New("line break in an address")}
	}
	mailCmd := "MAIL FROM:" + env.from
	if eightBitMIME {
		mailCmd += " BODY=8BITMIME"
	}
	if utf8, _ := c.Extension("SMTPUTF8"); utf8 && !isASCII(env.from+env.to) {
		mailCmd += " SMTPUTF8"
	}
	steps := [...]struct {
		name, cmd string
		expect    int
	}{{"MAIL FROM", mailCmd, 250}, {"RCPT TO", "RCPT TO:" + env.to, 25}, {"DATA", "DATA", 354}}
	pipelining, _ := c.Extension("PIPELINING")
	tw := c.Text.Writer.W
	var failed error
	dataOpen := false // the server answered DATA with 354
	for i, st := range steps {
		if _, err := tw.WriteString(st.cmd + "\r\n"); err != nil {
			return &smtpStepError{st.name, err}
		}
		if pipelining && i < len(steps)-1 {
			continue // the next command goes in the same packet
		}
		if err := tw.Flush(); err != nil {
			return &smtpStepError{st.name, err}
		}
		// Read the answers owed so far: all three when pipelining, else this one.
		first := i
		if pipelining {
			first = 0
		}
		for _, rd := range steps[first : i+1] {
			_, _, err := c.Text.ReadResponse(rd.expect)
			if err == nil {
				dataOpen = rd.name == "DATA"
				continue
			}
			if smtpCode(err) == 0 {
				return &smtpStepError{rd.name, err} // no reply: the connection is gone
			}
			if failed == nil {
				failed = &smtpStepError{rd.name, err}
			}
		}
		if failed != nil {
			break
		}
	}
	if failed != nil {
		if dataOpen {
			// A pipelined DATA was taken although a command before it failed: end the
			// empty message so that the session stays in step (RFC 2920, 3.1).
			if _, err := tw.WriteString(".\r\n"); err == nil && tw.Flush() == nil {
				_, _, _ = c.Text.ReadResponse(0)
			}
		}
		_ = c.Reset()
		return failed
	}
	if err := writeData(tw, data); err != nil {
		return &smtpStepError{"message data", err}
	}
	if _, _, err := c.Text.ReadResponse(250); err != nil {
		return &smtpStepError{"end of data", err}
	}
	return nil
}

// writeData writes a message as the DATA of SMTP (RFC 5321, 4.5.2): a dot doubled at the start
// of a line, then the line with a single dot. go-mail writes CRLF line ends, so a message is
// written in a few large pieces; one with a bare CR or LF goes through textproto's DotWriter,
// which makes every line end CRLF (byte by byte, at a third of the speed).
func writeData(w *bufio.Writer, data []byte) error {
	crlf := bytes.Count(data, []byte("\r\n"))
	if bytes.Count(data, []byte("\n")) != crlf || bytes.Count(data, []byte("\r")) != crlf {
		dw := textproto.NewWriter(w).DotWriter()
		if _, err := dw.Write(data); err != nil {
			return err
		}
		return dw.Close()
	}
	if len(data) > 0 && data[0] == '.' {
		w.WriteByte('.')
	}
	for {
		i := bytes.Index(data, []byte("\r\n."))
		if i < 0 {
			break
		}
		w.Write(data[:i+2])
		w.WriteByte('.')
		data = data[i+2:] // the line's own dot follows
	}
	w.Write(data)
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		w.WriteString("\r\n")
	}
	w.WriteString(".\r\n")
	return w.Flush() // a write error stays in w and comes back here
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// errNo8BitMIME: the message has 8-bit parts and the server cannot take them.
var errNo8BitMIME = errors.New("the message is 8-bit and the server does not offer 8BITMIME")

// smtpStepError is an SMTP error with the step of the transaction it happened in.
type smtpStepError struct {
	step string
	err  error
}

func (e *smtpStepError) Error() string { return e.step + ": " + e.err.Error() }
func (e *smtpStepError) Unwrap() error { return e.err }

func (w *sendWorker) addr() string {
	return net.JoinHostPort(w.s.o.Host, strconv.Itoa(w.s.o.Port))
}

func (w *sendWorker) dial() error {
	ctx, cancel := context.WithTimeout(context.Background(), w.s.o.Timeout)
	defer cancel()
	w.raw = nil
	c, err := w.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if w.raw != nil {
			w.raw.Close()
		}
		w.raw = nil
		return fmt.Errorf("connect to smtp %s: %w", w.addr(), err)
	}
	w.raw = nil
	w.conn = c
	return nil
}

// alive checks an idle connection with NOOP.
func (w *sendWorker) alive() bool {
	if err := w.conn.UpdateDeadline(w.s.o.Timeout); err != nil {
		return false
	}
	return w.conn.Noop() == nil
}

// drop closes a connection that cannot be trusted any more, without QUIT.
func (w *sendWorker) drop() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// hangUp ends the connection politely.
func (w *sendWorker) hangUp() {
	if w.conn == nil {
		return
	}
	if err := w.conn.UpdateDeadline(w.s.o.Timeout); err == nil {
		_ = w.conn.Quit()
	}
	w.conn.Close()
	w.conn = nil
}

// smtpCode is the SMTP reply code in err, 0 when there is none (a network error, a timeout,
// an error of our own).
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode()
	}
	return 0
}

// permanentSendError: the server refused the message for good (5xx), or it cannot be sent to
// this server at all (8-bit data without 8BITMIME). Everything else (4xx, network errors,
// timeouts, errors without an SMTP code) is worth another attempt.
func permanentSendError(err error) bool {
	if errors.Is(err, errNo8BitMIME) {
		return true
	}
	code := smtpCode(err)
	return code >= 500 && code < 600
}

// staleConnection: the first command of a transaction failed without an SMTP reply.
func staleConnection(err error) bool {
	var se *smtpStepError
	return errors.As(err, &se) && se.step == "MAIL FROM" && smtpCode(err) == 0 && !errors.Is(err, errNo8BitMIME)
}

// mustReconnect: after a network error or timeout the session is in an unknown state, and a
// 421 means the server is closing it.
func mustReconnect(err error) bool {
	if errors.Is(err, errNo8BitMIME) {
		return false
	}
	code := smtpCode(err)
	return code == 0 || code == 421
}

// smtpReason is the error as stored with the row: the step and the server's reply.
func smtpReason(err error) string {
	return "smtp " + err.Error()
}

// recordSent marks the row sent, with OnSent in the same transaction.
func (s *Sender) recordSent(row store.Outgoing) sendResult {
	now := s.clock.Now()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.persist(row, "sent", func(tx *store.Tx) error {
		if err := tx.MarkSent(row.ID, now); err != nil {
			return err
		}
		if s.o.OnSent != nil {
			return s.o.OnSent(tx, row)
		}
		return nil
	})
	if err != nil && s.o.OnSent != nil && !store.Unavailable(err) {
		s.log.Error("outbox: recording a sent message with its consequences failed; marking it sent alone",
			"key", row.Key, "err", err)
		err = s.persist(row, "sent", func(tx *store.Tx) error { return tx.MarkSent(row.ID, now) })
	}
	if err != nil {
		return sendResult{fatal: fmt.Errorf("send outbox: record %s sent: %w", row.Key, err)}
	}
	return sendResult{outcome: outcomeSent}
}

// recordFailed marks the row failed for good, with OnFailed in the same transaction.
func (s *Sender) recordFailed(row store.Outgoing, reason string) sendResult {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.persist(row, "failed", func(tx *store.Tx) error {
		if err := tx.Fail(row.ID, reason); err != nil {
			return err
		}
		if s.o.OnFailed != nil {
			return s.o.OnFailed(tx, row, reason)
		}
		return nil
	})
	if err != nil && s.o.OnFailed != nil && !store.Unavailable(err) {
		s.log.Error("outbox: recording a failed message with its consequences failed; marking it failed alone",
			"key", row.Key, "err", err)
		err = s.persist(row, "failed", func(tx *store.Tx) error { return tx.Fail(row.ID, reason) })
	}
	if err != nil {
		return sendResult{fatal: fmt.Errorf("send outbox: record %s failed: %w", row.Key, err)}
	}
	return sendResult{outcome: outcomeFailed, reason: reason}
}

// persist writes a message's outcome. The server has the message, or has refused it: an
// outcome that is lost would send it again on the next start. So while the store cannot be
// written for now (another process holds its lock, its disk is full) the worker keeps the
// outcome and tries again, after 1 s doubling to 30 s, with one error in the log each time;
// the other workers wait at writeMu meanwhile, so nothing more is sent. It returns the error
// at once when it can never pass, and after the attempt that fails once the sender has been
// told to stop (the operator stops a daemon whose store is gone; the message may then go
// again on the next start).
func (s *Sender) persist(row store.Outgoing, outcome string, write func(tx *store.Tx) error) error {
	wait := storeRetryFirst
	for failures := 0; ; failures++ {
		// Background: the server has the message, so the outcome is recorded even while
		// shutting down.
		err := s.st.Tx(context.Background(), write)
		if err == nil {
			if failures > 0 {
				s.log.Info("outbox: the store can be written again; outcome recorded", "key", row.Key,
					"outcome", outcome, "failed attempts", failures)
			}
			return nil
		}
		if !store.Unavailable(err) {
			return err
		}
		select {
		case <-s.stop:
			return err
		default:
		}
		s.log.Error("outbox: cannot record a message's outcome; holding it and trying again", "key", row.Key,
			"outcome", outcome, "in", wait, "err", err)
		t := time.NewTimer(wait) // real time: the store's trouble is in the real world
		select {
		case <-t.C:
		case <-s.stop:
			t.Stop()
		}
		wait = min(2*wait, storeRetryMax)
	}
}

// recordDeferred stores the next attempt after a temporary failure, or fails the row when it
// has been retried for RetryFor.
func (s *Sender) recordDeferred(row store.Outgoing, reason string) sendResult {
	now := s.clock.Now()
	var next time.Time
	if !row.CreatedAt.IsZero() {
		deadline := row.CreatedAt.Add(s.o.RetryFor)
		if !now.Before(deadline) {
			return s.recordFailed(row, fmt.Sprintf("gave up after %d attempts in %s: %s",
				row.Attempts+1, now.Sub(row.CreatedAt).Round(time.Second), reason))
		}
		// The last attempt falls on the deadline rather than past it.
		next = now.Add(s.backoff(row.Attempts + 1))
		if next.After(deadline) {
			next = deadline
		}
	} else {
		next = now.Add(s.backoff(row.Attempts + 1))
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.persist(row, "deferred", func(tx *store.Tx) error {
		return tx.Retry(row.ID, next, reason)
	})
	if err != nil {
		return sendResult{fatal: fmt.Errorf("send outbox: record %s deferred: %w", row.Key, err)}
	}
	return sendResult{outcome: outcomeDeferred, reason: reason, next: next}
}
