package mailer

import (
	"crypto/tls"
	"fmt"
)

// TLSMode is how a connection to a mail server is secured: the tls key of a server in the
// config, and the TLS option of the outbox and the inbox.
type TLSMode string

// The TLS modes.
const (
	NoTLS       TLSMode = "none"     // plain text: loopback test servers only
	StartTLS    TLSMode = "starttls" // STARTTLS, which the server must offer
	ImplicitTLS TLSMode = "tls"      // TLS from the first byte (SMTPS, IMAPS)
)

// ParseTLSMode reads a mode as the config writes it: none, starttls or tls.
func ParseTLSMode(s string) (TLSMode, error) {
	m := TLSMode(s)
	return m, m.Validate()
}

// Validate reports a mode that is none of the three.
func (m TLSMode) Validate() error {
	switch m {
	case NoTLS, StartTLS, ImplicitTLS:
		return nil
	}
	return fmt.Errorf("%q is not a TLS mode (none, starttls or tls)", string(m))
}

// SMTPPort is the usual port of mail submission in the mode: 465 with implicit TLS, else 587.
func (m TLSMode) SMTPPort() int {
	if m == ImplicitTLS {
		return 465
	}
	return 587
}

// IMAPPort is the usual IMAP port in the mode: 993 with implicit TLS, else 143.
func (m TLSMode) IMAPPort() int {
	if m == ImplicitTLS {
		return 993
	}
	return 143
}

// ClientTLSConfig is the TLS config for a connection to host, implicit or by STARTTLS: a
// copy of base (which the caller may share and which stays as it was) naming host as the
// server to verify when base names none, at least TLS 1.2 when base sets no floor. A nil
// base is the system's roots.
func ClientTLSConfig(base *tls.Config, host string) *tls.Config {
	c := base.Clone()
	if c == nil {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}
