// Package mailtest runs a real Postfix and a real Dovecot on 127.0.0.1 for integration tests,
// through the project's scripts/mailservers, and reads mail back from Dovecot with go-imap v2.
//
// Each Start gets its own instance (own ports, queue, mail store) in a short directory under /tmp,
// so tests and test packages may run in parallel. Any address in kombit.test, kommune.test or
// example.test (subdomains included) has a mailbox; mail to user+detail@domain lands in
// user@domain's INBOX with the full address in Delivered-To. Log in with the full address and
// Password. Start needs root (Postfix does); it fails the test, never skips it.
package mailtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rsvpd/rsvpd/mailtest/oauthserver"
)

// Servers is one running Postfix + Dovecot instance.
type Servers struct {
	Dir        string   // the instance's directory: configs, queue, mail store, logs
	SMTPAddr   string   // Postfix, host:port; unauthenticated submission, no TLS
	IMAPAddr   string   // Dovecot, host:port; LOGIN with the full address and Password, no TLS
	Password   string   // the one password every mailbox has
	Domains    []string // the domains (and their subdomains) that have mailboxes
	SinkPath   string   // Postfix's smtp-sink, for benchmarks ("" when not found)
	SourcePath string   // Postfix's smtp-source, for benchmarks ("" when not found)
	PostfixLog string
	DovecotLog string
	// With StartOAuth: Dovecot's submission service (SMTP AUTH with XOAUTH2, OAUTHBEARER,
	// PLAIN; no TLS; relays to Postfix) and the token server Dovecot checks tokens with.
	SubmissionAddr string
	OAuth          *oauthserver.Server
	// PlusAddressing is false when the instance runs without recipient_delimiter.
	PlusAddressing bool

	script string
}

// Start starts a new instance and stops it when the test ends. On failure it fails the test
// with the script's output, which includes the servers' logs.
func Start(t testing.TB) *Servers {
	t.Helper()
	return start(t, nil)
}

// start starts an instance with extra environment for scripts/mailservers.
func start(t testing.TB, env []string) *Servers {
	t.Helper()
	Integration(t)
	script, err := findScript()
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	// Not t.TempDir: Dovecot's unix sockets live in the directory and their paths are limited
	// to 108 bytes, which a long test name would exceed.
	dir, err := os.MkdirTemp("/tmp", "mailsrv-")
	if err != nil {
		t.Fatalf("mailtest: make instance directory: %v", err)
	}
	s := &Servers{Dir: dir, script: script}
	began := time.Now()
	cmd := exec.Command(script, "start", dir)
	// The script stops the servers itself if this test process dies without cleaning up.
	cmd.Env = append(os.Environ(), fmt.Sprintf("MAILSERVERS_WATCH_PID=%d", os.Getpid()))
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("mailtest: %s start %s: %v\n%s", script, dir, err, stderr.String())
	}
	if err := s.parseEnv(out); err != nil {
		s.run("stop")
		os.RemoveAll(dir)
		t.Fatalf("mailtest: %v", err)
	}
	t.Logf("mailtest: Postfix on %s, Dovecot on %s, started in %v (%s)",
		s.SMTPAddr, s.IMAPAddr, time.Since(began).Round(time.Millisecond), dir)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("mailtest: end of the server logs:\n%s", s.Logs(40))
		}
		if out, err := s.run("stop"); err != nil {
			t.Errorf("mailtest: stop %s: %v\n%s", dir, err, out)
		}
		os.RemoveAll(dir)
	})
	return s
}

// findScript locates scripts/mailservers: $RSVPD_MAILSERVERS, else next to this source file's
// module, else in a parent of the working directory (go test runs in the package directory).
func findScript() (string, error) {
	if p := os.Getenv("RSVPD_MAILSERVERS"); p != "" {
		return p, nil
	}
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, d := range starts {
		for ; ; d = filepath.Dir(d) {
			p := filepath.Join(d, "scripts", "mailservers")
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", errors.New("scripts/mailservers not found (set RSVPD_MAILSERVERS to its path)")
}

// parseEnv reads the KEY=VALUE lines the script prints.
func (s *Servers) parseEnv(out []byte) error {
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			env[k] = strings.Trim(v, `"`)
		}
	}
	s.SMTPAddr, s.IMAPAddr, s.Password = env["SMTP_ADDR"], env["IMAP_ADDR"], env["MAIL_PASSWORD"]
	s.Domains = strings.Fields(env["MAIL_DOMAINS"])
	s.SinkPath, s.SourcePath = env["SMTP_SINK"], env["SMTP_SOURCE"]
	s.PostfixLog, s.DovecotLog = env["POSTFIX_LOG"], env["DOVECOT_LOG"]
	s.SubmissionAddr, s.PlusAddressing = env["SUBMISSION_ADDR"], env["PLUS_ADDRESSING"] != "off"
	if s.SMTPAddr == "" || s.IMAPAddr == "" || s.Password == "" {
		return fmt.Errorf("read the env of the mail servers: SMTP_ADDR, IMAP_ADDR or MAIL_PASSWORD missing in %q", out)
	}
	return nil
}

