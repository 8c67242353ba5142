package e2e

// Fault tests on the real servers (issue 8, item 6): Postfix stopped while the daemon sends,
// the store locked or its disk full while `rsvpd run` works, and hostile mail in the
// organiser's inbox. Each reports what it measured with t.Logf.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
	_ "modernc.org/sqlite" // database/sql reads the store of a daemon in another process

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/simulate"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// outboxRows lists every outbox row of an open store.
func outboxRows(t testing.TB, st *store.Store) []store.Outgoing {
	t.Helper()
	var rows []store.Outgoing
	err := st.Tx(context.Background(), func(tx *store.Tx) (err error) {
		rows, err = tx.OutboxRows(store.OutboxFilter{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestPostfixDownWhileSending stops Postfix for 60 s in the middle of 200 invitations: the
// messages must wait in the outbox as temporary failures (none failed, none sent while it is
// down), and all must go out once it is back, one per director.
func TestPostfixDownWhileSending(t *testing.T) {
	const n, rate, outage = 200, 20, 60 * time.Second
	srv := mailtest.Start(t)
	dir := t.TempDir()
	now := time.Now()
	g := generated{Invitees: n, Invitations: now.Add(-time.Minute), Meetings: now.AddDate(0, 0, 30),
		Deadline: now.AddDate(0, 0, 40), SMTP: srv.SMTPAddr, IMAP: srv.IMAPAddr,
		StorePath: filepath.Join(dir, "rsvpd.db")}
	cfg, err := config.Load(g.write(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	// A rate limit (as a relay would ask for) spreads the batch over 10 s, so that Postfix
	// goes away in the middle of it rather than after it.
	cfg.Mail.Rate = rate
	r := startEngine(t, srv, cfg, clock.Real(), false) // backoff 100 ms up to 1 s
	waitFor(t, 30*time.Second, "the first 40 invitations sent", func() bool { return r.outbox(t).Sent >= 40 })

	srv.StopSMTP(t)
	stopped := time.Now()
	sentAtStop := r.outbox(t).Sent
	t.Logf("Postfix stopped after %d of %d invitations", sentAtStop, n)
	// While Postfix is down nothing is sent or failed; the rows tried carry the connection
	// error and a next attempt.
	var deferred int
	for time.Since(stopped) < outage {
		time.Sleep(5 * time.Second)
		s := r.outbox(t)
		if s.Failed != 0 {
			t.Fatalf("%d invitations failed for good while Postfix was down for %v: a refused connection is a temporary failure",
				s.Failed, time.Since(stopped).Round(time.Second))
		}
		if s.Sent > sentAtStop+2*cfg.Mail.Concurrency {
			t.Fatalf("%d invitations marked sent while Postfix was down (%d at the stop)", s.Sent, sentAtStop)
		}
	}
	for _, row := range outboxRows(t, r.st) {
		if row.Status != "pending" || row.Attempts == 0 {
			continue
		}
		deferred++
		if !strings.Contains(row.LastError, "connect") {
			t.Errorf("%s waits with the reason %q, want the connection failure", row.Key, row.LastError)
		}
		if time.Until(row.NextAttempt) > 2*time.Second {
			t.Errorf("%s: next attempt %v away, beyond the 1 s backoff ceiling", row.Key, time.Until(row.NextAttempt))
		}
	}
	pending := r.outbox(t).Pending
	t.Logf("after %v without Postfix: %d invitations waiting, %d of them tried and deferred", outage, pending, deferred)
	if pending == 0 || deferred == 0 {
		t.Fatalf("%d waiting, %d deferred: the outage did not hold any message back", pending, deferred)
	}

	srv.StartSMTP(t)
	back := time.Now()
	waitFor(t, 2*time.Minute, "every invitation sent after Postfix is back", func() bool {
		s := r.outbox(t)
		return s.Sent+s.Failed == n
	})
	var first, last time.Time
	waited := 0
	for _, row := range outboxRows(t, r.st) {
		if row.Status != "sent" {
			t.Errorf("%s: %s (%s)", row.Key, row.Status, row.LastError)
			continue
		}
		if row.SentAt.Before(back.Add(-time.Second)) {
			continue
		}
		waited++
		if row.Attempts < 2 {
			t.Errorf("%s was sent after the outage at its first attempt: it did not wait", row.Key)
		}
		if first.IsZero() || row.SentAt.Before(first) {
			first = row.SentAt
		}
		if row.SentAt.After(last) {
			last = row.SentAt
		}
	}
	t.Logf("Postfix back: first of %d waiting invitations handed over after %v, the last after %v (at %d/s, %v is the rate's own minimum)",
		waited, first.Sub(back).Round(time.Millisecond), last.Sub(back).Round(time.Millisecond), rate,
		time.Duration(float64(waited)/rate*float64(time.Second)).Round(time.Millisecond))
	if waited != pending {
		t.Errorf("%d invitations went out after the outage, %d were waiting", waited, pending)
	}

	total, dups := directorsReached(t, srv, n, "every invitation delivered")
	twice := handedTwice(t, srv, outboxRows(t, r.st), total, dups)
	// A message whose 250 was lost when Postfix stopped, after Postfix had queued it, must be
	// sent again (SMTP cannot tell): at most one per connection open at the stop.
	if twice > cfg.Mail.Concurrency {
		t.Errorf("rsvpd handed %d messages to Postfix twice, more than the %d connections in flight at the stop",
			twice, cfg.Mail.Concurrency)
	}
}

// handedTwice tells who made the duplicates that the mailboxes hold: rsvpd handing a message
// to Postfix twice (Postfix's log names each message it took, by Message-ID), or Postfix
// delivering one it took once again (a delivery cut after Dovecot saved the message). It
// returns rsvpd's count, logs both and each message handed over twice, and fails the test
// for a row marked sent that Postfix never took.
func handedTwice(t *testing.T, srv *mailtest.Servers, rows []store.Outgoing, total, dups int) int {
	t.Helper()
	took := postfixTook(t, srv)
	twice := 0
	for _, row := range rows {
		if row.Status != "sent" {
			continue
		}
		switch k := took[row.MessageID]; {
		case k == 0:
			t.Errorf("%s (%s) is marked sent but Postfix never took it", row.Key, row.MessageID)
		case k > 1:
			twice += k - 1
			t.Logf("%s was handed to Postfix %d times", row.Key, k)
		}
	}
	t.Logf("the mailboxes hold %d messages, %d duplicates: %d handed over twice by rsvpd, %d delivered twice by Postfix",
		total, dups, twice, dups-twice)
	return twice
}

// postfixTook counts, per Message-ID (without angle brackets), the messages Postfix queued:
// cleanup names a message's Message-ID as it reads it, and qmgr takes it into the active queue
// once it is complete; a transfer cut during DATA (a kill) never gets there, and is no copy.
func postfixTook(t *testing.T, srv *mailtest.Servers) map[string]int {
	t.Helper()
	data, err := os.ReadFile(srv.PostfixLog)
	if err != nil {
		t.Fatal(err)
	}
	// The queue ID follows the program's "[pid]: ".
	queueID := func(line string) string {
		_, rest, ok := strings.Cut(line, "]: ")
		if !ok {
			return ""
		}
		id, _, _ := strings.Cut(rest, ":")
		return id
	}
	idOf, queued := map[string]string{}, map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.Contains(line, "/cleanup["):
			if _, id, ok := strings.Cut(line, ": message-id=<"); ok {
				idOf[queueID(line)] = strings.TrimSuffix(strings.TrimSpace(id), ">")
			}
		case strings.Contains(line, "/qmgr[") && strings.HasSuffix(strings.TrimSpace(line), "(queue active)"):
			queued[queueID(line)] = true
		}
	}
	took, cut := map[string]int{}, 0
	for q, id := range idOf {
		if queued[q] {
			took[id]++
		} else {
			cut++
		}
	}
	if cut > 0 {
		t.Logf("Postfix read %d messages that it did not queue (the transfer was cut)", cut)
	}
	return took
}

// proc is `rsvpd run` as a subprocess whose exit the test watches.
type proc struct {
	*daemonProc
	done chan struct{}
	err  error // the exit, once done is closed
	log  string
}

// startWatched starts `rsvpd run` with startProc and watches for its exit; it is killed when
// the test ends, and its log shown when the test failed.
func startWatched(t *testing.T, cfgPath string, args ...string) *proc {
	t.Helper()
	p := &proc{daemonProc: startProc(t, cfgPath, args...), done: make(chan struct{}),
		log: filepath.Join(filepath.Dir(cfgPath), "rsvpd.log")}
	go func() {
		p.err = p.cmd.Wait()
		p.daemonProc.log.Close()
		p.daemonProc.notify.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
		}
		if t.Failed() {
			t.Logf("end of the rsvpd log:\n%s", tail(p.logText(t), 40))
		}
	})
	return p
}

// exited reports whether the daemon has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the daemon with SIGTERM, as systemd does, and checks that it stopped cleanly.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if p.exited() {
		t.Fatalf("rsvpd run had already stopped: %v", p.err)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("rsvpd run after SIGTERM: %v", p.err)
		}
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("rsvpd run did not stop within 30 s of SIGTERM")
	}
}

