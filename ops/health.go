package ops

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/store"
)

// Check is one part of the health report.
type Check struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Health is the /healthz document. Status is "ok" when every check is OK, else "failing"
// (and the HTTP status 503).
type Health struct {
	Status string `json:"status"`
	// Reason says in a line why the status is failing ("IMAP sign-in: the refresh token is
	// revoked or expired: sign in again with rsvpd login --config FILE"); empty when ok.
	Reason string `json:"reason,omitempty"`
	IMAP   Check  `json:"imap"`
	SMTP   Check  `json:"smtp"`
	Store  Check  `json:"store"`
	// LastDigest is when the last staff digest was queued; null before the first.
	LastDigest *time.Time `json:"last_digest"`
	CheckedAt  time.Time  `json:"checked_at"`
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	h := s.Health(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if h.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(h)
}

// Health runs the checks: the IMAP session from what the watcher reported, the SMTP server
// from the last delivery or a greeting, the store by a write that is rolled back.
func (s *Server) Health(ctx context.Context) Health {
	h := Health{CheckedAt: s.o.Now().UTC(), IMAP: s.checkIMAP(), SMTP: s.checkSMTP(ctx), Store: s.checkStore(ctx)}
	s.mu.Lock()
	if !s.lastDigest.IsZero() {
		t := s.lastDigest.UTC()
		h.LastDigest = &t
	}
	s.mu.Unlock()
	h.Status = "ok"
	if !h.IMAP.OK || !h.SMTP.OK || !h.Store.OK {
		h.Status = "failing"
		h.Reason = s.reason(h)
	}
	return h
}

// reason is the failing checks in a line, a failing sign-in in its own words.
func (s *Server) reason(h Health) string {
	var parts []string
	for _, c := range []struct {
		name  string
		check Check
	}{{"IMAP", h.IMAP}, {"SMTP", h.SMTP}, {"store", h.Store}} {
		if c.check.OK {
			continue
		}
		if f, ok := s.signInFailing(c.name); ok {
			parts = append(parts, auth.Summary(f.err))
		} else {
			parts = append(parts, c.name+": "+c.check.Detail)
		}
	}
	return strings.Join(parts, "; ")
}

// signInFailure is a sign-in that fails: the last error, since the first.
type signInFailure struct {
	err   error
	since time.Time
}

// signInHook follows a loop's sign-in (its OnSignIn).
func (s *Server) signInHook(server string) func(error) {
	return func(err error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err == nil {
			delete(s.signIn, server)
			s.m.signInFailing.WithLabelValues(server).Set(0)
			return
		}
		if s.signIn == nil {
			s.signIn = map[string]signInFailure{}
		}
		f, ok := s.signIn[server]
		if !ok {
			f.since = s.o.Now()
		}
		f.err = err
		s.signIn[server] = f
		s.m.signInFailing.WithLabelValues(server).Set(1)
	}
}

func (s *Server) signInFailing(server string) (signInFailure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.signIn[server]
	return f, ok
}

// signInCheck is the failing check of a server whose sign-in fails.
func (s *Server) signInCheck(server string) (Check, bool) {
	f, ok := s.signInFailing(server)
	if !ok {
		return Check{}, false
	}
	return Check{Detail: "sign-in failing since " + f.since.UTC().Format(time.RFC3339) + ": " + f.err.Error()}, true
}

// imapState says whether the watcher's session is up: it was reported ready, and the watcher
// has not counted a lost session since.
func (s *Server) imapState() (bool, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.imapConnected && s.watcher != nil && s.watcher.Stats().ConnectFailures != s.imapFailuresAt {
		s.imapConnected = false
	}
	return s.imapConnected, s.imapSince
}

func (s *Server) checkIMAP() Check {
	if !s.o.Watch {
		return Check{OK: true, Detail: "not watching (--no-watch)"}
	}
	if c, failing := s.signInCheck("IMAP"); failing {
		return c
	}
	up, since := s.imapState()
	if up {
		return Check{OK: true, Detail: "connected since " + since.UTC().Format(time.RFC3339)}
	}
	detail := "not connected"
	s.mu.Lock()
	if s.watcher != nil {
		st := s.watcher.Stats()
		detail += fmt.Sprintf(" (%d sessions failed or lost, %d ready)", st.ConnectFailures, st.Connects)
	}
	s.mu.Unlock()
	return Check{Detail: detail}
}

// smtpResult is the outcome of the last SMTP greeting.
type smtpResult struct {
	at  time.Time
	err error
}

func (s *Server) checkSMTP(ctx context.Context) Check {
	if !s.o.Send {
		return Check{OK: true, Detail: "not sending (--no-send)"}
	}
	if c, failing := s.signInCheck("SMTP"); failing {
		return c // the server may well greet: what fails is the sign-in
	}
	now := s.o.Now()
	s.mu.Lock()
	lastSent, cached := s.lastSent, s.smtp
	s.mu.Unlock()
	if !lastSent.IsZero() && now.Sub(lastSent) < s.o.SMTPCheckEvery {
		return Check{OK: true, Detail: fmt.Sprintf("the server accepted a message %s ago", now.Sub(lastSent).Round(time.Second))}
	}
	if cached.at.IsZero() || now.Sub(cached.at) >= s.o.SMTPCheckEvery {
		cctx, cancel := context.WithTimeout(ctx, s.o.CheckTimeout)
		err := greetSMTP(cctx, s.o.SMTPAddr, s.o.SMTPTLS)
		cancel()
		cached = smtpResult{at: now, err: err}
		s.mu.Lock()
		s.smtp = cached
		s.mu.Unlock()
	}
	if cached.err != nil {
		return Check{Detail: cached.err.Error()}
	}
	return Check{OK: true, Detail: fmt.Sprintf("%s greeted at %s", s.o.SMTPAddr, cached.at.UTC().Format(time.RFC3339))}
}

// greetSMTP connects, waits for the 220 greeting and says QUIT: the cheapest proof that the
// server takes connections, without logging in.
func greetSMTP(ctx context.Context, addr string, mode mailer.TLSMode) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if mode == mailer.ImplicitTLS {
		host, _, _ := net.SplitHostPort(addr)
		tc := tls.Client(conn, mailer.ClientTLSConfig(nil, host))
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("smtp %s: TLS: %w", addr, err)
		}
		conn = tc
	}
	tp := textproto.NewConn(conn)
	if _, _, err := tp.ReadResponse(220); err != nil {
		return fmt.Errorf("smtp %s: greeting: %w", addr, err)
	}
	_ = tp.PrintfLine("QUIT")
	_, _, _ = tp.ReadResponse(221)
	return nil
}

