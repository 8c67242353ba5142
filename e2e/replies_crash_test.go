package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/store"
)

// ledgerCounts reads how far the daemon has come with the inbound ledger, and how often each
// stored message was applied according to the event log.
func ledgerCounts(t *testing.T, path string) (applied int, answersPerMessage map[int64]int, pendingOut int) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	answersPerMessage = map[int64]int{}
	err = st.Tx(context.Background(), func(tx *store.Tx) error {
		evs, err := tx.Events(store.EventFilter{Kind: "answer"})
		if err != nil {
			return err
		}
		for _, e := range evs {
			var id int64
			if _, err := fmt.Sscanf(e.Cause, "inbound:%d", &id); err == nil {
				answersPerMessage[id]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.InboundByStatus(context.Background(), "applied")
	if err != nil {
		t.Fatal(err)
	}
	s, err := st.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(rows), answersPerMessage, s.Pending
}

// inboundFailed counts the messages the daemon gave up reading.
func inboundFailed(t *testing.T, path string) int {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.InboundByStatus(context.Background(), store.InboundFailed)
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

// TestRepliesSurviveKills leaves 500 replies in the inbox and kills the daemon with SIGKILL at
// random points while it reads them: every reply must be applied exactly once (one answer in
// the event log per message), and a kill may cost at most one duplicate confirmation.
func TestRepliesSurviveKills(t *testing.T) {
	const n = 500
	srv := mailtest.Start(t)
	dir := t.TempDir()
	now := time.Now()
	g := generated{Invitees: n, Invitations: now.Add(24 * time.Hour), Meetings: now.AddDate(0, 0, 30),
		Deadline: now.AddDate(0, 0, 40), SMTP: srv.SMTPAddr, IMAP: srv.IMAPAddr,
		StorePath: filepath.Join(dir, "rsvpd.db"), Concurrency: 1}
	cfgPath := g.write(t, dir)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaign
	signer := campaign.NewSigner([]byte("e2e crash secret"), "kombit.test")
	replyAll(t, srv, c, signer, 0, n)
	srv.WaitMessages(t, c.Organiser.Email, "INBOX", n, 2*time.Minute)

	rng := rand.New(rand.NewPCG(uint64(now.UnixNano()), 11))
	kills := 0
	var progress []int
	for kills < 5 {
		p := startProc(t, cfgPath)
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		p.kill()
		kills++
		applied, _, _ := ledgerCounts(t, g.StorePath)
		progress = append(progress, applied)
	}
	p := startProc(t, cfgPath)
	waitFor(t, 5*time.Minute, "every reply applied and confirmed", func() bool {
		if failed := inboundFailed(t, g.StorePath); failed > 0 {
			// a kill is a death in reading for the messages being read then, not a message
			// that kills the reader: none may be given up for it
			t.Fatalf("%d replies given up as unreadable after %d kills", failed, kills)
		}
		applied, _, pending := ledgerCounts(t, g.StorePath)
		return applied == n && pending == 0
	})
	p.term(t)
	t.Logf("killed %d times; replies applied after each kill: %v", kills, progress)

	_, perMessage, _ := ledgerCounts(t, g.StorePath)
	if len(perMessage) != n {
		t.Errorf("the event log has answers for %d messages, want %d", len(perMessage), n)
	}
	for id, k := range perMessage {
		if k != 1 {
			t.Errorf("message %d applied %d times", id, k)
		}
	}
	total, dups := directorsReached(t, srv, n, "every confirmation delivered")
	st, err := store.Open(context.Background(), g.StorePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	twice := handedTwice(t, srv, outboxRows(t, st), total, dups)
	t.Logf("%d replies applied once each; %d confirmations handed over twice after %d kills", n, twice, kills)
	if twice > kills {
		t.Errorf("rsvpd handed %d confirmations to Postfix twice after %d kills: more than one per kill", twice, kills)
	}
}
