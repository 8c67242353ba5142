package mailer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/store"
)

// The keywords the watcher sets on a message it has finished: $rsvpd on every one (with
// \Seen), $rsvpd-toolarge on one it refused to read.
const (
	WatcherKeyword         = imap.Flag("$rsvpd")
	WatcherKeywordTooLarge = imap.Flag("$rsvpd-toolarge")
)

// Defaults of WatcherOptions.
const (
	WatcherDefaultMailbox        = "INBOX"
	WatcherDefaultPoll           = time.Minute
	WatcherDefaultCommandTimeout = 30 * time.Second
	WatcherDefaultIdleRestart    = 10 * time.Minute
	WatcherMaxIdleRestart        = 25 * time.Minute
	WatcherDefaultBackoffMin     = 500 * time.Millisecond
	WatcherDefaultBackoffMax     = 2 * time.Minute
	WatcherDefaultMaxSize        = 25 << 20
)

const (
	// watchHeaderLimit bounds the header kept of a message too large to read.
	watchHeaderLimit = 64 << 10
	// watchMinRate is the slowest transfer (bytes per second) a body fetch is given time for,
	// on top of the command timeout, so a large message on a slow link is not cut off.
	watchMinRate = 256 << 10
)

// WatcherOptions configure a Watcher. Zero values take the defaults named.
type WatcherOptions struct {
	Host string
	Port int    // default 993 for "tls", 143 otherwise
	TLS  string // "none", "starttls" or "tls" (default "tls")
	// TLSConfig adds trusted roots or a server name; nil uses the system's roots and Host.
	TLSConfig *tls.Config
	User      string
	Password  string
	// Mailbox is read for replies (default INBOX). Processed is where finished messages are
	// moved, with "/" between levels whatever the server's separator; it is created when
	// missing. With Processed empty, or when it cannot be created, finished messages stay
	// where they are, flagged \Seen and $rsvpd.
	Mailbox   string
	Processed string
	// Poll is how often the mailbox is searched when the server offers no IDLE (default 1m).
	Poll time.Duration
	// CommandTimeout bounds every command and the connection set-up (default 30s); a server
	// that does not answer in time has its connection closed and is connected to again.
	CommandTimeout time.Duration
	// IdleRestart is how long one IDLE lasts before it is stopped and started again
	// (default 10m, at most 25m: RFC 2177 lets servers drop an IDLE after 30 minutes).
	IdleRestart time.Duration
	// BackoffMin and BackoffMax bound the wait before connecting again after a failure
	// (default 500ms and 2m, doubling with jitter), and before retrying one message.
	BackoffMin time.Duration
	BackoffMax time.Duration
	// MaxSize is the largest message read (default 25 MiB). A larger one is not read: its
	// header is kept in the ledger, which marks it failed with the reason, a review item
	// tells the staff, and it is moved on flagged $rsvpd-toolarge.
	MaxSize int64
	Logger  *slog.Logger
	// Clock stamps ledger rows (default the real clock). Waits use real time: they are spent
	// talking to a real server.
	Clock clock.Clock
	// OnConnect is called (on Run's goroutine; it must not block) each time a session is
	// ready: logged in, the mailbox selected. For metrics and health.
	OnConnect func(WatcherConnect)
}

// WatcherConnect describes a session that became ready.
type WatcherConnect struct {
	// Reconnect is true when an earlier session of the same Run was lost; Down is the time
	// from losing it to this session being ready, Failures the attempts that failed between.
	Reconnect bool
	Down      time.Duration
	Failures  int
	// Idle and Move tell what the server offers; Disposal is what happens to a finished
	// message: "move", "copy" (COPY, \Deleted, EXPUNGE) or "flag"; Processed is the name of
	// the processed mailbox on the server (its hierarchy separator in place of "/"), "" when
	// messages are flagged.
	Idle      bool
	Move      bool
	Disposal  string
	Processed string
}

