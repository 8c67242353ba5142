package sandbox

import (
	"bytes"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/jhillyerd/enmime/v2"
	"github.com/wneessen/go-mail"
)

func newServer(t *testing.T, opts *Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// send submits one message with go-mail, as rsvpd's outbox does.
func send(t *testing.T, s *Server, from, to, subject, body string) error {
	t.Helper()
	host, portStr, _ := net.SplitHostPort(s.SMTPAddr())
	port, _ := strconv.Atoi(portStr)
	m := mail.NewMsg()
	if err := m.From(from); err != nil {
		t.Fatalf("from: %v", err)
	}
	if err := m.To(to); err != nil {
		t.Fatalf("to: %v", err)
	}
	m.Subject(subject)
	m.SetBodyString(mail.TypeTextPlain, body)
	c, err := mail.NewClient(host, mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS), mail.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatalf("mail client: %v", err)
	}
	return c.DialAndSend(m)
}

func mustSend(t *testing.T, s *Server, from, to, subject, body string) {
	t.Helper()
	if err := send(t, s, from, to, subject, body); err != nil {
		t.Fatalf("send to %s: %v", to, err)
	}
}

func login(t *testing.T, s *Server, user, password string, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.IMAPAddr(), opts)
	if err != nil {
		t.Fatalf("dial IMAP: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, password).Wait(); err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
	return c
}

// fetchAll reads every message of INBOX over IMAP.
func fetchAll(t *testing.T, c *imapclient.Client) [][]byte {
	t.Helper()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("select INBOX: %v", err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	var set imap.SeqSet
	set.AddRange(1, sel.NumMessages)
	section := &imap.FetchItemBodySection{Peek: true}
	bufs, err := c.Fetch(set, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	var out [][]byte
	for _, b := range bufs {
		out = append(out, b.FindBodySection(section))
	}
	return out
}

func TestSubmitOverSMTPReadOverIMAP(t *testing.T) {
	s := newServer(t, nil)
	const subject = "Invitation til dialogmøde om fælles bibliotekssystem – Århus, Ærø"
	const body = "Kære biblioteksleder\n\nVi glæder os til at høre fra jer. Æ Ø Å æ ø å.\n"
	to := "bibliotekschef@aeroe.kommune.test"
	mustSend(t, s, "dialogmoeder@kombit.test", to, subject, body)

	c := login(t, s, to, DefaultPassword, nil)
	msgs := fetchAll(t, c)
	if len(msgs) != 1 {
		t.Fatalf("INBOX holds %d messages, want 1", len(msgs))
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(msgs[0]))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if got := env.GetHeader("Subject"); got != subject {
		t.Errorf("subject = %q, want %q", got, subject)
	}
	if got := strings.TrimSpace(strings.ReplaceAll(env.Text, "\r\n", "\n")); got != strings.TrimSpace(body) {
		t.Errorf("body = %q, want %q", got, body)
	}
	if got := env.GetHeader("Delivered-To"); got != to {
		t.Errorf("Delivered-To = %q, want %q", got, to)
	}
	if got := s.Messages(to); len(got) != 1 || !bytes.Equal(got[0], msgs[0]) {
		t.Errorf("Messages(%s) = %d messages, not the one IMAP shows", to, len(got))
	}
	if got := s.Accepted(to); got != 1 {
		t.Errorf("Accepted(%s) = %d, want 1", to, got)
	}
}

func TestPlusAddressing(t *testing.T) {
	s := newServer(t, nil)
	s.AddUser("dialogmoeder@kombit.test", "hemmelig")
	mustSend(t, s, "bibliotek@vejle.kommune.test", "Dialogmoeder+K0630-tok@Kombit.test", "Sv: Invitation", "Vi kommer to.\n")

	msgs := fetchAll(t, login(t, s, "dialogmoeder@kombit.test", "hemmelig", nil))
	if len(msgs) != 1 {
		t.Fatalf("organiser's INBOX holds %d messages, want 1", len(msgs))
	}
	if !bytes.HasPrefix(msgs[0], []byte("Delivered-To: Dialogmoeder+K0630-tok@Kombit.test\r\n")) {
		t.Errorf("message does not start with the full Delivered-To address:\n%.200s", msgs[0])
	}
	if got := s.Mailboxes(); len(got) != 1 || got[0] != "dialogmoeder@kombit.test" {
		t.Errorf("Mailboxes() = %v, want only the organiser's", got)
	}
}

func TestLogin(t *testing.T) {
	s := newServer(t, &Options{Password: "fælles"})
	for _, addr := range []string{"info@aalborg.kommune.test", "info@vejle.kommune.test", "staff@kombit.test"} {
		if err := s.Deliver(addr, []byte("Subject: x\r\n\r\nx\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddUser("dialogmoeder@kombit.test", "organiser-pw"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		user, password string
		ok             bool
	}{
		{"staff@kombit.test", "fælles", true},
		{"STAFF@Kombit.Test", "fælles", true},
		{"staff", "fælles", true},                          // unique local part
		{"info", "fælles", false},                          // local part of two mailboxes
		{"info@vejle.kommune.test", "fælles", true},        // made on first delivery
		{"staff@kombit.test", "wrong", false},              // wrong password
		{"dialogmoeder@kombit.test", "organiser-pw", true}, // AddUser's password
		{"dialogmoeder@kombit.test", "fælles", false},
		{"nobody@kombit.test", "fælles", false}, // no mailbox
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.password, func(t *testing.T) {
			c, err := imapclient.DialInsecure(s.IMAPAddr(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.Login(tt.user, tt.password).Wait()
			if (err == nil) != tt.ok {
				t.Errorf("login %s with %q: err = %v, want ok=%v", tt.user, tt.password, err, tt.ok)
			}
		})
	}
}

// A client in IDLE hears about a message the moment SMTP delivers it.
func TestIdleWakesOnDelivery(t *testing.T) {
	s := newServer(t, nil)
	to := "dialogmoeder@kombit.test"
	s.AddUser(to, "pw")
	arrived := make(chan uint32, 10)
	c := login(t, s, to, "pw", &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					arrived <- *data.NumMessages
				}
			},
		},
	})
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatalf("IDLE: %v", err)
	}
	sent := time.Now()
	mustSend(t, s, "bibliotek@odense.kommune.test", "dialogmoeder+tok@kombit.test", "Svar", "Vi kommer.\n")
	select {
	case n := <-arrived:
		if n != 1 {
			t.Errorf("IDLE reported %d messages, want 1", n)
		}
		t.Logf("IDLE woke %v after the submission began", time.Since(sent).Round(time.Microsecond))
	case <-time.After(5 * time.Second):
		t.Fatal("IDLE did not report the delivery within 5 s")
	}
	if err := idle.Close(); err != nil {
		t.Errorf("stop IDLE: %v", err)
	}
	if err := idle.Wait(); err != nil {
		t.Errorf("IDLE ended with %v", err)
	}
}

// fakeClock is a settable clock for Fault.For.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func smtpCode(err error) int {
	var se *mail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode()
	}
	return 0
}

