package agreement

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"

	"github.com/rsvpd/rsvpd/agreement/fonts"
	"github.com/rsvpd/rsvpd/campaign"
)

// DejaVu Sans is embedded because fpdf's core fonts cannot carry text beyond cp1252 and no
// TrueType font is embedded unless we supply one: with it, æøå and » « – × print the same
// in every reader. Package fonts holds the files (and their licence notice) for the digest's
// chart too. These are read-only font data, not state.
var fontRegular, fontBold = fonts.Regular(), fonts.Bold()

const (
	family = "DejaVuSans"

	marginLeft   = 22.0 // mm
	marginRight  = 22.0
	marginTop    = 20.0
	marginBottom = 18.0

	lineH       = 4.9  // body line height, mm
	labelW      = 58.0 // label column of the price table, mm
	partyIndent = 8.0  // the parties under "Mellem" and "og", mm
	partyLabelW = 28.0 // label column of the parties, mm
	fillW       = 70.0 // a line to fill in, mm
	colGap      = 12.0 // between the two signature columns, mm
	sectionSp   = 3.0  // space above a section heading, mm
	headingH    = 10.0 // a section heading with the space above it, mm
)

// Render draws the agreement as an A4 PDF. The authority section, the deadline and the
// signature block are kept together: when they do not fit under the terms, they move whole to
// the next page, so the signatures never stand on a page without the text they sign.
func Render(a Agreement) ([]byte, error) {
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("render agreement for %s %s: %w", a.Code, a.Name, err)
	}
	pdf := newDocument(a)
	d := &doc{pdf: pdf, a: a}
	d.draw()
	// fpdf errors are sticky and drawing calls do not return them: ask once at the end.
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("render agreement for %s %s: %w", a.Code, a.Name, err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render agreement for %s %s: %w", a.Code, a.Name, err)
	}
	return buf.Bytes(), nil
}

