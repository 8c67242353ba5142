package outbox

import (
	"bytes"
	"context"
	"crypto/ed25519"
	cryptorand "crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	msgdkim "github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/mailer/dkim"
	"github.com/rsvpd/rsvpd/mailtest/oauthserver"
)

const oauthMailbox = "dialogmoeder@kombit.test"

// oauthSMTP is a go-smtp server that signs in by XOAUTH2 alone and asks the token server
// whether each token is live (RFC 7662), as Dovecot's submission service and Exchange do.
type oauthSMTP struct {
	ln     net.Listener
	tokens *oauthserver.Server

	mu       sync.Mutex
	signIns  []string // the token of every sign-in the server took
	refusals int
	taken    int // messages taken
}

func startOAuthSMTP(t *testing.T, tokens *oauthserver.Server) *oauthSMTP {
	t.Helper()
	s := &oauthSMTP{tokens: tokens}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &oauthSession{s: s}, nil }))
	srv.Domain, srv.AllowInsecureAuth = "oauth.test", true
	var err error
	if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	go srv.Serve(s.ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *oauthSMTP) counts() (signIns []string, refusals, taken int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.signIns...), s.refusals, s.taken
}

// live asks the token server whether token is a live token for user's mailbox.
func (s *oauthSMTP) live(user, token string) bool {
	resp, err := http.PostForm(s.tokens.IntrospectURL(), url.Values{"token": {token}})
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var r struct {
		Active   bool   `json:"active"`
		Username string `json:"username"`
	}
	return json.NewDecoder(resp.Body).Decode(&r) == nil && r.Active && r.Username == user
}

type oauthSession struct {
	s      *oauthSMTP
	signed bool
}

func (ss *oauthSession) AuthMechanisms() []string { return []string{auth.XOAuth2} }

func (ss *oauthSession) Auth(string) (sasl.Server, error) { return &xoauth2Server{ss: ss}, nil }

// xoauth2Server takes the initial response "user=U^Aauth=Bearer T^A^A".
type xoauth2Server struct{ ss *oauthSession }

var xoauth2Response = regexp.MustCompile("^user=([^\x01]*)\x01auth=Bearer ([^\x01]+)\x01\x01$")

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if resp == nil {
		return []byte{}, false, nil
	}
	s := x.ss.s
	m := xoauth2Response.FindSubmatch(resp)
	ok := m != nil && s.live(string(m[1]), string(m[2]))
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok {
		s.refusals++
		return nil, true, &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 3}, Message: "Authentication unsuccessful"}
	}
	s.signIns = append(s.signIns, string(m[2]))
	x.ss.signed = true
	return nil, true, nil
}

