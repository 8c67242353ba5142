package daemon

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/store"
)

// Reload takes the letters, the review batch and the cap of automatic answers, names every
// other change as needing a restart, and changes nothing when the letters do not parse.
func TestReloadTakesWhatCanChangeAndNamesTheRest(t *testing.T) {
	f := newFixture(t)
	load := func() *config.Config {
		cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, f.e.cfg.Dir)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	tpl := t.TempDir()
	next := load()
	next.Templates = tpl
	next.Campaign.Schedule.ReviewBatch = time.Hour
	next.Mail.MaxAutoPerDay = 1
	next.Mail.Rate = 3
	next.Campaign.Meetings[2].Room = "Sal 2"
	next.HTTP.Address = "127.0.0.1:9999"

	// A broken template: nothing changes.
	os.WriteFile(filepath.Join(tpl, "confirmation.da.subject"), []byte("{{.Nope"), 0o644)
	if _, _, err := f.e.Reload(next); err == nil || !strings.Contains(err.Error(), "confirmation.da.subject") {
		t.Fatalf("a broken template: %v, want an error naming the file", err)
	}
	if f.e.reviewInterval() != 15*time.Minute || f.e.autoAnswerCap() != 5 {
		t.Errorf("a failed reload changed the settings: %s, %d", f.e.reviewInterval(), f.e.autoAnswerCap())
	}

	os.WriteFile(filepath.Join(tpl, "confirmation.da.subject"), []byte("Ny skabelon: {{.Meeting.City}}"), 0o644)
	reloaded, restart, err := f.e.Reload(next)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"templates from " + tpl, "schedule.review_batch 15m0s -> 1h0m0s", "mail.max_auto_per_day 5 -> 1"} {
		if !slices.Contains(reloaded, want) {
			t.Errorf("reloaded %q, want %q among them", reloaded, want)
		}
	}
	if strings.Join(restart, ",") != "meetings,mail.rate,http" {
		t.Errorf("needs restart %q, want meetings, mail.rate, http", restart)
	}
	// The new letters and the new cap are used from now on.
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<r1@horsens.test>", "", "Vi kommer til Vejle."))
	rows := f.outbox(t, "615")
	if len(rows) != 1 {
		t.Fatalf("outbox %+v", rows)
	}
	o, err := f.e.ComposeRow(context.Background(), rows[0])
	if err != nil {
		t.Fatal(err)
	}
	if o.Subject != "Ny skabelon: Vejle" {
		t.Errorf("subject %q, want the reloaded template's", o.Subject)
	}
	f.deliver(t, reply("bibliotekschef@horsens.kommune.test", to, "<r2@horsens.test>", "", "Vi kommer alligevel til Roskilde."))
	if rows := f.outbox(t, "615"); len(rows) != 1 {
		t.Errorf("a second automatic answer the same day was queued with the cap at 1: %d rows", len(rows))
	}
	if rv := f.reviews(t); len(rv) != 1 || rv[0].Why.Code != campaign.ReasonAutoAnswerCap || rv[0].Why.Count != 1 {
		t.Errorf("reviews %+v, want one saying the cap held the change letter back", rv)
	}

	// The same configuration again: the letters are read again, nothing else is named.
	reloaded, restart, err = f.e.Reload(load())
	if err != nil || len(reloaded) != 3 || len(restart) != 0 {
		t.Errorf("reload of the running configuration: %q, restart %q, %v", reloaded, restart, err)
	}
	if !strings.HasPrefix(reloaded[0], "templates (embedded)") {
		t.Errorf("reloaded %q", reloaded)
	}
}

// OnRead hears of each new reply once, with its class and intent; a second copy is not a reply.
func TestOnReadCountsEachReplyOnce(t *testing.T) {
	f := newFixture(t)
	var got []string
	f.e.OnRead(func(class, intent string) { got = append(got, class+"/"+intent) })
	to := f.e.signer.ReplyAddress("dialogmoeder@kombit.test", "615")
	raw := reply("bibliotekschef@horsens.kommune.test", to, "<r1@horsens.test>", "", "Vi kommer til Vejle.")
	f.deliver(t, raw)
	f.deliver(t, raw) // the same message under another UID
	f.deliver(t, reply("dialogmoeder@kombit.test", "staff@kombit.test", "<own@kombit.test>", "", "Intern"))
	f.deliver(t, reply("someone@elsewhere.test", "dialogmoeder@kombit.test", "<q@elsewhere.test>", "", "Hvad koster det?"))
	if strings.Join(got, ",") != "human/attend,human/question" {
		t.Errorf("OnRead heard %q, want human/attend and human/question", got)
	}
	var statuses []string
	f.view(t, func(tx *store.Tx) error {
		for id := int64(1); id <= 4; id++ {
			in, err := tx.Inbound(id)
			if err != nil {
				return err
			}
			statuses = append(statuses, string(in.Status))
		}
		return nil
	})
	if strings.Join(statuses, ",") != "applied,duplicate,ignored,held" {
		t.Errorf("ledger statuses %q", statuses)
	}
}
