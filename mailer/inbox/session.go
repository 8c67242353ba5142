package inbox

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
	"net"
	"net/textproto"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/store"
)

const (
	// headerLimit bounds the header kept of a message too large to read.
	headerLimit = 64 << 10
	// minRate is the slowest transfer (bytes per second) a body fetch is given time for,
	// on top of the command timeout, so a large message on a slow link is not cut off.
	minRate = 256 << 10
)

// session is one connection: from dialling to its loss.
type session struct {
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
	// renewAt is when the session makes way for a new one, before its token expires (zero
	// for a password).
	renewAt time.Time
}

// run connects, then searches and waits until the connection fails or ctx ends.
func (s *session) run(ctx context.Context) error {
	w, o := s.w, s.w.o
	if err := s.connect(ctx); err != nil {
		return err
	}
	w.signedIn()
	defer s.c.Close()
	// Closing the connection is what interrupts a command in flight when the daemon stops.
	stop := context.AfterFunc(ctx, func() { s.c.Close() })
	defer stop()
	if err := s.prepare(ctx); err != nil {
		return err
	}
	s.ready = true
	w.connects.Add(1)
	info := Connection{Reconnect: !s.lostAt.IsZero(), Failures: s.failures, Idle: s.idle,
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
		err := s.sync(ctx)
		if err == nil {
			s.synced = true
			err = s.wait(ctx)
		}
		if err == nil && s.renewDue() {
			err = errRenew
		}
		if errors.Is(err, errRenew) {
			_ = s.cmd("logout", o.CommandTimeout, func() error { return s.c.Logout().Wait() })
		}
		if err != nil {
			return err
		}
	}
}

// cmd runs one exchange with the server under a deadline. go-imap waits for replies without
// one, so a watchdog closes the connection when d passes; that fails the command.
func (s *session) cmd(op string, d time.Duration, fn func() error) error {
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

// connect dials, secures and signs in. With SignIn the token comes first: when none can be
// had, no connection is opened.
func (s *session) connect(ctx context.Context) error {
	o := s.w.o
	var sc sasl.Client
	if o.SignIn != nil {
		var expiry time.Time
		var err error
		if sc, expiry, err = o.SignIn.IMAP(ctx); err != nil {
			return err
		}
		s.renewAt = renewBefore(expiry, time.Now())
	}
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
	tlsConfig := mailer.ClientTLSConfig(o.TLSConfig, o.Host)
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
	case mailer.ImplicitTLS:
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return fmt.Errorf("TLS with %s: %w", o.addr(), err)
		}
		s.c = imapclient.New(tc, opts)
	case mailer.StartTLS:
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
		err = s.signIn(sc)
	}
	var refused *auth.RefusedError
	if err != nil && !errors.As(err, &refused) {
		err = fmt.Errorf("IMAP %s: %w", o.addr(), err)
	}
	if err != nil {
		s.c.Close()
	}
	return err
}

// prepare learns the server's capabilities, finds or makes the processed mailbox, selects
// the mailbox read and compares its UIDVALIDITY with the stored position.
func (s *session) prepare(ctx context.Context) error {
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
	s.keywords = slices.Contains(sel.PermanentFlags, imap.FlagWildcard) || slices.Contains(sel.PermanentFlags, Keyword)
	return s.loadPosition(ctx, sel.UIDValidity)
}

// findProcessed decides what happens to a finished message: moved when the processed
// mailbox exists or can be made (by COPY, \Deleted and EXPUNGE where MOVE is missing),
// flagged otherwise.
func (s *session) findProcessed() error {
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
func (s *session) loadPosition(ctx context.Context, uidValidity uint32) error {
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
		w.retries, w.finished, w.retriesUVal = map[imap.UID]*retry{}, map[imap.UID]bool{}, uidValidity
	}
	s.pos = pos
	return nil
}

// sync takes every message above the position, in UID order and in batches, and advances
// the position over those finished until the first that is not.
func (s *session) sync(ctx context.Context) error {
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
	var to imap.UID
	for rest := uids; len(rest) > 0; {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.renewDue() {
			s.advance(ctx, to)
			return errRenew
		}
		chunk := s.chunk(rest, sizes)
		rest = rest[len(chunk):]
		done, err := s.takeBatch(ctx, chunk, sizes)
		if err != nil {
			s.advance(ctx, to)
			return err
		}
		for i, uid := range chunk {
			if !done[i] {
				advance = false
				continue
			}
			delete(w.retries, uid)
			if !advance {
				w.finished[uid] = true
				continue
			}
			delete(w.finished, uid)
			to = uid
		}
		s.advance(ctx, to)
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
func (s *session) advance(ctx context.Context, uid imap.UID) {
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
func (s *session) search() ([]imap.UID, error) {
	last := imap.UID(s.pos.LastUID)
	criteria := &imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: last + 1, Stop: 0}}}}
	if s.disposal == "flag" && s.keywords {
		criteria.NotFlag = []imap.Flag{Keyword}
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
func (s *session) sizes(uids []imap.UID) (map[imap.UID]int64, error) {
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
func (s *session) take(ctx context.Context, uid imap.UID, size int64) (done bool, err error) {
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
			UID: uint32(uid), MessageID: messageID(raw), Raw: raw, ReceivedAt: w.clk.Now()})
		if err != nil {
			log.Error("store message in the ledger; trying again", "in", w.failed(uid, 0, now), "err", err)
			return false, nil
		}
		log = log.With("inbound", id, "message_id", messageID(raw))
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
	if err := s.dispose(imap.UIDSetNum(uid), nil); err != nil {
		return s.failedCmd(log, uid, id, "move or flag", err)
	}
	w.handled.Add(1)
	log.Info("message handled", "disposal", s.disposal)
	return true, nil
}