func (ss *oauthSession) Mail(string, *smtp.MailOptions) error {
	if !ss.signed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (ss *oauthSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (ss *oauthSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.taken++
	ss.s.mu.Unlock()
	return nil
}

func (ss *oauthSession) Reset()        {}
func (ss *oauthSession) Logout() error { return nil }

// oauthCredentials signs in to the server at addr with the token server's refresh-token grant,
// the refresh token in a token file as rsvpd login writes it.
func oauthCredentials(t *testing.T, tokens *oauthserver.Server, addr, tokenFile string) *auth.Credentials {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return auth.New("SMTP", config.Server{Host: host, Port: p, TLS: mailer.NoTLS, User: oauthMailbox, Auth: config.Auth{
		Method: config.AuthOAuth2, Mechanism: config.MechXOAuth2, Provider: config.ProviderGeneric,
		ClientID: "rsvpd", TokenURL: tokens.TokenURL(), Scopes: []string{"mail"},
		Grant: config.GrantRefreshToken, TokenFile: tokenFile, User: oauthMailbox,
	}}, auth.Options{})
}

// signInLog records the sender's OnSignIn calls and counts its log lines by level.
type signInLog struct {
	mu     sync.Mutex
	calls  []error
	errors int // ERROR lines
}

func (l *signInLog) onSignIn(err error) { l.mu.Lock(); l.calls = append(l.calls, err); l.mu.Unlock() }

func (l *signInLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.errors += strings.Count(string(p), "level=ERROR")
	l.mu.Unlock()
	return len(p), nil
}

func (l *signInLog) snapshot() ([]error, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.calls...), l.errors
}

// Every connection signs in with a token that is live when it is used: a connection whose
// token has expired is not used again, and the next one takes a fresh token.
func TestSenderSignsInWithFreshTokens(t *testing.T) {
	tokens := startTokenServer(t, 2*time.Second)
	srv := startOAuthSMTP(t, tokens)
	file := filepath.Join(t.TempDir(), "oauth-token.json")
	auth.NewTokenFile(file).Save(tokens.IssueRefreshToken("rsvpd", oauthMailbox, "mail"))
	r := newSenderRig(t)
	o := r.options(srv.ln.Addr().String())
	o.SignIn = oauthCredentials(t, tokens, srv.ln.Addr().String(), file)
	s := r.sender(o)

	rows := syntheticRows(6)
	r.queue(rows[:3], time.Now())
	if err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // the first connection's token has expired
	r.queue(rows[3:], time.Now())
	if err := s.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	signIns, refusals, taken := srv.counts()
	if taken != 6 || refusals != 0 {
		t.Errorf("the server took %d messages with %d refused sign-ins, want 6 and none", taken, refusals)
	}
	if len(signIns) != 2 || signIns[0] == signIns[1] {
		t.Errorf("sign-ins %v: want two, the second with a new token", len(signIns))
	}
	for key, row := range r.outbox() {
		if row.Status != "sent" || row.Attempts != 1 {
			t.Errorf("%s: %s after %d attempts", key, row.Status, row.Attempts)
		}
	}
}

func startTokenServer(t *testing.T, lifetime time.Duration) *oauthserver.Server {
	t.Helper()
	tokens, err := oauthserver.Start(oauthserver.Options{Lifetime: lifetime})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tokens.Close() })
	tokens.AddClient("rsvpd", "", "")
	return tokens
}

