package doctor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// plusFix is what to do when mail to a tokened address does not reach the inbox.
const plusFix = "turn plus addressing on (Microsoft 365: Set-OrganizationConfig -DisablePlusAddressInRecipients $false; " +
	"Postfix: recipient_delimiter = +), or set mail.reply_address: plain, and rsvpd matches replies by thread and sender"

// roundTrip sends a probe to the organiser's tokened reply address and waits for it in the
// inbox: every invitation's Reply-To is such an address, so where the probe does not arrive,
// no answer would.
func (d *run) roundTrip(ctx context.Context) {
	const name = "plus addressing"
	cfg := d.o.Config
	if cfg.Mail.ReplyAddress == "plain" {
		d.skip(name, "not used: mail.reply_address is plain (replies are matched by thread and sender)")
		return
	}
	if d.smtp == nil || d.imap == nil {
		d.skip(name, "needs the SMTP and IMAP sign-in")
		return
	}
	org := cfg.Campaign.Organiser.Email
	nonce := make([]byte, 6)
	rand.Read(nonce)
	probe := hex.EncodeToString(nonce)
	to := d.o.Signer.ReplyAddress(org, "doctor")
	msgID := d.o.Signer.MessageID("doctor/probe/"+probe, "doctor")
	if err := d.sendProbe(org, to, msgID, probe); err != nil {
		d.fail(name, plusFix, "%v", err)
		return
	}
	start := time.Now()
	raw, bounced, err := d.waitProbe(ctx, msgID, probe)
	switch {
	case err != nil:
		d.fail(name, "check the inbox by hand; rsvpd reads it the same way", "waiting for the probe in %s: %v", cfg.Mail.Inbox, err)
	case bounced:
		d.fail(name, plusFix, "mail to %s bounced: the server has no plus addressing, and every reply to an invitation would bounce too", to)
	case raw == nil:
		d.fail(name, plusFix, "the probe to %s did not reach %s within %v: plus addressing is off or delivers elsewhere, "+
			"and replies to the invitations would not arrive either", to, cfg.Mail.Inbox, d.o.ProbeTimeout)
	default:
		if why := d.ownProbe(raw, msgID); why != "" {
			d.fail(name, "check that nothing rewrites the recipient or the Message-ID on the way in", "the probe arrived, but %s", why)
			return
		}
		d.ok(name, "a probe to %s arrived in %s after %v and reads as rsvpd's own", to, cfg.Mail.Inbox, time.Since(start).Round(100*time.Millisecond))
	}
}

func (d *run) sendProbe(from, to, msgID, probe string) error {
	c := d.smtp.c
	d.smtp.conn.SetDeadline(time.Now().Add(d.o.Timeout))
	if err := c.Mail("<" + from + ">"); err != nil {
		return fmt.Errorf("SMTP refused the probe's sender %s: %w", from, err)
	}
	if err := c.Rcpt("<" + to + ">"); err != nil {
		return fmt.Errorf("SMTP refused the tokened address %s (%w): the server has no plus addressing, "+
			"and every reply to an invitation would bounce", to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	now := d.o.Now()
	fmt.Fprintf(w, "From: %s\r\nTo: %s\r\nSubject: rsvpd doctor: plus addressing probe %s\r\nDate: %s\r\n"+
		"Message-ID: <%s>\r\nAuto-Submitted: auto-generated\r\nX-Rsvpd-Probe: %s\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"+
		"rsvpd doctor sent this to the campaign's tokened reply address to see that replies reach the inbox.\r\n"+
		"It moves the probe to the processed mailbox when it finds it; you may delete it.\r\n",
		from, to, probe, now.Format(time.RFC1123Z), msgID, probe)
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP refused the probe: %w", err)
	}
	return nil
}

// waitProbe looks in the inbox every second for the probe, or a bounce that names it.
func (d *run) waitProbe(ctx context.Context, msgID, probe string) (raw []byte, bounced bool, err error) {
	s := d.imap
	inbox := d.o.Config.Mail.Inbox
	deadline := time.Now().Add(d.o.ProbeTimeout)
	for {
		var uids []imap.UID
		err := s.do(func() error {
			if _, err := s.c.Select(inbox, nil).Wait(); err != nil {
				return err
			}
			data, err := s.c.UIDSearch(&imap.SearchCriteria{Text: []string{probe}}, nil).Wait()
			if err == nil {
				uids = data.AllUIDs()
			}
			return err
		})
		if err != nil {
			return nil, false, err
		}
		for _, uid := range uids {
			raw, err := d.fetch(uid)
			if err != nil {
				return nil, false, err
			}
			if bytes.Contains(raw, []byte("X-Rsvpd-Probe: "+probe)) && headerID(raw) == msgID {
				d.putAway(uid)
				return raw, false, nil
			}
			d.putAway(uid)
			return nil, true, nil // a message that quotes the probe: a bounce
		}
		if time.Now().After(deadline) {
			return nil, false, nil
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func (d *run) fetch(uid imap.UID) ([]byte, error) {
	s := d.imap
	section := &imap.FetchItemBodySection{Peek: true}
	var raw []byte
	err := s.do(func() error {
		msgs, err := s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err == nil && len(msgs) > 0 {
			raw = msgs[0].FindBodySection(section)
		}
		return err
	})
	return raw, err
}

// putAway moves the probe (or its bounce) out of the inbox, so that rsvpd run never reads it;
// without MOVE it is only marked seen, since an expunge would take other deleted mail along.
func (d *run) putAway(uid imap.UID) {
	s := d.imap
	if s.c.Caps().Has(imap.CapMove) && d.processed != "" {
		s.do(func() error { _, err := s.c.Move(imap.UIDSetNum(uid), d.processed).Wait(); return err })
		return
	}
	s.do(func() error {
		return s.c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}, Silent: true}, nil).Close()
	})
}

// ownProbe says why an arrived probe would not read as rsvpd's own ("" when it does): the
// tokened address it came to and its Message-ID must verify with the campaign secret.
func (d *run) ownProbe(raw []byte, msgID string) string {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "it does not parse: " + err.Error()
	}
	found := false
	for _, k := range []string{"Delivered-To", "X-Original-To", "To"} {
		for _, v := range m.Header[k] {
			for _, a := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '<' || r == '>' }) {
				if code, ok := d.o.Signer.TokenFromAddress(strings.ToLower(a)); ok && code == "doctor" {
					found = true
				}
			}
		}
	}
	if !found {
		return "no header holds the tokened address it was sent to"
	}
	if code, ok := d.o.Signer.VerifyMessageID(headerID(raw)); !ok || code != "doctor" {
		return "its Message-ID was changed on the way"
	}
	return ""
}

func headerID(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	return strings.Trim(strings.TrimSpace(m.Header.Get("Message-Id")), "<>")
}