// logText is what the daemon has written to stdout and stderr so far.
func (p *proc) logText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(p.log)
	if err != nil {
		t.Errorf("read the rsvpd log: %v", err)
	}
	return string(b)
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// withMail sets keys of the mail section of a generated config file.
func withMail(t *testing.T, cfgPath string, lines ...string) {
	t.Helper()
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	extra := ""
	for _, l := range lines {
		extra += "  " + l + "\n"
	}
	s := strings.Replace(string(b), "\nmail:\n", "\nmail:\n"+extra, 1)
	if err := os.WriteFile(cfgPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(cfgPath); err != nil {
		t.Fatal(err)
	}
}

// lockStore takes the write lock of the store at path, as an operator's `sqlite3` shell does
// with BEGIN EXCLUSIVE, and returns the function that releases it.
func lockStore(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 30000"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatalf("lock the store: %v", err)
	}
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Errorf("release the store: %v", err)
		}
		conn.Close()
		db.Close()
	}
	t.Cleanup(release)
	return release
}

// smallDisk mounts a tmpfs of size bytes for the test and returns its directory. It needs
// root (as mailtest does); where mounting is impossible it fails the test, never skips it.
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	mailtest.Integration(t) // mounting a tmpfs needs root
	dir, err := os.MkdirTemp("", "rsvpd-smalldisk-")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "rsvpd-test", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount a %d byte tmpfs on %s: %v\n%s", size, dir, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			// Something still holds a file there: detach it now, free it when released.
			t.Errorf("umount %s: %v\n%s", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
		os.Remove(dir)
	})
	return dir
}