// newDocument sets up fonts, metadata and the footer. Every style used below is registered
// here: fpdf turns an unregistered style into a sticky error and an empty document.
func newDocument(a Agreement) *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	pdf.SetMargins(marginLeft, marginTop, marginRight)
	pdf.SetAutoPageBreak(true, marginBottom)
	pdf.AliasNbPages("{nb}")

	// Fixed dates and sorted catalogs: the bytes depend on the input only.
	pdf.SetCreationDate(a.Issued)
	pdf.SetModificationDate(a.Issued)
	pdf.SetCatalogSort(true)

	// What a reader's window, a document archive and a screen reader show of the file.
	pdf.SetTitle(a.Heading+" – "+a.Party.Name, true)
	pdf.SetSubject(strings.TrimSpace(a.Heading+" "+a.Subject), true)
	pdf.SetAuthor(a.Organiser.Name, true)
	pdf.SetKeywords(fmt.Sprintf("%s, %s, kommunekode %s", a.Heading, a.Party.Name, a.Code), true)
	pdf.SetCreator("rsvpd", true)
	pdf.SetLang("da-DK")

	pdf.SetFooterFunc(func() {
		w, _ := pdf.GetPageSize()
		pdf.SetY(-marginBottom + 5)
		pdf.SetFont(family, "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, fmt.Sprintf("%s · %s (kommunekode %s)", a.Heading, a.Party.Name, a.Code), "", 0, "L", false, 0, "")
		// "{nb}" is replaced after layout, so its width is not known here: place the page
		// number by the width of a two-digit count instead of right-aligning it.
		pageText := fmt.Sprintf("Side %d af {nb}", pdf.PageNo())
		pdf.SetX(w - marginRight - pdf.GetStringWidth(fmt.Sprintf("Side %d af 99", pdf.PageNo())))
		pdf.CellFormat(0, 4, pageText, "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	return pdf
}

// doc draws one agreement; its methods are the parts in reading order.
type doc struct {
	pdf *fpdf.Fpdf
	a   Agreement
	n   int // the number of the last section drawn
}

func (d *doc) draw() {
	d.pdf.AddPage()
	d.title()
	d.parties()
	d.purpose()
	d.payment()
	d.para2("Løbetid", d.termText())
	d.para2("Fakturering", d.invoicingText())
	d.conditions()
	d.closing()
}

func (d *doc) title() {
	p, a := d.pdf, d.a
	p.SetFont(family, "", 9)
	p.SetTextColor(90, 90, 90)
	p.CellFormat(0, 4, a.Organiser.Name, "", 0, "L", false, 0, "")
	p.CellFormat(0, 4, campaign.FormatDateShortDa(a.Issued), "", 1, "R", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.Ln(6)

	p.SetFont(family, "B", 22)
	p.CellFormat(0, 10, a.Heading, "", 1, "L", false, 0, "")
	if a.Subject != "" {
		p.SetFont(family, "", 13)
		p.MultiCell(0, 6.5, a.Subject, "", "L", false)
	}
	d.rule()
}

// parties names both parties one after the other, as Danish contracts do ("Mellem … og …
// er indgået følgende aftale"), each with legal name, address and CVR number; what the list
// does not give is a line to fill in, never a guess. One after the other, not side by side,
// so that copied text and screen readers take each party whole.
func (d *doc) parties() {
	a := d.a
	d.pdf.Ln(2)
	d.para("Mellem")
	d.party(a.Organiser, nil, "»"+a.Short+"«")
	d.para("og")
	d.party(a.Party, [][2]string{{"Kommunekode", a.Code}}, "»kommunen«")
	d.para("er indgået følgende aftale.")
}

// party draws one party, indented under the words that join them.
func (d *doc) party(pt Party, extra [][2]string, called string) {
	p := d.pdf
	x, w := marginLeft+partyIndent, d.textW()-partyIndent
	p.Ln(1.5)
	p.SetX(x)
	p.SetFont(family, "B", 11)
	p.MultiCell(w, 5.5, pt.Name, "", "L", false)
	rows := append([][2]string{{"Adresse", pt.Address}, {"CVR-nr.", pt.CVR}}, extra...)
	p.SetFont(family, "", 10)
	for _, r := range rows {
		p.SetX(x)
		p.SetTextColor(70, 70, 70)
		p.CellFormat(partyLabelW, lineH+0.3, r[0], "", 0, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
		if r[1] == "" {
			// A line to write on, level with the label's baseline.
			ly := p.GetY() + lineH - 0.4
			p.SetDrawColor(120, 120, 120)
			p.SetLineWidth(0.2)
			p.Line(x+partyLabelW, ly, x+partyLabelW+fillW, ly)
			p.SetDrawColor(0, 0, 0)
			p.Ln(lineH + 0.3)
			continue
		}
		p.MultiCell(w-partyLabelW, lineH+0.3, r[1], "", "L", false)
	}
	p.SetX(x)
	p.SetTextColor(70, 70, 70)
	p.CellFormat(w, lineH+0.3, "(herefter "+called+")", "", 1, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.Ln(1.5)
}

func (d *doc) purpose() {
	a := d.a
	d.heading("Formål")
	d.para(fmt.Sprintf("Ved denne aftale tilslutter %s sig %s og forpligter sig til at betale %s på de vilkår, "+
		"der følger af aftalen.", a.Party.Name, d.joins(), d.amountText()))
}

// joins is what the invitee joins, for the purpose clause: the agreement's subject as a
// name in Danish quotes, without the "om" a title such as "Tilslutningsaftale om …" leaves.
func (d *doc) joins() string {
	s := strings.TrimSpace(d.a.Subject)
	if rest, ok := strings.CutPrefix(s, "om "); ok {
		s = rest
	}
	if s == "" {
		return "det fælles projekt, aftalen gælder"
	}
	r, size := utf8.DecodeRuneInString(s)
	return "det fælles projekt »" + string(unicode.ToUpper(r)) + s[size:] + "«"
}

// amountText is the amount with what it is per and the VAT: "3.843.350 kr. pr. år ekskl. moms".
func (d *doc) amountText() string {
	return strings.Join(nonEmpty([]string{campaign.FormatKroner(d.a.AmountOere), d.perText(), d.vatText()}), " ")
}

func (d *doc) perText() string {
	if d.a.Period == campaign.PeriodOnce {
		return "én gang"
	}
	return "pr. år"
}

func (d *doc) vatText() string {
	if d.a.VAT == campaign.VATIncluded {
		return "inkl. moms"
	}
	return "ekskl. moms"
}

func (d *doc) payment() {
	a := d.a
	d.heading("Pris og betaling")
	d.para(fmt.Sprintf("Kommunen betaler %s (skriver %s) %s %s.", campaign.FormatKroner(a.AmountOere),
		campaign.KronerInWordsDa(a.AmountOere), d.perText(), d.vatText()))
	d.pdf.Ln(1.5)
	label := "Indbyggertal"
	if a.PopulationDate != "" {
		label += " pr. " + a.PopulationDate
	}
	d.row(label, campaign.FormatNumber(a.Population), false)
	d.row("Sats", strings.TrimSpace(campaign.FormatRate(a.RateOere)+" "+a.Per), false)
	d.row("Kommunens betaling", d.amountText(), true)
	d.pdf.Ln(1.5)
	d.para(d.calculation())
	if a.VAT == campaign.VATExcluded {
		d.para("Moms lægges til beløbet på fakturaen efter de gældende regler.")
	}
}

// calculation explains the amount so the municipality can check it: the product, and the
// rounding when it changed anything, or that the amount was agreed separately.
func (d *doc) calculation() string {
	a := d.a
	if a.Explicit {
		return "Beløbet er aftalt særskilt med kommunen og gælder i stedet for satsen gange indbyggertallet."
	}
	exact := a.RateOere * a.Population
	s := fmt.Sprintf("Beregning: %s indbyggere × %s = %s", campaign.FormatNumber(a.Population),
		campaign.FormatRate(a.RateOere), campaign.FormatKroner(exact))
	if exact != a.AmountOere {
		step := "hele kroner"
		if a.RoundToKroner > 1 {
			step = "nærmeste " + campaign.FormatKroner(a.RoundToKroner*100)
		}
		s += ", afrundet til " + step
	}
	return endSentence(s)
}

// para2 is a numbered section of one configured paragraph; an empty one is left out.
// termText is the section on the term: the day the agreement runs until, that it cannot be
// terminated before, then what the campaign says besides.
func (d *doc) termText() string {
	return joinSentences(fmt.Sprintf("Aftalen gælder fra begge parters underskrift til og med %s og kan ikke opsiges i denne periode.",
		campaign.FormatDateShortDa(d.a.Until)), d.a.Term)
}

// invoicingText is the section on invoicing: when the first invoice is sent, then what the
// campaign says besides.
func (d *doc) invoicingText() string {
	return joinSentences(fmt.Sprintf("Den første faktura sendes i %s.", campaign.FormatMonthDa(d.a.FirstInvoice)), d.a.Invoicing)
}

// joinSentences is first, then more when there is more.
func joinSentences(first, more string) string {
	if strings.TrimSpace(more) == "" {
		return first
	}
	return first + " " + more
}

func (d *doc) para2(title, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	d.heading(title)
	d.para(endSentence(strings.Join(strings.Fields(text), " ")))
}

func (d *doc) conditions() {
	a := d.a
	d.heading("Betingelser")
	if len(a.Conditions) == 0 {
		d.para("Der gælder ingen betingelser ud over dem, der står i denne aftale.")
		return
	}
	num := d.n
	for i, c := range a.Conditions {
		d.numbered(fmt.Sprintf("%d.%d", num, i+1), c)
	}
}

// closing draws the authority section, the deadline and the signature block as one unit: on
// this page when it fits, else whole on the next.
func (d *doc) closing() {
	p := d.pdf
	_, pageH := p.GetPageSize()
	if p.GetY()+d.closingHeight() > pageH-marginBottom {
		p.AddPage()
	}
	d.heading("Bemyndigelse")
	d.para(d.authority())
	d.heading("Underskrift og frist")
	d.para(d.deadline())
	d.signatures()
}

func (d *doc) authority() string {
	return fmt.Sprintf("Aftalen skal underskrives af en person, der er bemyndiget til at forpligte %s ved denne aftale. "+
		"Ved sin underskrift bekræfter underskriveren at have denne bemyndigelse. Det samme gælder den, der underskriver for %s.",
		d.a.Party.Name, d.a.Organiser.Name)
}

func (d *doc) deadline() string {
	a := d.a
	s := fmt.Sprintf("Kommunen sender den underskrevne aftale til %s senest %s, som PDF ved at besvare den mail, "+
		"aftalen kom med", a.Short, campaign.FormatDateDa(a.Deadline))
	if a.OrganiserEmail != "" {
		s += ", eller til " + a.OrganiserEmail
	}
	return endSentence(s)
}

// closingHeight is the height the closing unit takes, measured with the fonts it is drawn in.
func (d *doc) closingHeight() float64 {
	p := d.pdf
	p.SetFont(family, "", 10)
	lines := len(p.SplitText(d.authority(), d.textW())) + len(p.SplitText(d.deadline(), d.textW()))
	return 2*headingH + float64(lines)*lineH + signatureH
}

// The signature block: per party its name, then a line for each field with its label below;
// the organiser's signatory is printed on its lines where configured.
const (
	sigRowH    = 14.0
	signatureH = 4 + lineH + 4*sigRowH + 5
)

func (d *doc) signatures() {
	p, a := d.pdf, d.a
	colW := (d.textW() - colGap) / 2
	y := p.GetY() + 4
	type field struct{ label, value string }
	cols := []struct {
		party  string
		fields []field
	}{
		{"For " + a.Organiser.Name, []field{{"Sted og dato", ""}, {"Underskrift", ""},
			{"Navn", a.Signatory.Name}, {"Titel", a.Signatory.Title}}},
		{"For " + a.Party.Name, []field{{"Sted og dato", ""}, {"Underskrift", ""}, {"Navn", ""}, {"Titel", ""}}},
	}
	for i, c := range cols {
		x := marginLeft + float64(i)*(colW+colGap)
		p.SetXY(x, y)
		p.SetFont(family, "B", 10)
		p.CellFormat(colW, lineH, c.party, "", 0, "L", false, 0, "")
		for r, f := range c.fields {
			ly := y + lineH + float64(r+1)*sigRowH
			if f.value != "" {
				p.SetFont(family, "", 10)
				p.SetXY(x, ly-lineH-0.3)
				p.CellFormat(colW, lineH, f.value, "", 0, "L", false, 0, "")
			}
			p.SetDrawColor(0, 0, 0)
			p.SetLineWidth(0.2)
			p.Line(x, ly, x+colW, ly)
			p.SetFont(family, "", 8)
			p.SetTextColor(70, 70, 70)
			p.SetXY(x, ly+0.6)
			p.CellFormat(colW, 3.5, f.label, "", 0, "L", false, 0, "")
			p.SetTextColor(0, 0, 0)
		}
	}
	p.SetXY(marginLeft, y+lineH+4*sigRowH+5)
}

// endSentence ends s with a full stop unless it ends with one already ("3.843.350 kr.").
func endSentence(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// heading starts the next numbered section.
func (d *doc) heading(s string) {
	p := d.pdf
	d.n++
	p.Ln(sectionSp)
	p.SetFont(family, "B", 11)
	p.CellFormat(0, headingH-sectionSp, fmt.Sprintf("%d. %s", d.n, s), "", 1, "L", false, 0, "")
	p.SetFont(family, "", 10)
}

// para is a wrapped paragraph of body text.
func (d *doc) para(s string) {
	d.pdf.SetFont(family, "", 10)
	d.pdf.MultiCell(0, lineH, s, "", "L", false)
}

// row is a label and its value in two columns; the value may run over several lines.
func (d *doc) row(label, value string, bold bool) {
	p := d.pdf
	p.SetFont(family, "", 10)
	p.SetTextColor(70, 70, 70)
	p.CellFormat(labelW, lineH, label, "", 0, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	if bold {
		p.SetFont(family, "B", 10)
	}
	p.MultiCell(0, lineH, value, "", "L", false)
	p.SetFont(family, "", 10)
}

// numbered is a paragraph with a hanging number, so wrapped lines align with the text.
func (d *doc) numbered(num, s string) {
	p := d.pdf
	p.SetFont(family, "", 10)
	p.CellFormat(10, lineH, num, "", 0, "L", false, 0, "")
	p.MultiCell(0, lineH, s, "", "L", false)
	p.Ln(1)
}

// rule is a thin line across the text width.
func (d *doc) rule() {
	p := d.pdf
	w, _ := p.GetPageSize()
	p.Ln(2)
	p.SetDrawColor(160, 160, 160)
	p.SetLineWidth(0.2)
	p.Line(marginLeft, p.GetY(), w-marginRight, p.GetY())
	p.SetDrawColor(0, 0, 0)
	p.Ln(1)
}

func (d *doc) textW() float64 {
	w, _ := d.pdf.GetPageSize()
	return w - marginLeft - marginRight
}

func nonEmpty(parts []string) []string {
	var out []string
	for _, s := range parts {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
