package mailtest

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
	"github.com/wneessen/go-mail"
)

const (
	danishSubject = "Invitation til dialogmøde: fælles bibliotekssystem – svar før 16. marts"
	danishBody    = "Kære biblioteksleder i Ærø Kommune,\n\nVi håber, at I vil deltage i et af vores dialogmøder i Aalborg, Roskilde eller Vejle.\nSkriv blot, hvilket møde I vælger, og hvor mange I bliver. Æ, Ø og Å skal komme frem uskadt.\n\nMed venlig hilsen\nKOMBIT\n"
)

// send submits one plain-text message through the SMTP server at addr with go-mail, as rsvpd
// does (no TLS, no auth on loopback).
func send(t *testing.T, addr, from, to, subject, body string) error {
	t.Helper()
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("split %s: %v", addr, err)
	}
	port, _ := strconv.Atoi(portStr)
	m := mail.NewMsg()
	if err := m.From(from); err != nil {
		t.Fatalf("from %s: %v", from, err)
	}
	if err := m.To(to); err != nil {
		t.Fatalf("to %s: %v", to, err)
	}
	m.Subject(subject)
	m.SetBodyString(mail.TypeTextPlain, body)
	c, err := mail.NewClient(host, mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS),
		mail.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("new mail client: %v", err)
	}
	return c.DialAndSend(m)
}

func mustSend(t *testing.T, addr, from, to, subject, body string) {
	t.Helper()
	if err := send(t, addr, from, to, subject, body); err != nil {
		t.Fatalf("send to %s through %s: %v", to, addr, err)
	}
}

func parse(t *testing.T, raw []byte) *enmime.Envelope {
	t.Helper()
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	return env
}

// A director's mail sent through Postfix arrives in Dovecot with its Danish subject and body
// intact, in the mailbox of an address in a municipality's subdomain.
func TestSendThroughPostfixReadFromDovecot(t *testing.T) {
	t.Parallel()
	s := Start(t)
	to := "bibliotekschef@aeroe.kommune.test"
	mustSend(t, s.SMTPAddr, "dialogmoeder@kombit.test", to, danishSubject, danishBody)

	msgs := s.WaitMessages(t, to, "INBOX", 1, 10*time.Second)
	if len(msgs) != 1 {
		t.Fatalf("INBOX of %s holds %d messages, want 1", to, len(msgs))
	}
	env := parse(t, msgs[0])
	if got := env.GetHeader("Subject"); got != danishSubject {
		t.Errorf("subject = %q, want %q", got, danishSubject)
	}
	if got := strings.ReplaceAll(env.Text, "\r\n", "\n"); strings.TrimSpace(got) != strings.TrimSpace(danishBody) {
		t.Errorf("body = %q, want %q", got, danishBody)
	}
	if got := env.GetHeader("From"); !strings.Contains(got, "dialogmoeder@kombit.test") {
		t.Errorf("From = %q, want the organiser", got)
	}
}

// Mail to the organiser's reply address with a token lands in the organiser's INBOX, and the
// token survives in Delivered-To, where the reply reader finds it.
func TestPlusAddressing(t *testing.T) {
	t.Parallel()
	s := Start(t)
	for _, token := range []string{"k0101-AbC9", "k0851-xyz1"} {
		mustSend(t, s.SMTPAddr, "bibliotek@aalborg.kommune.test", "dialogmoeder+"+token+"@kombit.test",
			"Sv: Invitation "+token, "Vi kommer til Vejle, 2 personer.\n")
	}
	msgs := s.WaitMessages(t, "dialogmoeder@kombit.test", "INBOX", 2, 10*time.Second)
	if len(msgs) != 2 {
		t.Fatalf("organiser's INBOX holds %d messages, want 2", len(msgs))
	}
	seen := map[string]bool{}
	for _, raw := range msgs {
		env := parse(t, raw)
		seen[env.GetHeader("Delivered-To")] = true
	}
	for _, want := range []string{"dialogmoeder+k0101-AbC9@kombit.test", "dialogmoeder+k0851-xyz1@kombit.test"} {
		if !seen[want] {
			t.Errorf("no message with Delivered-To %s; saw %v", want, seen)
		}
	}
	// The token address is no mailbox of its own: everything is in the organiser's INBOX.
	if _, err := os.Stat(s.Dir + "/mail/kombit.test/dialogmoeder+k0101-abc9"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a separate mailbox was made for the token address (stat: %v)", err)
	}
}

