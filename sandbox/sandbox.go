// Package sandbox runs an embedded SMTP server (go-smtp) and IMAP server (go-imap v2's
// imapserver with its in-memory backend) on 127.0.0.1 that share one mail store, so rsvpd can
// send, receive and be watched without any installed mail server: in unit tests and in
// `rsvpd demo`.
//
// Mail submitted over SMTP to any address is appended to that address's INBOX; the mailbox is
// made on first delivery (with Options.Password) or beforehand by AddUser. Plus-addressing works
// as on the real servers: user+detail@domain lands in user@domain's INBOX, and every delivered
// message gets a Delivered-To header with the full recipient address. IMAP login takes the full
// address, or its local part when only one mailbox has it. Neither server offers TLS or needs
// SMTP authentication: they listen on loopback only.
//
// Faults make the SMTP server refuse recipients as a real one does (451 for a while, 550 for
// one address), so retry and failure paths can be tested.
package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
)

// DefaultPassword is the password of mailboxes made on first delivery when Options.Password
// is empty.
const DefaultPassword = "sandbox"

// Options configure a Server. The zero value (or nil) is usable.
type Options struct {
	// Logger gets one line per delivery and refusal (debug level) and server errors. Nil: none.
	Logger *slog.Logger
	// Password of the mailboxes made on first delivery. Empty: DefaultPassword.
	Password string
	// SMTPAddr and IMAPAddr to listen on. Empty: 127.0.0.1:0 (a free port).
	SMTPAddr, IMAPAddr string
	// Hostname the SMTP server greets with. Empty: "sandbox.test".
	Hostname string
	// MaxMessageBytes the SMTP server accepts. 0: 64 MiB.
	MaxMessageBytes int64
	// Faults in force from the start; more can be added with AddFault.
	Faults []Fault
	// Now is the clock for arrival times (IMAP INTERNALDATE) and Fault.For. Nil: time.Now.
	Now func() time.Time
}

// Server is a running sandbox: an SMTP and an IMAP server over one in-memory store.
type Server struct {
	log      *slog.Logger
	password string
	now      func() time.Time

	smtp     *smtp.Server
	imap     *imapserver.Server
	smtpLn   net.Listener
	imapLn   net.Listener
	serving  sync.WaitGroup
	closeErr error
	closed   sync.Once

	mu       sync.Mutex
	accounts map[string]*account // by mailbox address
	attempts map[string]int      // RCPT commands per mailbox address, refused ones included
	faults   []*activeFault
}

// account is one mailbox owner: their IMAP user and what SMTP delivered to them.
type account struct {
	addr      string
	password  string
	user      *imapmemserver.User
	delivered [][]byte
	changed   chan struct{} // closed (and replaced) after each delivery, to wake IDLE
}

// New starts both servers. Close stops them.
func New(opts *Options) (*Server, error) {
	if opts == nil {
		opts = &Options{}
	}
	s := &Server{
		log:      opts.Logger,
		password: opts.Password,
		now:      opts.Now,
		accounts: map[string]*account{},
		attempts: map[string]int{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.password == "" {
		s.password = DefaultPassword
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, f := range opts.Faults {
		s.AddFault(f)
	}
	if err := s.startSMTP(opts); err != nil {
		return nil, err
	}
	if err := s.startIMAP(opts); err != nil {
		s.smtp.Close()
		s.serving.Wait()
		return nil, err
	}
	return s, nil
}

func listenAddr(addr string) string {
	if addr == "" {
		return "127.0.0.1:0"
	}
	return addr
}

func (s *Server) startSMTP(opts *Options) error {
	ln, err := net.Listen("tcp", listenAddr(opts.SMTPAddr))
	if err != nil {
		return fmt.Errorf("sandbox: listen for SMTP on %s: %w", listenAddr(opts.SMTPAddr), err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: s}, nil
	}))
	srv.Domain = opts.Hostname
	if srv.Domain == "" {
		srv.Domain = "sandbox.test"
	}
	srv.MaxMessageBytes = opts.MaxMessageBytes
	if srv.MaxMessageBytes == 0 {
		srv.MaxMessageBytes = 64 << 20
	}
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.EnableSMTPUTF8 = true
	srv.EnableDSN = true
	srv.ErrorLog = logAdapter{s.log, "sandbox smtp"}
	s.smtp, s.smtpLn = srv, ln
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Error("sandbox: SMTP server stopped", "err", err)
		}
	}()
	return nil
}

