package mailer

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
)

// foldVariants are letters of every kind for several invitees and situations: folding must
// give each the bytes the templates as written give.
type foldVariant struct {
	Kind Kind
	LetterData
}

func foldVariants(c *campaign.Campaign) []foldVariant {
	var out []foldVariant
	invs := c.Invitees
	for _, lang := range LetterLanguages() {
		for _, k := range Kinds() {
			for i, inv := range []campaign.Invitee{invs[0], invs[len(invs)/2], invs[len(invs)-1]} {
				d := SampleData(c, k)
				d.Lang = lang
				if !k.ToStaff() {
					d.Invitee = inv
				}
				if i == 1 {
					d.Invitee.Contact = "Søren Ærø <&> \"Østergaard\""
					d.CalendarAttached = !d.CalendarAttached
					d.ReplyAddress = "dialogmoeder+x" + inv.Code + "@kombit.test"
				}
				if d.Meeting != nil && i == 2 {
					m := c.Meetings[0]
					d.Meeting, d.Headcount = &m, 3
				}
				out = append(out, foldVariant{k, d})
			}
		}
	}
	return out
}

func TestFoldingChangesNoLetter(t *testing.T) {
	c := exampleCampaign(t)
	common, err := embedded.ReadFile("templates/common.da.txt")
	if err != nil {
		t.Fatal(err)
	}
	// An override that makes a shared part personal: the contact block names the invitee.
	personal := strings.Replace(string(common), `{{define "signature"}}Med venlig hilsen`,
		`{{define "signature"}}Til {{.Invitee.Name}}: med venlig hilsen`, 1)
	if personal == string(common) {
		t.Fatal("the signature block of common.da.txt is not where the test expects it")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "common.da.txt"), []byte(personal), 0o644); err != nil {
		t.Fatal(err)
	}
	// Variables: one set under a personal condition is personal afterwards, even to a constant;
	// one set from the campaign is not.
	vars := t.TempDir()
	body := `{{$n := "uden kalender"}}{{if .CalendarAttached}}{{$n = "med kalender"}}{{end}}` +
		`{{$c := .Campaign.Name}}{{$p := .Party}}{{$m := "ingen"}}{{$k := "ingen"}}` +
		`{{with .Invitee.Contact}}{{$m = "kontakt"}}{{end}}` +
		`{{with .Campaign}}{{$.Party}}{{$k = $.Invitee.Code}}{{end}}` +
		`{{$z := "før"}}{{if .Campaign.Name}}{{$z = "efter"}}{{end}}` + "\n" +
		`Brevet er {{$n}}. {{$c}}. {{$m}} {{$k}} {{print $z " til " .Party}} {{with $p}}Til {{.}}.{{end}} {{template "agenda" .}}` + "\n"
	if err := os.WriteFile(filepath.Join(vars, "invitation.da.txt"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, dir string }{{"embedded", ""}, {"personal override", dir}, {"variables", vars}} {
		t.Run(tc.name, func(t *testing.T) {
			folded, err := buildLetters(c, tc.dir, true)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := buildLetters(c, tc.dir, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range foldVariants(c) {
				got, err1 := folded.Render(d.Kind, d.LetterData)
				want, err2 := plain.Render(d.Kind, d.LetterData)
				if err1 != nil || err2 != nil {
					t.Fatalf("%s/%s: render: %v, %v", d.Kind, d.Lang, err1, err2)
				}
				if got != want {
					t.Errorf("%s/%s for %s: folded letter differs\n--- folded\n%s\n--- as written\n%s",
						d.Kind, d.Lang, d.Invitee.Code, got.Text+got.HTML, want.Text+want.HTML)
				}
				if tc.dir == dir && d.Lang == "da" && !d.Kind.ToStaff() &&
					!strings.Contains(got.Text, "Til "+d.Invitee.Name+": med venlig hilsen") {
					t.Errorf("%s for %s: the personal signature is not the invitee's", d.Kind, d.Invitee.Code)
				}
			}
			if tc.dir == vars {
				return // a few lines: what matters is that they come out right
			}
			// Folding must do its work: most of the invitation is the campaign's.
			set := folded.sets[setKey{KindInvitation, "da"}]
			if set.foldedText == 0 || set.foldedHTML == 0 {
				t.Errorf("invitation.da: %d text and %d HTML parts folded, want some of each", set.foldedText, set.foldedHTML)
			}
		})
	}
}

// tidyAsWritten is tidy as first written, clear and slow: the reference for the fast one.
func tidyAsWritten(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var b strings.Builder
	blank := true
	for _, line := range lines {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			if !blank {
				b.WriteByte('\n')
			}
			blank = true
			continue
		}
		blank = false
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func TestTidyAgreesWithReference(t *testing.T) {
	cases := []string{"", "\n", "a", "a\n", "\n\na\n\n\nb \t\n\n", "a\r\nb\r\n\r\n\r\nc", "a\r", "a\r\r\n",
		"x \r\n", " \n \t\n", "æ  \n\nø\r"}
	cases = append(cases, randomStrings(3, 2000, 30, " \t\r\nab")...)
	for _, s := range cases {
		if got, want := tidy(s), tidyAsWritten(s); got != want {
			t.Errorf("tidy(%q) = %q, want %q", s, got, want)
		}
	}
}

// randomStrings makes n strings of up to maxLen bytes drawn from alphabet, the same for a seed:
// inputs for checking a fast function against a plain one.
func randomStrings(seed uint64, n, maxLen int, alphabet string) []string {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]string, n)
	for k := range out {
		b := make([]byte, rng.IntN(maxLen))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		out[k] = string(b)
	}
	return out
}
