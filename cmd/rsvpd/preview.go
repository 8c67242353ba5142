package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/digest"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/status"
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
	if *lang != "" && !slices.Contains(letters.Languages(), *lang) {
		fmt.Fprintf(stderr, "rsvpd preview: --lang %q: the letters are written in %s\n", *lang, strings.Join(letters.Languages(), " and "))
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	l, err := letters.New(cfg.Campaign, cfg.Path(cfg.Templates))
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd preview: %v\n", err)
		return 2
	}
	signer, err := cfg.Signer()
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd preview: %v\n", err)
		return 1
	}
	cp := daemon.NewComposer(cfg.Campaign, l, signer)
	cp.PlainReplyAddress = cfg.Mail.ReplyAddress == "plain" // what invitees get
	if cfg.Web.Desk && cfg.HTTP.Address != "" {
		cp.AnswerBase = cfg.Web.PublicURL // the invitations show the one-click links they will carry
	}
	p := &previewer{c: cfg.Campaign, composer: cp, signer: signer, lang: *lang, dir: *out}
	// The letters carry each invitee's reply token, which answers for the invitee: the
	// folder and its files are the user's only.
	if err := os.MkdirAll(*out, 0o700); err != nil {
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

// previewer writes the .eml files. It composes each letter with the daemon's Composer, so a
// preview is what an invitee would get: From, Reply-To with the invitee's token, the Message-ID
// the outbox would give it, Auto-Submitted, calendar parts and the agreement PDF, with the
// scheduled send time as Date.
type previewer struct {
	c        *campaign.Campaign
	composer *daemon.Composer
	signer   *campaign.Signer
	lang     string
	dir      string
	notes    []string
}

func (p *previewer) run(ctx context.Context) (invitations, samples int, err error) {
	for _, inv := range p.c.Invitees {
		if err := ctx.Err(); err != nil {
			return invitations, samples, err
		}
		l := daemon.Letter{Kind: letters.KindInvitation, Data: letters.Data{Lang: p.lang, Invitee: inv},
			To: inv.Email, MessageID: p.signer.MessageID("invitation/"+inv.Code, inv.Code),
			Date: p.c.Schedule.Invitations.In(p.c.Location)}
		if err := p.write(l, inv.Code); err != nil {
			return invitations, samples, err
		}
		invitations++
	}
	for _, k := range letters.Kinds() {
		if k == letters.KindInvitation {
			continue
		}
		if err := ctx.Err(); err != nil {
			return invitations, samples, err
		}
		d := letters.SampleData(p.c, k)
		d.Lang = p.lang
		l := daemon.Letter{Kind: k, Data: d, Date: previewDate(p.c, k, &d), Sequence: 1}
		name := d.Invitee.Code
		if k.ToStaff() {
			name = "staff"
			if len(p.c.Organiser.Staff) == 0 {
				return invitations, samples, fmt.Errorf("preview %s: the campaign has no staff address", k)
			}
			l.To = p.c.Organiser.Staff[0]
		} else {
			l.To = d.Invitee.Email
		}
		l.MessageID = p.signer.MessageID("preview/"+string(k)+"/"+name, name)
		if err := p.staffAttachments(&l); err != nil {
			return invitations, samples, err
		}
		if err := p.write(l, name); err != nil {
			return invitations, samples, err
		}
		samples++
	}
	return invitations, samples, nil
}

// write composes one letter and writes it as <name>-<kind>.eml.
func (p *previewer) write(l daemon.Letter, name string) error {
	o, err := p.composer.Compose(l)
	if err != nil {
		return fmt.Errorf("preview %s for %s: %w", l.Kind, name, err)
	}
	raw, err := o.Bytes()
	if err != nil {
		return err
	}
	path := filepath.Join(p.dir, name+"-"+string(l.Kind)+".eml")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return fmt.Errorf("write preview: %w", err)
	}
	return nil
}

// staffAttachments adds what the daemon attaches to staff letters: the originals of review
// items (stand-ins here), and the digest's chart and status CSV (drawn from the sample).
func (p *previewer) staffAttachments(l *daemon.Letter) error {
	switch l.Kind {
	case letters.KindStaffReview:
		for _, it := range l.Data.Review {
			l.Attachments = append(l.Attachments, letters.Attachment{
				Name: "original-" + it.ID + ".eml", ContentType: "message/rfc822", Data: sampleOriginal(it)})
		}
		p.notes = append(p.notes, "the originals attached to the staff_review sample are made-up stand-ins for stored replies")
	case letters.KindParticipantList:
		pl := l.Data.Participants
		l.Attachments = append(l.Attachments, letters.Attachment{Name: pl.CSVName, ContentType: "text/csv; charset=utf-8",
			Data: []byte("\uFEFF(the list as CSV)\r\n")})
		p.notes = append(p.notes, "the participant list sample shows made-up people; its CSV is a stand-in")
	case letters.KindDigest, letters.KindFinalReport:
		d := l.Data.Digest
		chart, err := digest.Chart(p.c, *d, nil)
		if err != nil {
			return err
		}
		csv, err := digest.CSV(p.c, status.Build(p.c, nil))
		if err != nil {
			return err
		}
		d.ChartCID, d.CSVName = digest.ChartCID(p.c, d.Date), digest.CSVName(p.c, d.Date)
		l.Attachments = append(l.Attachments,
			letters.Attachment{Name: "chart.png", ContentType: "image/png", Data: chart, Inline: true, ContentID: d.ChartCID},
			letters.Attachment{Name: d.CSVName, ContentType: "text/csv; charset=utf-8", Data: csv})
		p.notes = append(p.notes, "the "+string(l.Kind)+" sample shows made-up numbers; its CSV lists every invitee as not yet invited")
	}
	return nil
}

// previewDate is when the letter would go out: the scheduled time where the campaign has one,
// else the time of the sample's events. No clock is read, so two previews are the same.
func previewDate(c *campaign.Campaign, k letters.Kind, d *letters.Data) time.Time {
	t := c.Schedule.Invitations
	switch k {
	case letters.KindAgreement, letters.KindNudgeAgreement, letters.KindAgreementReceipt,
		letters.KindAgreementPDFNeeded, letters.KindAgreementConfirmed:
		if !c.Schedule.Agreement.IsZero() {
			t = c.Schedule.Agreement
		}
	case letters.KindDigest, letters.KindFinalReport:
		t = d.Digest.Date
	case letters.KindParticipantList:
		t = d.Participants.Date
	case letters.KindStaffReview:
		for _, it := range d.Review {
			if it.Received.After(t) {
				t = it.Received
			}
		}
	case letters.KindReminder:
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

// sampleOriginal stands in for the stored reply a review item was made from.
func sampleOriginal(it letters.ReviewItem) []byte {
	return []byte("From: " + it.From + "\r\n" +
		"Subject: " + it.Subject + "\r\n" +
		"Message-ID: <" + it.MessageID + ">\r\n" +
		"Date: " + it.Received.Format(time.RFC1123Z) + "\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"(Eksempel: her ligger den oprindelige mail.)\r\n")
}