func (s *Server) startIMAP(opts *Options) error {
	ln, err := net.Listen("tcp", listenAddr(opts.IMAPAddr))
	if err != nil {
		return fmt.Errorf("sandbox: listen for IMAP on %s: %w", listenAddr(opts.IMAPAddr), err)
	}
	s.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &imapSession{srv: s}, nil, nil
		},
		// What rsvpd's watcher may use on a real server (Dovecot has all of these); IDLE comes
		// with IMAP4rev1.
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {}, imap.CapNamespace: {}, imap.CapUIDPlus: {}, imap.CapMove: {},
		},
		Logger:       logAdapter{s.log, "sandbox imap"},
		InsecureAuth: true, // loopback only
	})
	s.imapLn = ln
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		if err := s.imap.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			s.log.Error("sandbox: IMAP server stopped", "err", err)
		}
	}()
	return nil
}

// SMTPAddr is the SMTP server's host:port.
func (s *Server) SMTPAddr() string { return s.smtpLn.Addr().String() }

// IMAPAddr is the IMAP server's host:port.
func (s *Server) IMAPAddr() string { return s.imapLn.Addr().String() }

// Password is the password of mailboxes made on first delivery.
func (s *Server) Password() string { return s.password }

// Close stops both servers and drops their connections. The store stays readable.
func (s *Server) Close() error {
	s.closed.Do(func() {
		s.closeErr = errors.Join(s.smtp.Close(), s.imap.Close())
		// The servers close only listeners their Serve has registered; a Serve goroutine that
		// has not got that far yet would block forever on its listener.
		s.smtpLn.Close()
		s.imapLn.Close()
		s.serving.Wait()
	})
	return s.closeErr
}

// Mailbox returns the mailbox an address delivers to: lower case, without a +detail.
// It returns "" for a string that is no address.
func Mailbox(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(addr), "<>")))
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(addr, " \t\r\n") {
		return ""
	}
	if base, _, found := strings.Cut(local, "+"); found && base != "" {
		local = base
	}
	return local + "@" + domain
}