// errRollBack ends the store check's transaction without keeping its write.
var errRollBack = errors.New("health check: roll back")

// checkStore writes an event in a transaction and rolls it back: it needs the write lock and
// a journal that takes writes, and leaves nothing behind. One check runs at a time; a store
// locked for longer than CheckTimeout reports failing while the check waits on.
func (s *Server) checkStore(ctx context.Context) Check {
	s.mu.Lock()
	if s.storeBusy {
		s.mu.Unlock()
		return Check{Detail: "the previous write check has not finished: the store is locked or slow"}
	}
	s.storeBusy = true
	s.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		defer func() {
			s.mu.Lock()
			s.storeBusy = false
			s.mu.Unlock()
		}()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*s.o.CheckTimeout)
		defer cancel()
		done <- s.o.Store.Tx(cctx, func(tx *store.Tx) error {
			if err := tx.Log(store.Event{At: s.o.Now(), Kind: "health_check", Cause: "healthz"}); err != nil {
				return err
			}
			return errRollBack
		})
	}()
	t := time.NewTimer(s.o.CheckTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		if errors.Is(err, errRollBack) {
			return Check{OK: true, Detail: "writable"}
		}
		return Check{Detail: "store " + s.o.Store.Path() + ": " + strings.TrimSpace(err.Error())}
	case <-t.C:
		return Check{Detail: fmt.Sprintf("store %s: no write lock within %s", s.o.Store.Path(), s.o.CheckTimeout)}
	}
}

// lastDigest is when the latest digest job ran, from the run ledger.
func lastDigest(ctx context.Context, st *store.Store) (time.Time, error) {
	var last time.Time
	err := st.View(ctx, func(tx *store.Tx) error {
		r, _, err := tx.LastRun("digest/", "")
		last = r.RanAt
		return err
	})
	if err != nil {
		return last, fmt.Errorf("read the last digest: %w", err)
	}
	return last, nil
}
