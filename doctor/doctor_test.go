package doctor

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailtest"
)

const organiser = "dialogmoeder@kombit.test"

// oauthConfig is the example campaign pointed at the servers, signing in with the generic
// provider's client credentials.
func oauthConfig(t *testing.T, s *mailtest.Servers, secret string) *config.Config {
	t.Helper()
	secretFile := filepath.Join(t.TempDir(), "client-secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	server := func(addr string) config.Server {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		return config.Server{Host: host, Port: p, TLS: "none", User: organiser, Auth: config.Auth{
			Method: config.AuthOAuth2, Mechanism: config.MechXOAuth2, Provider: config.ProviderGeneric,
			ClientID: "rsvpd", ClientSecretFile: secretFile, TokenURL: s.OAuth.TokenURL(),
			Grant: config.GrantClientCredentials, User: organiser,
		}}
	}
	cfg.Mail.SMTP, cfg.Mail.IMAP = server(s.SubmissionAddr), server(s.IMAPAddr)
	cfg.Mail.IMAP.Auth.Mechanism = config.MechOAuthBearer
	return cfg
}

func runDoctor(t *testing.T, cfg *config.Config, probe time.Duration) ([]Result, string) {
	t.Helper()
	var out bytes.Buffer
	rs := Run(context.Background(), &out, Options{Config: cfg, Signer: campaign.NewSigner([]byte("doctor-test"), "kombit.test"),
		ProbeTimeout: probe, Timeout: 10 * time.Second})
	t.Logf("rsvpd doctor:\n%s", out.String())
	return rs, out.String()
}

func result(t *testing.T, rs []Result, name string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no check %q", name)
	return Result{}
}

// On Dovecot and Postfix signing in with OAuth2 every check passes, and the probe to the
// tokened address arrives and is moved out of the inbox.
func TestDoctorAllPass(t *testing.T) {
	t.Parallel()
	s := mailtest.StartOAuth(t, mailtest.OAuthOptions{Lifetime: 5 * time.Second})
	s.OAuth.AddClient("rsvpd", "doctor-secret", organiser)
	rs, out := runDoctor(t, oauthConfig(t, s, "doctor-secret"), 20*time.Second)
	if Failed(rs) {
		t.Fatalf("checks failed:\n%s", out)
	}
	for _, r := range rs {
		if r.Status != OK && r.Name != "sending rate" {
			t.Errorf("%s: %s %s", r.Name, r.Status, r.Detail)
		}
	}
	for _, want := range []string{"SMTP sign-in", "IMAP sign-in", "IMAP IDLE and MOVE", "inbox", "processed mailbox", "plus addressing"} {
		if r := result(t, rs, want); r.Status != OK {
			t.Errorf("%s: %s", want, r.Status)
		}
	}
	if !strings.Contains(out, "by XOAUTH2") || !strings.Contains(out, "by OAUTHBEARER") {
		t.Errorf("the output does not say which mechanisms signed in")
	}
	left := s.WaitMessages(t, organiser, "INBOX", 0, 5*time.Second)
	if len(left) != 0 {
		t.Errorf("the probe was left in the inbox (%d messages), where rsvpd run would read it", len(left))
	}
	if moved := s.WaitMessages(t, organiser, "rsvpd.Behandlet", 1, 5*time.Second); len(moved) != 1 {
		t.Errorf("processed mailbox holds %d messages, want the probe", len(moved))
	}
}

// Without plus addressing the probe to the tokened address bounces: doctor says so and names
// mail.reply_address: plain, with which the doctor passes.
func TestDoctorPlusAddressingOff(t *testing.T) {
	t.Parallel()
	s := mailtest.StartOAuth(t, mailtest.OAuthOptions{NoPlusAddressing: true})
	s.OAuth.AddClient("rsvpd", "doctor-secret", organiser)
	rs, out := runDoctor(t, oauthConfig(t, s, "doctor-secret"), 8*time.Second)
	r := result(t, rs, "plus addressing")
	if r.Status != Fail || !strings.Contains(r.Detail, "bounced: the server has no plus addressing") || !strings.Contains(r.Fix, "mail.reply_address: plain") {
		t.Errorf("plus addressing: %+v", r)
	}
	if !Failed(rs) || !strings.Contains(out, "FAIL  plus addressing") {
		t.Errorf("the run did not fail on plus addressing:\n%s", out)
	}
	cfg := oauthConfig(t, s, "doctor-secret")
	cfg.Mail.ReplyAddress = "plain"
	if rs, out := runDoctor(t, cfg, time.Second); Failed(rs) {
		t.Errorf("with reply_address: plain the doctor still fails:\n%s", out)
	}
}

// With a wrong client secret, the doctor names each server and the step that failed.
func TestDoctorWrongSecret(t *testing.T) {
	t.Parallel()
	s := mailtest.StartOAuth(t, mailtest.OAuthOptions{})
	s.OAuth.AddClient("rsvpd", "doctor-secret", organiser)
	rs, out := runDoctor(t, oauthConfig(t, s, "not-the-secret"), time.Second)
	for _, srv := range []struct{ name, addr string }{{"SMTP", s.SubmissionAddr}, {"IMAP", s.IMAPAddr}} {
		r := result(t, rs, srv.name+" sign-in")
		want := srv.name + " " + srv.addr + ": sign-in: client-credentials grant at " + s.OAuth.TokenURL() + ": invalid_client"
		if r.Status != Fail || !strings.HasPrefix(r.Detail, want) || !strings.Contains(r.Fix, "client secret") {
			t.Errorf("%s sign-in: %+v\nwant a failure starting %q", srv.name, r, want)
		}
	}
	if strings.Contains(out, "not-the-secret") {
		t.Errorf("the output shows the secret")
	}
	if r := result(t, rs, "plus addressing"); r.Status != Skip {
		t.Errorf("plus addressing ran without a sign-in: %+v", r)
	}
}

// tls: none passes only for a server on this machine, however its host is written.
func TestNoTLSOnlyOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		host string
		want Status
	}{
		{"127.0.0.1", OK}, {"localhost", OK}, {"LOCALHOST", OK}, {"::1", OK},
		{"mail.kombit.test", Fail}, {"127.evil.example", Fail}, {"", Fail},
	} {
		d := &run{w: io.Discard}
		d.noTLS("SMTP TLS", config.Server{Host: tc.host, Port: 25, TLS: "none"})
		if len(d.results) != 1 || d.results[0].Status != tc.want {
			t.Errorf("tls: none to %q: %+v, want %s", tc.host, d.results, tc.want)
		}
	}
}