// fillDisk writes a file into dir until the file system is full and returns it.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			return path
		}
	}
}

// TestStoreLockedAtStart starts `rsvpd run` while another process holds the store's write
// lock: it must exit once, within the busy timeout and with an error that names the store and
// the lock, having sent nothing; started again after the lock is gone, it does all the work.
func TestStoreLockedAtStart(t *testing.T) {
	const n = 20
	srv := mailtest.Start(t)
	dir := t.TempDir()
	now := time.Now()
	g := generated{Invitees: n, Invitations: now.Add(-time.Minute), Meetings: now.AddDate(0, 0, 30),
		Deadline: now.AddDate(0, 0, 40), SMTP: srv.SMTPAddr, IMAP: srv.IMAPAddr,
		StorePath: filepath.Join(dir, "rsvpd.db")}
	cfgPath := g.write(t, dir)
	testenv.OutboxOf(t, g.StorePath) // the store exists, with its schema
	release := lockStore(t, g.StorePath)

	began := time.Now()
	p := startWatched(t, cfgPath)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Fatalf("rsvpd run still runs a minute after it started on a locked store")
	}
	t.Logf("rsvpd run on a locked store exited after %v: %v", time.Since(began).Round(time.Millisecond), p.err)
	var exit *exec.ExitError
	if !errors.As(p.err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", p.err)
	}
	log := p.logText(t)
	t.Logf("its output: %s", strings.TrimSpace(log))
	if !strings.Contains(log, g.StorePath) || !strings.Contains(log, "locked") {
		t.Errorf("the error does not name the store and the lock:\n%s", log)
	}
	release()
	if s := testenv.OutboxOf(t, g.StorePath); s.Sent+s.Pending+s.Failed != 0 {
		t.Errorf("rsvpd run on a locked store got as far as the outbox: %+v", s)
	}
	if counts := countMessages(t, srv, []string{directorOf(1)}); counts[directorOf(1)] != 0 {
		t.Errorf("rsvpd run on a locked store sent mail")
	}

	p = startWatched(t, cfgPath)
	_, dups := directorsReached(t, srv, n, "the invitations sent once the lock is gone")
	p.stop(t)
	if dups != 0 {
		t.Errorf("%d duplicate invitations", dups)
	}
}

// TestStoreErrorsNameTheFile: when the store cannot be written, the error says which file it
// is, so that the operator knows what to look at (a daemon may have several stores about).
func TestStoreErrorsNameTheFile(t *testing.T) {
	ctx := context.Background()
	write := func(st *store.Store) error {
		_, _, err := st.AddInbound(ctx, store.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: 1,
			Raw: bytes.Repeat([]byte("x"), 1<<20), ReceivedAt: time.Now()})
		return err
	}
	t.Run("locked", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "rsvpd.db")
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		lockStore(t, path)
		err = write(st)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "locked") {
			t.Errorf("a write to a locked store: %v; want an error naming %s and the lock", err, path)
		}
	})
	t.Run("disk full", func(t *testing.T) {
		dir := smallDisk(t, 1<<20)
		path := filepath.Join(dir, "rsvpd.db")
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fillDisk(t, dir)
		err = write(st)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "full") {
			t.Errorf("a write to a store on a full disk: %v; want an error naming %s and the full disk", err, path)
		}
	})
}

