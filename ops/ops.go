// Package ops serves what an operator watches a running rsvpd by, over HTTP: /healthz (is
// the IMAP session up, does the SMTP server answer, can the store be written, when did the
// last digest go out) and /metrics (Prometheus text format, from a registry of its own).
//
// The daemon reports to a Server through hooks it already has (the sender's and the
// watcher's options, the scheduler's reports, the engine's OnRead); what is in the store
// (the outbox, the review queue) is read when it is asked for. Bound to anything but a
// loopback address, every request must carry the bearer token.
package ops

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/inbox"
	"github.com/rsvpd/rsvpd/mailer/outbox"
	"github.com/rsvpd/rsvpd/store"
)

// MinTokenLength is the shortest bearer token accepted: a token guards the endpoint from the
// network, so it must not be guessable.
const MinTokenLength = 16

// Options configure a Server.
type Options struct {
	// Address is the host:port to listen on. Anything but a loopback address (127.0.0.0/8,
	// ::1, localhost) requires Token.
	Address string
	// Token, when set, is required as "Authorization: Bearer <token>" on every request.
	Token string
	Store *store.Store
	// Send and Watch say whether the daemon sends and reads mail; a part that is off does not
	// count for health.
	Send, Watch bool
	// SMTPAddr (host:port) and SMTPTLS name the SMTP server the health check greets when
	// nothing was sent lately.
	SMTPAddr string
	SMTPTLS  mailer.TLSMode
	// CheckTimeout bounds each health check (the SMTP greeting, the store write); default 3s.
	CheckTimeout time.Duration
	// SMTPCheckEvery is how long an SMTP check result is reused, so that frequent probes do
	// not each open a connection; default 30s.
	SMTPCheckEvery time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
	Log *slog.Logger
	// Desk, when set, serves every other path (the staff desk and the one-click answers,
	// which have their own sign-in): the bearer token guards /healthz and /metrics only.
	Desk http.Handler
	// TLSCertFile and TLSKeyFile make the listener serve HTTPS.
	TLSCertFile, TLSKeyFile string
}

// Server is the HTTP endpoint and the state it reports.
type Server struct {
	o   Options
	log *slog.Logger
	reg *prometheus.Registry
	m   metrics

	mu             sync.Mutex
	watcher        *inbox.Watcher
	imapConnected  bool
	imapSince      time.Time
	imapFailuresAt int64 // the watcher's ConnectFailures when the session became ready
	lastSent       time.Time
	lastDigest     time.Time
	progress       outbox.Progress
	smtp           smtpResult
	storeBusy      bool                     // a store check is still running
	signIn         map[string]signInFailure // by server ("SMTP", "IMAP"), while its sign-in fails

	ln  net.Listener
	srv *http.Server
}

// New checks the options and builds a Server; it reads the time of the last digest from the
// store's run ledger. It does not listen yet.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("ops: no store")
	}
	if err := CheckAccess(o.Address, o.Token); err != nil {
		return nil, err
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 3 * time.Second
	}
	if o.SMTPCheckEvery <= 0 {
		o.SMTPCheckEvery = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{o: o, log: o.Log.With("component", "http"), reg: prometheus.NewRegistry()}
	s.m = newMetrics(s)
	last, err := lastDigest(ctx, o.Store)
	if err != nil {
		return nil, fmt.Errorf("ops: %w", err)
	}
	s.lastDigest = last
	return s, nil
}

// CheckAccess refuses an address reachable from other machines without a token worth the
// name (rsvpd check applies the same rule as New).
func CheckAccess(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("http address %q: %w", addr, err)
	}
	if token != "" && len(token) < MinTokenLength {
		return fmt.Errorf("http token: %d characters; use at least %d (for example: openssl rand -hex 32)", len(token), MinTokenLength)
	}
	if !mailer.IsLoopback(host) && token == "" {
		return fmt.Errorf("http address %s is reachable from other machines: set http.token_env or http.token_file to require a bearer token, or listen on 127.0.0.1", addr)
	}
	return nil
}

// Handler serves /healthz and /metrics, behind the token when there is one, and the desk on
// every other path when there is one.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, Registry: s.reg}))
	if s.o.Desk == nil {
		return s.authorize(mux)
	}
	top := http.NewServeMux()
	top.Handle("/healthz", s.authorize(mux))
	top.Handle("/metrics", s.authorize(mux))
	top.Handle("/", s.o.Desk)
	return top
}

func (s *Server) authorize(next http.Handler) http.Handler {
	if s.o.Token == "" {
		return next
	}
	want := []byte(s.o.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearer(r.Header.Get("Authorization"))
		if !ok || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rsvpd"`)
			http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func bearer(h string) (string, bool) {
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return h[len(prefix):], true
}

// Listen binds the address, so that a port in use fails the start of the daemon.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.o.Address)
	if err != nil {
		return fmt.Errorf("http: listen on %s: %w", s.o.Address, err)
	}
	s.ln = ln
	return nil
}

// Addr is the address listened on (after Listen).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve answers requests until ctx ends, then lets requests in progress finish for a second.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() {
		if s.o.TLSCertFile != "" {
			errc <- s.srv.ServeTLS(s.ln, s.o.TLSCertFile, s.o.TLSKeyFile)
			return
		}
		errc <- s.srv.Serve(s.ln)
	}()
	s.log.Info("serving health and metrics", "address", s.Addr(), "token", s.o.Token != "", "desk", s.o.Desk != nil,
		"tls", s.o.TLSCertFile != "")
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		s.srv.Close()
	}
	<-errc
	return nil
}
