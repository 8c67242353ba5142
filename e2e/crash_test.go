package e2e

import (
	"context"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/store"
	"github.com/rsvpd/rsvpd/testenv"
)

// daemonProc is `rsvpd run` as a subprocess.
type daemonProc struct {
	cmd    *exec.Cmd
	log    *os.File
	notify *net.UnixConn // the service manager's socket, as systemd gives it (NOTIFY_SOCKET)
	ready  chan struct{} // closed when rsvpd said READY=1 on it
}

func startProc(t *testing.T, cfgPath string, args ...string) *daemonProc {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(filepath.Dir(cfgPath), "rsvpd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "notify")
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	p := &daemonProc{log: logf, notify: notify, ready: make(chan struct{})}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := notify.Read(buf)
			if err != nil {
				return // closed when the process ends
			}
			if slices.Contains(strings.Split(string(buf[:n]), "\n"), "READY=1") {
				close(p.ready)
				return
			}
		}
	}()
	p.cmd = exec.Command(testenv.Rsvpd(t), append([]string{"run", "--config", cfgPath}, args...)...)
	p.cmd.Env = append(os.Environ(), "RSVPD_SECRET=e2e crash secret", "RSVPD_IMAP_PASSWORD=rsvpd-test",
		"NOTIFY_SOCKET="+sock)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *daemonProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	p.log.Close()
	p.notify.Close()
}

// term stops the daemon as systemd does: SIGTERM once it said it is ready. A signal that
// comes before main has set up its handlers (the runtime catches every signal from its
// start, so /proc's SigCgt cannot tell) ends the program as the default action does.
func (p *daemonProc) term(t *testing.T) {
	t.Helper()
	select {
	case <-p.ready:
	case <-time.After(30 * time.Second):
		t.Errorf("rsvpd run did not say READY=1 within 30 s")
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("rsvpd run after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("rsvpd run did not stop within 30 s of SIGTERM")
	}
	p.log.Close()
	p.notify.Close()
}

// TestInvitationsSurviveKills sends 1,000 invitations while the daemon is killed with SIGKILL
// at random points and restarted: every mailbox must end with its invitation, and a kill may
// cost at most one duplicate (the message in flight on the one SMTP connection).
func TestInvitationsSurviveKills(t *testing.T) {
	srv := mailtest.Start(t)
	dir := t.TempDir()
	now := time.Now()
	g := generated{Invitees: 1000, Invitations: now.Add(-time.Minute), Meetings: now.AddDate(0, 0, 30),
		Deadline: now.AddDate(0, 0, 40), SMTP: srv.SMTPAddr, IMAP: srv.IMAPAddr,
		StorePath: filepath.Join(dir, "rsvpd.db"), Concurrency: 1}
	cfgPath := g.write(t, dir)
	rng := rand.New(rand.NewPCG(uint64(now.UnixNano()), 7))

	kills, progress := 0, []int{}
	for kills < 5 {
		p := startProc(t, cfgPath, "--no-watch")
		time.Sleep(time.Duration(150+rng.IntN(900)) * time.Millisecond)
		p.kill()
		kills++
		progress = append(progress, testenv.OutboxOf(t, g.StorePath).Sent)
	}
	p := startProc(t, cfgPath, "--no-watch")
	waitFor(t, 5*time.Minute, "every invitation sent", func() bool {
		s := testenv.OutboxOf(t, g.StorePath)
		return s.Sent+s.Failed == 1000
	})
	p.term(t)
	if s := testenv.OutboxOf(t, g.StorePath); s.Failed != 0 || s.Sent != 1000 {
		t.Errorf("outbox: %d sent, %d failed; want 1000 sent", s.Sent, s.Failed)
	}
	// Each invitation job ran once: one record in the run ledger, one outbox row.
	st, err := store.Open(context.Background(), g.StorePath)
	if err != nil {
		t.Fatal(err)
	}
	var runs []store.JobRun
	err = st.View(context.Background(), func(tx *store.Tx) (err error) { runs, err = tx.JobRuns(); return err })
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, r := range runs {
		if strings.HasPrefix(r.Key, "invitation/") && r.Outcome == "ran" {
			ran++
		}
	}
	if ran != 1000 {
		t.Errorf("the run ledger holds %d invitation jobs, want 1000", ran)
	}
	t.Logf("killed %d times; invitations marked sent after each kill: %v", kills, progress)

	// Postfix may still be delivering the last ones into Dovecot.
	total, dups := directorsReached(t, srv, g.Invitees, "every invitation delivered")
	st, err = store.Open(context.Background(), g.StorePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// A kill may cut the one connection after Postfix queued the message and before rsvpd
	// recorded it: that message goes again on the next start, and SMTP cannot tell.
	if twice := handedTwice(t, srv, outboxRows(t, st), total, dups); twice > kills {
		t.Errorf("rsvpd handed %d invitations to Postfix twice after %d kills: more than one per kill", twice, kills)
	}
}
