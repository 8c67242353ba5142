package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	rsvpd "github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/status"
	"github.com/rsvpd/rsvpd/store"
)

// testSeed is the seed of the demo the tests run.
const testSeed = 5

// demoRun is one whole demo of the embedded example, run once for the tests that look at it.
type demoRun struct {
	res     Result
	out     string
	err     error
	elapsed time.Duration
}

var (
	sharedOnce sync.Once
	shared     demoRun
)

// runDemo runs the demo of the embedded example once per test binary.
func runDemo(t *testing.T) demoRun {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rsvpd-demo-test-")
		if err != nil {
			shared.err = err
			return
		}
		var out bytes.Buffer
		start := time.Now()
		shared.res, shared.err = Run(context.Background(), Options{Dir: dir, Seed: testSeed, Out: &out})
		shared.elapsed = time.Since(start)
		shared.out = out.String()
	})
	if shared.err != nil {
		t.Fatalf("demo: %v\n%s", shared.err, shared.out)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.res.Dir != "" {
		os.RemoveAll(shared.res.Dir)
	}
	os.Exit(code)
}

// loadWritten loads the configuration the demo wrote, as `rsvpd status --config` does.
func loadWritten(t *testing.T, res Result) *config.Config {
	t.Helper()
	cfg, err := config.Load(res.ConfigPath)
	if err != nil {
		t.Fatalf("the configuration the demo wrote does not load: %v", err)
	}
	return cfg
}