// While no token can be had (the refresh token was revoked) nothing is tried: every message
// waits in the outbox with its attempts untouched, the log says so once, OnSignIn hears each
// failure; after a new sign-in every message goes once.
func TestSenderWaitsWhileSignInFails(t *testing.T) {
	tokens := startTokenServer(t, time.Hour)
	srv := startOAuthSMTP(t, tokens)
	file := filepath.Join(t.TempDir(), "oauth-token.json")
	old := tokens.IssueRefreshToken("rsvpd", oauthMailbox, "mail")
	auth.NewTokenFile(file).Save(old)
	tokens.RevokeRefreshToken(old)

	r := newSenderRig(t)
	o := r.options(srv.ln.Addr().String())
	o.Concurrency, o.BackoffBase, o.BackoffMax = 2, 20*time.Millisecond, 50*time.Millisecond
	var l signInLog
	o.Log = slog.New(slog.NewTextHandler(&l, nil))
	o.OnSignIn = l.onSignIn
	o.SignIn = oauthCredentials(t, tokens, srv.ln.Addr().String(), file)
	s := r.sender(o)
	rows := syntheticRows(5)
	r.queue(rows, time.Now().Add(-time.Hour))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	senderWaitFor(t, "three failed sign-ins", func() bool { calls, _ := l.snapshot(); return len(calls) >= 3 })
	calls, errorLines := l.snapshot()
	var te *auth.TokenError
	if !errors.As(calls[0], &te) || !te.Operator || te.Code != "invalid_grant" {
		t.Errorf("OnSignIn got %v, want the refused refresh token", calls[0])
	}
	if errorLines != 1 {
		t.Errorf("%d error lines in the log for one outage, want 1", errorLines)
	}
	for key, row := range r.outbox() {
		if row.Status != "pending" || row.Attempts != 0 || row.LastError != "" {
			t.Errorf("%s while the sign-in fails: %s, %d attempts, %q; want pending and untried", key, row.Status, row.Attempts, row.LastError)
		}
	}
	if _, _, taken := srv.counts(); taken != 0 {
		t.Errorf("the server took %d messages without a sign-in", taken)
	}

	auth.NewTokenFile(file).Save(tokens.IssueRefreshToken("rsvpd", oauthMailbox, "mail")) // rsvpd login
	senderWaitFor(t, "every message sent", func() bool {
		for _, row := range r.outbox() {
			if row.Status != "sent" {
				return false
			}
		}
		return true
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, _, taken := srv.counts(); taken != len(rows) {
		t.Errorf("the server took %d messages, want %d, each once", taken, len(rows))
	}
	calls, _ = l.snapshot()
	if calls[len(calls)-1] != nil {
		t.Errorf("OnSignIn was not told the sign-in works again: last %v", calls[len(calls)-1])
	}
	sent, failed, _ := r.hookCalls()
	for key, n := range sent {
		if n != 1 {
			t.Errorf("%s: OnSent %d times", key, n)
		}
	}
	if len(failed) != 0 {
		t.Errorf("OnFailed called for %v", failed)
	}
}

// A token the server refuses (revoked at the provider) is forgotten: the next connection
// takes a new one, and no message counts the refusal as an attempt.
func TestSenderForgetsRefusedToken(t *testing.T) {
	tokens := startTokenServer(t, time.Hour)
	srv := startOAuthSMTP(t, tokens)
	file := filepath.Join(t.TempDir(), "oauth-token.json")
	auth.NewTokenFile(file).Save(tokens.IssueRefreshToken("rsvpd", oauthMailbox, "mail"))
	r := newSenderRig(t)
	o := r.options(srv.ln.Addr().String())
	o.BackoffBase, o.BackoffMax = 10*time.Millisecond, 10*time.Millisecond
	var l signInLog
	o.OnSignIn = l.onSignIn
	creds := oauthCredentials(t, tokens, srv.ln.Addr().String(), file)
	creds.SMTP(context.Background()) // a token in hand, which the provider then revokes
	tokens.RevokeAccessTokens(oauthMailbox)
	o.SignIn = creds
	r.queue(syntheticRows(2), time.Now())
	s := r.sender(o)
	if err := s.Drain(context.Background()); err == nil || !strings.Contains(err.Error(), "sign-in refused by the server") {
		t.Fatalf("Drain with a revoked token: %v", err)
	}
	for key, row := range r.outbox() {
		if row.Attempts != 0 {
			t.Errorf("%s: %d attempts after a refused sign-in, want none", key, row.Attempts)
		}
	}
	if err := s.Drain(context.Background()); err != nil {
		t.Fatalf("Drain after the refusal: %v", err)
	}
	signIns, refusals, taken := srv.counts()
	if refusals != 1 || len(signIns) != 1 || taken != 2 {
		t.Errorf("%d refusals, %d sign-ins, %d messages; want 1, 1 (a new token), 2", refusals, len(signIns), taken)
	}
	calls, _ := l.snapshot()
	var re *auth.RefusedError
	if len(calls) != 2 || !errors.As(calls[0], &re) || calls[1] != nil {
		t.Errorf("OnSignIn calls %v, want the refusal, then nil", calls)
	}
}

// With mail.dkim set every message carries a DKIM signature that verifies on the bytes the
// server received, against the public key published for the selector.
func TestSenderSignsWithDKIM(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(cryptorand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := dkim.New(config.DKIM{Domain: "kombit.test", Selector: "rsvpd2012", KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	r := newSenderRig(t)
	box := startSenderSandbox(t, nil)
	o := r.options(box.SMTPAddr())
	o.DKIM, o.Concurrency = signer, 2
	rows := campaignRows(r.c)[:6]
	r.queue(rows, time.Now())
	if err := r.sender(o).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	lookup := &msgdkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
		if domain != "rsvpd2012._domainkey.kombit.test" {
			return nil, fmt.Errorf("no TXT record at %s", domain)
		}
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}}
	for _, row := range rows {
		msgs := box.Messages(row.recipient)
		if len(msgs) != 1 {
			t.Fatalf("%s has %d messages", row.recipient, len(msgs))
		}
		vs, err := msgdkim.VerifyWithOptions(bytes.NewReader(msgs[0]), lookup)
		if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "kombit.test" {
			t.Errorf("%s: the signature does not verify: %v %+v", row.recipient, err, vs)
		}
	}
}
