package auth

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailtest"
)

// imapSignIn opens an IMAP connection to addr and authenticates with sc; it returns the
// server's answer (nil: signed in) and selects INBOX to prove the session works.
func imapSignIn(t *testing.T, addr string, sc sasl.Client) error {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatalf("dial IMAP %s: %v", addr, err)
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() { done <- c.Authenticate(sc) }()
	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		t.Fatalf("AUTHENTICATE hung for 15 s")
	}
	if err != nil {
		return err
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("select INBOX after signing in: %v", err)
	}
	return nil
}

// submit sends one message through Dovecot's submission service, signed in with a.
func submit(t *testing.T, addr string, a smtp.Auth, subject string) error {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	c, err := mail.NewClient(host, mail.WithPort(p), mail.WithTLSPolicy(mail.NoTLS), mail.WithTimeout(15*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	c.SetSMTPAuthCustom(a)
	m := mail.NewMsg()
	m.From(mailbox)
	m.To("staff@kombit.test")
	m.Subject(subject)
	m.SetBodyString(mail.TypeTextPlain, "sendt med et OAuth2-token\n")
	return c.DialAndSend(m)
}

// Dovecot's oauth2 passdb, checking tokens with the test token server, accepts a live token of
// the mailbox by XOAUTH2 and by OAUTHBEARER on IMAP and on SMTP submission, and refuses a
// forged token, an expired one, a revoked one and one of another mailbox.
func TestTokensOnDovecot(t *testing.T) {
	s := mailtest.StartOAuth(t, mailtest.OAuthOptions{})
	s.OAuth.AddClient("rsvpd", "sek", mailbox)
	t.Setenv("RSVPD_TEST_SECRET", "sek")
	host, port, _ := net.SplitHostPort(s.IMAPAddr)
	p, _ := strconv.Atoi(port)
	sent := 0
	for _, mech := range []string{config.MechXOAuth2, config.MechOAuthBearer} {
		t.Run(mech, func(t *testing.T) {
			srv := config.Server{Host: host, Port: p, User: mailbox, Auth: config.Auth{
				Method: config.AuthOAuth2, Mechanism: mech, Provider: config.ProviderGeneric, ClientID: "rsvpd",
				ClientSecretEnv: "RSVPD_TEST_SECRET", TokenURL: s.OAuth.TokenURL(), Grant: config.GrantClientCredentials, User: mailbox,
			}}
			c := New("IMAP", srv, Options{})
			sc, _, err := c.IMAP(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if err := imapSignIn(t, s.IMAPAddr, sc); err != nil {
				t.Fatalf("IMAP refused a live token by %s: %v\n%s", mech, err, s.Logs(10))
			}
			a, _, err := c.SMTP(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			subject := "Token " + mech
			if err := submit(t, s.SubmissionAddr, a, subject); err != nil {
				t.Fatalf("submission refused a live token by %s: %v\n%s", mech, err, s.Logs(10))
			}
			sent++
			msgs := s.WaitMessages(t, "staff@kombit.test", "INBOX", sent, 20*time.Second)
			if !strings.Contains(string(msgs[sent-1]), subject) {
				t.Errorf("the message sent by %s did not arrive", mech)
			}

			refused := map[string]string{
				"forged":        "at-made-up-" + mech,
				"other mailbox": s.OAuth.IssueAccessToken("rsvpd", "staff@kombit.test"),
			}
			s.OAuth.SetLifetime(time.Second)
			refused["expired"] = s.OAuth.IssueAccessToken("rsvpd", mailbox)
			s.OAuth.SetLifetime(time.Hour)
			time.Sleep(1100 * time.Millisecond)
			for name, tok := range refused {
				checkRefused(t, s, mech, name, tok, host, p)
			}
			live := s.OAuth.IssueAccessToken("rsvpd", mailbox)
			s.OAuth.RevokeAccessTokens(mailbox)
			checkRefused(t, s, mech, "revoked", live, host, p)
		})
	}
	if st := s.OAuth.Stats(); st.Introspections == 0 || st.Inactive == 0 {
		t.Errorf("Dovecot asked the token server %d times (%d inactive): it did not check the tokens", st.Introspections, st.Inactive)
	}
}

func checkRefused(t *testing.T, s *mailtest.Servers, mech, name, tok, host string, port int) {
	t.Helper()
	var sc sasl.Client
	if mech == config.MechOAuthBearer {
		sc = NewOAuthBearerClient(mailbox, tok, host, port)
	} else {
		sc = NewXOAuth2Client(mailbox, tok)
	}
	if err := imapSignIn(t, s.IMAPAddr, sc); err == nil {
		t.Errorf("IMAP accepted a %s token by %s", name, mech)
	}
	a := NewSMTPAuth(strings.ToUpper(mech), mailbox, tok, host, port)
	err := submit(t, s.SubmissionAddr, a, "should not go")
	if err == nil {
		t.Errorf("submission accepted a %s token by %s", name, mech)
	} else if !strings.Contains(err.Error(), "535") && !strings.Contains(strings.ToLower(err.Error()), "auth") {
		t.Errorf("submission refused a %s token by %s with %v, want an authentication failure", name, mech, err)
	}
}