// storeFault makes the store unwritable; the function it returns undoes that.
type storeFault struct {
	name  string
	small bool // the store lives on a small file system of its own
	apply func(t *testing.T, storePath string) (undo func())
	words string // what the error in the log says besides the store's path
}

// TestStoreFaultsWhileRunning makes the store unwritable for 30 s while `rsvpd run` sends 200
// invitations and replies arrive: another process holds its write lock, or its disk is full.
// The daemon must log an error that names the store, keep running without spinning (or
// exiting, which under a supervisor would be a crash loop that sends the message in flight
// again on every start), send no message twice, and finish all the work once the store can
// be written again.
func TestStoreFaultsWhileRunning(t *testing.T) {
	faults := []storeFault{
		{name: "store locked", words: "locked", apply: func(t *testing.T, path string) func() { return lockStore(t, path) }},
		{name: "disk full", small: true, words: "full", apply: func(t *testing.T, path string) func() {
			filler := fillDisk(t, filepath.Dir(path))
			return func() {
				if err := os.Remove(filler); err != nil {
					t.Errorf("free the disk: %v", err)
				}
			}
		}},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) { storeFaultWhileRunning(t, f) })
	}
}

func storeFaultWhileRunning(t *testing.T, f storeFault) {
	const n, replies, rate, outage = 200, 5, 20, 30 * time.Second
	srv := mailtest.Start(t)
	dir := t.TempDir()
	storeDir := dir
	if f.small {
		storeDir = smallDisk(t, 16<<20)
	}
	now := time.Now()
	g := generated{Invitees: n, Invitations: now.Add(-time.Minute), Meetings: now.AddDate(0, 0, 30),
		Deadline: now.AddDate(0, 0, 40), SMTP: srv.SMTPAddr, IMAP: srv.IMAPAddr,
		StorePath: filepath.Join(storeDir, "rsvpd.db")}
	cfgPath := g.write(t, dir)
	withMail(t, cfgPath, fmt.Sprintf("rate: %d", rate)) // 10 s of sending: the fault comes in the middle
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaign
	signer := campaign.NewSigner([]byte("e2e crash secret"), "kombit.test")
	mail := simulate.NewMail(c, signer, func(campaign.Invitee) string { return "Møder i Aalborg, Roskilde og Vejle." })

	p := startWatched(t, cfgPath)
	waitFor(t, time.Minute, "40 invitations sent", func() bool { return testenv.OutboxOf(t, g.StorePath).Sent >= 40 })
	before := testenv.OutboxOf(t, g.StorePath)
	logBefore := len(p.logText(t))
	undo := f.apply(t, g.StorePath)
	faulted := time.Now()
	// Replies arrive meanwhile, from directors who have their invitation.
	for i := 0; i < replies; i++ {
		inv := c.Invitees[i]
		submit(t, srv, inv.Email, signer.ReplyAddress(c.Organiser.Email, inv.Code),
			mail.Reply(inv, "", "Vi kommer til Vejle, 2 personer.", now, i))
	}
	for time.Since(faulted) < outage && !p.exited() {
		time.Sleep(time.Second)
	}
	during := p.logText(t)[logBefore:]
	undo()
	fixed := time.Now()
	t.Logf("%s for %v, from %d invitations sent on; the log meanwhile:\n%s", f.name, outage, before.Sent, tail(during, 12))
	if !strings.Contains(during, g.StorePath) || !strings.Contains(during, f.words) {
		t.Errorf("no error in the log names the store %s and says %q", g.StorePath, f.words)
	}
	if errs := strings.Count(during, "level=ERROR"); errs > 60 {
		t.Errorf("%d errors logged in %v: the daemon spins on the store", errs, outage)
	}
	if p.exited() {
		t.Fatalf("rsvpd run exited during the fault (%s, %v): under a supervisor (deploy/rsvpd.service restarts it on failure) that is a crash loop", f.name, p.err)
	}

	// Once the store can be written again, all the work is done, by the same process.
	db := storeDB(t, g.StorePath)
	waitFor(t, 5*time.Minute, "every invitation sent and every reply confirmed", func() bool {
		if p.exited() {
			t.Fatalf("rsvpd run exited before the work was done (%v): under a supervisor that is a crash loop", p.err)
		}
		s := testenv.OutboxOf(t, g.StorePath)
		var applied int
		if err := db.QueryRow(`SELECT count(*) FROM inbound WHERE status = 'applied'`).Scan(&applied); err != nil {
			t.Fatal(err)
		}
		return s.Pending == 0 && s.Sent+s.Failed == n+replies && applied == replies
	})
	t.Logf("all done %v after the fault (%s) ended", time.Since(fixed).Round(time.Millisecond), f.name)
	if p.exited() {
		t.Fatalf("rsvpd run exited: %v", p.err)
	}
	p.stop(t)
	if s := testenv.OutboxOf(t, g.StorePath); s.Failed != 0 {
		t.Errorf("%d messages failed", s.Failed)
	}
	for i := 0; i < replies; i++ {
		if st, m, _ := stateOf(t, db, c.Invitees[i].Code); st != "attending" || m != "vejle" {
			t.Errorf("%s is %s %s after its reply, want attending vejle", c.Invitees[i].Code, st, m)
		}
	}
	// Nothing twice: one invitation each, and a confirmation for those who replied.
	users := make([]string, n)
	for i := range users {
		users[i] = directorOf(i + 1)
	}
	var counts map[string]int
	waitFor(t, 2*time.Minute, "every message delivered", func() bool {
		counts = countMessages(t, srv, users)
		total := 0
		for _, k := range counts {
			if k == 0 {
				return false
			}
			total += k
		}
		return total >= n+replies
	})
	time.Sleep(2 * time.Second) // a duplicate may still be on its way
	counts = countMessages(t, srv, users)
	for i, u := range users {
		want := 1
		if i < replies {
			want = 2
		}
		if counts[u] != want {
			t.Errorf("%s holds %d messages, want %d", u, counts[u], want)
		}
	}
}

