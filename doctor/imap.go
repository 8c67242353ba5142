package doctor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rsvpd/rsvpd/mailer"
)

// imapSession is one signed-in IMAP connection kept for the probe.
type imapSession struct {
	c       *imapclient.Client
	timeout time.Duration
}

func (s *imapSession) close() { s.c.Close() }

// do runs an IMAP command with a deadline: imapclient has none, and a doctor must not hang.
func (s *imapSession) do(fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(s.timeout):
		s.c.Close()
		<-done
		return fmt.Errorf("no answer within %v", s.timeout)
	}
}

// imapChecks: reachable, TLS and certificate, sign-in, IDLE and MOVE, the inbox, the
// processed mailbox.
func (d *run) imapChecks(ctx context.Context) {
	srv := d.o.Config.Mail.IMAP
	names := []string{"IMAP TLS", "IMAP sign-in", "IMAP IDLE and MOVE", "inbox", "processed mailbox"}
	skipRest := func(from int, why string) {
		for _, n := range names[from:] {
			d.skip(n, why)
		}
	}
	conn, took, err := dial(ctx, srv, d.o.Timeout)
	if err != nil {
		d.fail("IMAP reachable", "check mail.imap.host and port, and that this machine may connect there",
			"%s: %v", srv.Addr(), err)
		skipRest(0, "not reachable")
		return
	}
	d.ok("IMAP reachable", "%s answered in %v", srv.Addr(), took.Round(time.Millisecond))
	s, err := d.imapConnect(ctx, conn)
	if err != nil {
		skipRest(1, "no TLS")
		return
	}
	if err := d.imapSignIn(ctx, s); err != nil {
		s.close()
		d.fail("IMAP sign-in", signInFix(d.imapCreds, err), "%v", err)
		skipRest(2, "not signed in")
		return
	}
	d.ok("IMAP sign-in", "%s signed in as %s by %s", d.imapCreds.Server(), d.imapCreds.User(), imapMech(d))
	d.imap = s
	caps := s.c.Caps()
	switch idle, move := caps.Has(imap.CapIdle), caps.Has(imap.CapMove); {
	case idle && move:
		d.ok("IMAP IDLE and MOVE", "both offered: replies are read as they arrive and moved in one step")
	case !idle:
		d.warn("IMAP IDLE and MOVE", "rsvpd works, but replies wait up to that interval: lower mail.poll if that is too slow",
			"no IDLE: rsvpd looks for new replies every %v (mail.poll)", d.o.Config.Mail.Poll)
	default:
		d.warn("IMAP IDLE and MOVE", "rsvpd works: it copies, flags and expunges instead",
			"no MOVE: read replies are copied to %s and expunged from %s", d.o.Config.Mail.Processed, d.o.Config.Mail.Inbox)
	}
	d.mailboxes(s)
}

func imapMech(d *run) string {
	if d.imapCreds.OAuth2() {
		return d.imapCreds.Mechanism()
	}
	return "LOGIN"
}

// imapConnect secures the connection as mail.imap.tls asks and waits for the greeting.
func (d *run) imapConnect(ctx context.Context, conn net.Conn) (*imapSession, error) {
	srv := d.o.Config.Mail.IMAP
	var c *imapclient.Client
	var state tls.ConnectionState
	// imapclient does not tell the TLS state after STARTTLS: the config's callback keeps it.
	tlsConf := mailer.ClientTLSConfig(nil, srv.Host)
	tlsConf.VerifyConnection = func(cs tls.ConnectionState) error { state = cs; return nil }
	opts := &imapclient.Options{TLSConfig: tlsConf}
	guard := time.AfterFunc(d.o.Timeout, func() { conn.Close() })
	defer guard.Stop()
	var err error
	switch srv.TLS {
	case mailer.ImplicitTLS:
		var tc *tls.Conn
		if tc, err = handshake(ctx, conn, srv, d.o.Timeout); err == nil {
			c, state = imapclient.New(tc, opts), tc.ConnectionState()
		}
	case mailer.StartTLS:
		c, err = imapclient.NewStartTLS(conn, opts)
	default:
		if !d.noTLS("IMAP TLS", srv) {
			conn.Close()
			return nil, errors.New("no TLS")
		}
		c = imapclient.New(conn, opts)
	}
	if err == nil {
		err = c.WaitGreeting()
	}
	if err != nil {
		conn.Close()
		d.fail("IMAP TLS", certFix(err), "%s with %s: %v", strings.ToUpper(string(srv.TLS)), srv.Addr(), err)
		return nil, err
	}
	if srv.TLS != mailer.NoTLS {
		d.certificate("IMAP TLS", srv, &state)
	}
	return &imapSession{c: c, timeout: d.o.Timeout}, nil
}

