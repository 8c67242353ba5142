package auth

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailtest/oauthserver"
)

const mailbox = "dialogmoeder@kombit.test"

func startServer(t *testing.T, opts oauthserver.Options) *oauthserver.Server {
	t.Helper()
	s, err := oauthserver.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// server is an IMAP server entry signing in with oauth2 at s.
func server(s *oauthserver.Server, grant, secretEnv, tokenFile string) config.Server {
	return config.Server{Host: "127.0.0.1", Port: 143, User: mailbox, Auth: config.Auth{
		Method: config.AuthOAuth2, Mechanism: config.MechXOAuth2, Provider: config.ProviderGeneric,
		ClientID: "rsvpd", ClientSecretEnv: secretEnv, TokenURL: s.TokenURL(), DeviceAuthURL: s.DeviceAuthURL(),
		Scopes: []string{"mail"}, Grant: grant, TokenFile: tokenFile, User: mailbox,
	}}
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// initialResponse returns the token in an XOAUTH2 initial response.
func tokenOf(t *testing.T, ir []byte) string {
	t.Helper()
	m := regexp.MustCompile("auth=Bearer ([^\x01]+)\x01").FindSubmatch(ir)
	if m == nil {
		t.Fatalf("no bearer token in %q", ir)
	}
	return string(m[1])
}

func imapToken(t *testing.T, c *Credentials) string {
	t.Helper()
	sc, _, err := c.IMAP(context.Background())
	if err != nil {
		t.Fatalf("IMAP credentials: %v", err)
	}
	_, ir, _ := sc.Start()
	return tokenOf(t, ir)
}

// A token is reused while it has life left and a new one fetched for a connection after that.
func TestClientCredentialsFreshPerConnection(t *testing.T) {
	s := startServer(t, oauthserver.Options{Lifetime: 10 * time.Second})
	s.AddClient("rsvpd", "s3cret", mailbox)
	t.Setenv("RSVPD_TEST_SECRET", "s3cret")
	clock := &fakeClock{now: time.Now()}
	c := New("IMAP", server(s, config.GrantClientCredentials, "RSVPD_TEST_SECRET", ""), Options{Now: clock.Now})

	first := imapToken(t, c)
	clock.Add(4 * time.Second) // 6 s left of 10: still good for a new connection
	if again := imapToken(t, c); again != first {
		t.Errorf("a token with 6 of 10 s left was not reused")
	}
	clock.Add(2 * time.Second) // 4 s left, less than half its life
	if fresh := imapToken(t, c); fresh == first {
		t.Errorf("a token with 4 of 10 s left was used for a new connection")
	}
	if st := s.Stats(); st.Issued != 2 {
		t.Errorf("issued %d tokens, want 2", st.Issued)
	}
	_, exp, _ := c.IMAP(context.Background())
	if time.Until(exp) < 8*time.Second || time.Until(exp) > 11*time.Second {
		t.Errorf("expiry %v is not about 10 s away", exp)
	}
	c.Forget()
	imapToken(t, c)
	if st := s.Stats(); st.Issued != 3 {
		t.Errorf("after Forget: issued %d tokens, want 3", st.Issued)
	}
}

// A refresh token rotated by the provider is kept in the file at once, mode 0600; the file
// holds no access token.
func TestRefreshTokenRotation(t *testing.T) {
	s := startServer(t, oauthserver.Options{RotateRefreshTokens: true})
	s.AddClient("rsvpd", "", "")
	file := filepath.Join(t.TempDir(), "state", "oauth-token.json")
	rt := s.IssueRefreshToken("rsvpd", mailbox, "mail")
	if err := NewTokenFile(file).Save(rt); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Now()}
	imap, smtpC := ForServers(&config.Config{Mail: config.Mail{
		IMAP: server(s, config.GrantRefreshToken, "", file), SMTP: server(s, config.GrantRefreshToken, "", file),
	}}, Options{Now: clock.Now})
	at := imapToken(t, imap)
	if _, _, err := smtpC.SMTP(context.Background()); err != nil {
		t.Fatalf("SMTP after IMAP rotated the shared refresh token: %v", err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v; want 0600", err, st.Mode())
	}
	data, _ := os.ReadFile(file)
	if bytes.Contains(data, []byte(rt)) || bytes.Contains(data, []byte(at)) || !bytes.Contains(data, []byte(`"refresh_token":"rt-`)) {
		t.Errorf("token file holds %s; want only the newest refresh token", data)
	}
	if entries, _ := os.ReadDir(filepath.Dir(file)); len(entries) != 1 {
		t.Errorf("the token file's folder holds %d files, want 1 (no temporary files left)", len(entries))
	}
}

// Each way a token cannot be had gives a TokenError naming the server and the step, saying
// whether an operator must act, and never holding the secret or a token.
func TestTokenErrors(t *testing.T) {
	s := startServer(t, oauthserver.Options{})
	const right, wrong = "right-5ecret-7a", "wrong-5ecret-3b"
	s.AddClient("rsvpd", right, mailbox)
	dir := t.TempDir()
	revoked := s.IssueRefreshToken("rsvpd", mailbox, "mail")
	s.RevokeRefreshToken(revoked)
	revokedFile := filepath.Join(dir, "revoked.json")
	NewTokenFile(revokedFile).Save(revoked)
	openFile := filepath.Join(dir, "open.json")
	os.WriteFile(openFile, []byte(`{"refresh_token":"x"}`), 0o644)
	down := server(s, config.GrantClientCredentials, "RSVPD_TEST_SECRET", "")
	down.Auth.TokenURL = "http://127.0.0.1:1/token"

	tests := []struct {
		name     string
		srv      config.Server
		secret   string
		step     string
		code     string
		operator bool
		hint     string
		cause    Cause
	}{
		{"wrong secret", server(s, config.GrantClientCredentials, "RSVPD_TEST_SECRET", ""), wrong,
			"client-credentials grant at " + s.TokenURL(), "invalid_client", true, "check client_id and the client secret", CauseClient},
		{"no secret", server(s, config.GrantClientCredentials, "RSVPD_TEST_SECRET", ""), "",
			"read the client secret", "", true, "fix the configuration", CauseSetup},
		{"revoked refresh token", server(s, config.GrantRefreshToken, "RSVPD_TEST_SECRET", revokedFile), right,
			"refresh-token grant at " + s.TokenURL(), "invalid_grant", true, "rsvpd login", CauseRevoked},
		{"never signed in", server(s, config.GrantRefreshToken, "", filepath.Join(dir, "none.json")), "",
			"read the token file", "", true, "sign in once with rsvpd login", CauseNoSignIn},
		{"token file others can read", server(s, config.GrantRefreshToken, "", openFile), "",
			"read the token file", "", true, "fix the configuration", CauseSetup},
		{"endpoint down", down, right, "client-credentials grant at http://127.0.0.1:1/token", "", false, "", CauseTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("RSVPD_TEST_SECRET", tt.secret)
			c := New("SMTP", tt.srv, Options{})
			_, _, err := c.SMTP(context.Background())
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TokenError", err)
			}
			if te.Server != "SMTP 127.0.0.1:143" || !strings.HasPrefix(te.Step, tt.step) || te.Code != tt.code || te.Operator != tt.operator {
				t.Errorf("got server %q step %q code %q operator %v; want step %q code %q operator %v",
					te.Server, te.Step, te.Code, te.Operator, tt.step, tt.code, tt.operator)
			}
			if cause := CauseOf(err); cause != tt.cause {
				t.Errorf("cause %s, want %s", cause, tt.cause)
			}
			if !strings.Contains(te.Hint(), tt.hint) {
				t.Errorf("hint %q lacks %q", te.Hint(), tt.hint)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "SMTP 127.0.0.1:143: sign-in: "+tt.step) {
				t.Errorf("message %q does not start with the server and the step", msg)
			}
			for _, secret := range []string{right, wrong, revoked, `"x"`} {
				if strings.Contains(msg, secret) {
					t.Errorf("message %q holds a secret or token", msg)
				}
			}
		})
	}
}