// hostile is a message that tries to hurt the reader.
type hostile struct {
	name string
	from int // the invitee (1-based) who sends it
	// direct puts it into the inbox with IMAP APPEND, byte for byte: Postfix rewrites what
	// it carries (it ends the header at a line without a colon, folds long lines and cuts a
	// header at a NUL), and other servers may not.
	direct bool
	// meeting is where the sender asks to be registered, with 2 people: a message that is
	// read must register exactly that. tooLarge: it must be refused for its size. mayRefuse:
	// a reader may also refuse its absurd structure, with a reason and a review item.
	meeting   string
	tooLarge  bool
	mayRefuse bool
	// held: its From names no single sender (issue 12), so the reading waits in review as
	// a suggestion and changes nothing, token or not.
	held bool
	raw  []byte
}

// hostileHeader is the header of a reply from invitee inv to its invitation.
func hostileHeader(signer *campaign.Signer, org string, inv campaign.Invitee, name, subject string) string {
	inv0 := signer.MessageID("invitation/"+inv.Code, inv.Code)
	return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <hostile-%s@%s>\r\n"+
		"In-Reply-To: <%s>\r\nReferences: <%s>\r\nMIME-Version: 1.0\r\n",
		inv.Email, signer.ReplyAddress(org, inv.Code), subject, time.Now().Format(time.RFC1123Z), name,
		inv.Email[strings.IndexByte(inv.Email, '@')+1:], inv0, inv0)
}