// storeReport reads the store named by the written configuration the way `rsvpd status`
// does (cmd/rsvpd loadReport): open, read every state, status.Build.
func storeReport(t *testing.T, cfg *config.Config) status.Report {
	t.Helper()
	st, err := store.Open(context.Background(), cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var states []campaign.State
	if err := st.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		states, err = tx.States()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return status.Build(cfg.Campaign, states)
}

func TestDemoRunsTheCampaign(t *testing.T) {
	d := runDemo(t)
	t.Logf("the demo took %s", d.elapsed.Round(time.Millisecond))
	cfg := loadWritten(t, d.res)
	c := cfg.Campaign

	t.Run("the written configuration names the demo's store", func(t *testing.T) {
		if cfg.Store.Path != d.res.StorePath {
			t.Errorf("store.path is %s, want %s", cfg.Store.Path, d.res.StorePath)
		}
		if len(c.Invitees) != 98 {
			t.Errorf("%d invitees in the written configuration, want the example's 98", len(c.Invitees))
		}
	})

	t.Run("the printed status is the store's", func(t *testing.T) {
		var want bytes.Buffer
		if err := storeReport(t, cfg).WriteText(&want, c.Location); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.out, want.String()) {
			t.Errorf("the printed status table differs from the store's; the store says:\n%s\nthe demo printed:\n%s", want.String(), tail(d.out, 40))
		}
		if !strings.Contains(d.out, "rsvpd status --config "+d.res.ConfigPath) {
			t.Errorf("the demo does not print the command to check its store")
		}
	})

	t.Run("every invitee got its invitation", func(t *testing.T) {
		signer, err := cfg.ReadSigner()
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range c.Invitees {
			env := readEML(t, filepath.Join(d.res.MailDir, inv.Email, "001-invitation.eml"))
			if to := env.GetHeader("To"); !strings.Contains(to, inv.Email) {
				t.Errorf("%s: the invitation is addressed to %q", inv.Code, to)
			}
			code, ok := signer.TokenFromAddress(addressOf(env.GetHeader("Reply-To")))
			if !ok || code != inv.Code {
				t.Errorf("%s: the invitation's Reply-To %q carries no valid token of the invitee", inv.Code, env.GetHeader("Reply-To"))
			}
			if n := len(calendarParts(env, "REQUEST")); n != len(c.Meetings) {
				t.Errorf("%s: the invitation has %d calendar requests, want one per meeting (%d)", inv.Code, n, len(c.Meetings))
			}
		}
	})

	t.Run("the mail folder holds every delivered message", func(t *testing.T) {
		files, kinds := 0, map[string]int{}
		err := filepath.WalkDir(d.res.MailDir, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			files++
			kinds[strings.TrimSuffix(e.Name()[4:], ".eml")]++
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if _, err := enmime.ReadEnvelope(bytes.NewReader(raw)); err != nil {
				t.Errorf("%s is no readable message: %v", p, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if files != d.res.Delivered || files < 600 {
			t.Errorf("%d .eml files, the servers delivered %d (want every one, and the campaign sends over 600)", files, d.res.Delivered)
		}
		answers := len(entries(t, filepath.Join(d.res.MailDir, c.Organiser.Email)))
		if answers != d.res.Answers {
			t.Errorf("the campaign inbox's folder holds %d messages, the directors sent %d", answers, d.res.Answers)
		}
		for _, k := range []string{"invitation", "confirmation", "decline-ack", "agreement", "nudge-unanswered",
			"nudge-agreement", "reminder", "digest", "final-report", "participant-list", "staff-review", "reply", "calendar",
			"out-of-office", "bounce", "agreement-receipt", "agreement-pdf-needed", "agreement-confirmed", "question-ack",
			"signed-agreement"} {
			if kinds[k] == 0 {
				t.Errorf("no %s among the .eml files (%v)", k, kinds)
			}
		}
	})

	t.Run("the daemon read every answer before time moved on", func(t *testing.T) {
		for _, p := range d.res.Problems {
			t.Errorf("the simulated directors met a problem: %s", p)
		}
		if d.res.Late != 0 {
			t.Errorf("%d answers were not read in time", d.res.Late)
		}
		st, err := store.Open(context.Background(), d.res.StorePath)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		in, err := st.InboundSince(context.Background(), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(in) != d.res.Answers {
			t.Errorf("the inbound ledger holds %d messages, the directors sent %d", len(in), d.res.Answers)
		}
		for _, m := range in {
			if m.Status != "applied" {
				t.Errorf("inbound %d (%s) is %s: %s", m.ID, m.MessageID, m.Status, m.Error)
			}
			// The watcher stamps a message when it reads it; the directors date it when they
			// send it. The clock is held in between, so both are the same instant.
			sent, err := mailDate(m.Raw)
			if err != nil {
				t.Errorf("inbound %d: %v", m.ID, err)
				continue
			}
			if !m.ReceivedAt.Truncate(time.Second).Equal(sent) { // a Date has whole seconds
				t.Errorf("inbound %d was read at %s but sent at %s: the clock ran ahead of the mail", m.ID, m.ReceivedAt, sent)
			}
		}
	})

	t.Run("the directors answer as a campaign's invitees do", func(t *testing.T) {
		tot := d.res.Report.Totals
		checks := []struct {
			what   string
			n      int
			lo, hi int
		}{
			{"attending", tot.Attending, 50, 85},
			{"declined", tot.Declined, 5, 20},
			{"undeliverable (one bounce)", tot.Undeliverable, 1, 1},
			{"not answered", tot.NotAnswered, 5, 30},
			{"agreements returned, checked or not", tot.Confirmed + tot.Unchecked, 30, 80},
		}
		for _, k := range checks {
			if k.n < k.lo || k.n > k.hi {
				t.Errorf("%d %s, want %d to %d", k.n, k.what, k.lo, k.hi)
			}
		}
		// Out-of-office notes, from the event log: most of those away answer once they are
		// back, which ends the stored return date.
		away, calendar := len(outOfOffice(t, d.res.StorePath)), 0
		st := storeStates(t, d.res.StorePath)
		for _, s := range st {
			for _, ps := range s.PartStats {
				if ps == "ACCEPTED" {
					calendar++
				}
			}
		}
		t.Logf("%d out-of-office notes read, %d calendar acceptances", away, calendar)
		if away < 2 || calendar < 3 {
			t.Errorf("%d out-of-office and %d calendar acceptances, want at least 2 and 3", away, calendar)
		}
	})

	t.Run("a returned agreement is a PDF, with a receipt", func(t *testing.T) {
		checkReturnedAgreements(t, c, d.res.MailDir, d.res.StorePath)
	})

	t.Run("the staff read every review reason in Danish", func(t *testing.T) {
		// English words of rsvpd's own reasons, outside the words quoted from a message
		// (»…«) and command lines (`…`).
		english := regexp.MustCompile(`(?i)\b(the|and|answer|meeting|message|invitee|people|sender|asks|wants|registered|could not|calendar)\b`)
		quoted := regexp.MustCompile("»[^«]*«|`[^`]*`")
		items := reviewReasons(t, d.res.StorePath)
		if len(items) == 0 {
			t.Fatal("the demo opened no review item")
		}
		cat := letters.MustReasons(c)
		for _, rv := range items {
			if rv.Why.IsZero() {
				t.Errorf("review %d has no reason as data (stored text %q)", rv.ID, rv.Text)
				continue
			}
			da := cat.Text("da", rv.Why)
			if left := english.FindAllString(quoted.ReplaceAllString(da, ""), -1); len(left) > 0 {
				t.Errorf("%+v reads in Danish as %q: English left %v", rv.Why, da, left)
			}
		}
	})

	t.Run("a line per campaign day, the digest, the status", func(t *testing.T) {
		day := regexp.MustCompile(`(?m)^(\d{4}-\d\d-\d\d) \w{3} +\d+ +\d+ +(\d+)/(\d+)`)
		lines := day.FindAllStringSubmatch(d.out, -1)
		start, end := d.res.Start.In(c.Location), d.res.End.In(c.Location)
		wantDays := int(startOfDay(end).Sub(startOfDay(start)).Hours()/24+0.5) + 1
		if len(lines) != wantDays {
			t.Fatalf("%d day lines, want %d (from %s to %s)", len(lines), wantDays, start, end)
		}
		if first := lines[0][1]; first != start.Format(time.DateOnly) {
			t.Errorf("the first line is for %s, want %s", first, start.Format(time.DateOnly))
		}
		last := lines[len(lines)-1]
		if last[2] != fmt.Sprint(d.res.Report.Totals.Answered) {
			t.Errorf("the last day line says %s answered, the status %d", last[2], d.res.Report.Totals.Answered)
		}
		if d.res.Digest == "" || !strings.Contains(d.out, d.res.Digest) {
			t.Fatalf("the last digest's text is not printed")
		}
		// The last is the final report: every meeting held, the result on confirmed agreements.
		if !strings.Contains(d.res.Digest, "Slutrapport efter tilmeldingsfristen") {
			t.Errorf("the last digest is not the final report:\n%s", d.res.Digest)
		}
		for _, m := range d.res.Report.Meetings {
			mt, _ := c.Meeting(m.ID)
			want := fmt.Sprintf("%s, %s (afholdt): %d kommuner, %d personer", mt.City, campaign.FormatDateDa(mt.Start.In(c.Location)), m.Invitees, m.People)
			if !strings.Contains(d.res.Digest, want) {
				t.Errorf("the digest does not say %q:\n%s", want, d.res.Digest)
			}
		}
	})
}

func TestAnotherSeedCastsOtherwise(t *testing.T) {
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(seed uint64) string {
		var b strings.Builder
		for _, inv := range cfg.Campaign.Invitees {
			p := cast(cfg.Campaign, seed)[inv.Code]
			fmt.Fprintf(&b, "%s:%d/%d/%s/%d ", inv.Code, p.answer, p.stage, p.meeting, p.headcount)
		}
		return b.String()
	}
	if first, again := kinds(testSeed), kinds(testSeed); first != again {
		t.Errorf("one seed cast the directors two ways")
	}
	if kinds(testSeed) == kinds(testSeed+1) {
		t.Errorf("two seeds cast the directors the same way")
	}
}

func TestDemoRefusesAFolderWithAnEarlierDemo(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rsvpd.db"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "earlier demo") {
		t.Errorf("a folder with a store: got %v, want a refusal naming the earlier demo", err)
	}
}

func TestParseSpeed(t *testing.T) {
	for _, k := range []struct {
		in   string
		want Speed
		bad  bool
	}{
		{"", 0, false},
		{"max", 0, false},
		{"3600", 3600, false},
		{"3600x", 3600, false},
		{"1d", 86400, false},
		{"0.5d", 43200, false},
		{"6h", 21600, false},
		{"90m", 5400, false},
		{"0", 0, true},
		{"-1h", 0, true},
		{"fast", 0, true},
		{"xd", 0, true},
	} {
		t.Run(k.in, func(t *testing.T) {
			got, err := ParseSpeed(k.in)
			if (err != nil) != k.bad || got != k.want {
				t.Errorf("ParseSpeed(%q) = %v, %v; want %v (error %v)", k.in, got, err, k.want, k.bad)
			}
		})
	}
}

func TestSpeedPacesVirtualTime(t *testing.T) {
	// Two virtual hours at an hour a (real) tenth of a second take about 0.2 s.
	start := time.Date(2012, 2, 6, 8, 0, 0, 0, time.UTC)
	for _, k := range []struct {
		speed    Speed
		min, max time.Duration
	}{{0, 0, 100 * time.Millisecond}, {36000, 180 * time.Millisecond, 2 * time.Second}} {
		t.Run(k.speed.String(), func(t *testing.T) {
			v := newVirtualAt(start)
			began := time.Now()
			if err := newPacer(k.speed, start).runUntil(context.Background(), v, start.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			took := time.Since(began)
			if took < k.min || took > k.max {
				t.Errorf("two virtual hours took %s, want %s to %s", took, k.min, k.max)
			}
			if !v.Now().Equal(start.Add(2 * time.Hour)) {
				t.Errorf("the clock reads %s", v.Now())
			}
		})
	}
}

func TestWrittenConfigOfAFile(t *testing.T) {
	// A campaign given as a file: the demo's configuration keeps it, copies the invitee list
	// and points at the demo's own store and secret.
	src := t.TempDir()
	_, es, err := loadConfig("", src)
	if err != nil {
		t.Fatal(err)
	}
	csv, err := readFS(es, "municipalities-2012.csv")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(es.data), "file: municipalities-2012.csv", "file: lists/municipalities.csv", 1)
	if err := os.MkdirAll(filepath.Join(src, "lists"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "lists", "municipalities.csv"), csv, 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(src, "campaign.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, cs, err := loadConfig(file, dir)
	if err != nil {
		t.Fatal(err)
	}
	written, err := writeConfig(cs, dir, filepath.Join(dir, "rsvpd.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(written)
	if err != nil {
		t.Fatalf("the written configuration does not load: %v", err)
	}
	if cfg.Store.Path != filepath.Join(dir, "rsvpd.db") || cfg.Secret.File != filepath.Join(dir, "secret") {
		t.Errorf("store %s, secret %s: want both in %s", cfg.Store.Path, cfg.Secret.File, dir)
	}
	if len(cfg.Campaign.Invitees) != 98 {
		t.Errorf("%d invitees", len(cfg.Campaign.Invitees))
	}
	data, _ := os.ReadFile(written)
	if !strings.Contains(string(data), "# The go-ahead threshold") {
		t.Errorf("the written configuration lost the campaign's comments")
	}
}
