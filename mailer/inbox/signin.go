package inbox

// Signing in: with a token the session is renewed before the token expires, and a sign-in
// that fails is told once per outage.

import (
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"

	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/auth"
)

// errRenew ends a session whose token is about to expire; the next one takes a new token.
var errRenew = errors.New("the session's token is about to expire")

// renewBefore is when a session signed in with a token that expires at expiry should make
// way for a new one: a fifth of the token's remaining life before, at most a minute.
func renewBefore(expiry, now time.Time) time.Time {
	if expiry.IsZero() {
		return time.Time{}
	}
	return expiry.Add(-min(time.Minute, expiry.Sub(now)/5))
}

// renewDue reports whether the session should make way for a new one now.
func (s *session) renewDue() bool { return !s.renewAt.IsZero() && !time.Now().Before(s.renewAt) }

// signIn authenticates with the SASL client, or logs in with the password without one. The
// server's refusal is an *auth.RefusedError, and a token it refused is not offered again.
func (s *session) signIn(sc sasl.Client) error {
	o := s.w.o
	var err error
	if sc != nil {
		err = s.cmd("sign in", o.CommandTimeout, func() error { return s.c.Authenticate(sc) })
	} else {
		err = s.cmd("login as "+o.User, o.CommandTimeout, func() error { return s.c.Login(o.User, o.Password).Wait() })
	}
	var ie *imap.Error
	if errors.As(err, &ie) {
		if o.SignIn != nil {
			o.SignIn.Forget()
		}
		return &auth.RefusedError{Server: "IMAP " + o.addr(), Err: err}
	}
	return err
}

// signInFailed tells of a sign-in that failed (the log once per outage, OnSignIn every time)
// and returns the wait before the next attempt: the backoff, at most mailer.SignInRetryMax
// when no token could be had (asking again costs no connection then).
func (w *Watcher) signInFailed(err error, failures int) time.Duration {
	w.signInFails++
	delay := w.backoff.Wait(failures)
	var te *auth.TokenError
	if errors.As(err, &te) {
		delay = min(delay, mailer.SignInRetryMax)
	}
	if w.signInFails == 1 {
		w.signInSince = time.Now()
		w.log.Error("IMAP sign-in failed; replies wait in the mailbox until it works again", "server", w.o.addr(), "err", err)
	} else {
		w.log.Debug("IMAP sign-in failed again", "attempt", w.signInFails, "in", delay.Round(time.Millisecond), "err", err)
	}
	if w.o.OnSignIn != nil {
		w.o.OnSignIn(err)
	}
	return delay
}

// signedIn tells that a session was signed in, and that an outage is over.
func (w *Watcher) signedIn() {
	if w.signInFails > 0 {
		w.log.Info("IMAP sign-in works again; reading what waited", "server", w.o.addr(),
			"down", time.Since(w.signInSince).Round(time.Second), "failed_attempts", w.signInFails)
		w.signInFails = 0
	}
	if w.o.OnSignIn != nil {
		w.o.OnSignIn(nil)
	}
}
