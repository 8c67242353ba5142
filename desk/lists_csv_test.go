package desk

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/digest"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// The meeting list's CSV opens in Excel with Danish settings as the tester expected it to: a
// byte order mark (without it "Furesø" shows as "FuresÃ¸"), ";" between the columns (with ","
// everything lands in column A), CRLF; and it is the participant list the staff get by mail,
// byte for byte: one row per person, Kommune;Navn;Rolle, the director as "bibliotekschef" and a
// companion the answer did not name as the list page shows one.
func TestListCSVIsTheMailedParticipantList(t *testing.T) {
	f := newFixture(t)
	f.populate(t)
	furesoe, _ := f.c.Invitee("190")
	f.deliver(t, f.reply(furesoe.Email, furesoe.Code, "Vi kommer to til Aalborg."))
	c := f.signIn(t)
	got := c.get("/lists/aalborg/csv")
	if got.status != 200 {
		t.Fatalf("GET /lists/aalborg/csv: %d", got.status)
	}
	body := []byte(got.body)
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBFKommune;Navn;Rolle\r\n")) {
		t.Fatalf("the CSV starts %q, want a byte order mark and Kommune;Navn;Rolle", body[:min(len(body), 40)])
	}
	if n := bytes.Count(body, []byte("\n")); n < 3 || n != bytes.Count(body, []byte("\r\n")) {
		t.Errorf("%d lines, %d of them end in CRLF", n, bytes.Count(body, []byte("\r\n")))
	}
	if cd := got.header.Get("Content-Disposition"); cd != `attachment; filename="deltagere-aalborg-2012-02-28.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	var mailed []byte
	err := f.st.View(context.Background(), func(tx *store.Tx) error {
		var err error
		_, mailed, err = digest.Participants(tx, f.c, "aalborg", f.clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, mailed) {
		t.Errorf("the desk's CSV differs from the mailed participant list's:\n%s\nmailed:\n%s", body, mailed)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, rec := range recs[1:] {
		if len(rec) != 3 {
			t.Fatalf("row %q has %d columns, want 3", rec, len(rec))
		}
		rows[strings.Join(rec, "|")] = true
		if rec[2] == "inviteret" || rec[2] == "ledsager" {
			t.Errorf("row %q says %q where the page says who it is", rec, rec[2])
		}
	}
	for _, want := range []string{"Furesø||bibliotekschef", "Furesø||ledsager ikke navngivet (skolebibliotekskonsulent)"} {
		if !rows[want] {
			t.Errorf("no row %q in:\n%s", want, body)
		}
	}
}

// The list page writes a companion the answer did not name as the participant list does, from
// the same words: with the role the invitation welcomes, and without empty brackets when the
// campaign names none.
func TestListPageNamesAnUnnamedCompanionAsTheParticipantList(t *testing.T) {
	for _, role := range []string{"skolebibliotekskonsulent", ""} {
		f := newFixture(t)
		f.c.Companions.Role = role
		f.populate(t)
		furesoe, _ := f.c.Invitee("190")
		f.deliver(t, f.reply(furesoe.Email, furesoe.Code, "Vi kommer to til Aalborg."))
		c := f.signIn(t)
		page := html.UnescapeString(c.get("/lists/aalborg").body)
		want := letters.Participant{Companion: true}.RoleText("da", f.c)
		if !strings.Contains(page, ">"+want+"<") {
			t.Errorf("role %q: the list page does not show %q", role, want)
		}
		if strings.Contains(page, "navngivet ()") {
			t.Errorf("role %q: the list page shows empty brackets", role)
		}
	}
}