// WatcherStats are the watcher's counters since it was made.
type WatcherStats struct {
	Connects        int64 // sessions that became ready
	Reconnects      int64 // of those, after a lost session
	ConnectFailures int64 // sessions that failed or were lost
	Handled         int64 // messages finished: handled (or refused) and moved or flagged
	HandleErrors    int64 // messages not finished (handler, ledger or a refused command); retried
	TooLarge        int64 // messages refused for their size
}

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
	o      WatcherOptions
	log    *slog.Logger
	clk    clock.Clock
	wake   chan struct{}

	// retries holds the messages of the current UIDVALIDITY that failed, by UID, and finished
	// those finished above the position (which stays below a message that failed), so that a
	// pass does not take them again. Only Run's goroutine touches them.
	retries     map[imap.UID]*watchRetry
	finished    map[imap.UID]bool
	retriesUVal uint32

	connects, reconnects, connectFailures, handled, handleErrors, tooLarge atomic.Int64
}

// watchRetry is a message that could not be finished yet.
type watchRetry struct {
	id       int64 // its ledger row, once stored (0 before)
	attempts int
	next     time.Time
}

// NewWatcher returns a watcher that stores what it reads in st and hands each message to
// handle. handle reads and applies the ledger row in one transaction; it returns nil when the
// message is finished (applied, a duplicate, or recorded as failed because it cannot be read)
// and an error only when it should be tried again (a store error).
func NewWatcher(st *store.Store, handle func(ctx context.Context, inboundID int64) error, opts WatcherOptions) *Watcher {
	o := opts.withDefaults()
	return &Watcher{
		st:       st,
		handle:   handle,
		o:        o,
		log:      o.Logger.With("mailbox", o.Mailbox),
		clk:      o.Clock,
		wake:     make(chan struct{}, 1),
		retries:  map[imap.UID]*watchRetry{},
		finished: map[imap.UID]bool{},
	}
}