// failedCmd sorts an IMAP failure: a refusal of this one message (NO or BAD) is retried later
// while the others go on; any other error means the connection is gone.
func (s *session) failedCmd(log *slog.Logger, uid imap.UID, id int64, op string, err error) (bool, error) {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return false, err
	}
	log.Error(op+" refused by the server; trying again", "in", s.w.failed(uid, id, time.Now()), "err", err)
	return false, nil
}

// pending reports whether the ledger row still waits for the handler. It reads the status
// alone, in a read transaction: the row's raw message may be megabytes, and the handler reads
// it anyway.
func (s *session) pending(ctx context.Context, id int64) (bool, error) {
	var status store.InboundStatus
	err := s.w.st.View(ctx, func(tx *store.Tx) error {
		var err error
		status, err = tx.InboundStatusOf(id)
		return err
	})
	return status == store.InboundNew, err
}

// fetch reads one body section of a message, at most limit bytes of it (plus one, to tell
// that there was more). found is false when the message is gone.
func (s *session) fetch(uid imap.UID, section *imap.FetchItemBodySection, size, limit int64) (raw []byte, found bool, err error) {
	d := s.w.o.CommandTimeout + time.Duration(size/minRate)*time.Second
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
func (s *session) refuse(ctx context.Context, uid imap.UID, size int64) (bool, error) {
	w := s.w
	log := w.log.With("uid", uid)
	now := time.Now()
	header, _, err := s.fetch(uid, &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true,
		Partial: &imap.SectionPartial{Offset: 0, Size: headerLimit}}, headerLimit, headerLimit)
	if err != nil {
		return s.failedCmd(log, uid, 0, "fetch header", err)
	}
	if len(header) > headerLimit {
		header = header[:headerLimit]
	}
	msgID := messageID(header)
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
	if err := s.dispose(imap.UIDSetNum(uid), []imap.Flag{KeywordTooLarge}); err != nil {
		return s.failedCmd(log, uid, id, "move or flag", err)
	}
	w.handled.Add(1)
	w.tooLarge.Add(1)
	log.Warn("message too large to read; not handled", "size", size, "limit", w.o.MaxSize, "disposal", s.disposal)
	return true, nil
}

func (s *session) processedName() string {
	if s.disposal == "flag" {
		return s.w.o.Mailbox
	}
	return s.processed
}

// dispose marks finished messages \Seen and $rsvpd (plus extra), then moves them to the
// processed mailbox unless the watcher only flags.
func (s *session) dispose(set imap.UIDSet, extra []imap.Flag) error {
	t := s.w.o.CommandTimeout
	flags := []imap.Flag{imap.FlagSeen}
	if s.keywords {
		flags = append(flags, Keyword)
		flags = append(flags, extra...)
	}
	if err := s.cmd(fmt.Sprintf("flag uid %s", set), t, func() error {
		return s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}, nil).Close()
	}); err != nil || s.disposal == "flag" {
		return err
	}
	move := func() error {
		_, err := s.c.Move(set, s.processed).Wait()
		return err
	}
	err := s.cmd(fmt.Sprintf("move uid %s to %s", set, s.processed), t, move)
	var ie *imap.Error
	if errors.As(err, &ie) && ie.Code == imap.ResponseCodeTryCreate {
		// Someone removed the processed mailbox while the watcher ran.
		if err := s.cmd("create "+s.processed, t, func() error { return s.c.Create(s.processed, nil).Wait() }); err != nil {
			return err
		}
		err = s.cmd(fmt.Sprintf("move uid %s to %s", set, s.processed), t, move)
	}
	return err
}

// wait returns when there may be new mail: the server announced some (IDLE), Kick was
// called, the poll interval or the next retry came, or the IDLE is due to be renewed.
func (s *session) wait(ctx context.Context) error {
	w := s.w
	d := w.o.Poll
	if s.idle {
		d = w.o.IdleRestart
	}
	if next := w.nextRetry(); !next.IsZero() {
		d = max(0, min(d, time.Until(next)))
	}
	if !s.renewAt.IsZero() {
		d = max(0, min(d, time.Until(s.renewAt)))
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

// messageID reads the Message-ID from a raw message's header, without angle brackets;
// "" when there is none or the header cannot be read.
func messageID(raw []byte) string {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	h, _ := r.ReadMIMEHeader()
	return strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")
}