// base64Lines is n random bytes in base64, 76 characters a line.
func base64Lines(n int, seed uint64) []byte {
	data := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for i := 0; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(data[i:], rng.Uint64())
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var b bytes.Buffer
	b.Grow(len(enc) + len(enc)/76*2 + 2)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// withAttachment is a reply with text and an attachment of size random bytes.
func withAttachment(head, text string, size int) []byte {
	var b bytes.Buffer
	b.WriteString(head + "Content-Type: multipart/mixed; boundary=\"att\"\r\n\r\n--att\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n--att\r\n" +
		"Content-Type: application/pdf; name=\"bilag.pdf\"\r\nContent-Disposition: attachment; filename=\"bilag.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	b.Write(base64Lines(size, uint64(size)))
	b.WriteString("--att--\r\n")
	return b.Bytes()
}

// hostileMessages are the messages of TestHostileMail: invitee i sends message i-1.
func hostileMessages(signer *campaign.Signer, c *campaign.Campaign) []hostile {
	org := c.Organiser.Email
	head := func(i int, name, subject string) string {
		return hostileHeader(signer, org, c.Invitees[i-1], name, subject)
	}
	plain := "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	var out []hostile
	add := func(h hostile) { out = append(out, h) }

	add(hostile{name: "30MB", from: 1, meeting: "aalborg", tooLarge: true,
		raw: withAttachment(head(1, "30MB", "SV: Invitation"), "Vi kommer til Aalborg, 2 personer.", 22_700_000)})
	add(hostile{name: "20MB", from: 2, meeting: "vejle",
		raw: withAttachment(head(2, "20MB", "SV: Invitation"), "Vi kommer til Vejle, 2 personer.", 15_000_000)})

	var parts strings.Builder
	parts.WriteString(head(3, "5000parts", "SV: Invitation") + "Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n")
	parts.WriteString("--p\r\n" + plain + "Vi kommer til Roskilde, 2 personer.\r\n")
	for i := 1; i < 5000; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&parts, "--p\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBilag %d\r\n", i)
		} else {
			fmt.Fprintf(&parts, "--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"bilag%d.bin\"\r\n"+
				"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n", i)
		}
	}
	parts.WriteString("--p--\r\n")
	add(hostile{name: "5000parts", from: 3, meeting: "roskilde", mayRefuse: true, raw: []byte(parts.String())})

	nested := plain + "Vi kommer til Aalborg, 2 personer.\r\n"
	for i := 0; i < 200; i++ {
		nested = fmt.Sprintf("Content-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n--n%d\r\n%s\r\n--n%d--\r\n", i, i, nested, i)
	}
	add(hostile{name: "nested200", from: 4, meeting: "aalborg", mayRefuse: true, raw: []byte(head(4, "nested200", "SV: Invitation") + nested)})

	noColon := func(i int, name string) []byte {
		return []byte(head(i, name, "SV: Invitation") + "Dette er ingen header\r\nX-Efter: ja\r\n" + plain +
			"Vi kommer til Vejle, 2 personer.\r\n")
	}
	add(hostile{name: "nocolon", from: 5, meeting: "vejle", raw: noColon(5, "nocolon")})
	add(hostile{name: "nocolon-direct", from: 6, meeting: "vejle", direct: true, raw: noColon(6, "nocolon-direct")})

	// 100 KB on one line: a reply chain's prefixes in ASCII through Postfix (which folds it
	// at 998 bytes; raw UTF-8 in a header would need SMTPUTF8, which Dovecot's LMTP does not
	// offer), and raw UTF-8 straight into the mailbox.
	add(hostile{name: "longheader", from: 7, meeting: "roskilde",
		raw: []byte(head(7, "longheader", strings.Repeat("SV: ", 25_000)+"Invitation") + plain + "Vi kommer til Roskilde, 2 personer.\r\n")})
	add(hostile{name: "longheader-direct", from: 8, meeting: "roskilde", direct: true,
		raw: []byte(head(8, "longheader-direct", "SV: Invitation "+strings.Repeat("ø", 50_000)) + plain + "Vi kommer til Roskilde, 2 personer.\r\n")})

	nul := func(i int, name string) []byte {
		return []byte(head(i, name, "SV: Invi\x00tation") + "X-Nul: a\x00b\r\n" + plain +
			"Vi kommer til\x00 Aalborg, 2 personer.\r\n\x00\x00\x00\r\n")
	}
	add(hostile{name: "nul", from: 9, meeting: "aalborg", raw: nul(9, "nul")})
	add(hostile{name: "nul-direct", from: 10, meeting: "aalborg", direct: true, raw: nul(10, "nul-direct")})

	broken2047 := head(11, "rfc2047", "=?utf-8?B?!!ikke base64!!?= =?x-ukendt?Q?S=F8ren?= =?utf-8?Q?uafsluttet") + plain +
		"Vi kommer til Vejle, 2 personer.\r\n"
	broken2047 = strings.Replace(broken2047, "From: ", "From: =?utf-8?B?////?= =?iso-8859-1?Q?J=F8rgen_?=", 1)
	add(hostile{name: "rfc2047", from: 11, meeting: "vejle", held: true, raw: []byte(broken2047)})

	add(hostile{name: "cp1252-as-utf8", from: 12, meeting: "vejle",
		raw: []byte(head(12, "cp1252-as-utf8", "SV: Invitation") + plain +
			"Vi kommer til Vejle, 2 personer.\r\n\r\nVenlig hilsen\r\nS\xf8ren \xc6r\xf8 \x96 Biblioteks\xe6ndringer \x80 100\r\n")})
	add(hostile{name: "unknown-charset", from: 13, meeting: "aalborg",
		raw: []byte(head(13, "unknown-charset", "SV: Invitation") + "Content-Type: text/plain; charset=\"x-ukendt-tegnsaet\"\r\n\r\n" +
			"Vi kommer til Aalborg, 2 personer.\r\n\r\nHilsen J\xf8rgen\r\n")})
	return out
}

// ledgerRow is an inbound ledger row as the staff would see it.
type ledgerRow struct {
	ID                int64
	MessageID, Status string
	Error             string
	Size              int
	Received, Applied time.Time
}