func (s *Servers) run(verb string) ([]byte, error) {
	return exec.Command(s.script, verb, s.Dir).CombinedOutput()
}

func (s *Servers) do(t testing.TB, verb string) {
	t.Helper()
	if out, err := s.run(verb); err != nil {
		t.Fatalf("mailtest: %s %s: %v\n%s\n%s", verb, s.Dir, err, out, s.Logs(20))
	}
}

// StopSMTP stops Postfix: new connections to SMTPAddr are refused until StartSMTP. Mail
// Postfix already accepted stays in its queue.
func (s *Servers) StopSMTP(t testing.TB) { t.Helper(); s.do(t, "stop-smtp") }

// StartSMTP starts Postfix again on the same address; its queue is then delivered.
func (s *Servers) StartSMTP(t testing.TB) { t.Helper(); s.do(t, "start-smtp") }

// RestartIMAP restarts Dovecot on the same address: open IMAP connections drop, the mail stays.
// Postfix retries (within about a second) what it could not deliver meanwhile.
func (s *Servers) RestartIMAP(t testing.TB) { t.Helper(); s.do(t, "restart-imap") }

// StopIMAP stops Dovecot: IMAP connections are refused and Postfix keeps incoming mail in its
// queue, retrying every second or so, until StartIMAP.
func (s *Servers) StopIMAP(t testing.TB) { t.Helper(); s.do(t, "stop-imap") }

// StartIMAP starts Dovecot again on the same address after StopIMAP.
func (s *Servers) StartIMAP(t testing.TB) { t.Helper(); s.do(t, "start-imap") }

// Logs returns the last n lines of Postfix's and Dovecot's logs.
func (s *Servers) Logs(n int) string {
	var b strings.Builder
	for _, p := range []string{s.PostfixLog, s.DovecotLog} {
		data, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(&b, "== %s: %v\n", p, err)
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		fmt.Fprintf(&b, "== %s\n%s\n", p, strings.Join(lines, "\n"))
	}
	return b.String()
}

// Login opens an IMAP connection to Dovecot logged in as user (a full address). The
// connection is closed when the test ends.
func (s *Servers) Login(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	c, err := s.login(user)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (s *Servers) login(user string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(s.IMAPAddr, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to IMAP %s: %w", s.IMAPAddr, err)
	}
	if err := withDeadline(c, 10*time.Second, func() error { return c.Login(user, s.Password).Wait() }); err != nil {
		c.Close()
		return nil, fmt.Errorf("IMAP login as %s: %w", user, err)
	}
	return c, nil
}

// WaitMessages waits until user's mailbox holds at least n messages and returns all of them,
// in mailbox order, as raw bytes (read with BODY.PEEK[], so their \Seen flag is untouched).
// It fails the test, with what it last saw and the server logs, when timeout passes first.
// It reconnects as needed, so it works across RestartIMAP.
func (s *Servers) WaitMessages(t testing.TB, user, mailbox string, n int, timeout time.Duration) [][]byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var c *imapclient.Client
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	var last error
	for {
		msgs, err := s.tryRead(&c, user, mailbox, n)
		if err == nil && len(msgs) >= n {
			return msgs
		}
		if err != nil {
			last = err
			if c != nil {
				c.Close()
				c = nil
			}
		} else {
			last = fmt.Errorf("%d of %d messages", len(msgs), n)
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: %s's %s did not get %d messages within %v: %v\n%s",
				user, mailbox, n, timeout, last, s.Logs(30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tryRead selects the mailbox and, once it holds n messages, fetches them all.
func (s *Servers) tryRead(cp **imapclient.Client, user, mailbox string, n int) ([][]byte, error) {
	if *cp == nil {
		c, err := s.login(user)
		if err != nil {
			return nil, err
		}
		*cp = c
	}
	c := *cp
	var count uint32
	// Selecting again each time makes Dovecot look at the maildir anew.
	err := withDeadline(c, 10*time.Second, func() error {
		data, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			return err
		}
		count = data.NumMessages
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select %s of %s: %w", mailbox, user, err)
	}
	if int(count) < n || count == 0 {
		return make([][]byte, count), nil
	}
	var msgs [][]byte
	section := &imap.FetchItemBodySection{Peek: true}
	err = withDeadline(c, 60*time.Second, func() error {
		var set imap.SeqSet
		set.AddRange(1, count)
		bufs, err := c.Fetch(set, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return err
		}
		for _, b := range bufs {
			msgs = append(msgs, b.FindBodySection(section))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fetch %s of %s: %w", mailbox, user, err)
	}
	return msgs, nil
}

// withDeadline runs fn and closes the client if it takes longer than d: imapclient has no
// timeouts of its own, and a test must not hang on a server that stopped answering.
func withDeadline(c *imapclient.Client, d time.Duration, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		c.Close()
		<-done
		return fmt.Errorf("no answer within %v", d)
	}
}
