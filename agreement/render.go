package agreement

import (
	"bytes"
	"fmt"
	"strings"

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

	lineH     = 4.9  // body line height, mm
	labelW    = 48.0 // label column of the tables, mm
	sectionSp = 3.0  // space above a section heading, mm
)

// Render draws the agreement as an A4 PDF: one page for the example campaign; when the
// conditions run long, the signature block moves whole to the next page.
func Render(a Agreement) ([]byte, error) {
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("render agreement for %s %s: %w", a.Code, a.Name, err)
	}
	pdf := newDocument(a)
	d := &doc{pdf: pdf, a: a}
	d.page()
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

	title := a.Heading + " – " + a.Party
	pdf.SetTitle(title, true)
	pdf.SetSubject(a.Subject, true)
	pdf.SetAuthor(a.Organiser, true)
	pdf.SetCreator("rsvpd", true)
	pdf.SetLang("da-DK")

	pdf.SetFooterFunc(func() {
		w, _ := pdf.GetPageSize()
		pdf.SetY(-marginBottom + 5)
		pdf.SetFont(family, "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, fmt.Sprintf("%s · %s (kommunekode %s)", a.Heading, a.Party, a.Code), "", 0, "L", false, 0, "")
		// "{nb}" is replaced after layout, so its width is not known here: place the page
		// number by the width of a two-digit count instead of right-aligning it.
		pageText := fmt.Sprintf("Side %d af {nb}", pdf.PageNo())
		pdf.SetX(w - marginRight - pdf.GetStringWidth(fmt.Sprintf("Side %d af 99", pdf.PageNo())))
		pdf.CellFormat(0, 4, pageText, "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	return pdf
}

// doc draws one agreement; its methods are the sections in reading order.
type doc struct {
	pdf *fpdf.Fpdf
	a   Agreement
}

func (d *doc) page() {
	d.pdf.AddPage()
	d.title()
	d.parties()
	d.purpose()
	d.payment()
	d.conditions()
	d.deadline()
	d.signatures()
}

func (d *doc) title() {
	p, a := d.pdf, d.a
	p.SetFont(family, "", 9)
	p.SetTextColor(90, 90, 90)
	p.CellFormat(0, 4, a.Organiser, "", 0, "L", false, 0, "")
	p.CellFormat(0, 4, campaign.FormatDateShortDa(a.Issued), "", 1, "R", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.Ln(6)

	p.SetFont(family, "B", 22)
	p.CellFormat(0, 10, a.Heading, "", 1, "L", false, 0, "")
	if a.Subject != "" {
		p.SetFont(family, "", 13)
		p.MultiCell(0, 6.5, a.Subject, "", "L", false)
	}
	p.Ln(2)
	p.SetFont(family, "", 10)
	p.MultiCell(0, lineH, fmt.Sprintf("Aftale mellem %s og %s", a.Organiser, a.Party), "", "L", false)
	d.rule()
}

func (d *doc) parties() {
	a := d.a
	d.heading("1. Parter")
	c := a.Contact
	email := c.Email
	if email == "" {
		email = a.OrganiserEmail
	}
	organiser := []string{
		a.Organiser,
		prefixed("Kontakt: ", joinNonEmpty(", ", c.Name, c.Title)),
		joinNonEmpty(", ", email, prefixed("tlf. ", c.Phone)),
	}
	d.row("Arrangør", strings.Join(nonEmpty(organiser), "\n"), false)
	d.row("Kommune", a.Party, true)
	d.row("Kommunekode", a.Code, false)
}

func (d *doc) purpose() {
	a := d.a
	d.heading("2. Aftalens indhold")
	d.para(fmt.Sprintf("Ved at underskrive denne aftale tilslutter %s sig det fælles projekt, "+
		"som aftalen omhandler, og giver tilsagn om at betale det beløb, der står i afsnit 3, "+
		"på de betingelser, der står i afsnit 4.", a.Party))
}

func (d *doc) payment() {
	a := d.a
	d.heading("3. Kommunens betaling")
	population := campaign.FormatNumber(a.Population)
	if a.PopulationDate != "" {
		population += " (opgjort pr. " + a.PopulationDate + ")"
	}
	d.row("Indbyggertal", population, false)
	d.row("Sats", strings.TrimSpace(campaign.FormatRate(a.RateOere)+" "+a.Per), false)
	d.row("Kommunens betaling", campaign.FormatKroner(a.AmountOere), true)
	d.pdf.Ln(1)
	d.para(d.calculation())
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

func (d *doc) conditions() {
	a := d.a
	d.heading("4. Betingelser")
	if len(a.Conditions) == 0 {
		d.para("Der gælder ingen betingelser ud over dem, der står i denne aftale.")
		return
	}
	for i, c := range a.Conditions {
		d.numbered(fmt.Sprintf("4.%d", i+1), c)
	}
}

func (d *doc) deadline() {
	a := d.a
	d.heading("5. Frist")
	s := fmt.Sprintf("Aftalen skal være underskrevet og returneret til %s senest %s. "+
		"Send den underskrevne aftale som PDF som svar på den mail, den kom med",
		a.Organiser, campaign.FormatDateDa(a.Deadline))
	if a.OrganiserEmail != "" {
		s += ", eller til " + a.OrganiserEmail
	}
	d.para(endSentence(s))
}

// endSentence ends s with a full stop unless it ends with one already ("3.843.350 kr.").
func endSentence(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// signatures draws date, name and signature lines for both parties side by side, on a new
// page when they would otherwise be split.
func (d *doc) signatures() {
	p, a := d.pdf, d.a
	const rowH, rows = 10.0, 3
	_, pageH := p.GetPageSize()
	// heading, party names, the rows and the labels under the last line
	if need := sectionSp + 7 + 1 + lineH + rows*rowH + 5; p.GetY()+need > pageH-marginBottom {
		p.AddPage()
	}
	d.heading("6. Underskrifter")
	w, _ := p.GetPageSize()
	colW := (w - marginLeft - marginRight - 12) / 2
	parties := []string{"For " + a.Organiser, "For " + a.Party}
	y := p.GetY() + 1
	for i, party := range parties {
		x := marginLeft + float64(i)*(colW+12)
		p.SetXY(x, y)
		p.SetFont(family, "B", 10)
		p.CellFormat(colW, lineH, party, "", 0, "L", false, 0, "")
		p.SetFont(family, "", 9)
		for r, label := range []string{"Dato", "Navn", "Underskrift"} {
			ly := y + lineH + float64(r+1)*rowH
			p.Line(x, ly, x+colW, ly)
			p.SetXY(x, ly+0.8)
			p.CellFormat(colW, 4, label, "", 0, "L", false, 0, "")
		}
	}
	p.SetXY(marginLeft, y+lineH+rows*rowH+6)
}

// heading starts a numbered section.
func (d *doc) heading(s string) {
	p := d.pdf
	p.Ln(sectionSp)
	p.SetFont(family, "B", 11)
	p.CellFormat(0, 7, s, "", 1, "L", false, 0, "")
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

func joinNonEmpty(sep string, parts ...string) string { return strings.Join(nonEmpty(parts), sep) }

func nonEmpty(parts []string) []string {
	var out []string
	for _, s := range parts {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
