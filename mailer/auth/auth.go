// Package auth signs rsvpd in to its mail servers: with the configured password, or with an
// OAuth2 bearer token (SASL XOAUTH2, which Microsoft 365 and Gmail offer, or OAUTHBEARER,
// RFC 7628) from Microsoft's identity platform, Google, or any OAuth2 token endpoint.
//
// The SMTP sender and the IMAP watcher ask a Credentials for the sign-in of every new
// connection (IMAP for a sasl.Client, SMTP for a go-mail smtp.Auth). A token is reused while it
// has enough life left and fetched anew otherwise, so each connection starts with a token that
// the server accepts; Exchange ends an IMAP session when its token expires, and the returned
// expiry tells the watcher when to reconnect. A token that cannot be had is a *TokenError that
// names the server and the step, and says whether an operator must act (a revoked refresh token,
// a wrong secret) or a retry may help (the token endpoint did not answer).
//
// Secrets and tokens never appear in errors or logs. A delegated sign-in keeps only its refresh
// token, in a file of mode 0600 written atomically (TokenFile); `rsvpd login` puts it there.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail/smtp"

	"github.com/rsvpd/rsvpd/config"
)

// Credentials is the sign-in to one server, fresh for each connection.
type Credentials struct {
	server string // "IMAP outlook.office365.com:993", for errors and logs
	host   string
	port   int
	method string
	user   string
	mech   string
	// password reads the password (method password).
	password func() (string, error)
	tokens   *tokenSource // method oauth2
}

