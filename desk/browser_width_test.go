package desk

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rsvpd/rsvpd/schedules"
	"github.com/rsvpd/rsvpd/store"
)

// phoneWidth is the width of the phone the desk must fit: an iPhone's 390 CSS pixels.
const phoneWidth = 390

// TestBrowserPagesFitAPhone visits, at a phone's width, every page of the desk a signed-in
// coordinator reaches by its links (each invitee's, each list, each digest), the sign-in page
// and an invitee's one-click pages, and finds none wider than the screen: a long mail address
// or link wraps instead of pushing the page sideways. The fixture adds a sender whose address
// is longer than any municipality's, and a digest.
func TestBrowserPagesFitAPhone(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	f.populate(t)
	f.deliver(t, f.reply(`"Fællessekretariatet" <bibliotekssekretariatet.kultur-og-fritid@kommunernes-faelles-bibliotekssystem.example.test>`,
		"", "Vi kommer til Vejle, 2 personer. Se https://kommunernes-faelles-bibliotekssystem.example.test/dialogmoeder/tilmelding/vejle-2012-03-06"))
	f.sendDigest(t)
	dir := artefacts(t)
	signInBrowser(t, ctx, f, "")
	inv := f.c.Invitees[80]
	links := f.desk.AnswerLinks(inv.Code)
	queue := []string{"/", "/signin", strings.TrimPrefix(links["vejle"], f.srv.URL), strings.TrimPrefix(links[campaignDecline], f.srv.URL)}
	seen := map[string]bool{}
	for _, p := range queue {
		seen[p] = true
	}
	type measure struct {
		Scroll, Client, Inner int
		Links                 []string
	}
	var wide []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, 844), chromedp.Navigate(f.srv.URL+p),
			chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		m, err := chromedp.Run(ctx, chromedp.Evaluate[measure](`({Scroll: document.documentElement.scrollWidth,
			Client: document.documentElement.clientWidth, Inner: innerWidth,
			Links: [...document.querySelectorAll('a[href^="/"]')].map(a => a.getAttribute("href"))})`))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if m.Scroll > m.Client || m.Client > m.Inner || m.Inner != phoneWidth {
			wide = append(wide, fmt.Sprintf("%s: %d px wide on a screen of %d", p, m.Scroll, m.Client))
			if len(wide) <= 3 {
				shoot(t, ctx, dir, "wide-"+strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(p, "-"), "-"))
			}
		}
		for _, l := range m.Links {
			l, _, _ = strings.Cut(l, "#")
			if seen[l] || strings.HasPrefix(l, "/messages/") || strings.HasPrefix(l, "/static/") || strings.HasSuffix(l, "/csv") {
				continue // downloads: a message, a PDF, a CSV
			}
			seen[l] = true
			queue = append(queue, l)
		}
	}
	t.Logf("%d pages at %d px", len(seen), phoneWidth)
	if len(seen) < len(f.c.Invitees)+10 {
		t.Errorf("only %d pages reached by the links; every invitee's page among them is %d or more", len(seen), len(f.c.Invitees)+10)
	}
	for _, want := range []string{"/reviews", "/lists/vejle", "/digests", "/config", "/invitees/" + inv.Code} {
		if !seen[want] {
			t.Errorf("the links do not reach %s", want)
		}
	}
	if len(wide) > 0 {
		t.Errorf("%d of %d pages are wider than a %d px phone (screenshots in %s):\n%s", len(wide), len(seen), phoneWidth,
			dir, strings.Join(wide, "\n"))
	}
}

// sendDigest sends the day's digest to the staff, as the scheduler and the sender would: the
// desk lists it among the digests.
func (f *fixture) sendDigest(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	p, err := schedules.NewPlanner(f.c)
	if err != nil {
		t.Fatal(err)
	}
	job, ok := p.NextDigest(f.clock.Now().Add(-24 * time.Hour))
	if !ok {
		t.Fatal("no digest is due the day before the fixture's clock")
	}
	rec := schedules.Record{Key: job.Key, Kind: job.Kind, Due: job.Due, At: f.clock.Now(), Outcome: schedules.OutcomeRan}
	if _, err := f.e.Ledger().PerformBatch(ctx, []schedules.Record{rec}, func(ctx context.Context, _ int) error {
		return f.e.RunJob(ctx, job)
	}); err != nil {
		t.Fatal(err)
	}
	err = f.st.Tx(ctx, func(tx *store.Tx) error {
		rows, err := tx.OutboxRows(store.OutboxFilter{Kind: "digest"})
		for _, r := range rows {
			if err == nil {
				err = tx.MarkSent(r.ID, f.clock.Now())
			}
		}
		if err == nil && len(rows) == 0 {
			err = fmt.Errorf("the digest job queued no digest")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
