package demo

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/campaign"
)

// TestKeepRunningServesIMAP runs the demo with KeepRunning, logs into the embedded IMAP server
// as a registered director, as a mail client would, and reads the confirmation with its
// meeting request. The same seed must also have given the same campaign as the shared run.
func TestKeepRunningServesIMAP(t *testing.T) {
	first := runDemo(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serving := make(chan Servers, 1)
	var out bytes.Buffer
	done := make(chan error, 1)
	var res Result
	go func() {
		var err error
		res, err = Run(ctx, Options{Dir: dir, Seed: testSeed, KeepRunning: true, Out: &out,
			Serving: func(s Servers) { serving <- s }})
		done <- err
	}()
	var srv Servers
	select {
	case srv = <-serving:
	case err := <-done:
		t.Fatalf("the demo ended before serving: %v\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("the demo did not reach the end of the campaign in 2 minutes")
	}

	// A director who is registered: the first attending row of the shared run's report
	// (the same seed gives the same campaign).
	var who string
	for _, row := range first.res.Report.Rows {
		if row.Status == string(campaign.StatusAttending) {
			who = row.Code
			break
		}
	}
	cfg := loadWritten(t, first.res)
	inv, _ := cfg.Campaign.Invitee(who)
	ics := readConfirmation(t, srv, inv.Email)
	for _, want := range []string{"METHOD:REQUEST", "BEGIN:VEVENT", "mailto:" + inv.Email} {
		if !strings.Contains(ics, want) {
			t.Errorf("the confirmation's calendar object lacks %q:\n%s", want, ics)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("the demo stopped with %v", err)
	}
	text := out.String()
	for _, want := range []string{"IMAP  host 127.0.0.1", "password: demo", "Stopped."} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo does not say %q:\n%s", want, tail(text, 15))
		}
	}
	// Up to the status table, the campaign is the shared run's: the seed decides everything,
	// but for the final report's lines that link to the desk (and to each case on it), which
	// only a demo that keeps running serves.
	clean := func(s string, r Result) string {
		s = strings.ReplaceAll(s, r.Dir, "DIR")
		s = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(s, "ADDR")
		s = regexp.MustCompile(`Sagerne behandles på skrivebordet: [^\r\n]*\r?\n`).ReplaceAllString(s, "")
		s = regexp.MustCompile(`(?m)^  http://ADDR/reviews[^\r\n]*\r?\n`).ReplaceAllString(s, "")
		if i := strings.Index(s, "\nThe mail servers stay up"); i >= 0 {
			s = s[:i]
		}
		return s
	}
	if a, b := clean(first.out, first.res), clean(text, res); a != b {
		t.Errorf("the same seed gave another campaign:\n%s", firstDiff(a, b))
	}
}

// readConfirmation logs in as addr over IMAP, and returns the meeting request of the first
// confirmation in its INBOX.
func readConfirmation(t *testing.T, srv Servers, addr string) string {
	t.Helper()
	c, err := imapclient.DialInsecure(srv.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(addr, srv.Password).Wait(); err != nil {
		t.Fatalf("login as %s: %v", addr, err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		t.Fatalf("the INBOX of %s is empty", addr)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(seqRange(sel.NumMessages)...), &imap.FetchOptions{
		Envelope: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range msgs {
		subjects = append(subjects, m.Envelope.Subject)
		for _, body := range m.BodySection {
			env, err := enmime.ReadEnvelope(bytes.NewReader(body.Bytes))
			if err != nil {
				t.Fatalf("message %d of %s: %v", m.SeqNum, addr, err)
			}
			if reqs := calendarParts(env, "REQUEST"); len(reqs) > 0 && env.GetHeader("In-Reply-To") != "" {
				// The invitation carries requests too, but answers nothing: a confirmation
				// answers the director's reply.
				t.Logf("%s, message %d of %d: %q carries the meeting request", addr, m.SeqNum, len(msgs), m.Envelope.Subject)
				return reqs[0]
			}
		}
	}
	t.Fatalf("no confirmation with a meeting request among the %d messages of %s: %q", len(msgs), addr, subjects)
	return ""
}

func seqRange(n uint32) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i + 1)
	}
	return out
}
