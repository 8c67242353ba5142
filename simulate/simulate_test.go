package simulate

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden timeline")

func example(t testing.TB) *config.Config {
	t.Helper()
	cfg, err := config.LoadFS(rsvpd.ExampleFS(), rsvpd.ExampleConfig, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func simulateScript(t *testing.T) (*config.Config, Result, string) {
	t.Helper()
	cfg := example(t)
	script, err := LoadScript(filepath.Join("testdata", "replies-2012.yaml"), cfg.Campaign)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Config: cfg, Script: script, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteTimeline(&b, cfg.Campaign, res); err != nil {
		t.Fatal(err)
	}
	return cfg, res, b.String()
}

func TestTimelineGolden(t *testing.T) {
	_, _, got := simulateScript(t)
	testenv.Golden(t, filepath.Join("testdata", "timeline-2012.golden"), got, *update)
}

// TestTimelineRules checks the rules the timeline must follow, whatever the golden file says.
func TestTimelineRules(t *testing.T) {
	cfg, res, _ := simulateScript(t)
	c := cfg.Campaign
	loc := c.Location
	answeredAt := map[string]time.Time{}
	for _, a := range res.Inbound {
		if strings.HasPrefix(a.Read, "attend") || strings.HasPrefix(a.Read, "decline") || a.Step.Calendar == "ACCEPTED" {
			if _, ok := answeredAt[a.Invitee.Code]; !ok {
				answeredAt[a.Invitee.Code] = a.Step.At
			}
		}
	}
	count := map[string]int{}
	for _, m := range res.Messages {
		count[m.Kind]++
		switch m.Kind {
		case "nudge_unanswered":
			if at, ok := answeredAt[m.Invitee]; ok && m.CreatedAt.After(at) {
				t.Errorf("nudge to %s, who answered at %s", m.Invitee, at.In(loc))
			}
			if m.Invitee == "860" {
				t.Errorf("nudge to the bounced address of 860")
			}
			if m.Invitee == "461" && m.CreatedAt.Before(time.Date(2012, 2, 24, 0, 0, 0, 0, loc)) {
				t.Errorf("nudge to 461 at %s, while its out-of-office runs until 23 Feb", m.CreatedAt.In(loc))
			}
		case "reminder":
			if m.Invitee != "615" && m.Invitee != "751" && m.Invitee != "101" && m.Invitee != "851" && m.Invitee != "230" {
				t.Errorf("reminder to %s, who is not registered", m.Invitee)
			}
		}
		if m.Kind != "digest" && m.Kind != "final_report" && !m.CreatedAt.Before(c.DeadlineEnd()) {
			t.Errorf("%s to %s after the deadline (%s)", m.Kind, m.Invitee, m.CreatedAt.In(loc))
		}
	}
	// 860 bounced: no agreement goes to an undeliverable address.
	if count["invitation"] != 98 || count["agreement"] != 97 || count["reminder"] != 5 {
		t.Errorf("invitations %d, agreements %d, reminders %d; want 98, 97, 5", count["invitation"], count["agreement"], count["reminder"])
	}
	// Five registrations, plus the copy to Rudersdal's consultant who answered for the director.
	if count["confirmation"] != 6 || count["change"] != 1 || count["decline_ack"] != 1 {
		t.Errorf("confirmations %d, changes %d, decline acks %d; want 6, 1, 1", count["confirmation"], count["change"], count["decline_ack"])
	}
	// 461 is away until 23 Feb: its second nudge moves to the 24th, the first is dropped.
	var nudges461 []string
	for _, m := range res.Messages {
		if m.Kind == "nudge_unanswered" && m.Invitee == "461" {
			nudges461 = append(nudges461, m.CreatedAt.In(loc).Format("2006-01-02 15:04"))
		}
	}
	if strings.Join(nudges461, ",") != "2012-02-24 09:00" {
		t.Errorf("nudges to 461 at %v, want one on 2012-02-24 09:00", nudges461)
	}
}

func TestScriptErrors(t *testing.T) {
	cfg := example(t)
	_, err := ParseScript([]byte(`
- {at: 2012-02-30 10:00, from: "615", text: hej}
- {at: 2012-02-10 10:00, from: "999", text: hej}
- {at: 2012-02-10 10:00, from: "615", calendar: ACCEPTED, meeting: odense}
- {at: 2012-02-10 10:00, from: "615"}
`), "replies.yaml", cfg.Campaign)
	if err == nil {
		t.Fatal("a script with four mistakes was accepted")
	}
	for _, want := range []string{"step 1: at", "step 2: from \"999\"", "step 3: meeting \"odense\"", "step 4: give exactly one"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func BenchmarkSimulateExample(b *testing.B) {
	cfg := example(b)
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), Options{Config: cfg, Dir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	}
}
