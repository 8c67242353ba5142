package status

import (
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Words is the vocabulary the status table and the status CSV are written in: column names
// and the values of the states, in the campaign's language (Danish unless it is "en"), so the
// staff read "Tilmeldt" and "Bekræftet" where the store holds attending and confirmed.
type Words struct {
	en bool
}

// WordsFor is the vocabulary of the campaign's language.
func WordsFor(c *campaign.Campaign) Words { return Words{en: c != nil && c.Language == "en"} }

// English reports whether the words are English.
func (w Words) English() bool { return w.en }

// Status names an invitee's answer.
func (w Words) Status(s string) string {
	da, en := map[campaign.Status][2]string{
		campaign.StatusNew:       {"Ikke inviteret", "Not invited"},
		campaign.StatusInvited:   {"Ikke svaret", "Not answered"},
		campaign.StatusAttending: {"Tilmeldt", "Registered"},
		campaign.StatusDeclined:  {"Afbud", "Declined"},
		campaign.StatusUnclear:   {"Uklart svar", "Unclear answer"},
	}[campaign.Status(s)], w.en
	return pick(da, en, s)
}

// Agreement names where an agreement stands; a returned one says it has not been checked,
// since only a confirmed agreement counts toward the go-ahead.
func (w Words) Agreement(a string) string {
	da, en := map[campaign.AgreementStatus][2]string{
		campaign.AgreementNone:      {"Ikke sendt", "Not sent"},
		campaign.AgreementSent:      {"Sendt", "Sent"},
		campaign.AgreementReturned:  {"Returneret, ikke kontrolleret", "Returned, not checked"},
		campaign.AgreementConfirmed: {"Bekræftet", "Confirmed"},
	}[campaign.AgreementStatus(a)], w.en
	return pick(da, en, a)
}

// Delivery says whether mail reaches the invitee.
func (w Words) Delivery(d string) string {
	da, en := map[campaign.Delivery][2]string{
		campaign.DeliveryOK:            {"OK", "OK"},
		campaign.DeliveryUndeliverable: {"Kan ikke leveres", "Undeliverable"},
	}[campaign.Delivery(d)], w.en
	return pick(da, en, d)
}

// pick is the word in the language, or the code itself when the vocabulary lacks it.
func pick(words [2]string, en bool, code string) string {
	i := 0
	if en {
		i = 1
	}
	if words[i] == "" {
		return code
	}
	return words[i]
}

// Number writes a whole number with the language's thousands separator: "5.580.413" in
// Danish, "5,580,413" in English.
func (w Words) Number(n int64) string {
	s := campaign.FormatNumber(n)
	if w.en {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// Count writes a number with the noun that fits it: "1 kommune", "12 kommuner".
func (w Words) Count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return w.Number(n) + " " + many
}

// Percent writes a share (0..1) with one decimal: "58,8 %" in Danish, "58.8%" in English.
func (w Words) Percent(f float64) string {
	s := strconv.FormatFloat(100*f, 'f', 1, 64)
	if w.en {
		return s + "%"
	}
	return strings.Replace(s, ".", ",", 1) + " %"
}

// Time writes a moment for a table: "20.02.2012 14.03" in Danish, "2012-02-20 14:03" in
// English.
func (w Words) Time(t time.Time) string {
	if w.en {
		return t.Format("2006-01-02 15:04")
	}
	return t.Format("02.01.2006 15.04")
}

// Date writes a day for a table: "27.02.2012" in Danish, "2012-02-27" in English; text that is
// not a date ("2006-01-02") is returned as it is.
func (w Words) Date(iso string) string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil || w.en {
		return iso
	}
	return t.Format("02.01.2006")
}
