package main

import (
	"context"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/agreement"
	"github.com/rsvpd/rsvpd/calendar"
	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer"
)

func runPreview(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("preview", "--config FILE --out DIR [--lang da|en]",
		"Write every invitation and one sample of every other letter as .eml files, sending nothing.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	out := fs.String("out", "", "the `folder` to write the .eml files to (created when missing)")
	lang := fs.String("lang", "", "write the letters in this `language` (da or en) instead of the campaign's")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	if *out == "" {
		fmt.Fprintln(stderr, "rsvpd preview: --out DIR is required")
		return 2
	}
	if *lang != "" && !slices.Contains(mailer.LetterLanguages(), *lang) {
		fmt.Fprintf(stderr, "rsvpd preview: --lang %q: the letters are written in %s\n", *lang, strings.Join(mailer.LetterLanguages(), " and "))
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	letters, err := mailer.NewLetters(cfg.Campaign, cfg.Path(cfg.Templates))
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd preview: %v\n", err)
		return 2
	}
	signer, err := cfg.Signer()
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd preview: %v\n", err)
		return 1
	}
	p := &previewer{c: cfg.Campaign, letters: letters, signer: signer, lang: *lang, dir: *out}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "rsvpd preview: %v\n", err)
		return 1
	}
	invitations, samples, err := p.run(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd preview: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Wrote %d invitations and %d sample letters to %s (%d .eml files); nothing was sent.\n",
		invitations, samples, *out, invitations+samples)
	for _, n := range p.notes {
		fmt.Fprintf(stdout, "Note: %s\n", n)
	}
	return 0
}

// previewer writes the .eml files. It composes each letter as the daemon sends it (From,
// Reply-To with the invitee's token, Message-ID from the signer, Auto-Submitted, calendar parts
// and the agreement PDF), with the scheduled send time as Date.
type previewer struct {
	c       *campaign.Campaign
	letters *mailer.Letters
	signer  *campaign.Signer
	lang    string
	dir     string
	notes   []string
}

func (p *previewer) run(ctx context.Context) (invitations, samples int, err error) {
	for _, inv := range p.c.Invitees {
		if err := ctx.Err(); err != nil {
			return invitations, samples, err
		}
		d := mailer.LetterData{Lang: p.lang, Invitee: inv}
		if err := p.write(mailer.KindInvitation, d, inv.Code); err != nil {
			return invitations, samples, err
		}
		invitations++
	}
	for _, k := range mailer.Kinds() {
		if k == mailer.KindInvitation {
			continue
		}
		if err := ctx.Err(); err != nil {
			return invitations, samples, err
		}
		d := mailer.SampleData(p.c, k)
		d.Lang = p.lang
		name := d.Invitee.Code
		if k.ToStaff() {
			name = "staff"
		}
		if err := p.write(k, d, name); err != nil {
			return invitations, samples, err
		}
		samples++
	}
	return invitations, samples, nil
}

// write renders, composes and writes one letter as <name>-<kind>.eml.
func (p *previewer) write(k mailer.Kind, d mailer.LetterData, name string) error {
	o, err := p.compose(k, &d)
	if err != nil {
		return err
	}
	raw, err := o.Bytes()
	if err != nil {
		return err
	}
	path := filepath.Join(p.dir, name+"-"+string(k)+".eml")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return fmt.Errorf("write preview: %w", err)
	}
	return nil
}

func (p *previewer) compose(k mailer.Kind, d *mailer.LetterData) (mailer.Outgoing, error) {
	c := p.c
	date := previewDate(c, k, d)
	o := mailer.Outgoing{
		From:          netmail.Address{Name: c.Organiser.Name, Address: c.Organiser.Email},
		Date:          date,
		AutoSubmitted: "auto-generated",
	}
	code := "staff"
	if k.ToStaff() {
		if len(c.Organiser.Staff) == 0 {
			return o, fmt.Errorf("preview %s: the campaign has no staff address", k)
		}
		o.To = netmail.Address{Address: c.Organiser.Staff[0]}
	} else {
		code = d.Invitee.Code
		d.ReplyAddress = p.signer.ReplyAddress(c.Organiser.Email, code)
		o.To = netmail.Address{Name: d.Invitee.Contact, Address: d.Invitee.Email}
		o.ReplyTo = netmail.Address{Name: c.Organiser.Name, Address: d.ReplyAddress}
	}
	switch k {
	case mailer.KindConfirmation, mailer.KindChange, mailer.KindDeclineAck, mailer.KindCancelAck:
		o.AutoSubmitted = "auto-replied" // each answers the invitee's reply
	}
	if err := p.attach(k, d, &o, date); err != nil {
		return o, err
	}
	r, err := p.letters.Render(k, *d)
	if err != nil {
		return o, fmt.Errorf("preview %s for %s: %w", k, code, err)
	}
	o.Subject, o.Text, o.HTML = r.Subject, r.Text, r.HTML
	o.MessageID = p.signer.MessageID("preview/"+string(k)+"/"+code, code)
	return o, nil
}

