package digest

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// Roskilde's list on the scripted morning: four municipalities, seven people, each
// municipality's contact first and the companions its answer named by role and name.
func TestParticipantList(t *testing.T) {
	c := exampleCampaign(t)
	st := midCampaign(t, c)
	var pl letters.ParticipantList
	var b []byte
	err := st.Tx(context.Background(), func(tx *store.Tx) error {
		s, err := tx.State("101")
		if err != nil {
			return err
		}
		s.Companions = []string{"skolebibliotekskonsulent Hanne Holm"}
		if err := tx.PutState(s); err != nil {
			return err
		}
		pl, b, err = Participants(tx, c, "roskilde", at(t, c, "2012-02-28 08:00"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if pl.Municipalities != 4 || pl.People != 7 || pl.CSVName != "deltagere-roskilde-2012-03-01.csv" {
		t.Errorf("%d municipalities, %d people, %s; want 4, 7, deltagere-roskilde-2012-03-01.csv", pl.Municipalities, pl.People, pl.CSVName)
	}
	if !bytes.HasPrefix(b, []byte("\uFEFFKommune;Navn;Rolle\r\n")) {
		t.Fatalf("the CSV does not start with a byte order mark and Danish headings separated by ;: %q", b[:min(len(b), 40)])
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, rec := range recs {
		lines = append(lines, strings.Join(rec, "|"))
	}
	want := []string{
		"Kommune|Navn|Rolle",
		"Frederiksberg||bibliotekschef",
		"Greve||bibliotekschef", "Greve||ledsager ikke navngivet (skolebibliotekskonsulent)",
		"København||bibliotekschef", "København|Hanne Holm|skolebibliotekskonsulent",
		"Roskilde||bibliotekschef", "Roskilde||ledsager ikke navngivet (skolebibliotekskonsulent)",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("the CSV:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// Every CSV goes through one writer: a byte order mark, the campaign's separator, CRLF, and
// a value a spreadsheet would run as a formula (a companion's name comes from a reply) kept
// as text, while a negative number stays a number.
func TestSheet(t *testing.T) {
	c := exampleCampaign(t)
	w := newSheet(c)
	for _, row := range [][]string{{"Kommune", "Navn"}, {"Furesø", `=HYPERLINK("http://x.test")`}, {"-12,5", "-x", "+45 1234", "@SUM(A1)"}} {
		if err := w.row(row...); err != nil {
			t.Fatal(err)
		}
	}
	b, err := w.bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFKommune;Navn\r\nFuresø;\"'=HYPERLINK(\"\"http://x.test\"\")\"\r\n-12,5;'-x;'+45 1234;'@SUM(A1)\r\n"
	if string(b) != want {
		t.Errorf("the sheet is\n%q\nwant\n%q", b, want)
	}
}

func TestSplitCompanion(t *testing.T) {
	for _, tc := range []struct{ in, role, name string }{
		{"skolebibliotekskonsulent Hanne Holm", "skolebibliotekskonsulent", "Hanne Holm"},
		{"Bibliotekschefen", "Bibliotekschefen", ""},
		{"afdelingsleder Mette Lund", "afdelingsleder", "Mette Lund"},
		{"Hanne Holm", "", "Hanne Holm"},
		{"colleague", "colleague", ""},
	} {
		if role, name := splitCompanion(tc.in); role != tc.role || name != tc.name {
			t.Errorf("%q: role %q, name %q; want %q, %q", tc.in, role, name, tc.role, tc.name)
		}
	}
}
