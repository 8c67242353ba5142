package daemon

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/testenv"
)

// The agreement letter says, besides the price and who signs, how long the agreement binds
// and when the first invoice comes, as the attached PDF does and from the same facts: moving
// the end of the term or the first invoice in the campaign moves both.
func TestAgreementLetterStatesTheTermAsThePDF(t *testing.T) {
	pdftotext := testenv.Tool(t, "pdftotext", "apt-get install -y poppler-utils")
	f := newFixture(t)
	c := f.e.c
	inv, _ := c.Invitee("101")
	compose := func() (text, pdf string) {
		t.Helper()
		l, err := letters.New(c, "")
		if err != nil {
			t.Fatal(err)
		}
		o, err := NewComposer(c, l, f.e.signer).Compose(Letter{Kind: letters.KindAgreement,
			Data: letters.Data{Invitee: inv}, To: inv.Email, MessageID: "a@kombit.test", Date: c.Schedule.Agreement})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range o.Attachments {
			if a.ContentType == "application/pdf" {
				path := filepath.Join(t.TempDir(), a.Name)
				if err := os.WriteFile(path, a.Data, 0o644); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
				if err != nil {
					t.Fatalf("pdftotext: %v", err)
				}
				return strings.Join(strings.Fields(o.Text), " "), strings.Join(strings.Fields(string(out)), " ")
			}
		}
		t.Fatal("no agreement PDF attached")
		return "", ""
	}
	check := func(until, invoice string) {
		t.Helper()
		text, pdf := compose()
		letter := "Aftalen gælder til og med " + until + " og kan ikke opsiges inden da; den første faktura sendes i " + invoice + "."
		if !strings.Contains(text, letter) {
			t.Errorf("the letter lacks %q:\n%s", letter, text)
		}
		for _, w := range []string{"til og med " + until + " og kan ikke opsiges", "Den første faktura sendes i " + invoice + "."} {
			if !strings.Contains(pdf, w) {
				t.Errorf("the PDF lacks %q:\n%s", w, pdf)
			}
		}
	}
	check("31. december 2014", "april 2012")
	c.Agreement.Until = time.Date(2015, 6, 30, 0, 0, 0, 0, c.Location)
	c.Agreement.FirstInvoice = time.Date(2012, 5, 1, 0, 0, 0, 0, c.Location)
	check("30. juni 2015", "maj 2012")
}
