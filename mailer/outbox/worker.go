package outbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/store"
)

// worker owns one SMTP connection and delivers the messages handed to it, one at a time.
type worker struct {
	s       *Sender
	id      int
	jobs    chan job
	client  *mail.Client   // configuration only; the connection is conn
	conn    *gmsmtp.Client // nil when not connected
	raw     net.Conn       // the connection being opened, closed when the handshake fails
	tlsConf *tls.Config
	used    time.Time    // wall time of the last transaction, to check an idle connection
	buf     bytes.Buffer // the encoded message, reused from one message to the next
	// expiry is when the connection's token stops being good (zero for a password): the
	// connection is not used past it, since Exchange may end the session at any command.
	expiry time.Time
	// signedIn is set by dial when it opened and signed in a connection, for the result.
	signedIn bool
	prev     *pending // the last message the server took, its outcome not committed yet
}

// idleCheck is how long a connection may sit unused before it is checked with NOOP: servers
// drop idle clients (Postfix after 300 s), and a message should not pay for finding that out.
const idleCheck = 10 * time.Second

func (s *Sender) newWorker(id int) (*worker, error) {
	w := &worker{s: s, id: id, jobs: make(chan job, 1)}
	o := s.o
	tlsConf := mailer.ClientTLSConfig(o.TLSConfig, o.Host)
	opts := []mail.Option{
		mail.WithPort(o.Port),
		mail.WithTimeout(o.Timeout),
		mail.WithTLSConfig(tlsConf),
		// go-mail opens the connection (greeting, EHLO, STARTTLS, AUTH); the worker runs the
		// transactions on it (transact).
		mail.WithDialContextFunc(w.dialRaw),
	}
	switch o.TLS {
	case mailer.NoTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case mailer.StartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case mailer.ImplicitTLS:
		// The dialler does the TLS handshake (dialRaw); go-mail must not try STARTTLS.
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if o.HELO != "" {
		opts = append(opts, mail.WithHELO(o.HELO))
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
func (w *worker) dialRaw(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := &net.Dialer{}
	var (
		c   net.Conn
		err error
	)
	if w.s.o.TLS == mailer.ImplicitTLS {
		td := &tls.Dialer{NetDialer: nd, Config: w.tlsConf}
		c, err = td.DialContext(ctx, network, addr)
	} else {
		c, err = nd.DialContext(ctx, network, addr)
	}
	w.raw = c
	return c, err
}

// pending is a message the server took whose outcome is handed in but not committed yet.
type pending struct {
	j    job
	g    *grouped
	when time.Time // when the server took it
}

// idleCommit is how long a connection with an outcome waiting for its commit waits for the
// next message before it commits alone: the dispatcher hands the next one out at once when
// there is one, and the outcome should not wait for a message that does not come.
const idleCommit = time.Millisecond

func (w *worker) run(ctx context.Context, results chan<- result, wake clock.Signal) {
	defer w.hangUp()
	report := func(r result) {
		results <- r
		wake.Notify()
	}
	for {
		var j job
		var ok bool
		if w.prev == nil {
			j, ok = <-w.jobs
		} else {
			t := time.NewTimer(idleCommit)
			select {
			case j, ok = <-w.jobs:
				t.Stop()
			case <-t.C:
				w.finish(report)
				j, ok = <-w.jobs
			}
		}
		if !ok {
			w.finish(report)
			return
		}
		r, final := w.deliver(ctx, j, report)
		r.worker, r.row = w.id, j.row
		report(r)
		if final && j.release != nil {
			j.release() // after Notify: the dispatcher is awake before the clock may move
		}
	}
}

// finish waits for the commit of the last message the server took, and reports its outcome
// (as the outcome of a message reported ready before, which does not make the worker idle
// again: it may have the next message in hand, or one waiting in its channel). It reports
// false when the outcome could not be recorded (the sender stops).
func (w *worker) finish(report func(result)) bool {
	p := w.prev
	if p == nil {
		return true
	}
	w.prev = nil
	r := w.s.sentResult(p.j.row, p.when, w.s.awaitSent(p.g))
	r.worker, r.row, r.connected, r.earlier = w.id, p.j.row, true, true
	report(r)
	if p.j.release != nil {
		p.j.release()
	}
	return r.fatal == nil
}

// deliver renders, sends and records one row. A message the server took is handed in for
// the next commit and reported as such (ready: the worker takes the next message while the
// outcome waits); final is false then, and its outcome is reported by finish. Before the end
// of data of a message, the previous one's outcome must be committed: at most one message of
// a connection is ever taken by the server and not recorded.
func (w *worker) deliver(ctx context.Context, j job, report func(result)) (r result, final bool) {
	s := w.s
	row := j.row
	defer func() {
		if p := recover(); p != nil {
			r, final = result{fatal: fmt.Errorf("send %s: panic: %v", row.Key, p)}, true
		}
	}()
	msg, err := s.renderRow(ctx, row)
	if err != nil {
		return s.recordFailed(row, err.Error()), true
	}
	env, err := s.prepare(msg, row)
	if err != nil {
		return s.recordFailed(row, err.Error()), true
	}
	// The message is encoded before the transaction starts: go-mail writing its MIME parts
	// straight into the DATA stream costs twice the time of one write of the finished bytes,
	// and a message that cannot be encoded should fail before the server sees anything.
	if s.o.DKIM != nil {
		msg.SetDKIM(s.o.DKIM) // signed as it is encoded: the bytes below are what the server gets
	}
	w.buf.Reset()
	if _, err := msg.WriteTo(&w.buf); err != nil {
		return s.recordFailed(row, fmt.Sprintf("message %s: encode: %v", row.Key, err)), true
	}
	env.eightBit = msg.Encoding() == mail.NoEncoding.String()
	beforeEnd := func() bool { return w.finish(report) }
	dialFailed, err := w.send(env, w.buf.Bytes(), beforeEnd)
	signedIn := w.signedIn
	w.signedIn = false
	if !w.finish(report) { // a failure before the end of data leaves it waiting
		w.drop() // the sender stops: this message must not be ended unrecorded
		return result{}, true
	}
	switch {
	case dialFailed && auth.IsSignInError(err):
		// Not an attempt of the message: it waits, with its retries untouched, until the
		// sign-in works again.
		return result{signIn: err}, true
	case dialFailed:
		r = s.recordDeferred(row, err.Error())
		r.connErr = err
	case err == nil:
		w.prev = &pending{j: j, when: s.clock.Now()}
		w.prev.g = s.queueSent(row, s.sentWrite(row, w.prev.when))
		return result{ready: true, connected: true, signedIn: signedIn}, false
	case errors.Is(err, errNotRecorded):
		return result{}, true // not ended: the message stays due
	case permanentSendError(err):
		r = s.recordFailed(row, smtpReason(err))
	default:
		r = s.recordDeferred(row, smtpReason(err))
	}
	r.connected, r.signedIn = !dialFailed, signedIn
	return r, true
}

// errNotRecorded: the previous message's outcome could not be recorded, so this one was not
// ended (the connection is dropped: the server discards it).
var errNotRecorded = errors.New("the previous message's outcome could not be recorded")

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
func (w *worker) send(env envelope, data []byte, beforeEnd func() bool) (dialFailed bool, err error) {
	reused := w.conn != nil
	if reused && !w.expiry.IsZero() && !time.Now().Before(w.expiry) {
		w.hangUp() // its token has expired: the next dial takes a fresh one
		reused = false
	}
	if reused && time.Since(w.used) > idleCheck && !w.alive() {
		w.drop()
		reused = false
	}
	if w.conn == nil {
		if err := w.dial(); err != nil {
			return true, err
		}
	}
	err = w.transact(env, data, beforeEnd)
	if err != nil && reused && staleConnection(err) {
		// The server closed the connection while it was idle; the message never left.
		w.drop()
		if err := w.dial(); err != nil {
			return true, err
		}
		err = w.transact(env, data, beforeEnd)
	}
	w.used = time.Now()
	if err != nil && mustReconnect(err) {
		w.drop()
	}
	return false, err
}

// transact is one SMTP mail transaction within Timeout, through go-mail's client: MAIL FROM
// (with BODY=8BITMIME when the server offers it, as Mail does itself), RCPT TO, DATA, and the
// encoded message in one write. An error names the step it came from. A refusal before the
// data leaves the session clean (RSET) for the next message.
func (w *worker) transact(env envelope, data []byte, beforeEnd func() bool) error {
	c := w.conn
	if err := c.UpdateDeadline(w.s.o.Timeout); err != nil {
		return &stepError{"set deadline", err}
	}
	if eightBitMIME, _ := c.Extension("8BITMIME"); env.eightBit && !eightBitMIME {
		return &stepError{"MAIL FROM", errNo8BitMIME}
	}
	if strings.ContainsAny(env.from+env.to, "\r\n") {
		return &stepError{"MAIL FROM", errors.New("line break in an address")}
	}
	// Mail asks for SMTPUTF8 whenever the server offers it; only an address that needs it
	// should.
	c.SkipSMTPUTF8(isASCII(env.from + env.to))
	if err := c.Mail(env.from); err != nil {
		return w.refused("MAIL FROM", err)
	}
	if err := c.Rcpt(env.to); err != nil {
		return w.refused("RCPT TO", err)
	}
	wc, err := c.Data()
	if err != nil {
		return w.refused("DATA", err)
	}
	if _, err := wc.Write(data); err != nil {
		return &stepError{"message data", err} // the connection is dropped: no Close
	}
	if !beforeEnd() {
		return &stepError{"end of data", errNotRecorded} // the connection is dropped: no Close
	}
	if err := wc.Close(); err != nil {
		return &stepError{"end of data", err}
	}
	return nil
}

// refused names the step of an error before the data. After the server's refusal it ends
// the transaction (RSET) so that the connection can carry the next message; after an error
// without a reply the connection is dropped anyway.
func (w *worker) refused(step string, err error) error {
	if smtpCode(err) != 0 {
		_ = w.conn.Reset()
	}
	return &stepError{step, err}
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

// stepError is an SMTP error with the step of the transaction it happened in.
type stepError struct {
	step string
	err  error
}

func (e *stepError) Error() string { return e.step + ": " + e.err.Error() }

func (e *stepError) Unwrap() error { return e.err }

func (w *worker) addr() string { return w.s.o.addr() }

// dial opens a connection and signs it in with a fresh sign-in from SignIn. A sign-in that
// fails is the *auth.TokenError of a token that could not be had (no connection is opened
// then) or an *auth.RefusedError when the server turned it down.
func (w *worker) dial() error {
	ctx, cancel := context.WithTimeout(context.Background(), w.s.o.Timeout)
	defer cancel()
	var probe *authProbe
	if si := w.s.o.SignIn; si != nil {
		a, expiry, err := si.SMTP(ctx)
		if err != nil {
			return err
		}
		probe = &authProbe{Auth: a}
		w.client.SetSMTPAuthCustom(probe)
		w.expiry = expiry
	}
	w.raw = nil
	c, err := w.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if w.raw != nil {
			w.raw.Close()
		}
		w.raw = nil
		if probe != nil && probe.started && (probe.startErr != nil || smtpCode(err) != 0) {
			// The server's answer to AUTH (or our refusal to send a secret in the clear):
			// a token it refused is not offered again.
			w.s.o.SignIn.Forget()
			return &auth.RefusedError{Server: "SMTP " + w.addr(), Err: err}
		}
		return fmt.Errorf("connect to smtp %s: %w", w.addr(), err)
	}
	w.raw = nil
	w.conn = c
	w.signedIn = true
	return nil
}

// authProbe tells whether a connection got as far as signing in.
type authProbe struct {
	gmsmtp.Auth
	started  bool
	startErr error
}

func (p *authProbe) Start(server *gmsmtp.ServerInfo) (string, []byte, error) {
	p.started = true
	mech, ir, err := p.Auth.Start(server)
	p.startErr = err
	return mech, ir, err
}

// alive checks an idle connection with NOOP.
func (w *worker) alive() bool {
	if err := w.conn.UpdateDeadline(w.s.o.Timeout); err != nil {
		return false
	}
	return w.conn.Noop() == nil
}

// drop closes a connection that cannot be trusted any more, without QUIT.
func (w *worker) drop() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}

// hangUp ends the connection politely.
func (w *worker) hangUp() {
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
	var se *stepError
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
