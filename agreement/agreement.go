// Package agreement renders the accession agreement ("tilslutningsaftale"): one PDF per
// invitee, laid out as a Danish legal document: both parties with legal name, address and CVR
// number, numbered sections (purpose; price and payment, the yearly amount in figures and
// words with VAT; term; invoicing; conditions; authority), the deadline, and a signature block
// for each party on the page where the terms end. The same input always gives the same bytes (no clock is read;
// the creation date comes from the input), so the SHA-256 logged with each letter names the
// exact document that was sent.
package agreement

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Agreement is everything one agreement states. For builds it from the campaign; tests and
// callers may adjust fields before Render.
type Agreement struct {
	Heading string // "Tilslutningsaftale"
	Subject string // what the invitee joins: the agreement title, else the campaign name

	// Organiser is the organiser as a party ("KOMBIT A/S", its address and CVR number);
	// Short is how the text names it ("KOMBIT").
	Organiser      Party
	Short          string
	OrganiserEmail string             // where the signed agreement goes
	Contact        campaign.Contact   // the organiser's person for questions, if any
	Signatory      campaign.Signatory // who signs for the organiser; blanks leave a line

	// Party is the invitee as a party: its formal name ("Københavns Kommune"), and its
	// address and CVR number where the list gives them (a line to fill in otherwise).
	Party      Party
	Name       string // the invitee's name: "København"
	Code       string // the municipality code: "101"
	Population int64

	PopulationDate string // the date the population is counted on, as written: "1. januar 2012"
	RateOere       int64  // rate per inhabitant, øre
	Per            string // what the rate is per: "pr. indbygger pr. år"
	RoundToKroner  int64  // the rounding step the amount was computed with (0: none)
	AmountOere     int64  // what the invitee pays each period, øre
	Explicit       bool   // the amount was set for this invitee, not computed from the rate
	Period         campaign.Period
	VAT            campaign.VAT

	// Until is the last day the agreement runs, and it cannot be terminated before;
	// FirstInvoice the month the first invoice is sent. The sections on the term and on
	// invoicing begin with them; Term and Invoicing are what those sections say besides.
	Until        time.Time
	FirstInvoice time.Time
	Term         string
	Invoicing    string

	Conditions []string
	Deadline   time.Time // the last day to return the agreement, in the campaign's location
	// Issued is the date of the agreement letter. It is printed and is the PDF's creation
	// date, which keeps the output independent of when it is rendered.
	Issued time.Time
}

// Party is one party to the agreement as a legal office wants it named.
type Party struct {
	Name    string // the legal name: "KOMBIT A/S", "Københavns Kommune"
	Address string // one line: "Halfdansgade 8, 2300 København S"; "" leaves a line
	CVR     string // eight digits; "" leaves a line
}

// For builds the agreement for inv from the campaign: its price model, conditions and
// deadline. The issue date is the scheduled date of the agreement letter, or the deadline
// when no date is scheduled.
func For(c *campaign.Campaign, inv campaign.Invitee) Agreement {
	issued := c.Schedule.Agreement
	if issued.IsZero() {
		issued = c.Deadline
	}
	deadline := c.Deadline
	if c.Location != nil {
		issued, deadline = issued.In(c.Location), deadline.In(c.Location)
	}
	heading, subject := headingAndSubject(c)
	period := c.Price.Period
	if period == "" {
		period = campaign.PeriodYear // the config's default
	}
	o := c.Organiser
	legal := o.LegalName
	if legal == "" {
		legal = o.Name
	}
	return Agreement{
		Heading:        heading,
		Subject:        subject,
		Organiser:      Party{Name: legal, Address: o.Address, CVR: o.CVR},
		Short:          o.Name,
		OrganiserEmail: o.Email,
		Contact:        o.Contact,
		Signatory:      c.Agreement.Signatory,
		Party:          Party{Name: party(inv), Address: inv.Address, CVR: inv.CVR},
		Name:           inv.Name,
		Code:           inv.Code,
		Population:     int64(inv.Population),
		PopulationDate: danishDate(c.Price.PopulationDate),
		RateOere:       c.Price.RateOere,
		Per:            c.Price.Per,
		RoundToKroner:  c.Price.RoundToKroner,
		AmountOere:     c.PriceOf(inv),
		Explicit:       inv.Amount != nil,
		Period:         period,
		VAT:            c.Agreement.VAT,
		Until:          inLocation(c.Agreement.Until, c.Location),
		FirstInvoice:   inLocation(c.Agreement.FirstInvoice, c.Location),
		Term:           c.Agreement.Term,
		Invoicing:      c.Agreement.Invoicing,
		Conditions:     append([]string(nil), c.Agreement.Conditions...),
		Deadline:       deadline,
		Issued:         issued,
	}
}

// inLocation is t in loc, when both are known.
func inLocation(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() || loc == nil {
		return t
	}
	return t.In(loc)
}

// danishDate writes a configured ISO date ("2012-01-01") as a Danish reader expects it
// ("1. januar 2012"); anything else is kept as written.
func danishDate(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return campaign.FormatDateShortDa(t)
}

// headingAndSubject keeps "Tilslutningsaftale" as the heading and the agreement's title (or
// the campaign's name) below it, without saying "Tilslutningsaftale" twice when the
// configured title already starts with it.
func headingAndSubject(c *campaign.Campaign) (heading, subject string) {
	const word = "Tilslutningsaftale"
	subject = strings.TrimSpace(c.Agreement.Title)
	if subject == "" {
		subject = c.Name
	}
	if len(subject) >= len(word) && strings.EqualFold(subject[:len(word)], word) {
		rest := strings.TrimLeft(subject[len(word):], " :–-")
		return subject[:len(word)], rest
	}
	return word, subject
}

// Sum is the hex SHA-256 of a rendered agreement, as the event log records it.
func Sum(pdf []byte) string {
	h := sha256.Sum256(pdf)
	return hex.EncodeToString(h[:])
}

// validate names what is missing before anything is drawn, so a bad campaign gives one clear
// error instead of a PDF with holes.
func (a Agreement) validate() error {
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"name", a.Name}, {"code", a.Code}, {"party", a.Party.Name}, {"organiser", a.Organiser.Name},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if a.Deadline.IsZero() {
		missing = append(missing, "deadline")
	}
	if a.Issued.IsZero() {
		missing = append(missing, "issue date")
	}
	// The term and the first invoice are what a municipality commits to besides the amount.
	if a.Until.IsZero() {
		missing = append(missing, "the day the agreement runs until")
	}
	if a.FirstInvoice.IsZero() {
		missing = append(missing, "the month of the first invoice")
	}
	// The amount is never printed without saying whether VAT is in it.
	if a.VAT != campaign.VATExcluded && a.VAT != campaign.VATIncluded {
		missing = append(missing, "VAT (excluded or included)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	if a.AmountOere < 0 {
		return fmt.Errorf("negative amount %s", campaign.FormatKroner(a.AmountOere))
	}
	return nil
}

// party is how the agreement names the invitee: its formal name where the list gives one
// ("Københavns Kommune"), else its name.
func party(inv campaign.Invitee) string {
	if inv.FormalName != "" {
		return inv.FormalName
	}
	return inv.Name
}
