package inbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/mailer"
)

// Defaults of Options.
const (
	DefaultMailbox        = "INBOX"
	DefaultPoll           = time.Minute
	DefaultCommandTimeout = 30 * time.Second
	DefaultIdleRestart    = 10 * time.Minute
	MaxIdleRestart        = 25 * time.Minute
	DefaultBackoffBase    = 500 * time.Millisecond
	DefaultBackoffMax     = 2 * time.Minute
	DefaultMaxSize        = 25 << 20
	DefaultBatchSize      = 64
	DefaultBatchBytes     = 8 << 20
)

// Options configure a Watcher. Zero values take the defaults named.
type Options struct {
	Host string
	Port int            // default the TLS mode's IMAPPort: 993 for mailer.ImplicitTLS, else 143
	TLS  mailer.TLSMode // default mailer.ImplicitTLS
	// TLSConfig adds trusted roots or a server name; nil uses the system's roots and Host.
	TLSConfig *tls.Config
	// SignIn, when set, signs each new session in with AUTHENTICATE (auth.Credentials: an
	// OAuth2 token fresh enough for the session, which is renewed before the token expires,
	// since Exchange ends a session when its token does). Without it the watcher logs in with
	// LOGIN, User and Password, which every server has.
	SignIn   SignIn
	User     string
	Password string
	// OnSignIn is called after each attempt to sign a session in (on Run's goroutine; it must
	// not block): with nil when the server took the sign-in, else with a *auth.TokenError (no
	// token could be had; no connection is opened then) or an *auth.RefusedError (the server
	// turned the sign-in down). While a sign-in fails the replies wait in the mailbox; the
	// watcher tries again after the backoff, at most mailer.SignInRetryMax apart while no token
	// can be had.
	OnSignIn func(err error)
	// Mailbox is read for replies (default INBOX). Processed is where finished messages are
	// moved, with "/" between levels whatever the server's separator; it is created when
	// missing. With Processed empty, or when it cannot be created, finished messages stay
	// where they are, flagged \Seen and $rsvpd.
	Mailbox   string
	Processed string
	// Poll is how often the mailbox is searched when the server offers no IDLE (default 1m).
	Poll time.Duration
	// CommandTimeout bounds every command and the connection set-up (default 30s); a server
	// that does not answer in time has its connection closed and is connected to again.
	CommandTimeout time.Duration
	// IdleRestart is how long one IDLE lasts before it is stopped and started again
	// (default 10m, at most 25m: RFC 2177 lets servers drop an IDLE after 30 minutes).
	IdleRestart time.Duration
	// BackoffBase and BackoffMax bound the wait before connecting again after a failure, and
	// before retrying one message (mailer.Backoff; default 500ms and 2m).
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// MaxSize is the largest message read (default 25 MiB). A larger one is not read: its
	// header is kept in the ledger, which marks it failed with the reason, a review item
	// tells the staff, and it is moved on flagged $rsvpd-toolarge.
	MaxSize int64
	// BatchSize is the most messages one pass fetches with one command, stores in one write,
	// hands over together and moves with one command (default 64; 1 takes one at a time);
	// BatchBytes bounds their size together (default 8 MiB; a larger message goes alone).
	BatchSize  int
	BatchBytes int64
	// HandleBatch, when set, is given the ledger ids of a batch in UID order and returns an
	// error per id, like the handler's: it may read them in parallel, and must apply them in
	// the order given. Unlike the handler, it is also given the rows the ledger holds as
	// handled before (a restart between applying and moving them), which it must leave alone
	// and report finished. Without it the handler is called for each row that is new.
	HandleBatch func(ctx context.Context, inboundIDs []int64) []error
	// Log defaults to discarding.
	Log *slog.Logger
	// Clock stamps ledger rows (default the real clock). Waits use real time: they are spent
	// talking to a real server.
	Clock clock.Clock
	// OnConnect is called (on Run's goroutine; it must not block) each time a session is
	// ready: logged in, the mailbox selected. For metrics and health.
	OnConnect func(Connection)
}

// SignIn gives the SASL client of one new session and when its token expires (zero: never),
// and forgets a token the server turned down. auth.Credentials is one.
type SignIn interface {
	IMAP(ctx context.Context) (sasl.Client, time.Time, error)
	Forget()
}

// Connection describes a session that became ready.
type Connection struct {
	// Reconnect is true when an earlier session of the same Run was lost; Down is the time
	// from losing it to this session being ready, Failures the attempts that failed between.
	Reconnect bool
	Down      time.Duration
	Failures  int
	// Idle and Move tell what the server offers; Disposal is what happens to a finished
	// message: "move", "copy" (COPY, \Deleted, EXPUNGE) or "flag"; Processed is the name of
	// the processed mailbox on the server (its hierarchy separator in place of "/"), "" when
	// messages are flagged.
	Idle      bool
	Move      bool
	Disposal  string
	Processed string
}

// Stats are the watcher's counters since it was made.
type Stats struct {
	Connects        int64 // sessions that became ready
	Reconnects      int64 // of those, after a lost session
	ConnectFailures int64 // sessions that failed or were lost
	Handled         int64 // messages finished: handled (or refused) and moved or flagged
	HandleErrors    int64 // messages not finished (handler, ledger or a refused command); retried
	TooLarge        int64 // messages refused for their size
}

func (o Options) withDefaults() Options {
	if o.TLS == "" {
		o.TLS = mailer.ImplicitTLS
	}
	if o.Port == 0 {
		o.Port = o.TLS.IMAPPort()
	}
	if o.Mailbox == "" {
		o.Mailbox = DefaultMailbox
	}
	setDefault(&o.Poll, DefaultPoll)
	setDefault(&o.CommandTimeout, DefaultCommandTimeout)
	setDefault(&o.IdleRestart, DefaultIdleRestart)
	o.IdleRestart = min(o.IdleRestart, MaxIdleRestart)
	setDefault(&o.BackoffBase, DefaultBackoffBase)
	setDefault(&o.BackoffMax, DefaultBackoffMax)
	o.BackoffMax = max(o.BackoffMax, o.BackoffBase)
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = DefaultBatchBytes
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	return o
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Validate reports every setting that cannot work, naming it. Zero values are fine: they
// take the defaults.
func (o Options) Validate() error {
	var errs []error
	if o.TLS != "" {
		if err := o.TLS.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if o.Host == "" {
		errs = append(errs, errors.New("no IMAP host"))
	}
	if o.Port < 0 || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("IMAP port %d out of range", o.Port))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("watch %s: %w", o.Mailbox, err)
	}
	return nil
}

func (o Options) addr() string { return net.JoinHostPort(o.Host, strconv.Itoa(o.Port)) }
