package campaign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The links rsvpd mails: a sign-in link to the staff desk, and one-click answers in the
// invitation. Each carries what it is for, whom, its expiry and an HMAC of all of it with the
// campaign secret, so a link cannot be made, changed or moved to another invitee or choice
// without the secret. The clock is the caller's: Verify* take the time to check against.

// ErrLinkForged is returned for a link that does not carry a valid signature.
var ErrLinkForged = errors.New("the link is not one rsvpd issued")

// ErrLinkExpired is returned for a genuine link past its expiry.
var ErrLinkExpired = errors.New("the link has expired")

// ChoiceDecline is the one-click choice that declines; the others are meeting ids.
const ChoiceDecline = "decline"

var b64 = base64.RawURLEncoding

// longMAC is a 128-bit HMAC of the parts, for links that carry authority by themselves.
func (s *Signer) longMAC(parts ...string) string {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(strings.Join(parts, "\x00")))
	return b64.EncodeToString(h.Sum(nil)[:16])
}

// link is "<purpose>.<field>.<field>....<expiry>.<mac>" with the fields base64url-encoded.
func (s *Signer) link(purpose string, expires time.Time, fields ...string) string {
	exp := strconv.FormatInt(expires.Unix(), 36)
	enc := make([]string, len(fields))
	for i, f := range fields {
		enc[i] = b64.EncodeToString([]byte(f))
	}
	body := purpose + "." + strings.Join(enc, ".") + "." + exp
	return body + "." + s.longMAC("link", body)
}

// verifyLink checks a link of purpose with n fields and returns them and its expiry. A
// genuine but expired link returns its fields with ErrLinkExpired.
func (s *Signer) verifyLink(purpose, tok string, n int, now time.Time) ([]string, time.Time, error) {
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != n+3 || parts[0] != purpose {
		return nil, time.Time{}, ErrLinkForged
	}
	body := strings.Join(parts[:len(parts)-1], ".")
	if !hmac.Equal([]byte(parts[len(parts)-1]), []byte(s.longMAC("link", body))) {
		return nil, time.Time{}, ErrLinkForged
	}
	sec, err := strconv.ParseInt(parts[n+1], 36, 64)
	if err != nil {
		return nil, time.Time{}, ErrLinkForged
	}
	fields := make([]string, n)
	for i := range fields {
		b, err := b64.DecodeString(parts[1+i])
		if err != nil {
			return nil, time.Time{}, ErrLinkForged
		}
		fields[i] = string(b)
	}
	exp := time.Unix(sec, 0)
	if !now.Before(exp) {
		return fields, exp, ErrLinkExpired
	}
	return fields, exp, nil
}

// SignInLink is the token of a sign-in link to the staff desk for a staff address. The nonce
// makes it single-use: the desk records it when it sends the link and spends it on use.
func (s *Signer) SignInLink(staff, nonce string, expires time.Time) string {
	return s.link("s", expires, staff, nonce)
}

// VerifySignInLink returns the staff address and nonce of a sign-in token.
func (s *Signer) VerifySignInLink(tok string, now time.Time) (staff, nonce string, err error) {
	f, _, err := s.verifyLink("s", tok, 2, now)
	if err != nil {
		return "", "", err
	}
	return f[0], f[1], nil
}

// AnswerLink is the token of a one-click answer for an invitee: choice is a meeting id or
// ChoiceDecline. It expires with the deadline.
func (s *Signer) AnswerLink(code, choice string, expires time.Time) string {
	return s.link("a", expires, code, choice)
}

// VerifyAnswerLink returns the invitee and choice of a one-click token. An expired link
// still names them (with ErrLinkExpired), so that its page can say the deadline has passed.
func (s *Signer) VerifyAnswerLink(tok string, now time.Time) (code, choice string, err error) {
	f, _, err := s.verifyLink("a", tok, 2, now)
	if f == nil {
		return "", "", err
	}
	return f[0], f[1], err
}

// FormToken is the anti-forgery token of a desk session's forms: an HMAC of the session, so
// it needs no storage and is worthless for any other session.
func (s *Signer) FormToken(session string) string { return s.longMAC("form", session) }

// CheckFormToken reports whether tok is the form token of the session.
func (s *Signer) CheckFormToken(session, tok string) bool {
	return hmac.Equal([]byte(tok), []byte(s.FormToken(session)))
}
