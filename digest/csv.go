package digest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/status"
)

// CSVHeader returns the column names of the status CSV in the campaign's language, in order.
func CSVHeader(c *campaign.Campaign) []string {
	if c.Language == "en" {
		return []string{"Code", "Municipality", "Status", "Meeting", "People", "Companions", "Agreement",
			"Delivery", "Away until", "Population", "Price (DKK)", "Last change"}
	}
	return []string{"Kode", "Kommune", "Status", "Møde", "Deltagere", "Ledsagere", "Aftale",
		"Levering", "Fraværende til", "Indbyggere", "Pris (kr.)", "Senest ændret"}
}

// CSVComma is the field separator CSV uses for the campaign: a semicolon for a Danish
// campaign, since Excel with Danish regional settings splits on the list separator ";" (and
// reads "," as the decimal mark), a comma otherwise.
func CSVComma(c *campaign.Campaign) rune {
	if c.Language == "en" {
		return ','
	}
	return ';'
}

// CSV writes the full status, one row per invitee in the report's order, as every CSV is
// written (sheet: a byte order mark, the campaign's separator, CRLF). Column names and values are in the
// campaign's language ("Tilmeldt", "Bekræftet", the meeting's city), as the staff read them.
// Numbers carry no thousands separators and the price is in kroner with the campaign's decimal
// mark, so a spreadsheet takes them as numbers; times are local and sortable
// ("2012-02-20 14:03").
func CSV(c *campaign.Campaign, report status.Report) ([]byte, error) {
	w := newSheet(c)
	loc := location(c)
	decimal := ","
	if c.Language == "en" {
		decimal = "."
	}
	wd := status.WordsFor(c)
	if err := w.row(CSVHeader(c)...); err != nil {
		return nil, fmt.Errorf("write status csv: %w", err)
	}
	for _, row := range report.Rows {
		inv, ok := c.Invitee(row.Code)
		if !ok {
			return nil, fmt.Errorf("write status csv: the report names invitee %q, which the campaign does not list", row.Code)
		}
		headcount, last := "", ""
		if row.Headcount > 0 {
			headcount = strconv.Itoa(row.Headcount)
		}
		if !row.LastChange.IsZero() {
			last = row.LastChange.In(loc).Format("2006-01-02 15:04")
		}
		meeting := row.Meeting
		if m, ok := c.Meeting(row.Meeting); ok {
			meeting = m.City
		}
		rec := []string{row.Code, row.Name, wd.Status(row.Status), meeting, headcount, strings.Join(row.Companions, "; "),
			wd.Agreement(row.Agreement), wd.Delivery(row.Delivery), row.AwayUntil, strconv.Itoa(row.Population),
			kroner(c.PriceOf(inv), decimal), last}
		if err := w.row(rec...); err != nil {
			return nil, fmt.Errorf("write status csv: invitee %s: %w", row.Code, err)
		}
	}
	b, err := w.bytes()
	if err != nil {
		return nil, fmt.Errorf("write status csv: %w", err)
	}
	return b, nil
}

// kroner writes an amount in øre as kroner, with two decimals only when there are øre.
func kroner(oere int64, decimal string) string {
	sign := ""
	if oere < 0 {
		sign, oere = "-", -oere
	}
	if oere%100 == 0 {
		return sign + strconv.FormatInt(oere/100, 10)
	}
	return fmt.Sprintf("%s%d%s%02d", sign, oere/100, decimal, oere%100)
}
