package agreement

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Copenhagen on machines without a zone database

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// exampleCampaign is the campaign of config.example.yaml, the one the demo sends: 7 kr. per
// inhabitant per year excluding VAT on the 2012Q1 population of all 98 municipalities,
// deadline Friday 16 March 2012. The list gives no municipality's address or CVR number;
// København gets both here, as an override in the config would give them, so that the
// agreements show both a filled-in party and lines to fill in.
func exampleCampaign(t testing.TB) *campaign.Campaign {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Campaign
	for i := range c.Invitees {
		if c.Invitees[i].Code == "101" {
			c.Invitees[i].Address = "Rådhuspladsen 1, 1599 København V"
			c.Invitees[i].CVR = "64942212"
		}
	}
	return c
}

// pdftotext extracts the text of a PDF the way a reader's copy and paste sees it.
func pdftotext(t testing.TB, pdf []byte) string {
	t.Helper()
	return poppler(t, "pdftotext", pdf, "-enc", "UTF-8")
}

// poppler runs a poppler-utils tool on the PDF and returns its standard output.
func poppler(t testing.TB, tool string, pdf []byte, args ...string) string {
	t.Helper()
	path := testenv.Tool(t, tool, "apt-get install -y poppler-utils")
	in := filepath.Join(t.TempDir(), "agreement.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	args = append(args, in)
	if tool == "pdftotext" {
		args = append(args, "-")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", tool, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("%s complains about the PDF: %s", tool, stderr.String())
	}
	return stdout.String()
}

func render(t testing.TB, c *campaign.Campaign, code string) []byte {
	t.Helper()
	inv, ok := c.Invitee(code)
	if !ok {
		t.Fatalf("no municipality %s", code)
	}
	pdf, err := Render(For(c, inv))
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

// TestThreeAgreements reads the agreements of the largest municipality, the smallest and one
// between as a legal office reads them: both parties with legal name, address and CVR
// number (København's from an override; Vejle and Læsø have lines to fill in, and no number
// is invented for them), the yearly amount with VAT in figures and words, term, invoicing,
// conditions, the authority sentence, Danish dates and the page numbers. The whole text is
// kept as a golden file, so any change of wording is seen in review.
func TestThreeAgreements(t *testing.T) {
	c := exampleCampaign(t)
	tests := []struct {
		code, file, party, amount, words string
		cvr, address                     string
	}{
		{"101", "101-koebenhavn.txt", "Københavns Kommune", "3.843.350 kr.",
			"tre millioner otte hundrede og treogfyrre tusind tre hundrede og halvtreds kroner",
			"64942212", "Adresse Rådhuspladsen 1, 1599 København V CVR-nr. 64942212"},
		{"630", "630-vejle.txt", "Vejle Kommune", "756.147 kr.",
			"syv hundrede og seksoghalvtreds tusind et hundrede og syvogfyrre kroner", "", ""},
		{"825", "825-laesoe.txt", "Læsø Kommune", "13.279 kr.",
			"tretten tusind to hundrede og nioghalvfjerds kroner", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.party, func(t *testing.T) {
			pdf := render(t, c, tt.code)
			raw := pdftotext(t, pdf)
			text := strings.Join(strings.Fields(raw), " ") // as read, whatever the line breaks
			for _, want := range []string{
				"Tilslutningsaftale om det fælleskommunale udbud af et nyt bibliotekssystem",
				"Mellem KOMBIT A/S Adresse Halfdansgade 8, 2300 København S CVR-nr. 19435075 (herefter »KOMBIT«) og " + tt.party,
				"Kommunekode " + tt.code + " (herefter »kommunen«) er indgået følgende aftale.",
				"1. Formål", "Ved denne aftale tilslutter " + tt.party + " sig det fælles projekt",
				"at betale " + tt.amount + " pr. år ekskl. moms",
				"2. Pris og betaling",
				"Kommunen betaler " + tt.amount + " (skriver " + tt.words + ") pr. år ekskl. moms.",
				"Indbyggertal pr. 1. januar 2012",
				"Moms lægges til beløbet på fakturaen",
				"3. Løbetid", "Aftalen gælder fra begge parters underskrift til og med 31. december 2014 og kan ikke opsiges i denne periode.",
				"4. Fakturering", "Den første faktura sendes i april 2012.", "KOMBIT A/S det årlige beløb i januar",
				"5. Betingelser", "5.1 Projektet videreføres kun", "5.2 Biblioteker",
				"6. Bemyndigelse",
				"Aftalen skal underskrives af en person, der er bemyndiget til at forpligte " + tt.party + " ved denne aftale.",
				"7. Underskrift og frist", "senest fredag den 16. marts 2012",
				"For KOMBIT A/S", "For " + tt.party, "Administrerende direktør",
				"Side 1 af 2", "Side 2 af 2",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("the agreement does not say %q", want)
				}
			}
			if got := tableRow(t, pdf, "Kommunens betaling"); got != tt.amount+" pr. år ekskl. moms" {
				t.Errorf("the amount row says %q, want %q", got, tt.amount+" pr. år ekskl. moms")
			}
			// Dates as Danish readers write them, never as the config does.
			if iso := regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`).FindString(text); iso != "" {
				t.Errorf("the agreement writes the date %s", iso)
			}
			// The municipality's CVR number where the list gives it, and no other.
			numbers := regexp.MustCompile(`\b\d{8}\b`).FindAllString(text, -1)
			want := []string{"19435075"}
			if tt.cvr != "" {
				want = append(want, tt.cvr)
			}
			if !slices.Equal(numbers, want) {
				t.Errorf("CVR numbers %v, want %v", numbers, want)
			}
			if tt.address != "" && !strings.Contains(text, tt.address) {
				t.Errorf("the agreement does not give the municipality's address %q", tt.address)
			}
			golden(t, filepath.Join("testdata", tt.file), raw)
		})
	}
}

// golden compares got with the file, or rewrites the file under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	testenv.Golden(t, path, got, *update)
}

// TestDanishLetters renders municipalities whose names carry æ, ø and å, and those whose
// name as a party is not "<name> Kommune", and reads back name, code, population and amount.
// The amounts are worked out by hand: population × 7 kr.
func TestDanishLetters(t *testing.T) {
	c := exampleCampaign(t)
	tests := []struct {
		code, name, party, population, amount string
	}{
		{"492", "Ærø", "Ærø Kommune", "6.636", "46.452 kr."},
		{"153", "Brøndby", "Brøndby Kommune", "34.084", "238.588 kr."},
		{"169", "Høje-Taastrup", "Høje-Taastrup Kommune", "48.081", "336.567 kr."},
		{"173", "Lyngby-Taarbæk", "Lyngby-Taarbæk Kommune", "53.251", "372.757 kr."},
		{"825", "Læsø", "Læsø Kommune", "1.897", "13.279 kr."},
		{"400", "Bornholm", "Bornholms Regionskommune", "41.303", "289.121 kr."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf := render(t, c, tt.code)
			text := pdftotext(t, pdf)
			for _, want := range []string{
				"For " + tt.party, "Ved denne aftale tilslutter " + tt.party, tt.population,
				"Beregning: " + tt.population + " indbyggere", tt.party + " (kommunekode " + tt.code + ")",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("agreement %s does not show %q", tt.code, want)
				}
			}
			if row := tableRow(t, pdf, "Kommunens betaling"); row != tt.amount+" pr. år ekskl. moms" {
				t.Errorf("amount row = %q, want %q", row, tt.amount+" pr. år ekskl. moms")
			}
			info := poppler(t, "pdfinfo", pdf)
			if !strings.Contains(info, "Tilslutningsaftale – "+tt.party) {
				t.Errorf("the PDF's title (shown in the reader's window) lacks %q:\n%s", tt.party, info)
			}
		})
	}
}

// TestMetadata: what a reader's window, a document archive and a screen reader take from the
// file: title, author (the organiser's legal name), subject, keywords and the language.
func TestMetadata(t *testing.T) {
	pdf := render(t, exampleCampaign(t), "101")
	info := poppler(t, "pdfinfo", pdf)
	for _, want := range []string{
		"Title:           Tilslutningsaftale – Københavns Kommune",
		"Author:          KOMBIT A/S",
		"Subject:         Tilslutningsaftale om det fælleskommunale udbud af et nyt bibliotekssystem",
		"Keywords:        Tilslutningsaftale, Københavns Kommune, kommunekode 101",
		"Creator:         rsvpd",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
	// The catalog is not compressed: a screen reader reads the text as Danish.
	if !bytes.Contains(pdf, []byte("/Lang (da-DK)")) {
		t.Error("the PDF does not say its language is Danish (/Lang (da-DK))")
	}
}

// tableRow reads the value beside a label in the PDF as laid out ("Kommunens betaling
// 3.843.350 kr." on one line), the way a reader's eye pairs them.
func tableRow(t testing.TB, pdf []byte, label string) string {
	t.Helper()
	return rowIn(t, layoutText(t, pdf), label)
}

func layoutText(t testing.TB, pdf []byte) string {
	t.Helper()
	return poppler(t, "pdftotext", pdf, "-layout", "-enc", "UTF-8")
}

func rowIn(t testing.TB, text, label string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `  +(\S.*?)\s*$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no row %q in:\n%s", label, text)
	}
	return m[1]
}

// TestAll98 renders every municipality's agreement and adds up the amounts as printed:
// at 7 kr. per inhabitant on 5.580.413 inhabitants the campaign brings in 39.062.891 kr. a
// year. Every agreement has its signatures on the page where its terms end.
func TestAll98(t *testing.T) {
	c := exampleCampaign(t)
	if len(c.Invitees) != 98 {
		t.Fatalf("%d municipalities in the test data, want 98", len(c.Invitees))
	}
	sums := map[string]string{}
	var total int64
	for _, inv := range c.Invitees {
		pdf := render(t, c, inv.Code)
		text := layoutText(t, pdf)
		printed, ok := strings.CutSuffix(rowIn(t, text, "Kommunens betaling"), " pr. år ekskl. moms")
		if !ok {
			t.Errorf("agreement %s %s: the amount is not stated per year excluding VAT", inv.Code, inv.Name)
		}
		oere, err := parseKroner(printed)
		if err != nil {
			t.Fatalf("agreement %s %s: %v", inv.Code, inv.Name, err)
		}
		total += oere
		if other, dup := sums[Sum(pdf)]; dup {
			t.Errorf("agreements %s and %s have the same SHA-256", other, inv.Code)
		}
		sums[Sum(pdf)] = inv.Code
		if !strings.Contains(text, "Kommunekode "+inv.Code) {
			t.Errorf("agreement for %s does not show its code", inv.Code)
		}
		checkSignaturesWithTerms(t, inv.Code, pdftotext(t, pdf))
	}
	if got, want := campaign.FormatKroner(total), "39.062.891 kr."; got != want {
		t.Errorf("the 98 agreements add up to %s, want %s", got, want)
	}
	if got := c.TotalPrice(); got != total {
		t.Errorf("TotalPrice = %s, the agreements say %s", campaign.FormatKroner(got), campaign.FormatKroner(total))
	}
	if got, want := campaign.FormatNumber(c.TotalPopulation()), "5.580.413"; got != want {
		t.Errorf("population = %s, want %s", got, want)
	}
}

// checkSignaturesWithTerms checks that the signature block is whole on the last page, with
// the authority section and the deadline above it, and that no signature field is anywhere
// else: the signatures never stand alone, nor are they split.
func checkSignaturesWithTerms(t *testing.T, name, text string) {
	t.Helper()
	pages := strings.Split(strings.TrimSuffix(text, "\f"), "\f")
	last := pages[len(pages)-1]
	for _, want := range []string{"Bemyndigelse", "bemyndiget til at forpligte", "senest fredag den 16. marts 2012"} {
		if !strings.Contains(last, want) {
			t.Errorf("%s: the page with the signatures lacks %q", name, want)
		}
	}
	for _, label := range []string{"Sted og dato", "Underskrift", "Navn", "Titel"} {
		field := regexp.MustCompile(`(?m)^` + label + `$`)
		if n := len(field.FindAllString(last, -1)); n != 2 {
			t.Errorf("%s: the last page has %d %q fields, want 2 (one per party)", name, n, label)
		}
		for i, p := range pages[:len(pages)-1] {
			if field.MatchString(p) {
				t.Errorf("%s: page %d has a %q field: the signature block was split", name, i+1, label)
			}
		}
	}
	if want := fmt.Sprintf("Side %d af %d", len(pages), len(pages)); !strings.Contains(last, want) {
		t.Errorf("%s: the last page does not say %q", name, want)
	}
}

// parseKroner reads a Danish amount as printed ("3.843.350 kr.", "1.234,50 kr.") into øre.
func parseKroner(s string) (int64, error) {
	m := regexp.MustCompile(`^([0-9]{1,3}(?:\.[0-9]{3})*)(?:,([0-9]{2}))? kr\.$`).FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not an amount in Danish kroner", s)
	}
	kr, err := strconv.ParseInt(strings.ReplaceAll(m[1], ".", ""), 10, 64)
	if err != nil {
		return 0, err
	}
	var oere int64
	if m[2] != "" {
		oere, _ = strconv.ParseInt(m[2], 10, 64)
	}
	return kr*100 + oere, nil
}

// TestDeterministic: the same agreement renders to the same bytes, in this run and in every
// run (the golden SHA-256), and the creation date is the letter's date, not the clock's.
func TestDeterministic(t *testing.T) {
	c := exampleCampaign(t)
	first := render(t, c, "101")
	for i := 0; i < 5; i++ {
		if again := render(t, c, "101"); !bytes.Equal(first, again) {
			t.Fatalf("rendering København's agreement again gave other bytes (%s, then %s)", Sum(first), Sum(again))
		}
	}
	// The digest also moves with fpdf's version and Go's compress/flate: after upgrading
	// either, check that the text golden is unchanged and accept the new digest with -update.
	golden(t, filepath.Join("testdata", "101-koebenhavn.sha256"), Sum(first)+"\n")

	info := poppler(t, "pdfinfo", first, "-isodates")
	if !strings.Contains(info, "2012-02-20T09:00:00") {
		t.Errorf("creation date is not the letter's date (20 February 2012, 09:00):\n%s", info)
	}

	// A letter sent a day later is another document, and says so.
	inv, _ := c.Invitee("101")
	a := For(c, inv)
	a.Issued = a.Issued.AddDate(0, 0, 1)
	later, err := Render(a)
	if err != nil {
		t.Fatal(err)
	}
	if Sum(later) == Sum(first) {
		t.Error("a later issue date gives the same SHA-256")
	}
	if text := pdftotext(t, later); !strings.Contains(text, "21. februar 2012") {
		t.Error("the later agreement does not show its date, 21. februar 2012")
	}
}

func TestSum(t *testing.T) {
	// The SHA-256 of the empty input and of "abc" (FIPS 180-2), so Sum is the plain hex digest.
	for in, want := range map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	} {
		if got := Sum([]byte(in)); got != want {
			t.Errorf("Sum(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestFontsEmbedded: the text must print with DejaVu Sans on a machine that lacks it, so both
// styles are embedded (as subsets), and the font's licence notice ships beside it.
func TestFontsEmbedded(t *testing.T) {
	out := poppler(t, "pdffonts", render(t, exampleCampaign(t), "101"))
	// fpdf names the fonts after their family and style; "emb" must be yes, and "uni" (a
	// ToUnicode map) is what lets copy and paste and search find "København".
	re := regexp.MustCompile(`(?m)^(\S+)\s+CID TrueType\s+Identity-H\s+(yes|no)\s+(?:yes|no)\s+(yes|no)\s`)
	found := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		found[m[1]] = true
		if m[2] != "yes" || m[3] != "yes" {
			t.Errorf("font %s: embedded %s, unicode map %s; want yes, yes", m[1], m[2], m[3])
		}
	}
	if len(found) != 2 || !found["utf8dejavusans"] || !found["utf8dejavusansB"] {
		t.Errorf("want exactly DejaVu Sans regular and bold, embedded; pdffonts says:\n%s", out)
	}
	if n := strings.Count(strings.TrimSpace(out), "\n") - 1; n != len(found) {
		t.Errorf("the PDF uses %d fonts, want 2:\n%s", n, out)
	}
	notice, err := os.ReadFile(filepath.Join("fonts", "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(notice), "Bitstream Vera") || !strings.Contains(string(notice), "Permission is hereby granted") {
		t.Error("fonts/LICENSE does not carry the Bitstream Vera licence notice")
	}
}

func TestFor(t *testing.T) {
	c := exampleCampaign(t)
	kbh, _ := c.Invitee("101")

	t.Run("from the example campaign", func(t *testing.T) {
		a := For(c, kbh)
		if a.Heading != "Tilslutningsaftale" || a.Subject != "om det fælleskommunale udbud af et nyt bibliotekssystem" {
			t.Errorf("heading %q, subject %q", a.Heading, a.Subject)
		}
		if a.Party.Name != "Københavns Kommune" || a.Code != "101" || a.Population != 549050 {
			t.Errorf("party %q code %q population %d", a.Party, a.Code, a.Population)
		}
		if a.Organiser != (Party{"KOMBIT A/S", "Halfdansgade 8, 2300 København S", "19435075"}) || a.Short != "KOMBIT" {
			t.Errorf("organiser %+v, called %q", a.Organiser, a.Short)
		}
		if a.VAT != campaign.VATExcluded || a.Period != campaign.PeriodYear || a.Invoicing == "" {
			t.Errorf("VAT %q, period %q, invoicing %q", a.VAT, a.Period, a.Invoicing)
		}
		if got := a.Until.Format("2006-01-02 MST"); got != "2014-12-31 CET" {
			t.Errorf("runs until %s, want 2014-12-31 in the campaign's zone", got)
		}
		if got := a.FirstInvoice.Format("2006-01"); got != "2012-04" {
			t.Errorf("first invoice %s, want 2012-04", got)
		}
		// The config writes the population date as an ISO date; the agreement as a Dane does.
		if a.PopulationDate != "1. januar 2012" {
			t.Errorf("population date %q, want 1. januar 2012", a.PopulationDate)
		}
		if a.AmountOere != 384335000 || a.Explicit {
			t.Errorf("amount %s (explicit %v), want 3.843.350 kr. computed", campaign.FormatKroner(a.AmountOere), a.Explicit)
		}
		if got := campaign.FormatDateDa(a.Deadline); got != "fredag den 16. marts 2012" {
			t.Errorf("deadline %s", got)
		}
		if !a.Issued.Equal(c.Schedule.Agreement) {
			t.Errorf("issued %v, want the scheduled agreement letter %v", a.Issued, c.Schedule.Agreement)
		}
		// The agreement holds its own copy: editing it does not edit the campaign.
		a.Conditions[0] = "changed"
		if c.Agreement.Conditions[0] == "changed" {
			t.Error("For shares the campaign's conditions slice")
		}
	})

	t.Run("title that already says Tilslutningsaftale", func(t *testing.T) {
		c2 := *c
		c2.Agreement.Title = "Tilslutningsaftale: udbud af nyt bibliotekssystem"
		a := For(&c2, kbh)
		if a.Heading != "Tilslutningsaftale" || a.Subject != "udbud af nyt bibliotekssystem" {
			t.Errorf("heading %q, subject %q", a.Heading, a.Subject)
		}
	})

	t.Run("no agreement title: the campaign's name", func(t *testing.T) {
		c2 := *c
		c2.Agreement.Title = ""
		if a := For(&c2, kbh); a.Subject != c.Name {
			t.Errorf("subject %q, want %q", a.Subject, c.Name)
		}
	})

	t.Run("no scheduled letter: dated the deadline, in Copenhagen", func(t *testing.T) {
		c2 := *c
		c2.Schedule.Agreement = time.Time{}
		c2.Deadline = c.Deadline.UTC() // 15 March 23:00 UTC
		a := For(&c2, kbh)
		if got := campaign.FormatDateShortDa(a.Issued); got != "16. marts 2012" {
			t.Errorf("issued %s, want 16. marts 2012", got)
		}
		if got := campaign.FormatDateDa(a.Deadline); got != "fredag den 16. marts 2012" {
			t.Errorf("deadline %s, want fredag den 16. marts 2012", got)
		}
	})

	t.Run("explicit amount", func(t *testing.T) {
		inv := kbh
		amount := int64(250000050)
		inv.Amount = &amount
		a := For(c, inv)
		if a.AmountOere != amount || !a.Explicit {
			t.Errorf("amount %d explicit %v", a.AmountOere, a.Explicit)
		}
	})
}

// TestAmountExplained: the paragraph under the amount tells how it came about: the product,
// the rounding when it changed the figure, or that the amount was agreed separately.
func TestAmountExplained(t *testing.T) {
	c := exampleCampaign(t)
	kbh, _ := c.Invitee("101")
	explicit := int64(250000050)
	tests := []struct {
		name    string
		edit    func(*Agreement)
		amount  string
		explain string
	}{
		{"whole kroner, nothing to round", func(*Agreement) {}, "3.843.350 kr.",
			"Beregning: 549.050 indbyggere × 7 kr. = 3.843.350 kr."},
		{"rounded to 1.000 kr.", func(a *Agreement) { a.RoundToKroner, a.AmountOere = 1000, 384300000 },
			"3.843.000 kr.", "Beregning: 549.050 indbyggere × 7 kr. = 3.843.350 kr., afrundet til nærmeste 1.000 kr."},
		{"6,50 kr. to whole kroner", func(a *Agreement) { a.RateOere, a.Population, a.AmountOere = 650, 1897, 1233100 },
			"12.331 kr.", "Beregning: 1.897 indbyggere × 6,50 kr. = 12.330,50 kr., afrundet til hele kroner."},
		{"agreed separately", func(a *Agreement) { a.AmountOere, a.Explicit = explicit, true },
			"2.500.000,50 kr.", "Beløbet er aftalt særskilt med kommunen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := For(c, kbh)
			tt.edit(&a)
			pdf, err := Render(a)
			if err != nil {
				t.Fatal(err)
			}
			text := layoutText(t, pdf)
			if got := rowIn(t, text, "Kommunens betaling"); got != tt.amount+" pr. år ekskl. moms" {
				t.Errorf("amount %q, want %q", got, tt.amount)
			}
			if !strings.Contains(text, tt.explain) {
				t.Errorf("the agreement does not explain %q:\n%s", tt.explain, text)
			}
		})
	}
}

// TestSignaturesStayWithTheTerms adds conditions one by one, from none to enough for three
// pages: the authority section, the deadline and the signature block stay together after
// the last condition, on its page while they fit there and whole on the next page when not,
// never split and never alone.
func TestSignaturesStayWithTheTerms(t *testing.T) {
	c := exampleCampaign(t)
	kbh, _ := c.Invitee("101")
	withConditions, moved := 0, 0
	for n := 0; n <= 24; n += 2 {
		a := For(c, kbh)
		a.Conditions = nil
		for i := 0; i < n; i++ {
			a.Conditions = append(a.Conditions, fmt.Sprintf("Betingelse nummer %d: kommunen udpeger en kontaktperson, "+
				"som deltager i styregruppens møder og holder kommunens biblioteker orienteret.", i+1))
		}
		pdf, err := Render(a)
		if err != nil {
			t.Fatal(err)
		}
		text := pdftotext(t, pdf)
		checkSignaturesWithTerms(t, fmt.Sprintf("%d conditions", n), text)
		pages := strings.Split(strings.TrimSuffix(text, "\f"), "\f")
		last := pages[len(pages)-1]
		if n > 0 && strings.Contains(last, fmt.Sprintf("Betingelse nummer %d:", n)) {
			withConditions++
		} else if strings.HasPrefix(strings.TrimSpace(last), "6. Bemyndigelse") {
			moved++
		}
	}
	// Both cases must have occurred, or the test proves nothing about the rule.
	if withConditions == 0 || moved == 0 {
		t.Errorf("the signatures shared a page with the last condition %d times and moved to a new page %d times; want both", withConditions, moved)
	}
}

func TestNoConditions(t *testing.T) {
	c := exampleCampaign(t)
	kbh, _ := c.Invitee("101")
	a := For(c, kbh)
	a.Conditions = nil
	pdf, err := Render(a)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdftotext(t, pdf); !strings.Contains(text, "Der gælder ingen betingelser ud over dem, der står i denne aftale.") {
		t.Errorf("an agreement without conditions does not say so:\n%s", text)
	}
}

// TestRenderRefusesIncomplete: a campaign missing a fact gives an error naming the
// municipality and the fact, not a PDF with holes (or today's date in place of the letter's).
func TestRenderRefusesIncomplete(t *testing.T) {
	c := exampleCampaign(t)
	kbh, _ := c.Invitee("101")
	tests := []struct {
		name string
		edit func(*Agreement)
		want string
	}{
		{"no issue date", func(a *Agreement) { a.Issued = time.Time{} }, "issue date"},
		{"no deadline", func(a *Agreement) { a.Deadline = time.Time{} }, "deadline"},
		{"no organiser", func(a *Agreement) { a.Organiser.Name = " " }, "organiser"},
		{"no name", func(a *Agreement) { a.Name, a.Party.Name = "", "" }, "name, party"},
		{"negative amount", func(a *Agreement) { a.AmountOere = -100 }, "negative amount -1 kr."},
		{"VAT unsaid", func(a *Agreement) { a.VAT = "" }, "VAT (excluded or included)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := For(c, kbh)
			tt.edit(&a)
			pdf, err := Render(a)
			if err == nil || pdf != nil {
				t.Fatalf("Render gave %d bytes and error %v, want an error", len(pdf), err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || !strings.Contains(msg, "101") {
				t.Errorf("error %q does not name %q and the code 101", msg, tt.want)
			}
		})
	}
}

// BenchmarkRender98 renders the whole campaign's agreements: what sending the agreement
// letter costs. It reports agreements per second.
func BenchmarkRender98(b *testing.B) {
	c := exampleCampaign(b)
	agreements := make([]Agreement, len(c.Invitees))
	for i, inv := range c.Invitees {
		agreements[i] = For(c, inv)
	}
	var size int
	b.ResetTimer()
	for b.Loop() {
		for _, a := range agreements {
			pdf, err := Render(a)
			if err != nil {
				b.Fatal(err)
			}
			size = len(pdf)
		}
	}
	b.ReportMetric(float64(b.N*len(agreements))/b.Elapsed().Seconds(), "pdfs/s")
	b.ReportMetric(float64(size), "bytes/pdf")
}

// TestConcurrentRender: the sender may render agreements on several goroutines; each
// rendering must be independent (run with -race to check for shared state).
func TestConcurrentRender(t *testing.T) {
	c := exampleCampaign(t)
	want := map[string]string{}
	codes := []string{"101", "492", "153", "169"}
	for _, code := range codes {
		want[code] = Sum(render(t, c, code))
	}
	got := make([]string, len(codes))
	var wg sync.WaitGroup
	for i, code := range codes {
		wg.Go(func() {
			inv, _ := c.Invitee(code)
			pdf, err := Render(For(c, inv))
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = Sum(pdf)
		})
	}
	wg.Wait()
	for i, code := range codes {
		if got[i] != want[code] {
			t.Errorf("agreement %s rendered concurrently differs from the same rendered alone", code)
		}
	}
}

// BenchmarkRenderParallel renders agreements on every CPU, as a sender with a worker pool
// would; it reports agreements per second over all CPUs.
func BenchmarkRenderParallel(b *testing.B) {
	c := exampleCampaign(b)
	a := For(c, c.Invitees[0])
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Render(a); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pdfs/s")
}
