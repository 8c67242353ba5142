package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail/smtp"

	"github.com/rsvpd/rsvpd/mailer"
)

// smtpAuth runs a SASL client as a go-mail smtp.Auth, which go-mail's own XOAUTH2 does too
// but without OAUTHBEARER, without checking that the server offers the mechanism, and
// without refusing to send a bearer token in the clear.
type smtpAuth struct {
	mech string
	c    sasl.Client
	host string
}

// NewSMTPAuth returns a go-mail smtp.Auth that signs user in with an access token by mech
// (XOAUTH2 or OAUTHBEARER), for go-mail's Client.SetSMTPAuthCustom.
func NewSMTPAuth(mech, user, token, host string, port int) smtp.Auth {
	var c sasl.Client
	if mech == sasl.OAuthBearer {
		c = NewOAuthBearerClient(user, token, host, port)
	} else {
		mech, c = XOAuth2, NewXOAuth2Client(user, token)
	}
	return &smtpAuth{mech: mech, c: c, host: host}
}

// ErrMechanismNotOffered is returned when the server does not list the mechanism in AUTH.
var ErrMechanismNotOffered = errors.New("mechanism not offered")

func (a *smtpAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	// A bearer token is as good as a password for its lifetime: never in the clear, except
	// to this machine (the test servers).
	if !server.TLS && !mailer.IsLoopback(server.Name) {
		return "", nil, fmt.Errorf("%s: refusing to send a token without TLS to %s", a.mech, server.Name)
	}
	if !slices.ContainsFunc(server.Auth, func(m string) bool { return strings.EqualFold(m, a.mech) }) {
		return "", nil, fmt.Errorf("%w: %s offers AUTH %s, not %s", ErrMechanismNotOffered, server.Name,
			strings.Join(server.Auth, " "), a.mech)
	}
	return a.c.Start()
}

func (a *smtpAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if a.mech == XOAuth2 {
		return []byte{}, nil // SMTP can send the empty response XOAUTH2 asks for
	}
	return a.c.Next(fromServer)
}