// attach adds what the caller adds in the daemon: calendar objects, the agreement PDF, the
// staff's attachments. It sets the letter's flags to what is actually attached, so the text
// never promises an attachment that is not there.
func (p *previewer) attach(k mailer.Kind, d *mailer.LetterData, o *mailer.Outgoing, date time.Time) error {
	c := p.c
	d.CalendarAttached, d.AgreementAttached = false, false
	switch k {
	case mailer.KindConfirmation:
		ics, err := calendar.Request(p.event(d.Invitee, *d.Meeting, 0, date))
		if err != nil {
			return err
		}
		o.Calendar = &mailer.CalendarPart{Method: calendar.MethodRequest, ICS: ics}
		d.CalendarAttached = true
	case mailer.KindChange:
		ics, err := calendar.Request(p.event(d.Invitee, *d.Meeting, 1, date))
		if err != nil {
			return err
		}
		o.Calendar = &mailer.CalendarPart{Method: calendar.MethodRequest, ICS: ics}
		if d.OldMeeting != nil && d.OldMeeting.ID != d.Meeting.ID {
			old, err := calendar.Cancel(p.event(d.Invitee, *d.OldMeeting, 1, date))
			if err != nil {
				return err
			}
			o.CalendarCancel = &mailer.CalendarPart{Method: calendar.MethodCancel, ICS: old}
		}
		d.CalendarAttached = true
	case mailer.KindCancelAck:
		ics, err := calendar.Cancel(p.event(d.Invitee, *d.Meeting, 1, date))
		if err != nil {
			return err
		}
		o.Calendar = &mailer.CalendarPart{Method: calendar.MethodCancel, ICS: ics}
		d.CalendarAttached = true
	case mailer.KindAgreement, mailer.KindNudgeAgreement:
		pdf, err := agreement.Render(agreement.For(c, d.Invitee))
		if err != nil {
			return err
		}
		o.Attachments = append(o.Attachments, mailer.Attachment{
			Name: agreementFileName(d.Invitee), ContentType: "application/pdf", Data: pdf})
		d.AgreementAttached = true
	case mailer.KindStaffReview:
		for _, it := range d.Review {
			o.Attachments = append(o.Attachments, mailer.Attachment{
				Name: "original-" + it.ID + ".eml", ContentType: "message/rfc822", Data: sampleOriginal(it)})
		}
		p.notes = append(p.notes, "the originals attached to the staff_review sample are made-up stand-ins for stored replies")
	case mailer.KindDigest:
		if d.Digest.ChartCID != "" {
			// No chart is drawn yet (the digest package will); without the image, the HTML
			// must not point at it.
			d.Digest.ChartCID = ""
			p.notes = append(p.notes, "the digest sample has no chart: nothing draws it yet")
		}
		if d.Digest.CSVName != "" {
			d.Digest.CSVName = ""
			p.notes = append(p.notes, "the digest sample has no status CSV: the digest package makes it")
		}
	}
	return nil
}

func (p *previewer) event(inv campaign.Invitee, m campaign.Meeting, seq int, stamp time.Time) calendar.Event {
	ev := calendar.NewEvent(p.c, inv, m)
	ev.Sequence, ev.Stamp = seq, stamp
	return ev
}

// previewDate is when the letter would go out: the scheduled time where the campaign has one,
// else the time of the sample's events. No clock is read, so two previews are the same.
func previewDate(c *campaign.Campaign, k mailer.Kind, d *mailer.LetterData) time.Time {
	t := c.Schedule.Invitations
	switch k {
	case mailer.KindAgreement, mailer.KindNudgeAgreement:
		if !c.Schedule.Agreement.IsZero() {
			t = c.Schedule.Agreement
		}
	case mailer.KindDigest:
		t = d.Digest.Date
	case mailer.KindStaffReview:
		for _, it := range d.Review {
			if it.Received.After(t) {
				t = it.Received
			}
		}
	case mailer.KindReminder:
		t = d.Meeting.Start.AddDate(0, 0, -1)
	}
	if t.IsZero() {
		t = c.Deadline
	}
	if c.Location != nil {
		t = t.In(c.Location)
	}
	return t
}

// agreementFileName is the PDF's name as the invitee sees it: "tilslutningsaftale-101-koebenhavn.pdf".
func agreementFileName(inv campaign.Invitee) string {
	r := strings.NewReplacer("æ", "ae", "ø", "oe", "å", "aa", "Æ", "Ae", "Ø", "Oe", "Å", "Aa", "é", "e")
	name := strings.ToLower(r.Replace(inv.Name))
	var b strings.Builder
	for _, ch := range name {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
			b.WriteRune(ch)
		case ch == ' ' || ch == '-':
			b.WriteByte('-')
		}
	}
	return "tilslutningsaftale-" + inv.Code + "-" + b.String() + ".pdf"
}

// sampleOriginal stands in for the stored reply a review item was made from.
func sampleOriginal(it mailer.ReviewItem) []byte {
	return []byte("From: " + it.From + "\r\n" +
		"Subject: " + it.Subject + "\r\n" +
		"Message-ID: <" + it.MessageID + ">\r\n" +
		"Date: " + it.Received.Format(time.RFC1123Z) + "\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"(Eksempel: her ligger den oprindelige mail.)\r\n")
}
