package outbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
	gmsmtp "github.com/wneessen/go-mail/smtp"

	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/store"
)

// Options configure a Sender. Zero values take the defaults named on each field.
type Options struct {
	Host string
	// Port defaults to the TLS mode's SMTPPort: 465 for mailer.ImplicitTLS, else 587.
	Port int
	// TLS defaults to mailer.StartTLS.
	TLS mailer.TLSMode
	// TLSConfig replaces the default (the system roots, ServerName Host).
	TLSConfig *tls.Config
	// SignIn signs each new connection in (auth.Credentials: the password, or a token fresh
	// enough for the connection). Without it, User and Password sign in with AUTH PLAIN when
	// User is set; a password goes only over TLS or to localhost, and a token likewise.
	SignIn         SignIn
	User, Password string
	// OnSignIn is called after each attempt to sign a new connection in, from the dispatcher's
	// goroutine (it must not block): with nil when the server took the sign-in, else with a
	// *auth.TokenError (no token could be had) or a *auth.RefusedError (the server turned the
	// sign-in down). While a sign-in fails no message is tried: each waits in the outbox, its
	// attempts and its RetryFor untouched, and every connection tries to sign in again after
	// the backoff, at most mailer.SignInRetryMax apart.
	OnSignIn func(err error)
	// DKIM, when set, signs every message (mail.dkim, package mailer/dkim).
	DKIM *mail.DKIMSigner
	// HELO is the name given in EHLO; default the machine's host name.
	HELO string
	// EnvelopeFrom is the SMTP MAIL FROM (where bounces go); default the message's From.
	EnvelopeFrom string

	// Concurrency is the number of SMTP connections, each reused for many messages; default 1.
	Concurrency int
	// Rate limits the messages handed to the server per second; 0 means no limit.
	Rate float64
	// RetryFor is how long after a row was queued a temporary failure is still retried;
	// after that it is a permanent failure. Default 48 hours.
	RetryFor time.Duration
	// BackoffBase and BackoffMax bound the wait before the n-th retry (mailer.Backoff): a
	// random duration up to min(BackoffMax, BackoffBase*2^(n-1)). Defaults 1 minute and 1 hour.
	// The same backoff keeps a connection that could not be opened from being redialled at once.
	BackoffBase, BackoffMax time.Duration
	// Timeout bounds opening a connection (dial, greeting, EHLO, STARTTLS, AUTH) and each
	// message's whole SMTP transaction, so a hung server never blocks a connection for longer.
	// Default 30 seconds.
	Timeout time.Duration
	// BatchSize is how many due rows one read of the store fetches; default 256.
	BatchSize int

	// Clock defaults to clock.Real().
	Clock Clock
	// Log defaults to discarding.
	Log *slog.Logger

	// OnSent is called in the transaction that marks the row sent, so what follows from the
	// delivery (an event, the invitee's state) commits with it. If it fails, the row is still
	// marked sent in a transaction of its own and the error is logged: the server has the
	// message, and a row left pending would send it twice.
	OnSent func(tx *store.Tx, row store.Outgoing) error
	// OnFailed is called in the transaction that marks the row failed for good (an SMTP 5xx,
	// a message that cannot be rendered, or retries given up), with the reason. If it fails,
	// the row is still marked failed and the error is logged.
	OnFailed func(tx *store.Tx, row store.Outgoing, reason string) error
	// Progress, when set, is called after every message with the state of the current batch
	// (the messages due since the sender was last idle), for a terminal display.
	Progress func(Progress)
}

func (o Options) withDefaults() Options {
	if o.TLS == "" {
		o.TLS = mailer.StartTLS
	}
	if o.Port == 0 {
		o.Port = o.TLS.SMTPPort()
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.RetryFor == 0 {
		o.RetryFor = 48 * time.Hour
	}
	if o.BackoffBase == 0 {
		o.BackoffBase = time.Minute
	}
	if o.BackoffMax == 0 {
		o.BackoffMax = time.Hour
	}
	if o.BackoffMax < o.BackoffBase {
		o.BackoffMax = o.BackoffBase
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.SignIn == nil && o.User != "" {
		o.SignIn = passwordSignIn{user: o.User, password: o.Password, host: o.Host}
	}
	return o
}

func (o Options) addr() string { return net.JoinHostPort(o.Host, strconv.Itoa(o.Port)) }

// SignIn gives the authentication of one new connection and when it stops being good (zero:
// never), and forgets a token the server turned down, so that the next connection gets a new
// one. auth.Credentials is one.
type SignIn interface {
	SMTP(ctx context.Context) (gmsmtp.Auth, time.Time, error)
	Forget()
}

// passwordSignIn is AUTH PLAIN with Options.User and Password.
type passwordSignIn struct{ user, password, host string }

func (p passwordSignIn) SMTP(context.Context) (gmsmtp.Auth, time.Time, error) {
	return gmsmtp.PlainAuth("", p.user, p.password, p.host, false), time.Time{}, nil
}

func (passwordSignIn) Forget() {}

// Validate reports every setting that cannot work, naming it.
func (o Options) Validate() error {
	var errs []error
	if strings.TrimSpace(o.Host) == "" {
		errs = append(errs, errors.New("smtp host: missing"))
	}
	if o.TLS != "" {
		if err := o.TLS.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("smtp tls: %w", err))
		}
	}
	if o.Port < 0 || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("smtp port: %d is not a port", o.Port))
	}
	if o.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("smtp concurrency: %d is negative", o.Concurrency))
	}
	if o.Rate < 0 {
		errs = append(errs, fmt.Errorf("smtp rate: %g is negative", o.Rate))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"retry for", o.RetryFor}, {"backoff base", o.BackoffBase}, {"backoff max", o.BackoffMax}, {"timeout", o.Timeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("smtp %s: %s is negative", d.name, d.v))
		}
	}
	return errors.Join(errs...)
}
