package main

// Tests of `rsvpd run` as the operator meets it: the binary as a subprocess on the real clock,
// against the embedded mail servers (package sandbox), stopped with SIGTERM, reloaded with
// SIGHUP, its logs read for secrets.

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/sandbox"
	"github.com/rsvpd/rsvpd/testenv"
)

// The secrets a run is given; none may appear in its output.
const (
	testSecret       = "campaign-secret-7f3a9c1e5b"
	testIMAPPassword = "imap-password-4d2b8e6f0a"
	testSMTPPassword = "smtp-password-9c7e5a3b1d"
	testHTTPToken    = "http-bearer-token-2f4e6a8c0b1d3f5a"
)

// runCampaign is a generated campaign on the real clock: the invitations are due now, the
// meetings a month ahead.
type runCampaign struct {
	Invitees    int
	SMTP, IMAP  string
	HTTP        string // "" turns HTTP off
	Rate        float64
	Templates   string
	Level       string
	Format      string
	ReviewBatch string
	// Now is the test's time; the config's times are UTC.
	Now time.Time
}

const runConfig = `campaign:
  title: Dialogmøde om det nye fælles bibliotekssystem
  timezone: UTC
  deadline: {{(.Now.AddDate 0 0 40).Format "2006-01-02"}}
organiser:
  name: KOMBIT
  legal_name: KOMBIT A/S
  address: Halfdansgade 8, 2300 København S
  cvr: "19435075"
  email: dialogmoeder@kombit.test
  staff: [staff@kombit.test]
meetings:
{{- range $i, $city := .Cities}}
  - id: {{lower $city}}
    city: {{$city}}
    venue: {{$city}} Bibliotekerne
    street: Hovedgaden {{$i}}
    postcode: "{{add 7000 $i}}"
    start: {{($.Now.AddDate 0 0 (add 30 $i)).Format "2006-01-02"}} 10:00
    end: {{($.Now.AddDate 0 0 (add 30 $i)).Format "2006-01-02"}} 12:00
{{- end}}
agenda: [Baggrund, Den nye løsning, Tilslutningsaftale]
companions: {included: 1, role: skolebibliotekskonsulent}
invitees: {file: invitees.csv}
price: {rate: "7", population: population, population_date: 2012-01-01}
agreement: {vat: excluded, until: 2014-12-31, first_invoice: 2012-04, invoicing: KOMBIT A/S fakturerer derefter i januar.}
schedule:
  invitations: {{(.Now.Add -60000000000).Format "2006-01-02 15:04"}}
  agreement: {{(.Now.AddDate 0 0 29).Format "2006-01-02"}} 09:00
  digest: "0 7 * * *"
  review_batch: {{.ReviewBatch}}
mail:
  smtp: {host: {{host .SMTP}}, port: {{port .SMTP}}, tls: none, password_env: RSVPD_SMTP_PASSWORD}
  imap: {host: {{host .IMAP}}, port: {{port .IMAP}}, tls: none, user: dialogmoeder@kombit.test, password_env: RSVPD_IMAP_PASSWORD}
  concurrency: 2
  rate: {{.Rate}}
  poll: 2s
  max_auto_per_day: 20
store: {path: rsvpd.db}
secret: {env: RSVPD_SECRET}
templates: "{{.Templates}}"
http: {address: "{{.HTTP}}", token_file: token}
log: {level: {{.Level}}, format: {{.Format}}}
`

func (g runCampaign) Cities() []string { return []string{"Aalborg", "Roskilde", "Vejle"} }

