package auth

import (
	"github.com/emersion/go-sasl"
)

// XOAuth2 is the name of Google's and Microsoft's bearer-token SASL mechanism.
const XOAuth2 = "XOAUTH2"

// xoauth2Client is the client side of XOAUTH2, which go-sasl leaves out: the initial
// response "user=U^Aauth=Bearer T^A^A".
type xoauth2Client struct{ user, token string }

// NewXOAuth2Client returns a sasl.Client that signs user in with an access token by XOAUTH2.
func NewXOAuth2Client(user, token string) sasl.Client { return &xoauth2Client{user, token} }

func (c *xoauth2Client) Start() (string, []byte, error) {
	return XOAuth2, []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

// Next answers the one challenge XOAUTH2 has, the server's JSON error for a refused token,
// after which the server ends the exchange with its refusal. The mechanism asks for an empty
// response, but go-imap writes an empty response as "=", which Dovecot answers with BAD and
// go-imap then waits forever: any non-empty answer gets the refusal (NO) at once.
func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) { return []byte{0x01}, nil }

// bearerClient is go-sasl's OAUTHBEARER with a different answer to a refusal: go-sasl returns
// the server's error at once, which leaves the server waiting for the rest of the exchange
// (an IMAP client then hangs in AUTHENTICATE). RFC 7628 section 3.2.3 answers with a lone ^A,
// after which the server sends its refusal.
type bearerClient struct{ sasl.Client }

// NewOAuthBearerClient returns a sasl.Client that signs user in with an access token by
// OAUTHBEARER (RFC 7628), naming the server's host and port as the RFC asks.
func NewOAuthBearerClient(user, token, host string, port int) sasl.Client {
	return bearerClient{sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token, Host: host, Port: port})}
}

func (c bearerClient) Next(challenge []byte) ([]byte, error) { return []byte{0x01}, nil }
