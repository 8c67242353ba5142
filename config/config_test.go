package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

func loadExample(t *testing.T) *Config {
	t.Helper()
	cfg, err := Load("../config.example.yaml")
	if err != nil {
		t.Fatalf("load the example: %v", err)
	}
	return cfg
}

func TestExampleLoads(t *testing.T) {
	cfg := loadExample(t)
	c := cfg.Campaign
	if len(c.Invitees) != 98 {
		t.Errorf("invitees = %d, want 98", len(c.Invitees))
	}
	if got := c.TotalPopulation(); got != 5580413 {
		t.Errorf("total population = %d, want 5580413", got)
	}
	if len(c.Meetings) != 3 {
		t.Fatalf("meetings = %d, want 3", len(c.Meetings))
	}
	for _, m := range c.Meetings {
		if m.Start.Hour() != 10 || m.End.Hour() != 12 || m.Start.Location().String() != "Europe/Copenhagen" {
			t.Errorf("%s: %v - %v, want 10:00-12:00 Europe/Copenhagen", m.ID, m.Start, m.End)
		}
	}
	if kbh, ok := c.Invitee("101"); !ok || kbh.Name != "København" || kbh.FormalName != "Københavns Kommune" || kbh.Population != 549050 {
		t.Errorf("invitee 101 = %+v", kbh)
	}
	if c.Price.RateOere != 700 {
		t.Errorf("rate = %d øre, want 700", c.Price.RateOere)
	}
	// What the agreement states about the parties and the money.
	o := c.Organiser
	if o.LegalName != "KOMBIT A/S" || o.CVR != "19435075" || o.Address != "Halfdansgade 8, 2300 København S" {
		t.Errorf("organiser as a party: %q, CVR %q, %q", o.LegalName, o.CVR, o.Address)
	}
	a := c.Agreement
	if a.VAT != campaign.VATExcluded || c.Price.Period != campaign.PeriodYear {
		t.Errorf("VAT %q, period %q; want excluded, year", a.VAT, c.Price.Period)
	}
	if !strings.Contains(a.Invoicing, "EAN-nummer") {
		t.Errorf("invoicing %q", a.Invoicing)
	}
	if a.Until.Format("2006-01-02") != "2014-12-31" || a.FirstInvoice.Format("2006-01-02") != "2012-04-01" {
		t.Errorf("runs until %s, first invoice %s", a.Until, a.FirstInvoice)
	}
	if c.InviteeRole != "bibliotekschef" {
		t.Errorf("invitee role %q, want bibliotekschef", c.InviteeRole)
	}
	if a.Signatory.Title != "Administrerende direktør" {
		t.Errorf("signatory %+v", a.Signatory)
	}
	if want := time.Date(2012, 2, 21, 0, 0, 0, 0, c.Location); !c.Schedule.AnswerBy.Equal(want) {
		t.Errorf("answer by %v, want %v", c.Schedule.AnswerBy, want)
	}
	if c.Organiser.Contact.Name == "" || !strings.HasPrefix(c.Background, "I 2011 tog") || strings.Contains(c.Background, "\n") ||
		!strings.HasPrefix(c.WithoutGoAhead, "Uden tilstrækkelig tilslutning") {
		t.Errorf("contact %q, background %q, without go-ahead %q", c.Organiser.Contact.Name, c.Background, c.WithoutGoAhead)
	}
}

// TestAnswerByDefault: without schedule.answer_by the invitation asks for answers a week
// before the first meeting, or the day before it when the invitations go out later than that.
func TestAnswerByDefault(t *testing.T) {
	for _, tt := range []struct{ invitations, want string }{
		{"2012-02-06 09:00", "2012-02-21"},
		{"2012-02-22 09:00", "2012-02-27"},
	} {
		// Each edit must take: with answer_by left in, the first case would read it back.
		s := editedExample(t, [2]string{"  answer_by: 2012-02-21\n", ""},
			[2]string{"invitations: 2012-02-06 09:00", "invitations: " + tt.invitations},
			[2]string{"agreement: 2012-02-20 09:00", "agreement: 2012-02-25 09:00"},
			[2]string{"before: [14d, 7d]", "before: [5d]"})
		cfg, err := Parse([]byte(s), "config.yaml", os.DirFS(".."), "..")
		if err != nil {
			t.Fatalf("invitations %s: %v", tt.invitations, err)
		}
		if got := cfg.Campaign.Schedule.AnswerBy.Format("2006-01-02"); got != tt.want {
			t.Errorf("invitations %s: answer by %s, want %s", tt.invitations, got, tt.want)
		}
	}
}

// mistakes applies edits to the example file and returns the problems Parse reports.
func mistakes(t *testing.T, edits ...[2]string) Errors {
	errs, _ := mistakesIn(t, edits...)
	return errs
}

// mistakesIn also returns the edited file, so a test can find the line of each edit.
func mistakesIn(t *testing.T, edits ...[2]string) (Errors, string) {
	t.Helper()
	s := editedExample(t, edits...)
	_, err := Parse([]byte(s), "config.yaml", os.DirFS(".."), "..")
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want Errors, got %v", err)
	}
	return errs, s
}

