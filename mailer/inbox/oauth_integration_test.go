package inbox

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/testenv"
)

// The watcher on Dovecot signing in with OAuth2 tokens that live 3 s: it renews its session
// before each token expires and reads every reply once; with the refresh token revoked it
// leaves new replies in the inbox and says why, and a new sign-in (the token file rsvpd login
// writes) reads them.
func TestWatcherOAuthOnDovecot(t *testing.T) {
	srv := mailtest.StartOAuth(t, mailtest.OAuthOptions{Lifetime: 3 * time.Second})
	srv.OAuth.AddClient("rsvpd", "", "")
	file := filepath.Join(t.TempDir(), "oauth-token.json")
	first := srv.OAuth.IssueRefreshToken("rsvpd", dovecotUser, "mail")
	if err := auth.NewTokenFile(file).Save(first); err != nil {
		t.Fatal(err)
	}
	host, portStr, _ := net.SplitHostPort(srv.IMAPAddr)
	port, _ := strconv.Atoi(portStr)
	creds := auth.New("IMAP", config.Server{Host: host, Port: port, TLS: mailer.NoTLS, User: dovecotUser, Auth: config.Auth{
		Method: config.AuthOAuth2, Mechanism: config.MechXOAuth2, Provider: config.ProviderGeneric,
		ClientID: "rsvpd", TokenURL: srv.OAuth.TokenURL(), Scopes: []string{"mail"},
		Grant: config.GrantRefreshToken, TokenFile: file, User: dovecotUser,
	}}, auth.Options{})
	st := testenv.Store(t)
	h := newTestHandler(st)
	var rec signIns
	w := New(st, h.handle, Options{Host: host, Port: port, TLS: "none", SignIn: creds, OnSignIn: rec.on,
		Processed: "rsvpd/Behandlet", CommandTimeout: 5 * time.Second,
		BackoffBase: 200 * time.Millisecond, BackoffMax: 2 * time.Second, Log: testLogger(t)})
	runWatcher(t, w)

	for i := range 8 { // over three tokens' lives
		if _, err := submitToDovecot(srv, fmt.Sprintf("oauth-%d@vejle.kommune.test", i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
	}
	waitFor(t, 20*time.Second, "eight replies applied", func() bool { return h.totalApplied() == 8 })
	if st := w.Stats(); st.Connects < 3 || st.ConnectFailures != 0 {
		t.Errorf("%+v: want a session per token, none lost", st)
	}

	srv.OAuth.RevokeRefreshToken(first)
	waitFor(t, 20*time.Second, "a sign-in refused", func() bool {
		calls, _ := rec.snapshot()
		var te *auth.TokenError
		return len(calls) > 0 && errors.As(calls[len(calls)-1], &te) && te.Code == "invalid_grant"
	})
	for i := range 3 {
		if _, err := submitToDovecot(srv, fmt.Sprintf("waiting-%d@vejle.kommune.test", i)); err != nil {
			t.Fatal(err)
		}
	}
	srv.WaitMessages(t, dovecotUser, "INBOX", 3, 20*time.Second)
	time.Sleep(2 * time.Second)
	if n := h.totalApplied(); n != 8 {
		t.Errorf("%d replies applied without a sign-in, want the 8 from before", n)
	}

	began := time.Now()
	if err := auth.NewTokenFile(file).Save(srv.OAuth.IssueRefreshToken("rsvpd", dovecotUser, "mail")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the waiting replies applied after the new sign-in", func() bool { return h.totalApplied() == 11 })
	t.Logf("the waiting replies were read %v after the new token file", time.Since(began).Round(100*time.Millisecond))
	for i := range 3 {
		if n := h.appliedCount(fmt.Sprintf("waiting-%d@vejle.kommune.test", i)); n != 1 {
			t.Errorf("waiting-%d applied %d times", i, n)
		}
	}
}