// AddUser makes addr's mailbox with an empty INBOX, or changes its password if it exists.
func (s *Server) AddUser(addr, password string) error {
	mbox := Mailbox(addr)
	if mbox == "" {
		return fmt.Errorf("sandbox: add user %q: not an address", addr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountLocked(mbox)
	a.password = password
	return nil
}

// accountLocked returns mbox's account, making it (with an INBOX) when it is new.
func (s *Server) accountLocked(mbox string) *account {
	a := s.accounts[mbox]
	if a == nil {
		u := imapmemserver.NewUser(mbox, "")
		// Creating INBOX in a fresh in-memory user cannot fail.
		_ = u.Create("INBOX", nil)
		a = &account{addr: mbox, password: s.password, user: u, changed: make(chan struct{})}
		s.accounts[mbox] = a
	}
	return a
}

// Deliver appends raw to the INBOX of rcpt's mailbox as the SMTP server does (with a
// Delivered-To header naming rcpt), without SMTP and without faults.
func (s *Server) Deliver(rcpt string, raw []byte) error {
	mbox := Mailbox(rcpt)
	if mbox == "" {
		return fmt.Errorf("sandbox: deliver to %q: not an address", rcpt)
	}
	return s.deliver(mbox, rcpt, raw)
}

func (s *Server) deliver(mbox, rcpt string, raw []byte) error {
	msg := make([]byte, 0, len(raw)+len(rcpt)+16)
	msg = append(msg, "Delivered-To: "+rcpt+"\r\n"...)
	msg = append(msg, raw...)
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountLocked(mbox)
	if _, err := a.user.Append("INBOX", bytes.NewReader(msg), &imap.AppendOptions{Time: s.now()}); err != nil {
		return fmt.Errorf("sandbox: append to INBOX of %s: %w", mbox, err)
	}
	a.delivered = append(a.delivered, msg)
	close(a.changed)
	a.changed = make(chan struct{})
	return nil
}

// changedChan returns the channel that closes at a's next delivery.
func (s *Server) changedChan(a *account) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return a.changed
}

// Messages returns what was delivered to addr's mailbox (over SMTP or by Deliver), in order,
// each with its Delivered-To header. IMAP changes (flags, moves, expunges) do not affect it.
func (s *Server) Messages(addr string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[Mailbox(addr)]
	if a == nil {
		return nil
	}
	out := make([][]byte, len(a.delivered))
	for i, m := range a.delivered {
		out[i] = bytes.Clone(m)
	}
	return out
}

// Accepted counts the messages delivered to addr's mailbox.
func (s *Server) Accepted(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[Mailbox(addr)]; a != nil {
		return len(a.delivered)
	}
	return 0
}

// Attempts counts the SMTP RCPT commands that named addr's mailbox, refused ones included.
func (s *Server) Attempts(addr string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[Mailbox(addr)]
}

// Mailboxes lists every mailbox address, sorted.
func (s *Server) Mailboxes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.accounts))
	for m := range s.accounts {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// login finds the account for an IMAP user name (an address or a unique local part) and checks
// the password.
func (s *Server) login(username, password string) (*account, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[Mailbox(name)]
	if a == nil && !strings.Contains(name, "@") {
		for mbox, cand := range s.accounts {
			if strings.HasPrefix(mbox, name+"@") {
				if a != nil {
					return nil, imapserver.ErrAuthFailed // ambiguous local part
				}
				a = cand
			}
		}
	}
	if a == nil || a.password != password {
		return nil, imapserver.ErrAuthFailed
	}
	return a, nil
}

// imapSession is an IMAP connection: before login only Login works; after it, the embedded
// in-memory session serves the user's mailboxes.
type imapSession struct {
	*imapmemserver.UserSession
	srv  *Server
	acct *account
}

func (sess *imapSession) Login(username, password string) error {
	a, err := sess.srv.login(username, password)
	if err != nil {
		return err
	}
	sess.acct = a
	sess.UserSession = imapmemserver.NewUserSession(a.user)
	return nil
}

// idleRecheck bounds how late IDLE reports changes made by other IMAP sessions (flags,
// expunges); deliveries are reported at once.
const idleRecheck = 250 * time.Millisecond

// Idle replaces the in-memory backend's IDLE, which misses an update that arrives between the
// server's "+ idling" and the start of its wait (seen as a lost wake-up under -race): here the
// wake-up channel is taken before each poll, so nothing falls between them.
func (sess *imapSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if sess.acct == nil {
		return errors.New("sandbox: IDLE before login")
	}
	tick := time.NewTicker(idleRecheck)
	defer tick.Stop()
	for {
		changed := sess.srv.changedChan(sess.acct)
		if err := sess.UserSession.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-changed:
		case <-tick.C:
		}
	}
}

// logAdapter gives go-smtp and imapserver, which log through Printf, the slog logger.
type logAdapter struct {
	log    *slog.Logger
	prefix string
}

func (l logAdapter) Printf(format string, args ...interface{}) {
	l.log.Warn(l.prefix + ": " + strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (l logAdapter) Println(args ...interface{}) {
	l.log.Warn(l.prefix + ": " + strings.TrimSpace(fmt.Sprintln(args...)))
}

// smtpSession is one SMTP transaction: every accepted recipient gets its own copy.
type smtpSession struct {
	srv   *Server
	from  string
	rcpts []string
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.rcpts = from, nil
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	mbox := Mailbox(to)
	if mbox == "" {
		return &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad recipient address syntax"}
	}
	s := ss.srv
	s.mu.Lock()
	s.attempts[mbox]++
	f := s.faultLocked(mbox, false)
	s.mu.Unlock()
	if f != nil {
		s.log.Debug("sandbox: recipient refused by fault", "rcpt", to, "code", f.Code)
		return f.smtpError()
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.srv
	s.mu.Lock()
	var f *Fault
	for _, rcpt := range ss.rcpts {
		if f = s.faultLocked(Mailbox(rcpt), true); f != nil {
			break
		}
	}
	s.mu.Unlock()
	if f != nil {
		s.log.Debug("sandbox: message refused by fault after DATA", "from", ss.from, "code", f.Code)
		return f.smtpError()
	}
	for _, rcpt := range ss.rcpts {
		if err := s.deliver(Mailbox(rcpt), rcpt, raw); err != nil {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: err.Error()}
		}
		s.log.Debug("sandbox: delivered", "from", ss.from, "rcpt", rcpt, "bytes", len(raw))
	}
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.rcpts = "", nil }

func (ss *smtpSession) Logout() error { return nil }
