package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/testenv"
)

// fakeSignIn hands out the test server's password by AUTHENTICATE PLAIN as if it were a token
// living lifetime, or err while that is set; a wrong password (the server refuses it) for the
// next refuse sign-ins.
type fakeSignIn struct {
	mu       sync.Mutex
	lifetime time.Duration
	err      error
	refuse   int
	calls    int
	forgets  int
}

func (f *fakeSignIn) IMAP(context.Context) (sasl.Client, time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, time.Time{}, f.err
	}
	pw := testPassword
	if f.refuse > 0 {
		f.refuse--
		pw = "revoked"
	}
	var expiry time.Time
	if f.lifetime > 0 {
		expiry = time.Now().Add(f.lifetime)
	}
	return sasl.NewPlainClient("", testUser, pw), expiry, nil
}

func (f *fakeSignIn) Forget() { f.mu.Lock(); f.forgets++; f.mu.Unlock() }

func (f *fakeSignIn) set(err error) { f.mu.Lock(); f.err = err; f.mu.Unlock() }

func (f *fakeSignIn) counts() (calls, forgets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.forgets
}

// signIns records OnSignIn and counts the log's error lines.
type signIns struct {
	mu     sync.Mutex
	calls  []error
	errors int
}

func (s *signIns) on(err error) { s.mu.Lock(); s.calls = append(s.calls, err); s.mu.Unlock() }

func (s *signIns) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.errors += strings.Count(string(p), "level=ERROR")
	s.mu.Unlock()
	return len(p), nil
}

func (s *signIns) snapshot() ([]error, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.calls...), s.errors
}

// A session signed in with a token makes way for a new one before the token expires (Exchange
// ends it then), without counting as lost, and the mail that arrives meanwhile is read once.
func TestWatcherRenewsSessionBeforeTokenExpires(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	st := testenv.Store(t)
	h := newTestHandler(st)
	opts := testOptions(t, srv)
	si := &fakeSignIn{lifetime: time.Second}
	opts.SignIn = si
	w := New(st, h.handle, opts)
	stop := runWatcher(t, w)
	for i := range 6 {
		srv.deliver("INBOX", testMessage(fmt.Sprintf("m%d@kommune.test", i), "Vi kommer til Vejle"))
		time.Sleep(500 * time.Millisecond)
	}
	waitFor(t, 5*time.Second, "six messages applied", func() bool { return h.totalApplied() == 6 })
	stop()
	stats := w.Stats()
	calls, _ := si.counts()
	if stats.Connects < 3 || calls < 3 {
		t.Errorf("%d sessions with %d tokens in 3 s of one-second tokens, want at least 3", stats.Connects, calls)
	}
	if stats.ConnectFailures != 0 || stats.Reconnects != 0 {
		t.Errorf("renewals counted as lost sessions: %+v", stats)
	}
	for i := range 6 {
		if n := h.appliedCount(fmt.Sprintf("m%d@kommune.test", i)); n != 1 {
			t.Errorf("m%d applied %d times", i, n)
		}
	}
}

// While no token can be had the watcher opens no connection and the replies wait in the
// inbox; the log says so once, OnSignIn hears every attempt, and once a token comes every
// reply is read once.
func TestWatcherWaitsWhileNoToken(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	for i := range 3 {
		srv.deliver("INBOX", testMessage(fmt.Sprintf("w%d@kommune.test", i), "Vi kommer til Vejle"))
	}
	st := testenv.Store(t)
	h := newTestHandler(st)
	opts := testOptions(t, srv)
	revoked := &auth.TokenError{Server: "IMAP " + opts.Host, Step: "refresh-token grant at http://127.0.0.1/token",
		Code: "invalid_grant", Operator: true, Err: errors.New("invalid_grant")}
	si := &fakeSignIn{err: revoked}
	var rec signIns
	opts.SignIn, opts.OnSignIn = si, rec.on
	opts.Log = slog.New(slog.NewTextHandler(&rec, nil))
	w := New(st, h.handle, opts)
	runWatcher(t, w)
	waitFor(t, 5*time.Second, "three failed sign-ins", func() bool { calls, _ := rec.snapshot(); return len(calls) >= 3 })
	if n := len(srv.messages("INBOX")); n != 3 || h.totalApplied() != 0 || w.Stats().Connects != 0 {
		t.Errorf("without a token: %d in the inbox, %d applied, %d sessions; want 3, 0, 0", n, h.totalApplied(), w.Stats().Connects)
	}
	calls, errorLines := rec.snapshot()
	var te *auth.TokenError
	if !errors.As(calls[0], &te) || errorLines != 1 {
		t.Errorf("OnSignIn got %v; %d error lines; want the token error and one line", calls[0], errorLines)
	}
	si.set(nil) // rsvpd login
	waitFor(t, 20*time.Second, "the waiting replies applied", func() bool { return h.totalApplied() == 3 })
	calls, _ = rec.snapshot()
	if calls[len(calls)-1] != nil {
		t.Errorf("OnSignIn was not told the sign-in works: %v", calls[len(calls)-1])
	}
}

// A token the server refuses is forgotten, so the next session takes a new one.
func TestWatcherForgetsRefusedToken(t *testing.T) {
	srv := newTestServer(t, capsRev2)
	srv.start()
	srv.deliver("INBOX", testMessage("r@kommune.test", "Vi kommer til Vejle"))
	st := testenv.Store(t)
	h := newTestHandler(st)
	opts := testOptions(t, srv)
	si := &fakeSignIn{refuse: 1}
	var rec signIns
	opts.SignIn, opts.OnSignIn = si, rec.on
	w := New(st, h.handle, opts)
	runWatcher(t, w)
	waitFor(t, 5*time.Second, "the reply applied", func() bool { return h.totalApplied() == 1 })
	calls, forgets := si.counts()
	got, _ := rec.snapshot()
	var re *auth.RefusedError
	if calls != 2 || forgets != 1 || len(got) != 2 || !errors.As(got[0], &re) || got[1] != nil {
		t.Errorf("%d tokens, %d forgotten, OnSignIn %v; want 2, 1, the refusal then nil", calls, forgets, got)
	}
	if re != nil && !strings.HasPrefix(re.Error(), "IMAP "+opts.addr()+": sign-in refused by the server") {
		t.Errorf("refusal %q does not name the server", re)
	}
}