// write writes the config, its invitee list and the HTTP token file into dir.
func (g runCampaign) write(t *testing.T, dir string) string {
	t.Helper()
	if g.Level == "" {
		g.Level = "info"
	}
	if g.Format == "" {
		g.Format = "text"
	}
	if g.ReviewBatch == "" {
		g.ReviewBatch = "1s"
	}
	funcs := template.FuncMap{
		"lower": strings.ToLower,
		"add":   func(a, b int) int { return a + b },
		"host":  func(a string) string { h, _, _ := net.SplitHostPort(a); return h },
		"port":  func(a string) string { _, p, _ := net.SplitHostPort(a); return p },
	}
	g.Now = g.Now.UTC()
	var b bytes.Buffer
	if err := template.Must(template.New("cfg").Funcs(funcs).Parse(runConfig)).Execute(&b, g); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	var csv strings.Builder
	csv.WriteString("code,name,email,population\n")
	for i := 1; i <= g.Invitees; i++ {
		fmt.Fprintf(&csv, "%s,Kommune %d,%s,%d\n", inviteeCode(i), i, directorOf(i), 10000+i)
	}
	for name, data := range map[string]string{"config.yaml": b.String(), "invitees.csv": csv.String(), "token": testHTTPToken + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := config.Load(path); err != nil {
		t.Fatalf("the generated config does not load: %v", err)
	}
	return path
}

func inviteeCode(i int) string { return fmt.Sprintf("k%04d", i) }
func directorOf(i int) string  { return fmt.Sprintf("bibliotekschef@%s.kommune.test", inviteeCode(i)) }

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startBox(t *testing.T) *sandbox.Server {
	t.Helper()
	box, err := sandbox.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { box.Close() })
	if err := box.AddUser("dialogmoeder@kombit.test", testIMAPPassword); err != nil {
		t.Fatal(err)
	}
	return box
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is `rsvpd run` as a subprocess.
type proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	code int
}

func startRun(t *testing.T, cfgPath string, args ...string) *proc {
	t.Helper()
	return startRunEnv(t, cfgPath, nil, args...)
}

// startRunEnv is startRun with more environment variables.
func startRunEnv(t *testing.T, cfgPath string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(testenv.Rsvpd(t), append([]string{"run", "--config", cfgPath}, args...)...)
	p.cmd.Env = append(os.Environ(), "RSVPD_SECRET="+testSecret, "RSVPD_IMAP_PASSWORD="+testIMAPPassword,
		"RSVPD_SMTP_PASSWORD="+testSMTPPassword)
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("rsvpd output:\n%s", p.out.String())
		}
	})
	return p
}

// stop sends sig and returns the exit status and the time until the process ended.
func (p *proc) stop(t *testing.T, sig syscall.Signal, within time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		return p.code, time.Since(start)
	case <-time.After(within):
		t.Fatalf("rsvpd did not exit within %s of %s", within, sig)
		return 0, 0
	}
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// delivered counts what the sandbox accepted for the first n directors.
func delivered(box *sandbox.Server, n int) (total int, per []int) {
	per = make([]int, n)
	for i := range per {
		per[i] = box.Accepted(directorOf(i + 1))
		total += per[i]
	}
	return total, per
}

func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// slowSMTP stands between rsvpd and the SMTP server and holds the server's answer to the end
// of each message's data for a while, so that the test knows a message is in flight: the
// server has it, rsvpd does not know yet.
type slowSMTP struct {
	ln      net.Listener
	target  string
	hold    time.Duration
	dataEnd chan struct{} // a message's data has gone to the server; its answer is held
}

func newSlowSMTP(t *testing.T, target string, hold time.Duration) *slowSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &slowSMTP{ln: ln, target: target, hold: hold, dataEnd: make(chan struct{}, 1)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.relay(c)
		}
	}()
	return s
}

func (s *slowSMTP) addr() string { return s.ln.Addr().String() }