// storeDB opens the store of a daemon running in another process, for reading.
func storeDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// ledger reads the inbound ledger by Message-ID.
func ledger(t *testing.T, db *sql.DB) map[string]ledgerRow {
	t.Helper()
	rows, err := db.Query(`SELECT id, message_id, status, error, length(raw), received_at, applied_at FROM inbound`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]ledgerRow{}
	for rows.Next() {
		var r ledgerRow
		var rec, app int64
		if err := rows.Scan(&r.ID, &r.MessageID, &r.Status, &r.Error, &r.Size, &rec, &app); err != nil {
			t.Fatal(err)
		}
		r.Received, r.Applied = time.UnixMilli(rec), time.UnixMilli(app)
		out[r.MessageID] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// reviewsOf reads the review items of an inbound ledger row.
func reviewsOf(t *testing.T, db *sql.DB, inbound int64) []string {
	t.Helper()
	rows, err := db.Query(`SELECT CASE WHEN why <> '' THEN why ELSE reason END FROM reviews WHERE inbound = ?`, inbound)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// stateOf reads an invitee's registration.
func stateOf(t *testing.T, db *sql.DB, code string) (status, meeting string, headcount int) {
	t.Helper()
	err := db.QueryRow(`SELECT status, meeting, headcount FROM invitees WHERE code = ?`, code).Scan(&status, &meeting, &headcount)
	if err != nil {
		t.Fatalf("state of %s: %v", code, err)
	}
	return status, meeting, headcount
}

// peakRSS reads the process's peak resident memory (VmHWM) in bytes; reset makes the
// current resident memory the new peak, so that the next reading covers what follows.
func peakRSS(t *testing.T, pid int, reset bool) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	var kb int64 = -1
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err = strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", v, err)
			}
		}
	}
	if kb < 0 {
		t.Fatalf("no VmHWM in /proc/%d/status", pid)
	}
	if reset {
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
			t.Fatalf("reset the peak memory of %d: %v", pid, err)
		}
	}
	return kb << 10
}