func (o WatcherOptions) withDefaults() WatcherOptions {
	if o.TLS == "" {
		o.TLS = "tls"
	}
	if o.Port == 0 {
		o.Port = 143
		if o.TLS == "tls" {
			o.Port = 993
		}
	}
	if o.Mailbox == "" {
		o.Mailbox = WatcherDefaultMailbox
	}
	watchSetDuration(&o.Poll, WatcherDefaultPoll)
	watchSetDuration(&o.CommandTimeout, WatcherDefaultCommandTimeout)
	watchSetDuration(&o.IdleRestart, WatcherDefaultIdleRestart)
	o.IdleRestart = min(o.IdleRestart, WatcherMaxIdleRestart)
	watchSetDuration(&o.BackoffMin, WatcherDefaultBackoffMin)
	watchSetDuration(&o.BackoffMax, WatcherDefaultBackoffMax)
	o.BackoffMax = max(o.BackoffMax, o.BackoffMin)
	if o.MaxSize <= 0 {
		o.MaxSize = WatcherDefaultMaxSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	return o
}

func watchSetDuration(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

func (o WatcherOptions) validate() error {
	switch o.TLS {
	case "none", "starttls", "tls":
	default:
		return fmt.Errorf("watch %s: unknown TLS mode %q (want none, starttls or tls)", o.Mailbox, o.TLS)
	}
	if o.Host == "" {
		return fmt.Errorf("watch %s: no IMAP host", o.Mailbox)
	}
	if o.Port < 1 || o.Port > 65535 {
		return fmt.Errorf("watch %s: IMAP port %d out of range", o.Mailbox, o.Port)
	}
	return nil
}

func (o WatcherOptions) addr() string { return net.JoinHostPort(o.Host, strconv.Itoa(o.Port)) }

// Kick asks the watcher to search the mailbox now, as new mail does. It never blocks.
func (w *Watcher) Kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Stats returns the watcher's counters.
func (w *Watcher) Stats() WatcherStats {
	return WatcherStats{
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
	if err := w.o.validate(); err != nil {
		return err
	}
	w.handleLeftovers(ctx)
	var (
		failures int       // sessions failed since the last ready one
		lostAt   time.Time // when the last ready session was lost
	)
	for {
		s := &watchSession{w: w, failures: failures, lostAt: lostAt}
		err := s.run(ctx)
		if ctx.Err() != nil {
			return nil
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
		delay := watchJitter(watchBackoff(w.o.BackoffMin, w.o.BackoffMax, failures-1))
		w.log.Warn("IMAP session ended; connecting again", "server", w.o.addr(), "in", delay.Round(time.Millisecond),
			"attempt", failures, "err", err)
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
// again: under a new UIDVALIDITY it would come back as a new row.
func (w *Watcher) handleLeftovers(ctx context.Context) {
	rows, err := w.st.InboundByStatus(ctx, "new")
	if err != nil {
		w.log.Error("read unhandled ledger rows", "err", err)
		return
	}
	for _, in := range rows {
		if in.Mailbox != w.o.Mailbox {
			continue
		}
		if err := w.handle(ctx, in.ID); err != nil {
			w.handleErrors.Add(1)
			w.log.Error("handle stored message", "inbound", in.ID, "uid", in.UID, "message_id", in.MessageID, "err", err)
		}
	}
}

// watchBackoff is min·2^n, at most max.
func watchBackoff(lo, hi time.Duration, n int) time.Duration {
	d := lo
	for i := 0; i < n && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// watchJitter spreads d over [d/2, d], so that clients cut off together do not return together.
func watchJitter(d time.Duration) time.Duration {
	half := d / 2
	return half + rand.N(d-half+1)
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
		r = &watchRetry{}
		w.retries[uid] = r
	}
	if id != 0 {
		r.id = id
	}
	d := watchBackoff(w.o.BackoffMin, w.o.BackoffMax, r.attempts)
	r.attempts++
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

// watchSession is one connection: from dialling to its loss.
type watchSession struct {
	w        *Watcher
	c        *imapclient.Client
	failures int
	lostAt   time.Time

	ready     bool // logged in, mailbox selected
	synced    bool // one whole pass done
	idle      bool
	move      bool
	disposal  string // "move", "copy" or "flag"
	processed string // the processed mailbox's name on the server
	keywords  bool   // the mailbox keeps keywords such as $rsvpd
	pos       store.MailboxPosition
}

// run connects, then searches and waits until the connection fails or ctx ends.
func (s *watchSession) run(ctx context.Context) error {
	w := s.w
	if err := s.connect(ctx); err != nil {
		return err
	}
	defer s.c.Close()
	// Closing the connection is what interrupts a command in flight when the daemon stops.
	stop := context.AfterFunc(ctx, func() { s.c.Close() })
	defer stop()
	if err := s.prepare(ctx); err != nil {
		return err
	}
	s.ready = true
	w.connects.Add(1)
	info := WatcherConnect{Reconnect: !s.lostAt.IsZero(), Failures: s.failures, Idle: s.idle,
		Move: s.move, Disposal: s.disposal, Processed: s.processed}
	if info.Reconnect {
		info.Down = time.Since(s.lostAt)
		w.reconnects.Add(1)
		w.log.Info("IMAP reconnected", "server", w.o.addr(), "down", info.Down.Round(time.Millisecond), "failed_attempts", s.failures)
	}
	w.log.Info("watching mailbox", "server", w.o.addr(), "idle", s.idle, "disposal", s.disposal,
		"processed", s.processed, "uidvalidity", s.pos.UIDValidity, "last_uid", s.pos.LastUID)
	if w.o.OnConnect != nil {
		w.o.OnConnect(info)
	}
	for {
		if err := s.sync(ctx); err != nil {
			return err
		}
		s.synced = true
		if err := s.wait(ctx); err != nil {
			return err
		}
	}
}

// cmd runs one exchange with the server under a deadline. go-imap waits for replies without
// one, so a watchdog closes the connection when d passes; that fails the command.
func (s *watchSession) cmd(op string, d time.Duration, fn func() error) error {
	var fired atomic.Bool
	t := time.AfterFunc(d, func() {
		fired.Store(true)
		s.c.Close()
	})
	err := fn()
	t.Stop()
	if fired.Load() {
		return fmt.Errorf("%s: no answer from the server within %s", op, d)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// connect dials, secures and logs in.
func (s *watchSession) connect(ctx context.Context) error {
	o := s.w.o
	// TCP keepalive finds a peer that vanished without closing (a dropped network) while
	// the connection sits in IDLE, where no command deadline runs.
	dialer := &net.Dialer{Timeout: o.CommandTimeout, KeepAliveConfig: net.KeepAliveConfig{
		Enable: true, Idle: 30 * time.Second, Interval: 10 * time.Second, Count: 3}}
	dctx, cancel := context.WithTimeout(ctx, o.CommandTimeout)
	defer cancel()
	conn, err := dialer.DialContext(dctx, "tcp", o.addr())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", o.addr(), err)
	}
	tlsConfig := o.TLSConfig.Clone()
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = o.Host
	}
	opts := &imapclient.Options{
		TLSConfig: tlsConfig,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			// Never call the client from here (it would deadlock): only wake the loop.
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					s.w.Kick()
				}
			},
		},
	}
	// Until the client exists, the watchdog closes the bare connection.
	guard := time.AfterFunc(o.CommandTimeout, func() { conn.Close() })
	defer guard.Stop()
	switch o.TLS {
	case "tls":
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return fmt.Errorf("TLS with %s: %w", o.addr(), err)
		}
		s.c = imapclient.New(tc, opts)
	case "starttls":
		c, err := imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return fmt.Errorf("STARTTLS with %s: %w", o.addr(), err)
		}
		s.c = c
	default:
		s.c = imapclient.New(conn, opts)
	}
	guard.Stop()
	err = s.cmd("greeting", o.CommandTimeout, s.c.WaitGreeting)
	if err == nil {
		err = s.cmd("login as "+o.User, o.CommandTimeout, func() error { return s.c.Login(o.User, o.Password).Wait() })
	}
	if err != nil {
		s.c.Close()
		return fmt.Errorf("IMAP %s: %w", o.addr(), err)
	}
	return nil
}

// prepare learns the server's capabilities, finds or makes the processed mailbox, selects
// the mailbox read and compares its UIDVALIDITY with the stored position.
func (s *watchSession) prepare(ctx context.Context) error {
	o := s.w.o
	var caps imap.CapSet
	if err := s.cmd("capability", o.CommandTimeout, func() error {
		if caps = s.c.Caps(); caps == nil {
			return errors.New("no capability list")
		}
		return nil
	}); err != nil {
		return err
	}
	s.idle, s.move = caps.Has(imap.CapIdle), caps.Has(imap.CapMove)
	if err := s.findProcessed(); err != nil {
		return err
	}
	var sel *imap.SelectData
	if err := s.cmd("select "+o.Mailbox, o.CommandTimeout, func() (err error) {
		sel, err = s.c.Select(o.Mailbox, nil).Wait()
		return err
	}); err != nil {
		return err
	}
	s.keywords = slices.Contains(sel.PermanentFlags, imap.FlagWildcard) || slices.Contains(sel.PermanentFlags, WatcherKeyword)
	return s.loadPosition(ctx, sel.UIDValidity)
}

// findProcessed decides what happens to a finished message: moved when the processed
// mailbox exists or can be made (by COPY, \Deleted and EXPUNGE where MOVE is missing),
// flagged otherwise.
func (s *watchSession) findProcessed() error {
	o := s.w.o
	s.disposal = "flag"
	if o.Processed == "" {
		return nil
	}
	t := o.CommandTimeout
	var delim []*imap.ListData
	if err := s.cmd("list", t, func() (err error) { delim, err = s.c.List("", "", nil).Collect(); return err }); err != nil {
		return err
	}
	name := o.Processed
	if len(delim) > 0 && delim[0].Delim != 0 && delim[0].Delim != '/' {
		name = strings.ReplaceAll(name, "/", string(delim[0].Delim))
	}
	var found []*imap.ListData
	if err := s.cmd("list "+name, t, func() (err error) { found, err = s.c.List("", name, nil).Collect(); return err }); err != nil {
		return err
	}
	if len(found) == 0 {
		err := s.cmd("create "+name, t, func() error { return s.c.Create(name, nil).Wait() })
		var ie *imap.Error
		if err != nil && !(errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists) {
			if !errors.As(err, &ie) {
				return err // the connection failed, not the request
			}
			s.w.log.Warn("cannot create the processed mailbox; finished messages stay and are flagged", "processed", name, "err", err)
			return nil
		}
		s.w.log.Info("created the processed mailbox", "processed", name)
	}
	s.processed = name
	s.disposal = "copy"
	if s.move {
		s.disposal = "move"
	}
	return nil
}

// loadPosition reads how far the mailbox was read; under another UIDVALIDITY the UIDs mean
// other messages, so reading starts again from the first.
func (s *watchSession) loadPosition(ctx context.Context, uidValidity uint32) error {
	w := s.w
	pos, err := w.st.MailboxPosition(ctx, w.o.Mailbox)
	if err != nil {
		return err
	}
	if pos.UIDValidity != uidValidity {
		if pos.UIDValidity != 0 {
			w.log.Warn("UIDVALIDITY changed: reading the mailbox from its first message; the ledger skips what was applied",
				"old", pos.UIDValidity, "new", uidValidity)
		}
		pos = store.MailboxPosition{UIDValidity: uidValidity}
		if err := w.st.SetMailboxPosition(ctx, w.o.Mailbox, pos); err != nil {
			return err
		}
	}
	if w.retriesUVal != uidValidity {
		w.retries, w.finished, w.retriesUVal = map[imap.UID]*watchRetry{}, map[imap.UID]bool{}, uidValidity
	}
	s.pos = pos
	return nil
}

// sync takes every message above the position, in UID order, and advances the position over
// those finished until the first that is not.
func (s *watchSession) sync(ctx context.Context) error {
	w := s.w
	uids, err := s.search()
	if err != nil || len(uids) == 0 {
		return err
	}
	sizes, err := s.sizes(uids)
	if err != nil {
		return err
	}
	advance := true
	for _, uid := range uids {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		done := w.finished[uid]
		if !done {
			if done, err = s.take(ctx, uid, sizes[uid]); err != nil {
				return err
			}
		}
		if !done {
			advance = false
			continue
		}
		delete(w.retries, uid)
		if !advance {
			w.finished[uid] = true
			continue
		}
		delete(w.finished, uid)
		s.advance(ctx, uid)
	}
	if advance {
		// Everything in the mailbox above the position is done, including messages finished
		// behind one that failed earlier and already moved away.
		if len(w.finished) > 0 {
			s.advance(ctx, slices.Max(slices.Collect(maps.Keys(w.finished))))
		}
	}
	maps.DeleteFunc(w.finished, func(uid imap.UID, _ bool) bool { return uint32(uid) <= s.pos.LastUID })
	return nil
}

// advance stores the position at uid when that is further.
func (s *watchSession) advance(ctx context.Context, uid imap.UID) {
	if uint32(uid) <= s.pos.LastUID {
		return
	}
	s.pos.LastUID = uint32(uid)
	if err := s.w.st.SetMailboxPosition(ctx, s.w.o.Mailbox, s.pos); err != nil {
		// The ledger still knows the message: the worst is one search too many.
		s.w.log.Error("store the mailbox position", "uid", uid, "err", err)
	}
}

// search lists the UIDs above the position. The filter matters: "UID n:*" always matches
// the newest message, even one below n.
func (s *watchSession) search() ([]imap.UID, error) {
	last := imap.UID(s.pos.LastUID)
	criteria := &imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: last + 1, Stop: 0}}}}
	if s.disposal == "flag" && s.keywords {
		criteria.NotFlag = []imap.Flag{WatcherKeyword}
	}
	var data *imap.SearchData
	if err := s.cmd("search", s.w.o.CommandTimeout, func() (err error) {
		// nil options: RETURN (ALL) is refused by IMAP4rev1 servers.
		data, err = s.c.UIDSearch(criteria, nil).Wait()
		return err
	}); err != nil {
		return nil, err
	}
	var uids []imap.UID
	for _, uid := range data.AllUIDs() {
		if uid > last {
			uids = append(uids, uid)
		}
	}
	slices.Sort(uids)
	return uids, nil
}