func (s *slowSMTP) relay(c net.Conn) {
	defer c.Close()
	srv, err := net.Dial("tcp", s.target)
	if err != nil {
		return
	}
	defer srv.Close()
	held := make(chan struct{}, 16) // one per message whose end went to the server
	go func() {
		var tail []byte
		buf := make([]byte, 32<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				tail = append(tail, buf[:n]...)
				if bytes.Contains(tail, []byte("\r\n.\r\n")) {
					held <- struct{}{}
					select {
					case s.dataEnd <- struct{}{}:
					default:
					}
					tail = nil
				} else if len(tail) > 4 {
					tail = tail[len(tail)-4:]
				}
				if _, err := srv.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				srv.Close()
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := srv.Read(buf)
		if n > 0 {
			select {
			case <-held:
				time.Sleep(s.hold)
			default:
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// SIGTERM in the middle of a batch, with a message in flight (the server has it, its answer
// is on the way): rsvpd hands out no new message, waits for that answer, records the message
// sent, leaves IDLE and exits 0 within the deadline. A restart sends the rest, none twice.
func TestSIGTERMFinishesTheMessagesInFlight(t *testing.T) {
	box := startBox(t)
	const hold = 700 * time.Millisecond
	slow := newSlowSMTP(t, box.SMTPAddr(), hold)
	dir := t.TempDir()
	const n = 30
	httpAddr := freeAddr(t)
	spec := runCampaign{Invitees: n, SMTP: slow.addr(), IMAP: box.IMAPAddr(), HTTP: httpAddr, Now: time.Now()}
	cfg := spec.write(t, dir)
	db := filepath.Join(dir, "rsvpd.db")

	p := startRun(t, cfg)
	waitFor(t, 20*time.Second, "healthy (IMAP connected, SMTP answering, store writable)", func() bool {
		code, _ := httpGet(t, "http://"+httpAddr+"/healthz", testHTTPToken)
		return code == http.StatusOK
	})
	waitFor(t, 20*time.Second, "the batch under way", func() bool { got, _ := delivered(box, n); return got >= 4 })
	// Wait for the next message to reach the server, and stop rsvpd while its answer is held.
	for len(slow.dataEnd) > 0 {
		<-slow.dataEnd
	}
	select {
	case <-slow.dataEnd:
	case <-time.After(10 * time.Second):
		t.Fatal("no message went out")
	}
	code, took := p.stop(t, syscall.SIGTERM, 15*time.Second)
	t.Logf("stopped %s after SIGTERM, with a message in flight whose answer was held %s", took, hold)
	if code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	if took > 10*time.Second {
		t.Errorf("the stop took %s, more than the 10s deadline", took)
	}
	if !strings.Contains(p.out.String(), "rsvpd stopped") {
		t.Errorf("no line saying rsvpd stopped")
	}
	got, _ := delivered(box, n)
	o := testenv.OutboxOf(t, db)
	if o.Sent != got {
		t.Errorf("the server accepted %d messages, the outbox records %d sent: the message in flight was not finished and recorded", got, o.Sent)
	}
	if o.Pending == 0 || o.Sent+o.Pending != n {
		t.Errorf("after the stop: %+v, want the batch cut short with every message either sent or pending", o)
	}

	spec.SMTP = box.SMTPAddr()
	spec.write(t, dir)
	p = startRun(t, cfg)
	waitFor(t, 60*time.Second, "every invitation sent after the restart", func() bool { return testenv.OutboxOf(t, db).Sent == n })
	if code, _ := p.stop(t, syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Errorf("second run: exit status %d", code)
	}
	_, per := delivered(box, n)
	for i, k := range per {
		if k != 1 {
			t.Errorf("%s received %d invitations, want 1", directorOf(i+1), k)
		}
	}
}

// A message that cannot finish (the SMTP server accepted the connection and says nothing)
// does not hold the stop beyond the deadline: rsvpd says so and exits 1; the outbox keeps
// every message for the next start.
func TestStopDeadlineWithAHungServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // never greets
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	dir := t.TempDir()
	cfg := runCampaign{Invitees: 5, SMTP: ln.Addr().String(), IMAP: freeAddr(t), Now: time.Now()}.write(t, dir)
	p := startRun(t, cfg, "--no-watch", "--shutdown-timeout", "1s")
	waitFor(t, 20*time.Second, "a connection to the silent server", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(conns) > 0
	})
	code, took := p.stop(t, syscall.SIGTERM, 10*time.Second)
	t.Logf("stopped %s after SIGTERM with a message stuck in flight", took)
	if code != 1 || took < time.Second || took > 3*time.Second {
		t.Errorf("exit %d after %s, want 1 after the 1s deadline", code, took)
	}
	if !strings.Contains(p.out.String(), "did not stop within the deadline") {
		t.Errorf("the log does not say the deadline passed:\n%s", p.out.String())
	}
	if o := testenv.OutboxOf(t, filepath.Join(dir, "rsvpd.db")); o.Pending != 5 {
		t.Errorf("outbox after the forced stop: %+v, want the 5 invitations pending", o)
	}
}

func subjectOf(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func replyTo(signer *campaign.Signer, i int, msgID, body string) []byte {
	return []byte(strings.ReplaceAll(fmt.Sprintf("From: %s\nTo: %s\nSubject: SV: Dialogmøde\nMessage-ID: <%s>\n"+
		"Date: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n",
		directorOf(i), signer.ReplyAddress("dialogmoeder@kombit.test", inviteeCode(i)), msgID,
		time.Now().Format(time.RFC1123Z), body), "\n", "\r\n"))
}

// SIGHUP reloads the letters and the log level and names what needs a restart; a broken
// template or configuration changes nothing. The logs of the whole run, at debug level, carry
// no password, no secret, no token and no tokened address.
func TestSIGHUPReloadsAndLogsKeepSecrets(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) { reloadAndSecrets(t, format) })
	}
}

func reloadAndSecrets(t *testing.T, format string) {
	box := startBox(t)
	dir := t.TempDir()
	const n = 5
	httpAddr := freeAddr(t)
	spec := runCampaign{Invitees: n, SMTP: box.SMTPAddr(), IMAP: box.IMAPAddr(), HTTP: httpAddr, Level: "debug",
		Format: format, Now: time.Now()}
	cfg := spec.write(t, dir)
	p := startRun(t, cfg)
	waitFor(t, 20*time.Second, "the invitations delivered", func() bool { got, _ := delivered(box, n); return got == n })
	waitFor(t, 20*time.Second, "healthy", func() bool {
		code, _ := httpGet(t, "http://"+httpAddr+"/healthz", testHTTPToken)
		return code == http.StatusOK
	})
	if code, _ := httpGet(t, "http://"+httpAddr+"/metrics", "wrong-token-0123456789"); code != http.StatusUnauthorized {
		t.Errorf("metrics with a wrong token: %d, want 401", code)
	}

	// A broken template: the reload fails and the letters stay as they were.
	tpl := filepath.Join(dir, "tpl")
	os.Mkdir(tpl, 0o755)
	os.WriteFile(filepath.Join(tpl, "confirmation.da.subject"), []byte("Tilmelding {{.Nope"), 0o644)
	spec.Templates = "tpl"
	spec.write(t, dir)
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "the failed reload logged", func() bool { return strings.Contains(p.out.String(), "reload failed") })

	// Mended, with a new review batch and rate: the batch is taken, the rate needs a restart.
	os.WriteFile(filepath.Join(tpl, "confirmation.da.subject"), []byte("Tilmelding modtaget (ny skabelon)"), 0o644)
	spec.ReviewBatch, spec.Rate = "2s", 5
	spec.write(t, dir)
	p.cmd.Process.Signal(syscall.SIGHUP)
	// Two records: what was reloaded (info), then what needs a restart (a warning).
	waitFor(t, 10*time.Second, "the reload logged", func() bool {
		out := p.out.String()
		return strings.Contains(out, "reloaded the configuration") && strings.Contains(out, "only after a restart")
	})
	out := p.out.String()
	for _, want := range []string{"templates from " + tpl, "schedule.review_batch 1s -> 2s", "mail.rate"} {
		if !strings.Contains(out, want) {
			t.Errorf("the reload does not say %q", want)
		}
	}

	// A reply by token is confirmed with the reloaded letter.
	signer := campaign.NewSigner([]byte(testSecret), "kombit.test")
	if err := box.Deliver(signer.ReplyAddress("dialogmoeder@kombit.test", inviteeCode(1)),
		replyTo(signer, 1, "svar-1@k0001.kommune.test", "Vi kommer til Vejle, 2 personer.")); err != nil {
		t.Fatal(err)
	}
	// A stranger with a forged token: the staff hear of it, nobody is confirmed.
	forgedTo := "dialogmoeder+" + inviteeCode(2) + "-aaaaaaaaaaaaaaaa@kombit.test"
	forged := strings.NewReplacer(directorOf(2), "someone@elsewhere.test",
		signer.ReplyAddress("dialogmoeder@kombit.test", inviteeCode(2)), forgedTo).
		Replace(string(replyTo(signer, 2, "svar-2@elsewhere.test", "Vi kommer til Aalborg.")))
	box.Deliver(forgedTo, []byte(forged))
	waitFor(t, 20*time.Second, "the confirmation and the review notification", func() bool {
		return box.Accepted(directorOf(1)) == 2 && box.Accepted("staff@kombit.test") == 1
	})
	if s := subjectOf(t, box.Messages(directorOf(1))[1]); s != "Tilmelding modtaget (ny skabelon)" {
		t.Errorf("confirmation subject %q, want the reloaded template's", s)
	}
	if k := box.Accepted(directorOf(2)); k != 1 {
		t.Errorf("director 2 received %d messages after a forged answer, want only the invitation", k)
	}

	// The log level goes to warn: the stop's info lines are no longer written.
	spec.Level = "warn"
	spec.write(t, dir)
	p.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "the second reload logged", func() bool {
		return strings.Count(p.out.String(), "reloaded the configuration") == 2
	})
	if !strings.Contains(p.out.String(), "log.level debug -> warn") {
		t.Errorf("the reload does not name the new log level")
	}
	code, took := p.stop(t, syscall.SIGTERM, 15*time.Second)
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	t.Logf("stopped in %s", took)
	if strings.Contains(p.out.String(), "rsvpd stopped") {
		t.Errorf("an info line was written after the level went to warn")
	}

	// The logs: every secret, every token, and any tokened address.
	logs := p.out.String()
	if !strings.Contains(logs, "level=DEBUG") && !strings.Contains(logs, `"level":"DEBUG"`) {
		t.Errorf("no debug lines: the check would miss what only debug logs")
	}
	secrets := map[string]string{"campaign secret": testSecret, "IMAP password": testIMAPPassword,
		"SMTP password": testSMTPPassword, "HTTP token": testHTTPToken}
	for i := 1; i <= n; i++ {
		tok := signer.Token(inviteeCode(i))
		secrets["reply token of "+inviteeCode(i)] = tok[strings.IndexByte(tok, '-')+1:]
	}
	for what, v := range secrets {
		if strings.Contains(logs, v) {
			t.Errorf("the logs carry the %s", what)
		}
	}
	if m := regexp.MustCompile(`[A-Za-z0-9._-]+\+[A-Za-z0-9_-]+@`).FindString(logs); m != "" {
		t.Errorf("the logs carry a tokened address: %q", m)
	}
	t.Logf("%d log lines checked", strings.Count(logs, "\n"))
	if os.Getenv("SHOWLOG") != "" {
		t.Log(logs)
	}
}

// TestRunTellsTheServiceManager: under systemd's Type=notify, rsvpd run says READY=1 on the
// notification socket once it runs, and STOPPING=1 when SIGTERM stops it.
func TestRunTellsTheServiceManager(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	states := make(chan string, 10)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(states)
				return
			}
			states <- string(buf[:n])
		}
	}()
	next := func(want string) {
		t.Helper()
		select {
		case got := <-states:
			if got != want {
				t.Fatalf("the service manager was told %q, want %q", got, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the service manager was not told %q within 20 s", want)
		}
	}
	dir := t.TempDir()
	cfg := runCampaign{Invitees: 3, SMTP: freeAddr(t), IMAP: freeAddr(t), Now: time.Now()}.write(t, dir)
	p := startRunEnv(t, cfg, []string{"NOTIFY_SOCKET=" + sock}, "--no-watch", "--no-send")
	next("READY=1")
	if code, _ := p.stop(t, syscall.SIGTERM, 10*time.Second); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
	next("STOPPING=1")
}
