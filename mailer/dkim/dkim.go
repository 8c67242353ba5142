// Package dkim builds the DKIM signer for mail.dkim: operators who send through a relay of
// their own that does not sign can have rsvpd sign each message (RFC 6376), so that receivers'
// DMARC checks pass. Microsoft 365 and Google sign outgoing mail themselves; there it is not
// needed. The sender signs each message with it (Msg.SetDKIM) as it encodes it; the signer is
// safe to share between the sender's connections.
package dkim

import (
	"errors"
	"fmt"
	"os"

	"github.com/wneessen/go-mail"

	"github.com/rsvpd/rsvpd/config"
)

// New reads the private key (PEM, RSA or Ed25519) named by c.KeyFile and returns the signer
// for c.Domain and c.Selector.
func New(c config.DKIM) (*mail.DKIMSigner, error) {
	if c.Domain == "" || c.Selector == "" || c.KeyFile == "" {
		return nil, errors.New("dkim: mail.dkim needs domain, selector and key_file")
	}
	st, err := os.Stat(c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("dkim: key file: %w", err)
	}
	if st.Mode().Perm()&0o007 != 0 {
		return nil, fmt.Errorf("dkim: key file %s has mode %04o: anyone on this machine could sign as %s; chmod 600 it",
			c.KeyFile, st.Mode().Perm(), c.Domain)
	}
	data, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("dkim: key file: %w", err)
	}
	key, err := mail.PrivKeyFromPEM(data)
	if err != nil {
		return nil, fmt.Errorf("dkim: key file %s: %w", c.KeyFile, err)
	}
	s := mail.NewDKIMSigner(c.Domain, c.Selector, key)
	s.HeaderCanonicalization(mail.CanonicalizationRelaxed)
	s.BodyCanonicalization(mail.CanonicalizationRelaxed)
	// go-mail's default header list (From, To, Subject, Date, Message-ID, Content-Type,
	// MIME-Version) stays: go-mail v0.8.1 signs a listed header that a message lacks (Reply-To
	// on a staff letter) in a way verifiers (go-msgauth) reject, so only always-present fields.
	//
	// One signature now: it proves the key signs, and go-mail v0.8.1 settles the algorithm on
	// the first Sign (a write), after which the sender's connections only read the signer.
	if _, err := s.Sign([]byte("From: "+c.Domain+"\r\n"), []byte("\r\n")); err != nil {
		return nil, fmt.Errorf("dkim: key file %s: %w", c.KeyFile, err)
	}
	return s, nil
}