func TestFaults(t *testing.T) {
	const from = "dialogmoeder@kombit.test"
	t.Run("451 for the next 2 attempts, then accepted", func(t *testing.T) {
		s := newServer(t, &Options{Faults: []Fault{{Code: 451, Times: 2}}})
		to := "bibliotek@aalborg.kommune.test"
		for i := 1; i <= 2; i++ {
			err := send(t, s, from, to, "Invitation", "x\n")
			var se *mail.SendError
			if smtpCode(err) != 451 || !errors.As(err, &se) || !se.IsTemp() {
				t.Fatalf("attempt %d: err = %v, want a temporary 451", i, err)
			}
		}
		mustSend(t, s, from, to, "Invitation", "x\n")
		if a, n := s.Attempts(to), s.Accepted(to); a != 3 || n != 1 {
			t.Errorf("Attempts = %d, Accepted = %d; want 3 and 1", a, n)
		}
	})
	t.Run("550 for one address, the others accepted", func(t *testing.T) {
		s := newServer(t, &Options{Faults: []Fault{{Recipient: "Gone@Vejle.kommune.test", Code: 550, Message: "No such user"}}})
		for i := 0; i < 2; i++ {
			err := send(t, s, from, "gone+x@vejle.kommune.test", "Invitation", "x\n")
			if smtpCode(err) != 550 || !strings.Contains(err.Error(), "No such user") {
				t.Fatalf("send %d to the refused address: err = %v, want 550 No such user", i, err)
			}
		}
		mustSend(t, s, from, "here@vejle.kommune.test", "Invitation", "x\n")
		if s.Accepted("gone@vejle.kommune.test") != 0 || s.Accepted("here@vejle.kommune.test") != 1 {
			t.Errorf("accepted: gone %d, here %d; want 0 and 1",
				s.Accepted("gone@vejle.kommune.test"), s.Accepted("here@vejle.kommune.test"))
		}
		if got := s.Mailboxes(); len(got) != 1 {
			t.Errorf("Mailboxes() = %v: a refused recipient got a mailbox", got)
		}
	})
	t.Run("451 for a minute", func(t *testing.T) {
		clock := &fakeClock{t: time.Date(2012, 2, 1, 9, 0, 0, 0, time.UTC)}
		s := newServer(t, &Options{Now: clock.Now})
		s.AddFault(Fault{Code: 451, For: time.Minute})
		to := "bibliotek@roskilde.kommune.test"
		if err := send(t, s, from, to, "Invitation", "x\n"); smtpCode(err) != 451 {
			t.Fatalf("during the fault: err = %v, want 451", err)
		}
		clock.Add(59 * time.Second)
		if err := send(t, s, from, to, "Invitation", "x\n"); smtpCode(err) != 451 {
			t.Fatalf("59 s in: err = %v, want 451", err)
		}
		clock.Add(time.Second)
		mustSend(t, s, from, to, "Invitation", "x\n")
	})
	t.Run("452 after DATA refuses the whole message", func(t *testing.T) {
		s := newServer(t, &Options{Faults: []Fault{{Code: 452, AtData: true, Times: 1}}})
		to := "bibliotek@odense.kommune.test"
		if err := send(t, s, from, to, "Invitation", "x\n"); smtpCode(err) != 452 {
			t.Fatalf("err = %v, want 452", err)
		}
		if n := s.Accepted(to); n != 0 {
			t.Fatalf("Accepted = %d after a refused DATA, want 0", n)
		}
		mustSend(t, s, from, to, "Invitation", "x\n")
		if n := s.Accepted(to); n != 1 {
			t.Errorf("Accepted = %d, want 1", n)
		}
	})
	t.Run("ClearFaults", func(t *testing.T) {
		s := newServer(t, &Options{Faults: []Fault{{Code: 421}}})
		s.ClearFaults()
		mustSend(t, s, from, "x@kombit.test", "Invitation", "x\n")
	})
}

func TestCloseStopsBothServers(t *testing.T) {
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	smtpAddr, imapAddr := s.SMTPAddr(), s.IMAPAddr()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, addr := range []string{smtpAddr, imapAddr} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Close", addr)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