// The harness's failure addresses behave as a real server does: refusals at RCPT and a real
// bounce (DSN) delivered to the sender.
func TestRefusalsAndBounces(t *testing.T) {
	t.Parallel()
	s := Start(t)
	tests := []struct {
		to       string
		wantCode int
	}{
		{"reject-vejle@kommune.test", 550},
		{"someone@gmail.com", 554},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			err := send(t, s.SMTPAddr, "dialogmoeder@kombit.test", tt.to, "Test", "x\n")
			var se *mail.SendError
			if !errors.As(err, &se) || se.ErrorCode() != tt.wantCode {
				t.Fatalf("send to %s: err = %v, want SMTP %d", tt.to, err, tt.wantCode)
			}
			if se.IsTemp() {
				t.Errorf("send to %s: a %d is reported temporary", tt.to, tt.wantCode)
			}
		})
	}
	mustSend(t, s.SMTPAddr, "dialogmoeder@kombit.test", "bounce-roskilde@kommune.test", "Invitation", "x\n")
	msgs := s.WaitMessages(t, "dialogmoeder@kombit.test", "INBOX", 1, 10*time.Second)
	env := parse(t, msgs[0])
	if ct := env.Root.Header.Get("Content-Type"); !strings.Contains(ct, "multipart/report") ||
		!strings.Contains(ct, "delivery-status") {
		t.Errorf("bounce Content-Type = %q, want multipart/report; report-type=delivery-status", ct)
	}
	if !bytes.Contains(msgs[0], []byte("bounce-roskilde@kommune.test")) {
		t.Errorf("the bounce does not name the failed recipient:\n%s", msgs[0])
	}
}

// While Postfix is stopped, submission fails (the client retries later); after StartSMTP mail
// goes through again.
func TestStopAndStartSMTP(t *testing.T) {
	t.Parallel()
	s := Start(t)
	to := "bibliotek@vejle.kommune.test"
	mustSend(t, s.SMTPAddr, "dialogmoeder@kombit.test", to, "Før", "før\n")
	s.StopSMTP(t)
	if err := send(t, s.SMTPAddr, "dialogmoeder@kombit.test", to, "Under", "under\n"); err == nil {
		t.Fatal("a message was accepted while Postfix was stopped")
	}
	s.StartSMTP(t)
	mustSend(t, s.SMTPAddr, "dialogmoeder@kombit.test", to, "Efter", "efter\n")
	msgs := s.WaitMessages(t, to, "INBOX", 2, 10*time.Second)
	var subjects []string
	for _, raw := range msgs {
		subjects = append(subjects, parse(t, raw).GetHeader("Subject"))
	}
	if strings.Join(subjects, ",") != "Før,Efter" {
		t.Errorf("subjects = %v, want [Før Efter]", subjects)
	}
}

// Restarting Dovecot drops IMAP connections and keeps the mail; delivery goes on afterwards.
func TestRestartIMAP(t *testing.T) {
	t.Parallel()
	s := Start(t)
	to := "dialogmoeder@kombit.test"
	mustSend(t, s.SMTPAddr, "bibliotek@odense.kommune.test", to, "Første svar", "Vi kommer.\n")
	s.WaitMessages(t, to, "INBOX", 1, 10*time.Second)

	c := s.Login(t, to)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("select INBOX: %v", err)
	}
	s.RestartIMAP(t)
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("the IMAP connection is still open 5 s after Dovecot restarted")
	}

	mustSend(t, s.SMTPAddr, "bibliotek@esbjerg.kommune.test", to, "Andet svar", "Vi kommer ikke.\n")
	msgs := s.WaitMessages(t, to, "INBOX", 2, 10*time.Second)
	if len(msgs) != 2 {
		t.Fatalf("INBOX holds %d messages after the restart, want 2", len(msgs))
	}
	if got := parse(t, msgs[0]).GetHeader("Subject"); got != "Første svar" {
		t.Errorf("first message after restart has subject %q, want the one from before", got)
	}
}