// Options are what Credentials need besides the configuration.
type Options struct {
	// HTTPClient calls the token endpoint; default a client with a 30 s timeout.
	HTTPClient *http.Client
	Log        *slog.Logger
	// Now is the clock tokens are judged by; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// ForServers returns the credentials of the configuration's IMAP and SMTP servers. When both
// use the same token file they share it, so a rotated refresh token is never used twice.
func ForServers(cfg *config.Config, opts Options) (imap, smtp *Credentials) {
	files := map[string]*TokenFile{}
	imap = newCredentials("IMAP", cfg.Mail.IMAP, files, opts)
	smtp = newCredentials("SMTP", cfg.Mail.SMTP, files, opts)
	return imap, smtp
}

// New returns the credentials of one server; kind is "IMAP" or "SMTP".
func New(kind string, s config.Server, opts Options) *Credentials {
	return newCredentials(kind, s, map[string]*TokenFile{}, opts)
}

func newCredentials(kind string, s config.Server, files map[string]*TokenFile, opts Options) *Credentials {
	opts = opts.withDefaults()
	c := &Credentials{
		server: kind + " " + s.Addr(), host: s.Host, port: s.Port,
		method: s.Auth.Method, user: s.User, mech: s.Auth.Mechanism,
		password: s.Password,
	}
	if s.Auth.OAuth2() {
		c.user = s.Auth.User
		var file *TokenFile
		if s.Auth.Grant == config.GrantRefreshToken {
			if file = files[s.Auth.TokenFile]; file == nil {
				file = NewTokenFile(s.Auth.TokenFile)
				files[s.Auth.TokenFile] = file
			}
		}
		c.tokens = newTokenSource(c.server, s.Auth, file, opts)
	}
	return c
}

// Server names the server ("SMTP smtp.office365.com:587").
func (c *Credentials) Server() string { return c.server }

// OAuth2 says whether the server is signed in to with a token.
func (c *Credentials) OAuth2() bool { return c.tokens != nil }

// User is the mailbox signed in to.
func (c *Credentials) User() string { return c.user }

// Mechanism is the SASL mechanism used: PLAIN for a password, XOAUTH2 or OAUTHBEARER.
func (c *Credentials) Mechanism() string {
	switch {
	case c.tokens == nil:
		return sasl.Plain
	case c.mech == config.MechOAuthBearer:
		return sasl.OAuthBearer
	}
	return XOAuth2
}

// Password returns the password of the password method (the IMAP watcher logs in with
// LOGIN, which every server has); "" for OAuth2.
func (c *Credentials) Password() (string, error) {
	if c.tokens != nil {
		return "", nil
	}
	pw, err := c.password()
	if err != nil {
		return "", &TokenError{Server: c.server, Step: "read the password", Err: err, Operator: true}
	}
	return pw, nil
}

// IMAP returns the SASL client for one new IMAP connection (imapclient.Client.Authenticate)
// and when its token expires (zero for a password).
func (c *Credentials) IMAP(ctx context.Context) (sasl.Client, time.Time, error) {
	if c.tokens == nil {
		pw, err := c.Password()
		if err != nil {
			return nil, time.Time{}, err
		}
		return sasl.NewPlainClient("", c.user, pw), time.Time{}, nil
	}
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	if c.mech == config.MechOAuthBearer {
		return NewOAuthBearerClient(c.user, tok.AccessToken, c.host, c.port), tok.Expiry, nil
	}
	return NewXOAuth2Client(c.user, tok.AccessToken), tok.Expiry, nil
}

// SMTP returns the authentication for one new SMTP connection (go-mail's
// Client.SetSMTPAuthCustom, before it dials) and when its token expires (zero for a password).
func (c *Credentials) SMTP(ctx context.Context) (smtp.Auth, time.Time, error) {
	if c.tokens == nil {
		pw, err := c.Password()
		if err != nil {
			return nil, time.Time{}, err
		}
		return smtp.PlainAuth("", c.user, pw, c.host, false), time.Time{}, nil
	}
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	return NewSMTPAuth(c.Mechanism(), c.user, tok.AccessToken, c.host, c.port), tok.Expiry, nil
}

// Forget drops the token in hand, so the next connection fetches a new one: for a server
// that refused a token the clock says is still good (revoked, or the server's clock differs).
func (c *Credentials) Forget() {
	if c.tokens != nil {
		c.tokens.forget()
	}
}

// TokenError is a sign-in that could not get as far as the server: the token (or the
// password) could not be had.
type TokenError struct {
	Server string // "IMAP outlook.office365.com:993"
	Step   string // "read the client secret", "refresh-token grant at https://...", ...
	// Code is the OAuth2 error code (invalid_grant, invalid_client, ...), "" when none.
	Code string
	// Operator is set when waiting will not help: the refresh token is revoked or expired,
	// the secret is wrong or missing, the token file is missing. A retry may help otherwise.
	Operator bool
	Err      error
}

func (e *TokenError) Error() string {
	s := fmt.Sprintf("%s: sign-in: %s: %v", e.Server, e.Step, e.Err)
	if h := e.Hint(); h != "" {
		s += " (" + h + ")"
	}
	return s
}

func (e *TokenError) Unwrap() error { return e.Err }

// Hint says what an operator should do, "" when a retry is all it takes.
func (e *TokenError) Hint() string {
	switch {
	case e.Code == "invalid_grant":
		return "the refresh token is revoked or expired: sign in again with rsvpd login --config FILE"
	case e.Code == "invalid_client" || e.Code == "unauthorized_client":
		return "the token endpoint refused the client: check client_id and the client secret"
	case e.Code == "invalid_scope":
		return "the token endpoint refused the scopes: check scopes and the app's API permissions"
	case errors.Is(e.Err, errNoRefreshToken):
		return "sign in once with rsvpd login --config FILE"
	case e.Operator:
		return "fix the configuration or the file named, then rsvpd tries again"
	}
	return ""
}

// Cause sorts a sign-in that failed by what must be done about it, for the people told.
type Cause string

const (
	CauseRevoked   Cause = "revoked"    // the refresh token is revoked or expired: sign in again
	CauseNoSignIn  Cause = "no_sign_in" // no one has signed in yet (no refresh token)
	CauseClient    Cause = "client"     // the token endpoint refused the client: its id or secret
	CauseRefused   Cause = "refused"    // the mail server turned the sign-in down
	CauseSetup     Cause = "setup"      // a file or setting must be mended; the error names it
	CauseTransient Cause = "transient"  // the token endpoint did not answer as it should: a retry may help
)

// CauseOf sorts err, a *TokenError or a *RefusedError (anything else is CauseTransient).
func CauseOf(err error) Cause {
	var te *TokenError
	var re *RefusedError
	switch {
	case errors.As(err, &re):
		return CauseRefused
	case !errors.As(err, &te):
		return CauseTransient
	case te.Code == "invalid_grant":
		return CauseRevoked
	case te.Code == "invalid_client" || te.Code == "unauthorized_client":
		return CauseClient
	case errors.Is(te.Err, errNoRefreshToken):
		return CauseNoSignIn
	case te.Operator:
		return CauseSetup
	}
	return CauseTransient
}

// IsSignInError reports whether err is a sign-in that failed: a *TokenError or a
// *RefusedError.
func IsSignInError(err error) bool {
	var te *TokenError
	var re *RefusedError
	return errors.As(err, &te) || errors.As(err, &re)
}

// RefusedError is a sign-in the server turned down: the token (or the password) was had, and
// the server did not take it (revoked, for another mailbox, the mailbox not given to the app).
type RefusedError struct {
	Server string // "IMAP outlook.office365.com:993"
	Err    error  // the server's answer
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s: sign-in refused by the server: %v", e.Server, e.Err)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// Summary says in one line which sign-in fails and what to do, for /healthz: "IMAP sign-in:
// the refresh token is revoked or expired: sign in again with rsvpd login --config FILE". It
// is err's own text for an error that is neither a *TokenError nor a *RefusedError.
func Summary(err error) string {
	var te *TokenError
	if errors.As(err, &te) {
		what := te.Hint()
		if what == "" {
			what = te.Step + ": " + te.Err.Error()
		}
		return kindOf(te.Server) + " sign-in: " + what
	}
	var re *RefusedError
	if errors.As(err, &re) {
		return kindOf(re.Server) + " sign-in refused by the server: " + firstLine(re.Err.Error())
	}
	return err.Error()
}

// kindOf is the protocol that names a server ("IMAP" of "IMAP host:993").
func kindOf(server string) string {
	kind, _, _ := strings.Cut(server, " ")
	return kind
}
