package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer"
)

// smtpSession is one SMTP connection kept from the checks to the probe.
type smtpSession struct {
	conn net.Conn
	c    *smtp.Client
}

func (s *smtpSession) close() {
	s.c.Quit()
	s.conn.Close()
}

// smtpChecks: reachable, TLS and certificate, sign-in.
func (d *run) smtpChecks(ctx context.Context) {
	srv := d.o.Config.Mail.SMTP
	conn, took, err := dial(ctx, srv, d.o.Timeout)
	if err != nil {
		d.fail("SMTP reachable", "check mail.smtp.host and port, and that this machine may connect there (firewall, port 587 blocked by a provider)",
			"%s: %v", srv.Addr(), err)
		d.skip("SMTP TLS", "not reachable")
		d.skip("SMTP sign-in", "not reachable")
		return
	}
	d.ok("SMTP reachable", "%s answered in %v", srv.Addr(), took.Round(time.Millisecond))
	var state *tls.ConnectionState
	if srv.TLS == mailer.ImplicitTLS {
		tc, err := handshake(ctx, conn, srv, d.o.Timeout)
		if err != nil {
			d.fail("SMTP TLS", certFix(err), "TLS with %s: %v", srv.Addr(), err)
			d.skip("SMTP sign-in", "no TLS")
			return
		}
		st := tc.ConnectionState()
		conn, state = tc, &st
	}
	conn.SetDeadline(time.Now().Add(d.o.Timeout))
	c, err := smtp.NewClient(conn, srv.Host)
	if err == nil {
		err = c.Hello(helloName())
	}
	if err != nil {
		conn.Close()
		d.fail("SMTP TLS", "is this an SMTP server? check mail.smtp.port (587 for starttls, 465 for tls)",
			"%s does not answer as an SMTP server: %v", srv.Addr(), err)
		d.skip("SMTP sign-in", "no SMTP")
		return
	}
	s := &smtpSession{conn: conn, c: c}
	if !d.smtpTLS(s, srv, state) {
		s.close()
		d.skip("SMTP sign-in", "no TLS")
		return
	}
	a, _, err := d.smtpCreds.SMTP(ctx)
	if err == nil {
		conn.SetDeadline(time.Now().Add(d.o.Timeout))
		if err = c.Auth(a); err != nil {
			err = fmt.Errorf("%s: sign-in: AUTH %s refused: %w", d.smtpCreds.Server(), d.smtpCreds.Mechanism(), err)
		}
	}
	if err != nil {
		s.close()
		d.fail("SMTP sign-in", signInFix(d.smtpCreds, err), "%v", err)
		return
	}
	d.ok("SMTP sign-in", "%s signed in as %s by %s", d.smtpCreds.Server(), d.smtpCreds.User(), d.smtpCreds.Mechanism())
	d.smtp = s
}

// smtpTLS checks the connection's TLS as mail.smtp.tls asks, upgrading with STARTTLS.
func (d *run) smtpTLS(s *smtpSession, srv config.Server, state *tls.ConnectionState) bool {
	switch srv.TLS {
	case mailer.NoTLS:
		return d.noTLS("SMTP TLS", srv)
	case mailer.StartTLS:
		if ok, _ := s.c.Extension("STARTTLS"); !ok {
			d.fail("SMTP TLS", "use tls: tls with port 465, or a server that offers STARTTLS",
				"%s does not offer STARTTLS", srv.Addr())
			return false
		}
		if err := s.c.StartTLS(mailer.ClientTLSConfig(nil, srv.Host)); err != nil {
			d.fail("SMTP TLS", certFix(err), "STARTTLS with %s: %v", srv.Addr(), err)
			return false
		}
		st, err := s.c.GetTLSConnectionState()
		if err != nil {
			d.fail("SMTP TLS", "check mail.smtp.tls", "%v", err)
			return false
		}
		state = st
	}
	d.certificate("SMTP TLS", srv, state)
	return true
}

// dial opens the TCP connection.
func dial(ctx context.Context, srv config.Server, timeout time.Duration) (net.Conn, time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", srv.Addr())
	return c, time.Since(start), err
}

// handshake does TLS on conn, verifying the certificate for the server's host name; it closes
// conn on failure.
func handshake(ctx context.Context, conn net.Conn, srv config.Server, timeout time.Duration) (*tls.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tc := tls.Client(conn, mailer.ClientTLSConfig(nil, srv.Host))
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

func helloName() string {
	return "rsvpd-doctor.localhost"
}

// noTLS accepts a connection in the clear only on loopback.
func (d *run) noTLS(name string, srv config.Server) bool {
	if mailer.IsLoopback(srv.Host) {
		d.ok(name, "none (tls: none, on loopback)")
		return true
	}
	d.fail(name, "set tls: starttls (port 587) or tls (465 SMTP, 993 IMAP)",
		"tls: none to %s would send the password or token in the clear", srv.Addr())
	return false
}

// certificate reports the server's certificate: whom it names and how long it is valid.
func (d *run) certificate(name string, srv config.Server, st *tls.ConnectionState) {
	if len(st.PeerCertificates) == 0 {
		d.fail(name, "check the server", "no certificate")
		return
	}
	cert := st.PeerCertificates[0]
	left := time.Until(cert.NotAfter)
	detail := fmt.Sprintf("%s, certificate for %s valid until %s", tls.VersionName(st.Version),
		srv.Host, cert.NotAfter.Format("2006-01-02"))
	if left < 14*24*time.Hour {
		d.warn(name, "the certificate expires within two weeks: renew it before the campaign", "%s", detail)
		return
	}
	d.ok(name, "%s", detail)
}

// certFix says what to do about a TLS failure.
func certFix(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return "the certificate is not signed by an authority this machine trusts: install the CA or use the server's public name"
	case errors.As(err, &host):
		return "the certificate is for another name: set host to a name the certificate lists"
	case errors.As(err, &invalid):
		return "the certificate is expired or not yet valid"
	case strings.Contains(err.Error(), "first record does not look like a TLS handshake"):
		return "the port does not speak TLS: use tls: starttls on port 587 (SMTP) or 143 (IMAP)"
	}
	return "check mail.*.tls and the port"
}
