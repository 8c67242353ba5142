// Package agreement renders the accession agreement ("tilslutningsaftale"): one PDF per
// invitee stating its own payment, the campaign's conditions, the deadline and signature
// fields for both parties. The same input always gives the same bytes (no clock is read;
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

	Organiser      string           // "KOMBIT"
	OrganiserEmail string           // where the signed agreement goes
	Contact        campaign.Contact // the organiser's person for questions, if any

	Party      string // the invitee as a party: "Københavns Kommune"
	Name       string // the invitee's name: "København"
	Code       string // the municipality code: "101"
	Population int64

	PopulationDate string // the date the population is counted on, as written: "1. januar 2012"
	RateOere       int64  // rate per inhabitant, øre
	Per            string // what the rate is per: "pr. indbygger pr. år"
	RoundToKroner  int64  // the rounding step the amount was computed with (0: none)
	AmountOere     int64  // what the invitee pays, øre
	Explicit       bool   // the amount was set for this invitee, not computed from the rate

	Conditions []string
	Deadline   time.Time // the last day to return the agreement, in the campaign's location
	// Issued is the date of the agreement letter. It is printed and is the PDF's creation
	// date, which keeps the output independent of when it is rendered.
	Issued time.Time
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
	return Agreement{
		Heading:        heading,
		Subject:        subject,
		Organiser:      c.Organiser.Name,
		OrganiserEmail: c.Organiser.Email,
		Contact:        c.Organiser.Contact,
		Party:          party(inv),
		Name:           inv.Name,
		Code:           inv.Code,
		Population:     int64(inv.Population),
		PopulationDate: c.Price.PopulationDate,
		RateOere:       c.Price.RateOere,
		Per:            c.Price.Per,
		RoundToKroner:  c.Price.RoundToKroner,
		AmountOere:     c.PriceOf(inv),
		Explicit:       inv.Amount != nil,
		Conditions:     append([]string(nil), c.Agreement.Conditions...),
		Deadline:       deadline,
		Issued:         issued,
	}
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
		{"name", a.Name}, {"code", a.Code}, {"party", a.Party}, {"organiser", a.Organiser},
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
