package mailtest

import (
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/mailtest/oauthserver"
)

// OAuthOptions configure StartOAuth.
type OAuthOptions struct {
	// Lifetime of the access tokens the token server issues (default one hour).
	Lifetime time.Duration
	// RotateRefreshTokens makes each refresh return a new refresh token, as Microsoft does.
	RotateRefreshTokens bool
	// NoPlusAddressing runs Postfix and Dovecot without recipient_delimiter, as a tenant with
	// plus addressing off: mail to user+token@domain is bounced to its sender.
	NoPlusAddressing bool
}

// Integration skips the test under go test -short: integration tests need root and Debian's
// Postfix and Dovecot, which scripts/test installs and runs them with.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test against a real Dovecot and Postfix: run scripts/test (as root)")
	}
}

// StartOAuth starts a token server (package oauthserver) on loopback and a Postfix and Dovecot
// instance that also sign in with OAuth2: Dovecot's oauth2 passdb accepts XOAUTH2 and
// OAUTHBEARER with tokens the server issued for the mailbox signed in to (checked by RFC 7662
// introspection), on IMAP and on Dovecot's submission service (SubmissionAddr), which relays to
// Postfix. Password logins keep working on IMAP. Both stop when the test ends. It skips under
// go test -short (see Integration).
func StartOAuth(t testing.TB, opts OAuthOptions) *Servers {
	t.Helper()
	Integration(t)
	o, err := oauthserver.Start(oauthserver.Options{Lifetime: opts.Lifetime, RotateRefreshTokens: opts.RotateRefreshTokens})
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	env := []string{"MAILSERVERS_OAUTH_URL=" + o.URL}
	if opts.NoPlusAddressing {
		env = append(env, "MAILSERVERS_PLUS_ADDRESSING=off")
	}
	s := start(t, env)
	s.OAuth = o
	if s.SubmissionAddr == "" {
		t.Fatalf("mailtest: the mail servers in %s have no submission service", s.Dir)
	}
	return s
}