// imapSignIn signs in with LOGIN (a password) or AUTHENTICATE (a token).
func (d *run) imapSignIn(ctx context.Context, s *imapSession) error {
	cr := d.imapCreds
	if !cr.OAuth2() {
		pw, err := cr.Password()
		if err != nil {
			return err
		}
		if err := s.do(func() error { return s.c.Login(cr.User(), pw).Wait() }); err != nil {
			return fmt.Errorf("%s: sign-in: LOGIN as %s refused: %w", cr.Server(), cr.User(), err)
		}
		return nil
	}
	sc, _, err := cr.IMAP(ctx)
	if err != nil {
		return err
	}
	if !s.c.Caps().Has(imap.Cap("AUTH=" + cr.Mechanism())) {
		return fmt.Errorf("%s: sign-in: the server does not offer AUTH=%s", cr.Server(), cr.Mechanism())
	}
	if err := s.do(func() error { return s.c.Authenticate(sc) }); err != nil {
		return fmt.Errorf("%s: sign-in: AUTHENTICATE %s refused: %w", cr.Server(), cr.Mechanism(), err)
	}
	return nil
}

// mailboxes checks that the inbox can be selected and the processed mailbox exists (it is
// made, as rsvpd run would make it, when missing).
func (d *run) mailboxes(s *imapSession) {
	m := d.o.Config.Mail
	var n uint32
	err := s.do(func() error {
		data, err := s.c.Select(m.Inbox, nil).Wait()
		if err == nil {
			n = data.NumMessages
		}
		return err
	})
	if err != nil {
		d.fail("inbox", "set mail.inbox to a mailbox the user has (INBOX on most servers)", "select %s: %v", m.Inbox, err)
	} else {
		d.ok("inbox", "%s holds %d messages", m.Inbox, n)
	}
	// The configured name uses "/"; the server may separate levels with another character.
	name, made := m.Processed, ""
	err = s.do(func() error {
		delim, err := s.c.List("", "", nil).Collect()
		if err != nil {
			return err
		}
		if len(delim) > 0 && delim[0].Delim != 0 && delim[0].Delim != '/' {
			name = strings.ReplaceAll(name, "/", string(delim[0].Delim))
		}
		found, err := s.c.List("", name, nil).Collect()
		if err != nil || len(found) > 0 {
			return err
		}
		if err := s.c.Create(name, nil).Wait(); err != nil {
			return fmt.Errorf("it is missing and cannot be made: %w", err)
		}
		made = " (made now, as rsvpd run would)"
		return nil
	})
	if err == nil {
		err = s.do(func() error { _, err := s.c.Status(name, &imap.StatusOptions{NumMessages: true}).Wait(); return err })
	}
	if err != nil {
		d.warn("processed mailbox", "create it by hand or set mail.processed to a mailbox the user may write",
			"%s: %v; rsvpd would flag read replies in %s instead of moving them", name, err, m.Inbox)
		return
	}
	d.processed = name
	d.ok("processed mailbox", "%s usable%s", name, made)
}