// After a refused refresh token, a new sign-in's token file is used without a restart.
func TestNewSignInIsPickedUp(t *testing.T) {
	s := startServer(t, oauthserver.Options{})
	s.AddClient("rsvpd", "", "")
	file := filepath.Join(t.TempDir(), "tok.json")
	old := s.IssueRefreshToken("rsvpd", mailbox, "mail")
	NewTokenFile(file).Save(old)
	c := New("IMAP", server(s, config.GrantRefreshToken, "", file), Options{})
	imapToken(t, c)
	s.RevokeRefreshToken(old)
	c.Forget()
	if _, _, err := c.IMAP(context.Background()); err == nil {
		t.Fatal("a revoked refresh token still gave a token")
	}
	NewTokenFile(file).Save(s.IssueRefreshToken("rsvpd", mailbox, "mail"))
	imapToken(t, c)
}

func TestSASLClients(t *testing.T) {
	mech, ir, _ := NewXOAuth2Client(mailbox, "tok").Start()
	if mech != "XOAUTH2" || string(ir) != "user=dialogmoeder@kombit.test\x01auth=Bearer tok\x01\x01" {
		t.Errorf("XOAUTH2 = %s %q", mech, ir)
	}
	if resp, err := NewXOAuth2Client(mailbox, "tok").Next([]byte(`{"status":"401"}`)); err != nil || len(resp) == 0 {
		t.Errorf("XOAUTH2 answers a refusal with %q, %v; want a response go-imap does not write as \"=\"", resp, err)
	}
	bearer := NewOAuthBearerClient(mailbox, "tok", "mail.test", 993)
	mech, ir, _ = bearer.Start()
	if mech != "OAUTHBEARER" || string(ir) != "n,a=dialogmoeder@kombit.test,\x01host=mail.test\x01port=993\x01auth=Bearer tok\x01\x01" {
		t.Errorf("OAUTHBEARER = %s %q", mech, ir)
	}
	if resp, err := bearer.Next([]byte(`{"status":"invalid_token"}`)); err != nil || string(resp) != "\x01" {
		t.Errorf("OAUTHBEARER answers a refusal with %q, %v; want ^A", resp, err)
	}
}