// sizes fetches the size of each message, so that none larger than MaxSize is read.
func (s *watchSession) sizes(uids []imap.UID) (map[imap.UID]int64, error) {
	set := imap.UIDSetNum(uids...)
	var msgs []*imapclient.FetchMessageBuffer
	if err := s.cmd("fetch sizes", s.w.o.CommandTimeout, func() (err error) {
		msgs, err = s.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
		return err
	}); err != nil {
		return nil, err
	}
	out := make(map[imap.UID]int64, len(msgs))
	for _, m := range msgs {
		out[m.UID] = m.RFC822Size
	}
	return out, nil
}

// take finishes one message. done is false when it must be tried again later; err is
// returned only when the connection failed.
func (s *watchSession) take(ctx context.Context, uid imap.UID, size int64) (done bool, err error) {
	w := s.w
	now := time.Now()
	if !w.retryDue(uid, now) {
		return false, nil
	}
	log := w.log.With("uid", uid)
	var id int64
	if r := w.retries[uid]; r != nil {
		id = r.id
	}
	if id == 0 {
		if size > w.o.MaxSize {
			return s.refuse(ctx, uid, size)
		}
		raw, found, err := s.fetch(uid, &imap.FetchItemBodySection{Peek: true}, size, w.o.MaxSize)
		if err != nil {
			return s.failedCmd(log, uid, 0, "fetch", err)
		}
		if !found {
			log.Warn("message gone from the mailbox before it was read")
			return true, nil
		}
		if int64(len(raw)) > w.o.MaxSize {
			return s.refuse(ctx, uid, int64(len(raw)))
		}
		var added bool
		id, added, err = w.st.AddInbound(ctx, store.Inbound{Mailbox: w.o.Mailbox, UIDValidity: s.pos.UIDValidity,
			UID: uint32(uid), MessageID: watchMessageID(raw), Raw: raw, ReceivedAt: w.clk.Now()})
		if err != nil {
			log.Error("store message in the ledger; trying again", "in", w.failed(uid, 0, now), "err", err)
			return false, nil
		}
		log = log.With("inbound", id, "message_id", watchMessageID(raw))
		if added {
			log.Debug("stored message")
		}
	} else {
		log = log.With("inbound", id)
	}
	pending, err := s.pending(ctx, id)
	if err != nil {
		log.Error("read ledger row; trying again", "in", w.failed(uid, id, now), "err", err)
		return false, nil
	}
	if pending {
		if err := w.handle(ctx, id); err != nil {
			log.Error("handle message; it stays in the mailbox and is tried again", "in", w.failed(uid, id, now), "err", err)
			return false, nil
		}
	}
	if ctx.Err() != nil {
		// Stopping: no new IMAP command. The ledger has the message as handled, so the
		// next start moves it without handling it again.
		return false, ctx.Err()
	}
	if err := s.dispose(uid, nil); err != nil {
		return s.failedCmd(log, uid, id, "move or flag", err)
	}
	w.handled.Add(1)
	log.Info("message handled", "disposal", s.disposal)
	return true, nil
}

