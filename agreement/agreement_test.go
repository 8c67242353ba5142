package agreement

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Copenhagen on machines without a zone database

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// exampleCampaign is the 2012 campaign as the tests need it: 7 kr. per inhabitant (the
// tender's maximum) on the 2012Q1 population of all 98 municipalities, deadline Friday
// 16 March 2012. The conditions are example wording for the tests, not the historical text.
func exampleCampaign(t testing.TB) *campaign.Campaign {
	t.Helper()
	cph, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	c := &campaign.Campaign{
		Name:     "Dialogmøder om det nye fælles bibliotekssystem",
		Language: "da",
		Location: cph,
		Organiser: campaign.Organiser{
			Name:  "KOMBIT",
			Email: "dialogmoeder@kombit.test",
			Contact: campaign.Contact{
				Title: "Chefkonsulent, Forretningsudvikling",
				Phone: "3334 9473",
				Email: "dialogmoeder@kombit.test",
			},
		},
		Deadline: time.Date(2012, 3, 16, 0, 0, 0, 0, cph),
		Price: campaign.PriceModel{
			RateOere:       700,
			PopulationName: "population_2012q1",
			PopulationDate: "1. januar 2012",
			RoundToKroner:  1,
			Per:            "pr. indbygger pr. år",
		},
		Agreement: campaign.AgreementTerms{
			Title: "Kravspecifikation og udbud af et nyt fælles bibliotekssystem",
			Conditions: []string{
				"Aftalen bliver bindende, når kommuner med mindst halvdelen af landets indbyggere " +
					"eller mindst halvdelen af landets kommuner har tilsluttet sig inden fristen. " +
					"Nås ingen af delene, bortfalder aftalen uden udgift for kommunen.",
				"Betalingen dækker kommunens andel af udgifterne til kravspecifikation og udbud. " +
					"Biblioteker, der medvirker i kravspecifikationsarbejdet med en indsats over et " +
					"aftalt niveau, modtager kompensation.",
				"Beløbet er uden moms.",
			},
		},
		Schedule: campaign.Schedule{Agreement: time.Date(2012, 2, 20, 9, 0, 0, 0, cph)},
		GoAhead:  0.5,
		Invitees: loadMunicipalities(t),
	}
	c.Index()
	return c
}

// loadMunicipalities reads the project's list of the 98 municipalities with their 2012Q1
// population and formal names.
func loadMunicipalities(t testing.TB) []campaign.Invitee {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "municipalities-2012.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read municipalities: %v", err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	var out []campaign.Invitee
	for _, r := range rows[1:] {
		pop, err := strconv.Atoi(r[col["population_2012q1"]])
		if err != nil {
			t.Fatalf("municipality %s: population: %v", r[col["code"]], err)
		}
		out = append(out, campaign.Invitee{
			Code:       r[col["code"]],
			Name:       r[col["name"]],
			FormalName: r[col["formal_name"]],
			Region:     r[col["region"]],
			Email:      r[col["email"]],
			Population: pop,
		})
	}
	return out
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

// TestKoebenhavn checks what København's director reads in its agreement, and keeps the
// whole text as a golden file so any change of wording is seen in review.
func TestKoebenhavn(t *testing.T) {
	c := exampleCampaign(t)
	text := pdftotext(t, render(t, c, "101"))
	for _, want := range []string{
		"Tilslutningsaftale",
		"Kravspecifikation og udbud af et nyt fælles bibliotekssystem",
		"Aftale mellem KOMBIT og Københavns Kommune",
		"København",
		"101",
		"549.050",
		"1. januar 2012",
		"7 kr. pr. indbygger pr. år",
		"3.843.350 kr.",
		"Beløbet er uden moms.",
		"senest fredag den 16. marts 2012",
		"For KOMBIT",
		"For Københavns Kommune",
		"Underskrift",
		"Side 1 af 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("København's agreement does not show %q", want)
		}
	}
	golden(t, filepath.Join("testdata", "101-koebenhavn.txt"), text)
}

