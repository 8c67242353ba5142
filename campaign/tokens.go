package campaign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// Signer issues and checks the reply tokens and Message-IDs that tie a reply to its invitee.
// Both carry the invitee code and an HMAC of it, so a reply can be matched without the store
// and a forged token or reference is recognised as such.
type Signer struct {
	secret []byte
	domain string // the organiser's domain, for Message-IDs
}

// NewSigner returns a Signer with the campaign secret and the domain of the campaign address.
func NewSigner(secret []byte, domain string) *Signer {
	return &Signer{secret: append([]byte(nil), secret...), domain: strings.ToLower(domain)}
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func (s *Signer) mac(parts ...string) string {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(strings.Join(parts, "\x00")))
	return strings.ToLower(b32.EncodeToString(h.Sum(nil)[:10])) // 80 bits, 16 characters
}

// Token is the invitee's reply token: "<code>-<mac>", safe in the local part of an address.
func (s *Signer) Token(code string) string { return code + "-" + s.mac("token", code) }

// Verify returns the invitee code a token was issued for.
func (s *Signer) Verify(token string) (code string, ok bool) {
	token = strings.ToLower(strings.TrimSpace(token))
	i := strings.LastIndexByte(token, '-')
	if i <= 0 {
		return "", false
	}
	code, mac := token[:i], token[i+1:]
	if !hmac.Equal([]byte(mac), []byte(s.mac("token", code))) {
		return "", false
	}
	return code, true
}

// ReplyAddress puts the invitee's token into the campaign address: local+token@domain.
func (s *Signer) ReplyAddress(campaignAddr, code string) string {
	at := strings.LastIndexByte(campaignAddr, '@')
	if at < 0 {
		return campaignAddr
	}
	return campaignAddr[:at] + "+" + s.Token(code) + campaignAddr[at:]
}

// TokenFromAddress returns the invitee code of a tokened address (local+token@domain).
func (s *Signer) TokenFromAddress(addr string) (code string, ok bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", false
	}
	local := addr[:at]
	plus := strings.IndexByte(local, '+')
	if plus < 0 {
		return "", false
	}
	return s.Verify(local[plus+1:])
}

// MessageID derives the Message-ID (without angle brackets) of the outbox row with the given
// key, for the given invitee. The same key always gives the same Message-ID, so a message
// resent after a crash is recognised by the receiver as the same message.
func (s *Signer) MessageID(key, code string) string {
	sum := sha256.Sum256([]byte(key))
	h := strings.ToLower(b32.EncodeToString(sum[:10]))
	return "rsvpd." + h + "." + code + "." + s.mac("msgid", h, code) + "@" + s.domain
}

// VerifyMessageID returns the invitee code of a Message-ID this Signer issued (with or without
// angle brackets).
func (s *Signer) VerifyMessageID(id string) (code string, ok bool) {
	id = strings.ToLower(strings.Trim(strings.TrimSpace(id), "<>"))
	at := strings.LastIndexByte(id, '@')
	if at < 0 || id[at+1:] != s.domain {
		return "", false
	}
	parts := strings.Split(id[:at], ".")
	if len(parts) != 4 || parts[0] != "rsvpd" {
		return "", false
	}
	if !hmac.Equal([]byte(parts[3]), []byte(s.mac("msgid", parts[1], parts[2]))) {
		return "", false
	}
	return parts[2], true
}