// failedCmd sorts an IMAP failure: a refusal of this one message (NO or BAD) is retried later
// while the others go on; any other error means the connection is gone.
func (s *watchSession) failedCmd(log *slog.Logger, uid imap.UID, id int64, op string, err error) (bool, error) {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return false, err
	}
	log.Error(op+" refused by the server; trying again", "in", s.w.failed(uid, id, time.Now()), "err", err)
	return false, nil
}

// pending reports whether the ledger row still waits for the handler.
func (s *watchSession) pending(ctx context.Context, id int64) (bool, error) {
	var status store.InboundStatus
	err := s.w.st.Tx(ctx, func(tx *store.Tx) error {
		in, err := tx.Inbound(id)
		status = in.Status
		return err
	})
	return status == "new", err
}

// fetch reads one body section of a message, at most limit bytes of it (plus one, to tell
// that there was more). found is false when the message is gone.
func (s *watchSession) fetch(uid imap.UID, section *imap.FetchItemBodySection, size, limit int64) (raw []byte, found bool, err error) {
	d := s.w.o.CommandTimeout + time.Duration(size/watchMinRate)*time.Second
	err = s.cmd(fmt.Sprintf("fetch uid %d", uid), d, func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
		// Every fetch is drained (Close), or the client stops reading responses.
		defer cmd.Close()
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			for item := msg.Next(); item != nil; item = msg.Next() {
				body, ok := item.(imapclient.FetchItemDataBodySection)
				if !ok || body.Literal == nil || found {
					continue
				}
				b, err := io.ReadAll(io.LimitReader(body.Literal, limit+1))
				if err != nil {
					return err
				}
				raw, found = b, true
			}
		}
		return cmd.Close()
	})
	return raw, found, err
}