// lineOf is the 1-based line of the first occurrence of sub in s.
func lineOf(t *testing.T, s, sub string) int {
	t.Helper()
	i := strings.Index(s, sub)
	if i < 0 {
		t.Fatalf("%q not in the file", sub)
	}
	return strings.Count(s[:i], "\n") + 1
}

func TestEveryMistakeIsReportedWithItsLine(t *testing.T) {
	errs, s := mistakesIn(t,
		[2]string{"    venue: Roskilde Bibliotekerne", "    venu: Roskilde Bibliotekerne"},
		[2]string{"start: 2012-03-01 10:00", "start: 2012-13-01 10:00"},
		[2]string{"email: dialogmoeder@kombit.test\n  # Staff", "email: dialogmoeder(at)kombit.test\n  # Staff"},
		[2]string{"    of: deadline", "    of: odense"},
		[2]string{`digest: "0 7 * * 1-5"`, `digest: "0 7 * *"`},
	)
	want := []string{
		fmt.Sprintf("config.yaml:%d: meetings[1].venu: unknown key (did you mean \"venue\"?)", lineOf(t, s, "venu:")),
		fmt.Sprintf("config.yaml:%d: meetings[1].venue: required", lineOf(t, s, "- id: roskilde")),
		fmt.Sprintf("config.yaml:%d: meetings[1].start: month out of range", lineOf(t, s, "2012-13-01")),
		fmt.Sprintf("config.yaml:%d: organiser.email: \"dialogmoeder(at)kombit.test\" is not a valid e-mail address", lineOf(t, s, "(at)")),
		fmt.Sprintf("config.yaml:%d: schedule.nudge_agreement.of: unknown meeting \"odense\"", lineOf(t, s, "of: odense")),
		fmt.Sprintf("config.yaml:%d: schedule.digest: cron expression \"0 7 * *\"", lineOf(t, s, `digest: "0 7 * *"`)),
	}
	if len(errs) != len(want) {
		t.Errorf("%d problems reported, want %d:\n%s", len(errs), len(want), errs)
	}
	text := errs.Error()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in:\n%s", w, text)
		}
	}
}