func TestSMTPAuth(t *testing.T) {
	a := NewSMTPAuth("OAUTHBEARER", mailbox, "tok", "smtp.test", 587)
	if _, _, err := a.Start(&smtp.ServerInfo{Name: "smtp.test", TLS: false, Auth: []string{"OAUTHBEARER"}}); err == nil ||
		!strings.Contains(err.Error(), "without TLS") {
		t.Errorf("a token was sent in the clear: %v", err)
	}
	// A name is not loopback for starting like an address.
	if _, _, err := NewSMTPAuth("XOAUTH2", mailbox, "tok", "127.evil.example", 25).Start(
		&smtp.ServerInfo{Name: "127.evil.example", Auth: []string{"XOAUTH2"}}); err == nil || !strings.Contains(err.Error(), "without TLS") {
		t.Errorf("a token was sent in the clear to 127.evil.example: %v", err)
	}
	_, _, err := a.Start(&smtp.ServerInfo{Name: "smtp.test", TLS: true, Auth: []string{"PLAIN", "LOGIN"}})
	if !errors.Is(err, ErrMechanismNotOffered) || !strings.Contains(err.Error(), "offers AUTH PLAIN LOGIN, not OAUTHBEARER") {
		t.Errorf("err = %v", err)
	}
	mech, ir, err := NewSMTPAuth("XOAUTH2", mailbox, "tok", "127.0.0.1", 25).Start(
		&smtp.ServerInfo{Name: "127.0.0.1", Auth: []string{"PLAIN", "XOAUTH2"}})
	if err != nil || mech != "XOAUTH2" || tokenOf(t, ir) != "tok" {
		t.Errorf("XOAUTH2 on loopback: %s %q %v", mech, ir, err)
	}
}

// rsvpd login's device sign-in stores the refresh token the provider gives.
func TestLogin(t *testing.T) {
	s := startServer(t, oauthserver.Options{})
	s.AddClient("rsvpd", "", "")
	file := filepath.Join(t.TempDir(), "tok.json")
	cfg := &config.Config{Mail: config.Mail{
		IMAP: server(s, config.GrantRefreshToken, "", file), SMTP: server(s, config.GrantRefreshToken, "", file),
	}}
	cfg.Mail.SMTP.Auth.Scopes = []string{"submit"}
	sis, err := SignIns(cfg)
	if err != nil || len(sis) != 1 || strings.Join(sis[0].Scopes, " ") != "mail submit" {
		t.Fatalf("sign-ins = %+v, %v; want one for both servers with both scopes", sis, err)
	}
	pr, pw := ioPipe()
	done := make(chan error, 1)
	go func() { done <- Login(context.Background(), sis[0], pw, Options{}) }()
	code := pr.waitFor(t, regexp.MustCompile(`enter\s+(\S+)`))
	if !s.Approve(code, mailbox) {
		t.Fatalf("no pending sign-in with code %q", code)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Login did not return 10 s after the approval")
	}
	rt, err := NewTokenFile(file).Load()
	if err != nil || !strings.HasPrefix(rt, "rt-") {
		t.Fatalf("token file after login: %q, %v", rt, err)
	}
	imapToken(t, New("IMAP", cfg.Mail.IMAP, Options{}))
}

