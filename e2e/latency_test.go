package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailtest"
	"github.com/rsvpd/rsvpd/simulate"
)

// maildirNew is where Dovecot puts a user's new mail in the test servers' store.
func maildirNew(srv *mailtest.Servers, addr string) string {
	local, domain, _ := strings.Cut(addr, "@")
	return filepath.Join(srv.Dir, "mail", domain, local, "Maildir", "new")
}

// BenchmarkReplyLatency measures, over 200 replies, the time from handing a reply to Postfix
// to the confirmation arriving in the director's mailbox in Dovecot: the whole loop of Postfix,
// Dovecot, IDLE, reading, applying, composing and sending. Goal: p95 under 2 s.
func BenchmarkReplyLatency(b *testing.B) {
	const n = 200
	srv := mailtest.Start(b)
	dir := b.TempDir()
	now := time.Now()
	g := generated{Invitees: n, Invitations: now.Add(24 * time.Hour), Meetings: now.AddDate(0, 0, 30),
		Deadline: now.AddDate(0, 0, 40), SMTP: srv.SMTPAddr, IMAP: srv.IMAPAddr, StorePath: filepath.Join(dir, "rsvpd.db")}
	cfg, err := config.Load(g.write(b, dir))
	if err != nil {
		b.Fatal(err)
	}
	pointAt(b, cfg, srv)
	r := startEngine(b, srv, cfg, clock.Real(), true)
	c := cfg.Campaign
	mail := simulate.NewMail(c, r.signer, func(campaign.Invitee) string { return "Møder i Aalborg, Roskilde og Vejle." })
	time.Sleep(500 * time.Millisecond) // the watcher logs in and starts IDLE

	round := 0
	for b.Loop() {
		round++
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			inv := c.Invitees[i]
			dirNew := maildirNew(srv, inv.Email)
			before := countFiles(dirNew)
			began := time.Now()
			submit(b, srv, inv.Email, r.signer.ReplyAddress(c.Organiser.Email, inv.Code),
				mail.Reply(inv, "", fmt.Sprintf("Vi kommer til Vejle, %d personer.", 1+round%2), now, round*n+i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for countFiles(dirNew) <= before {
					if time.Since(began) > time.Minute {
						b.Errorf("no confirmation for %s within a minute", inv.Code)
						return
					}
					time.Sleep(2 * time.Millisecond)
				}
				mu.Lock()
				lat = append(lat, time.Since(began))
				mu.Unlock()
			}()
			time.Sleep(50 * time.Millisecond) // 20 replies a second
		}
		wg.Wait()
		slices.Sort(lat)
		if len(lat) == n {
			p50, p95 := lat[n/2], lat[n*95/100]
			b.ReportMetric(p50.Seconds(), "p50-s")
			b.ReportMetric(p95.Seconds(), "p95-s")
			b.Logf("reply to confirmation over %d replies: p50 %v, p95 %v, max %v", n, p50.Round(time.Millisecond),
				p95.Round(time.Millisecond), lat[n-1].Round(time.Millisecond))
		}
		// A next round answers again with another headcount: a change, confirmed just the same.
	}
}

func countFiles(dir string) int {
	ents, _ := os.ReadDir(dir)
	return len(ents)
}