// refuse keeps a message too large to read out of the handler: its header goes into the
// ledger as a failed row with the reason, the staff get a review item, and the message is
// moved on flagged $rsvpd-toolarge, where the staff can open it.
func (s *watchSession) refuse(ctx context.Context, uid imap.UID, size int64) (bool, error) {
	w := s.w
	log := w.log.With("uid", uid)
	now := time.Now()
	header, _, err := s.fetch(uid, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true,
		Partial: &imap.SectionPartial{Offset: 0, Size: watchHeaderLimit}}, watchHeaderLimit, watchHeaderLimit)
	if err != nil {
		return s.failedCmd(log, uid, 0, "fetch header", err)
	}
	if len(header) > watchHeaderLimit {
		header = header[:watchHeaderLimit]
	}
	msgID := watchMessageID(header)
	id, _, err := w.st.AddInbound(ctx, store.Inbound{Mailbox: w.o.Mailbox, UIDValidity: s.pos.UIDValidity,
		UID: uint32(uid), MessageID: msgID, Raw: header, ReceivedAt: w.clk.Now()})
	if err == nil {
		err = w.recordTooLarge(ctx, id, size, s.processedName())
	}
	if err != nil {
		log.Error("record a message too large to read; trying again", "in", w.failed(uid, 0, now), "err", err)
		return false, nil
	}
	log = log.With("inbound", id, "message_id", msgID)
	if err := s.dispose(uid, []imap.Flag{WatcherKeywordTooLarge}); err != nil {
		return s.failedCmd(log, uid, id, "move or flag", err)
	}
	w.handled.Add(1)
	w.tooLarge.Add(1)
	log.Warn("message too large to read; not handled", "size", size, "limit", w.o.MaxSize, "disposal", s.disposal)
	return true, nil
}