// pipe is a writer whose text a test can wait for.
type pipe struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func ioPipe() (*pipe, *pipe) { p := &pipe{}; return p, p }

func (p *pipe) Write(b []byte) (int, error) { p.mu.Lock(); defer p.mu.Unlock(); return p.buf.Write(b) }

func (p *pipe) waitFor(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		p.mu.Lock()
		m := re.FindStringSubmatch(p.buf.String())
		p.mu.Unlock()
		if m != nil {
			return m[1]
		}
	}
	t.Fatalf("no %v in %q", re, p.buf.String())
	return ""
}

// A refusal that needs a person is not asked of the token endpoint again at the pace the mail
// loops retry: only once the token file changes, or after operatorRecheck.
func TestOperatorFailureIsNotRepeated(t *testing.T) {
	s := startServer(t, oauthserver.Options{})
	s.AddClient("rsvpd", "", "")
	file := filepath.Join(t.TempDir(), "tok.json")
	old := s.IssueRefreshToken("rsvpd", mailbox, "mail")
	NewTokenFile(file).Save(old)
	s.RevokeRefreshToken(old)
	clock := &fakeClock{now: time.Now()}
	c := New("IMAP", server(s, config.GrantRefreshToken, "", file), Options{Now: clock.Now})
	for range 5 {
		if _, _, err := c.IMAP(context.Background()); err == nil {
			t.Fatal("a revoked refresh token gave a token")
		}
		clock.Add(10 * time.Second)
	}
	if n := s.Stats().Refused; n != 1 {
		t.Errorf("the token endpoint was asked %d times with the revoked refresh token, want once", n)
	}
	clock.Add(operatorRecheck)
	c.IMAP(context.Background())
	if n := s.Stats().Refused; n != 2 {
		t.Errorf("after %v the endpoint was asked %d times in all, want twice", operatorRecheck, n)
	}
	NewTokenFile(file).Save(s.IssueRefreshToken("rsvpd", mailbox, "mail"))
	imapToken(t, c) // a new sign-in is used at once

	// A failure a retry may mend (the endpoint does not answer) is asked again each time.
	down := server(s, config.GrantClientCredentials, "RSVPD_TEST_SECRET", "")
	down.Auth.TokenURL = "http://127.0.0.1:1/token"
	t.Setenv("RSVPD_TEST_SECRET", "x")
	var calls int
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		return nil, errors.New("connection refused")
	})}
	d := New("SMTP", down, Options{HTTPClient: hc})
	for i := range 3 {
		before := calls
		d.SMTP(context.Background())
		if calls == before {
			t.Errorf("sign-in %d after an endpoint that did not answer did not ask it again", i+1)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Summary says which sign-in fails and what to do, in one line.
func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&TokenError{Server: "IMAP outlook.office365.com:993", Step: "refresh-token grant at https://x/token",
			Code: "invalid_grant", Operator: true, Err: errors.New("invalid_grant: AADSTS70008")},
			"IMAP sign-in: the refresh token is revoked or expired: sign in again with rsvpd login --config FILE"},
		{&TokenError{Server: "SMTP smtp.office365.com:587", Step: "client-credentials grant at https://x/token",
			Err: errors.New("HTTP 503 Service Unavailable")},
			"SMTP sign-in: client-credentials grant at https://x/token: HTTP 503 Service Unavailable"},
		{&RefusedError{Server: "SMTP smtp.office365.com:587", Err: errors.New("535 5.7.3 Authentication unsuccessful\nmore")},
			"SMTP sign-in refused by the server: 535 5.7.3 Authentication unsuccessful"},
	} {
		if got := Summary(tc.err); got != tc.want {
			t.Errorf("Summary(%v)\n got %q\nwant %q", tc.err, got, tc.want)
		}
	}
}