// golden compares got with the file, or rewrites the file under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./agreement -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the output (run with -update to accept):\n--- got ---\n%s", path, got)
	}
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
				"For " + tt.party, tt.population, "Beregning: " + tt.population + " indbyggere",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("agreement %s does not show %q", tt.code, want)
				}
			}
			row := tableRow(t, pdf, "Kommune")
			if row != tt.party {
				t.Errorf("party row = %q, want %q", row, tt.party)
			}
			if row := tableRow(t, pdf, "Kommunekode"); row != tt.code {
				t.Errorf("code row = %q, want %q", row, tt.code)
			}
			if row := tableRow(t, pdf, "Kommunens betaling"); row != tt.amount {
				t.Errorf("amount row = %q, want %q", row, tt.amount)
			}
			info := poppler(t, "pdfinfo", pdf)
			if !strings.Contains(info, "Tilslutningsaftale – "+tt.party) {
				t.Errorf("the PDF's title (shown in the reader's window) lacks %q:\n%s", tt.party, info)
			}
		})
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
// at 7 kr. per inhabitant on 5.580.413 inhabitants the campaign brings in 39.062.891 kr.
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
		printed := rowIn(t, text, "Kommunens betaling")
		oere, err := parseKroner(printed)
		if err != nil {
			t.Fatalf("agreement %s %s: %v", inv.Code, inv.Name, err)
		}
		total += oere
		if other, dup := sums[Sum(pdf)]; dup {
			t.Errorf("agreements %s and %s have the same SHA-256", other, inv.Code)
		}
		sums[Sum(pdf)] = inv.Code
		if got := rowIn(t, text, "Kommunekode"); got != inv.Code {
			t.Errorf("agreement for %s shows code %s", inv.Code, got)
		}
		// One page each for the example: the footer counts the pages.
		if !strings.Contains(text, "Side 1 af 1") {
			t.Errorf("agreement %s %s runs over more than one page", inv.Code, inv.Name)
		}
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

func pageCount(t testing.TB, pdf []byte) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(poppler(t, "pdfinfo", pdf))
	if m == nil {
		t.Fatal("pdfinfo shows no page count")
	}
	n, _ := strconv.Atoi(m[1])
	return n
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
		if a.Heading != "Tilslutningsaftale" || a.Subject != c.Agreement.Title {
			t.Errorf("heading %q, subject %q", a.Heading, a.Subject)
		}
		if a.Party != "Københavns Kommune" || a.Code != "101" || a.Population != 549050 {
			t.Errorf("party %q code %q population %d", a.Party, a.Code, a.Population)
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
			if got := rowIn(t, text, "Kommunens betaling"); got != tt.amount {
				t.Errorf("amount %q, want %q", got, tt.amount)
			}
			if !strings.Contains(text, tt.explain) {
				t.Errorf("the agreement does not explain %q:\n%s", tt.explain, text)
			}
		})
	}
}

// TestLongConditions: with many conditions the agreement runs to a second page, and the
// signature block moves there whole rather than being cut between the pages.
func TestLongConditions(t *testing.T) {
	c := exampleCampaign(t)
	kbh, _ := c.Invitee("101")
	a := For(c, kbh)
	for i := 0; i < 6; i++ {
		a.Conditions = append(a.Conditions, "Kommunen udpeger en kontaktperson, som deltager i "+
			"styregruppens møder, bidrager til kravspecifikationen og holder kommunens biblioteker "+
			"og skolebiblioteker orienteret om projektets fremdrift.")
	}
	pdf, err := Render(a)
	if err != nil {
		t.Fatal(err)
	}
	if n := pageCount(t, pdf); n != 2 {
		t.Fatalf("%d pages, want 2", n)
	}
	pages := strings.Split(pdftotext(t, pdf), "\f")
	last := pages[1]
	for _, want := range []string{"6. Underskrifter", "For KOMBIT", "For Københavns Kommune", "Side 2 af 2"} {
		if !strings.Contains(last, want) {
			t.Errorf("page 2 lacks %q", want)
		}
	}
	for _, label := range []string{"Dato", "Navn", "Underskrift"} {
		field := regexp.MustCompile(`(?m)^` + label + `$`)
		if n := len(field.FindAllString(last, -1)); n != 2 {
			t.Errorf("page 2 has %d %q fields, want 2 (one per party)", n, label)
		}
		if field.MatchString(pages[0]) {
			t.Errorf("page 1 has a %q field: the signature block was split", label)
		}
	}
	if !strings.Contains(pages[0], "Side 1 af 2") {
		t.Error("page 1 does not say Side 1 af 2")
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
		{"no organiser", func(a *Agreement) { a.Organiser = " " }, "organiser"},
		{"no name", func(a *Agreement) { a.Name, a.Party = "", "" }, "name, party"},
		{"negative amount", func(a *Agreement) { a.AmountOere = -100 }, "negative amount -1 kr."},
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