// appendRaw puts a message into the mailbox with IMAP APPEND, byte for byte.
func appendRaw(t *testing.T, srv *mailtest.Servers, user string, raw []byte) {
	t.Helper()
	c := srv.Login(t, user)
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatalf("append to %s: %v", user, err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("append to %s: %v", user, err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append to %s: %v", user, err)
	}
}

// TestHostileMail sends messages built to hurt the reader into the organiser's inbox while
// `rsvpd run` watches it: one too large to read, one just below the limit, 5,000 MIME parts,
// 200 nested multiparts, malformed headers, wrong charsets. Each must be read (the sender
// registered and confirmed) or refused with a reason (a failed ledger row and a review item),
// the daemon must stay up and confirm a normal reply sent after them, and its memory must
// stay bounded.
func TestHostileMail(t *testing.T) {
	const n, memLimit = 20, 400 << 20
	srv := mailtest.Start(t)
	dir := t.TempDir()
	now := time.Now()
	g := generated{Invitees: n, Invitations: now.Add(-time.Minute), Meetings: now.AddDate(0, 0, 30),
		Deadline: now.AddDate(0, 0, 40), SMTP: srv.SMTPAddr, IMAP: srv.IMAPAddr,
		StorePath: filepath.Join(dir, "rsvpd.db")}
	cfgPath := g.write(t, dir)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaign
	signer := campaign.NewSigner([]byte("e2e crash secret"), "kombit.test")
	msgs := hostileMessages(signer, c)

	p := startWatched(t, cfgPath)
	pid := p.cmd.Process.Pid
	db := storeDB(t, g.StorePath)
	t.Cleanup(func() {
		if t.Failed() {
			for id, r := range ledger(t, db) {
				t.Logf("ledger %q: %+v", id, r)
			}
		}
	})
	directorsReached(t, srv, n, "the invitations delivered")
	time.Sleep(time.Second) // the watcher is in IDLE
	base := peakRSS(t, pid, true)
	t.Logf("rsvpd run after sending %d invitations: peak RSS %d MB", n, base>>20)

	idOf := func(h hostile) string {
		return "hostile-" + h.name + "@" + strings.SplitN(c.Invitees[h.from-1].Email, "@", 2)[1]
	}
	finished := func(h hostile) func() bool {
		return func() bool {
			r, ok := ledger(t, db)[idOf(h)]
			return ok && r.Status != "new"
		}
	}
	deliver := func(h hostile) {
		if h.direct {
			appendRaw(t, srv, c.Organiser.Email, h.raw)
			return
		}
		inv := c.Invitees[h.from-1]
		submit(t, srv, inv.Email, signer.ReplyAddress(c.Organiser.Email, inv.Code), h.raw)
	}

	// The two large ones alone, each with its own memory reading.
	peaks := map[string]int64{}
	for _, h := range msgs[:2] {
		began := time.Now()
		deliver(h)
		waitFor(t, 2*time.Minute, h.name+" finished", finished(h))
		peaks[h.name] = peakRSS(t, pid, true)
		t.Logf("%s message (%.1f MB): finished %v after it was submitted; peak RSS meanwhile %d MB",
			h.name, float64(len(h.raw))/1e6, time.Since(began).Round(time.Millisecond), peaks[h.name]>>20)
	}
	// The rest together, as a flood would come.
	began := time.Now()
	for _, h := range msgs[2:] {
		deliver(h)
	}
	for _, h := range msgs[2:] {
		waitFor(t, 2*time.Minute, h.name+" finished", finished(h))
	}
	peaks["the rest"] = peakRSS(t, pid, true)
	t.Logf("%d malformed messages finished %v after the first was submitted; peak RSS meanwhile %d MB",
		len(msgs)-2, time.Since(began).Round(time.Millisecond), peaks["the rest"]>>20)

	// A normal reply after them is still read and confirmed within seconds.
	normal := c.Invitees[n-1]
	mail := simulate.NewMail(c, signer, func(campaign.Invitee) string { return "Møder i Aalborg, Roskilde og Vejle." })
	began = time.Now()
	submit(t, srv, normal.Email, signer.ReplyAddress(c.Organiser.Email, normal.Code),
		mail.Reply(normal, "", "Vi kommer til Roskilde, 1 person.", now, 1))
	newest(t, srv, normal.Email, 2, 15*time.Second)
	t.Logf("a normal reply after the hostile ones confirmed in %v", time.Since(began).Round(time.Millisecond))
	if st, m, _ := stateOf(t, db, normal.Code); st != "attending" || m != "roskilde" {
		t.Errorf("the normal reply left %s %s %s, want attending roskilde", normal.Code, st, m)
	}
	if p.exited() {
		t.Fatalf("rsvpd run stopped: %v\n%s", p.err, p.logText(t))
	}

	rows := ledger(t, db)
	for _, h := range msgs {
		inv := c.Invitees[h.from-1]
		r := rows[idOf(h)]
		st, meeting, headcount := stateOf(t, db, inv.Code)
		reviews := reviewsOf(t, db, r.ID)
		t.Logf("%-17s %9d bytes: ledger %s %q, %d review items; %s is %s %s %d (handled in %v)",
			h.name, len(h.raw), r.Status, r.Error, len(reviews), inv.Code, st, meeting, headcount, r.Applied.Sub(r.Received))
		switch {
		case h.tooLarge:
			if r.Status != "failed" || !strings.Contains(r.Error, "too large") || len(reviews) != 1 {
				t.Errorf("%s: ledger %s %q with %d review items, want failed as too large with one review item", h.name, r.Status, r.Error, len(reviews))
			}
			if st != "invited" {
				t.Errorf("%s: a message that was not read changed %s to %s", h.name, inv.Code, st)
			}
		case h.held:
			if r.Status != "held" || st != "invited" || len(reviews) != 1 {
				t.Errorf("%s: ledger %s, %s %s, %d review items; want it held for a person, nothing changed", h.name, r.Status, inv.Code, st, len(reviews))
			}
		case h.mayRefuse && r.Status == "failed":
			if r.Error == "" || len(reviews) == 0 {
				t.Errorf("%s: refused without a reason for the staff: error %q, %d review items", h.name, r.Error, len(reviews))
			}
		default:
			if r.Status != "applied" || st != "attending" || meeting != h.meeting || headcount != 2 {
				t.Errorf("%s: ledger %s %q, %s %s %s %d; want it read: attending %s with 2", h.name, r.Status, r.Error, inv.Code, st, meeting, headcount, h.meeting)
			}
		}
	}
	// What the senders see: a confirmation for each message read, nothing for the one refused.
	users := []string{}
	for _, h := range msgs {
		users = append(users, c.Invitees[h.from-1].Email)
	}
	time.Sleep(2 * time.Second)
	counts := countMessages(t, srv, users)
	for _, h := range msgs {
		inv := c.Invitees[h.from-1]
		st, _, _ := stateOf(t, db, inv.Code)
		want := 1 // the invitation
		if st == "attending" {
			want = 2 // and its confirmation
		}
		if counts[inv.Email] != want {
			t.Errorf("%s: %s holds %d messages, want %d", h.name, inv.Email, counts[inv.Email], want)
		}
	}
	// The staff hear of the message that was refused.
	staff := srv.WaitMessages(t, "staff@kombit.test", "INBOX", 1, 30*time.Second)
	told := false
	for _, raw := range staff {
		if env, err := enmime.ReadEnvelope(bytes.NewReader(raw)); err == nil && strings.Contains(env.Text, "for stor til at blive læst") {
			told = true
		}
	}
	if !told {
		t.Errorf("no message to the staff says that a message was too large to read")
	}

	for name, peak := range peaks {
		if peak > memLimit {
			t.Errorf("peak RSS %d MB while handling %s, over the %d MB bound", peak>>20, name, memLimit>>20)
		}
	}
	p.stop(t)
}