func TestMistakes(t *testing.T) {
	tests := []struct {
		name string
		edit [2]string
		want string
	}{
		{"deadline before invitations", [2]string{"deadline: 2012-03-16", "deadline: 2012-01-16"}, "must go out before the deadline"},
		{"header injection", [2]string{"  name: KOMBIT", "  name: \"KOMBIT\\r\\nBcc: x@evil.test\""}, "organiser.name: control character"},
		{"unknown top-level key", [2]string{"store:", "stor:"}, "stor: unknown key (did you mean \"store\"?)"},
		{"cron with zone only", [2]string{`digest: "0 7 * * 1-5"`, `digest: "CRON_TZ=Europe/Copenhagen"`}, "schedule.digest"},
		{"end before start", [2]string{"end: 2012-03-06 12:00", "end: 2012-03-06 09:00"}, "meetings[2].end: ends at or before its start"},
		{"missing invitee file", [2]string{"file: municipalities-2012.csv", "file: nowhere.csv"}, "nowhere.csv: no such file"},
		{"invitee file outside the folder", [2]string{"file: municipalities-2012.csv", "file: ../municipalities-2012.csv"}, "a relative path must stay within the configuration's folder"},
		{"bad rate", [2]string{`rate: "7"`, `rate: "syv"`}, `price.rate: "syv" is not an amount`},
		{"override of unknown code", [2]string{"overrides: []", "overrides:\n    - code: \"999\"\n      amount: \"1000\""}, `no invitee has code "999"`},
		{"agreement after first meeting", [2]string{"agreement: 2012-02-20 09:00", "agreement: 2012-02-29 09:00"}, "before the first meeting"},
		{"tls mode", [2]string{"tls: starttls", "tls: sometimes"}, `"sometimes" is not a TLS mode`},
		{"nudge before the invitations", [2]string{"before: [14d, 7d]", "before: [30d, 7d]"}, "schedule.nudge_unanswered"},
		{"answers asked for after the first meeting", [2]string{"answer_by: 2012-02-21", "answer_by: 2012-02-29"}, "schedule.answer_by: the invitation asks for answers by 2012-02-29, which is not before the first meeting"},
		{"answers asked for before the invitation", [2]string{"answer_by: 2012-02-21", "answer_by: 2012-02-01"}, "which is before it goes out"},
		{"key given twice", [2]string{"  language: da\n", "  language: da\n  language: en\n"}, "key given twice"},
		{"CVR too short", [2]string{`cvr: "19435075"`, `cvr: "1943507"`}, `organiser.cvr: "1943507" is not a CVR number`},
		{"no organiser address", [2]string{"  address: Halfdansgade 8, 2300 København S\n", ""}, "organiser.address: required"},
		{"VAT unsaid", [2]string{"  vat: excluded\n", ""}, "agreement.vat: required"},
		{"VAT misspelt", [2]string{"vat: excluded", "vat: ekskl"}, `agreement.vat: "ekskl": say whether the amounts include VAT`},
		{"no end of the term", [2]string{"  until: 2014-12-31\n", ""}, "agreement.until: required: the last day the agreement runs (e.g. 2014-12-31), stated in the agreement letter and the PDF"},
		{"no first invoice", [2]string{"  first_invoice: 2012-04\n", ""}, "agreement.first_invoice: required: the month the first invoice is sent (e.g. 2012-04), stated in the agreement letter and the PDF"},
		{"first invoice not a month", [2]string{"first_invoice: 2012-04", "first_invoice: april 2012"}, `agreement.first_invoice: "april 2012" is not a month like 2012-04`},
		{"unknown period", [2]string{"period: year", "period: month"}, `price.period: "month" is not a period`},
		{"override with a bad CVR", [2]string{"overrides: []", "overrides:\n    - code: \"101\"\n      cvr: \"6494221x\""}, `invitees.overrides[0].cvr: "6494221x" is not a CVR number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := mistakes(t, tt.edit).Error()
			if !strings.Contains(text, tt.want) {
				t.Errorf("want %q in:\n%s", tt.want, text)
			}
		})
	}
}

// An invitee list named by its absolute path is read from that path, wherever the
// configuration lives; one that is missing is named with the reason, and only that.
func TestInviteeListByAbsolutePath(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "list.csv")
	if err := os.WriteFile(list, []byte("code,name,email,population_2012q1\n101,København,a@x.test,549050\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile("../config.example.yaml")
	s := strings.Replace(string(data), "file: municipalities-2012.csv", "file: "+list, 1)
	cfg, err := Parse([]byte(s), "config.yaml", os.DirFS(t.TempDir()), dir)
	if err != nil {
		t.Fatal(err)
	}
	if inv, ok := cfg.Campaign.Invitee("101"); !ok || inv.Email != "a@x.test" {
		t.Errorf("invitee 101 = %+v, %v", inv, ok)
	}
	s = strings.Replace(string(data), "file: municipalities-2012.csv", "file: "+list+".missing", 1)
	_, err = Parse([]byte(s), "config.yaml", os.DirFS(dir), dir)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(errs[0].Msg, list+".missing: no such file") {
		t.Errorf("a missing list: want one problem naming it, got %v", err)
	}
}

func TestInviteeListProblems(t *testing.T) {
	csv := "code,name,email,population_2012q1\n" +
		"101,København,a@x.test,549050\n" +
		"101,Frederiksberg,b@x.test,100215\n" +
		"151,Ballerup,a@x.test,47994\n" +
		"153,Brøndby,not-an-address,34084\n" +
		"155,\"Drag\nør\",e@x.test,13000\n"
	csv = strings.Replace(csv, "code,name,email,population_2012q1", "code,name,email,population_2012q1,cvr,address", 1)
	csv += "157,Gentofte,g@x.test,74000,1234 5678,\"Bernstorffsvej 161, 2920 Charlottenlund\"\n" +
		"159,Gladsaxe,h@x.test,66000,DK1234567,\n"
	err := parseWithList(t, csv)
	if err == nil {
		t.Fatal("want errors")
	}
	text := err.Error()
	for _, w := range []string{
		`inv.csv:3: invitees[1].code: duplicate code "101" (first on line 2)`,
		`inv.csv:4: invitees[2].email: duplicate address a@x.test (first on line 2)`,
		`inv.csv:5: invitees[3].email: "not-an-address" is not a valid e-mail address`,
		`inv.csv:6: invitees[4].name: control character`,
		`inv.csv:9: invitees[6].cvr: "DK1234567" is not a CVR number`,
	} {
		if !strings.Contains(text, w) {
			t.Errorf("want %q in:\n%s", w, text)
		}
	}
}

// TestInviteeAsParty: an override (or the list's address and cvr columns) gives an invitee
// the address and CVR number its agreement states.
func TestInviteeAsParty(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), "overrides: []",
		"overrides:\n    - code: \"101\"\n      address: Rådhuspladsen 1, 1599 København V\n      cvr: DK 64 94 22 12", 1)
	cfg, err := Parse([]byte(s), "config.yaml", os.DirFS(".."), "..")
	if err != nil {
		t.Fatal(err)
	}
	kbh, _ := cfg.Campaign.Invitee("101")
	if kbh.Address != "Rådhuspladsen 1, 1599 København V" || kbh.CVR != "64942212" {
		t.Errorf("København as a party: address %q, CVR %q", kbh.Address, kbh.CVR)
	}
	if laesoe, _ := cfg.Campaign.Invitee("825"); laesoe.Address != "" || laesoe.CVR != "" {
		t.Errorf("Læsø has address %q and CVR %q, but the list gives none", laesoe.Address, laesoe.CVR)
	}
}