func (s *watchSession) processedName() string {
	if s.disposal == "flag" {
		return s.w.o.Mailbox
	}
	return s.processed
}

// recordTooLarge marks the ledger row failed and opens a review item, once.
func (w *Watcher) recordTooLarge(ctx context.Context, id, size int64, where string) error {
	reason := fmt.Sprintf("message too large to read: %d bytes, the limit is %d; it was not read and is in the mailbox %s, flagged %s",
		size, w.o.MaxSize, where, WatcherKeywordTooLarge)
	return w.st.Tx(ctx, func(tx *store.Tx) error {
		in, err := tx.Inbound(id)
		if err != nil || in.Status != "new" {
			return err
		}
		now := w.clk.Now()
		if err := tx.FinishInbound(id, "failed", "", reason, now); err != nil {
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

// dispose marks a finished message \Seen and $rsvpd (plus extra), then moves it to the
// processed mailbox unless the watcher only flags.
func (s *watchSession) dispose(uid imap.UID, extra []imap.Flag) error {
	t := s.w.o.CommandTimeout
	set := imap.UIDSetNum(uid)
	flags := []imap.Flag{imap.FlagSeen}
	if s.keywords {
		flags = append(flags, WatcherKeyword)
		flags = append(flags, extra...)
	}
	if err := s.cmd(fmt.Sprintf("flag uid %d", uid), t, func() error {
		return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}, nil).Close()
	}); err != nil || s.disposal == "flag" {
		return err
	}
	move := func() error {
		_, err := s.c.Move(set, s.processed).Wait()
		return err
	}
	err := s.cmd(fmt.Sprintf("move uid %d to %s", uid, s.processed), t, move)
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeTryCreate {
		// Someone removed the processed mailbox while the watcher ran.
		if err := s.cmd("create "+s.processed, t, func() error { return s.c.Create(s.processed, nil).Wait() }); err != nil {
			return err
		}
		err = s.cmd(fmt.Sprintf("move uid %d to %s", uid, s.processed), t, move)
	}
	return err
}

// wait returns when there may be new mail: the server announced some (IDLE), Kick was
// called, the poll interval or the next retry came, or the IDLE is due to be renewed.
func (s *watchSession) wait(ctx context.Context) error {
	w := s.w
	d := w.o.Poll
	if s.idle {
		d = w.o.IdleRestart
	}
	if next := w.nextRetry(); !next.IsZero() {
		d = max(0, min(d, time.Until(next)))
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	if !s.idle {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.c.Closed():
			return errors.New("connection closed by the server")
		case <-w.wake:
		case <-timer.C:
		}
		return nil
	}
	select {
	case <-w.wake:
		return nil // mail announced while the last pass ran: no need to IDLE first
	default:
	}
	var idle *imapclient.IdleCommand
	if err := s.cmd("idle", w.o.CommandTimeout, func() (err error) { idle, err = s.c.Idle(); return err }); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.c.Closed():
		return errors.New("connection closed by the server during IDLE")
	case <-w.wake:
	case <-timer.C:
	}
	return s.cmd("stop idle", w.o.CommandTimeout, func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	})
}

// watchMessageID reads the Message-ID from a raw message's header, without angle brackets;
// "" when there is none or the header cannot be read.
func watchMessageID(raw []byte) string {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	h, _ := r.ReadMIMEHeader()
	return strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
}
