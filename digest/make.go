package digest

import (
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// Message is a digest ready to be put into a mail: the data its letter is rendered from, the
// status CSV to attach, and the chart the letter's HTML shows inline as cid:ChartCID.
type Message struct {
	CSV      []byte
	CSVName  string // "status-2012-02-21.csv"
	Chart    []byte // PNG
	ChartCID string // the Content-ID without angle brackets
	// Data is what the letter is rendered from (letters.Data.Digest, with CSVName and
	// ChartCID filled in), and History the agreements per day the chart draws.
	Data    letters.DigestData
	History []Day
}

// Make builds the digest for the period from o.Since to o.Now (or the final report): its data,
// chart and CSV. The caller renders the letter from Data, as it renders every letter to the
// staff (the daemon's Composer, with the desk's address), and wraps the parts into a message:
// the text and HTML as alternatives, the chart as an inline image/png with Content-ID
// <ChartCID> related to the HTML, the CSV as an attachment (text/csv; charset=utf-8).
func Make(tx *store.Tx, c *campaign.Campaign, o Options) (Message, error) {
	s, err := read(tx, c, o)
	if err != nil {
		return Message{}, err
	}
	now := o.Now
	m := Message{CSVName: CSVName(c, now), ChartCID: ChartCID(c, now)}
	if m.CSV, err = CSV(c, s.report); err != nil {
		return Message{}, err
	}
	if m.Chart, err = Chart(c, s.data, s.history); err != nil {
		return Message{}, err
	}
	s.data.CSVName, s.data.ChartCID = m.CSVName, m.ChartCID
	m.Data, m.History = s.data, s.history
	return m, nil
}

// CSVName is the attachment's name: the digest's local date, so the files of several days
// sort and do not overwrite each other in a download folder.
func CSVName(c *campaign.Campaign, now time.Time) string {
	return "status-" + now.In(location(c)).Format("2006-01-02") + ".csv"
}

// ChartCID is the chart's Content-ID: unique per digest run and in the organiser's domain, as
// RFC 2392 asks of a Content-ID.
func ChartCID(c *campaign.Campaign, now time.Time) string {
	domain := "rsvpd.invalid"
	if _, d, ok := strings.Cut(c.Organiser.Email, "@"); ok && d != "" {
		domain = d
	}
	return "digest-chart-" + now.In(location(c)).Format("20060102T1504") + "@" + domain
}