// Mail that arrives while Dovecot is down waits in Postfix's queue and is delivered soon after
// Dovecot is back.
func TestMailWaitsWhileIMAPIsDown(t *testing.T) {
	t.Parallel()
	s := Start(t)
	to := "dialogmoeder@kombit.test"
	s.StopIMAP(t)
	if c, err := net.DialTimeout("tcp", s.IMAPAddr, time.Second); err == nil {
		c.Close()
		t.Fatal("IMAP still accepts connections after StopIMAP")
	}
	mustSend(t, s.SMTPAddr, "bibliotek@aarhus.kommune.test", "dialogmoeder+k0751@kombit.test", "Svar mens IMAP var nede", "Vi kommer.\n")
	time.Sleep(500 * time.Millisecond) // let Postfix try and defer
	back := time.Now()
	s.StartIMAP(t)
	msgs := s.WaitMessages(t, to, "INBOX", 1, 20*time.Second)
	t.Logf("delivered %v after Dovecot came back", time.Since(back).Round(10*time.Millisecond))
	if got := parse(t, msgs[0]).GetHeader("Subject"); got != "Svar mens IMAP var nede" {
		t.Errorf("subject = %q", got)
	}
}

// Two instances run side by side without seeing each other's mail.
func TestInstancesAreSeparate(t *testing.T) {
	t.Parallel()
	a, b := Start(t), Start(t)
	if a.SMTPAddr == b.SMTPAddr || a.IMAPAddr == b.IMAPAddr {
		t.Fatalf("instances share addresses: %s/%s and %s/%s", a.SMTPAddr, a.IMAPAddr, b.SMTPAddr, b.IMAPAddr)
	}
	to := "staff@kombit.test"
	mustSend(t, a.SMTPAddr, "dialogmoeder@kombit.test", to, "til A", "a\n")
	mustSend(t, b.SMTPAddr, "dialogmoeder@kombit.test", to, "til B", "b\n")
	mustSend(t, b.SMTPAddr, "dialogmoeder@kombit.test", to, "til B igen", "b\n")
	if got := len(a.WaitMessages(t, to, "INBOX", 1, 10*time.Second)); got != 1 {
		t.Errorf("instance A holds %d messages, want 1", got)
	}
	if got := len(b.WaitMessages(t, to, "INBOX", 2, 10*time.Second)); got != 2 {
		t.Errorf("instance B holds %d messages, want 2", got)
	}
}

// The benchmark tools are found and run.
func TestBenchmarkTools(t *testing.T) {
	t.Parallel()
	s := Start(t)
	for _, p := range []string{s.SinkPath, s.SourcePath} {
		if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("benchmark tool %q is not an executable: %v", p, err)
		}
	}
	if t.Failed() {
		return
	}
	// smtp-source delivering 3 messages through Postfix proves the path works end to end.
	out, err := execOutput(s.SourcePath, "-m", "3", "-f", "dialogmoeder@kombit.test", "-t", "staff@kombit.test", s.SMTPAddr)
	if err != nil {
		t.Fatalf("smtp-source: %v\n%s", err, out)
	}
	if got := len(s.WaitMessages(t, "staff@kombit.test", "INBOX", 3, 10*time.Second)); got != 3 {
		t.Errorf("staff's INBOX holds %d messages from smtp-source, want 3", got)
	}
}

func execOutput(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}
