package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// finish reads the outcome once the campaign is over: the last digest as the staff got it,
// the status table, and every mailbox written out as .eml files. Then it prints them.
func (r *run) finish(ctx context.Context) error {
	st := r.engine.Store()
	rep, err := report(ctx, st, r.c)
	if err != nil {
		return err
	}
	r.res.Report = rep
	var rows []store.Outgoing
	if err := st.Tx(ctx, func(tx *store.Tx) error {
		var err error
		rows, err = tx.OutboxRows(store.OutboxFilter{Status: "sent"})
		return err
	}); err != nil {
		return fmt.Errorf("demo: read the outbox: %w", err)
	}
	digestText, digestRow, err := r.lastDigest(rows)
	if err != nil {
		return err
	}
	r.res.Digest = digestText
	kinds := map[string]string{}
	for _, row := range rows {
		kinds[strings.Trim(row.MessageID, "<>")] = row.Kind
	}
	for id, k := range r.dirs.kinds {
		kinds[id] = k
	}
	if err := r.writeMail(kinds); err != nil {
		return err
	}
	r.res.Answers = r.sb.Accepted(r.c.Organiser.Email)
	r.res.Late = r.inbox.late()
	r.res.Problems = append([]string(nil), r.dirs.errs...)
	r.print(digestRow)
	return nil
}

// lastDigest finds the last digest (the final report, once the deadline has run out) in the
// first staff mailbox and returns its text part.
func (r *run) lastDigest(rows []store.Outgoing) (string, store.Outgoing, error) {
	var last store.Outgoing
	for _, row := range rows {
		report := row.Kind == string(letters.KindDigest) || row.Kind == string(letters.KindFinalReport)
		if report && (last.ID == 0 || !row.SentAt.Before(last.SentAt)) {
			last = row
		}
	}
	if last.ID == 0 {
		return "", last, nil // a campaign without digests
	}
	want := strings.Trim(last.MessageID, "<>")
	for _, raw := range r.sb.Messages(last.Recipient) {
		if !bytes.Contains(raw, []byte(want)) {
			continue
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
		if err != nil {
			return "", last, fmt.Errorf("demo: read the last digest in the mailbox of %s: %w", last.Recipient, err)
		}
		return strings.TrimSpace(env.Text), last, nil
	}
	return "", last, fmt.Errorf("demo: the last digest (%s) is not in the mailbox of %s", last.Key, last.Recipient)
}

// writeMail writes every message of every mailbox as it was delivered, one folder per
// mailbox, named by its order and what it is (invitation, reply, digest ...).
func (r *run) writeMail(kinds map[string]string) error {
	for _, box := range r.sb.Mailboxes() {
		msgs := r.sb.Messages(box)
		if len(msgs) == 0 {
			continue
		}
		dir := filepath.Join(r.res.MailDir, box)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("demo: write mail: %w", err)
		}
		for i, raw := range msgs {
			kind := kinds[messageID(raw)]
			if kind == "" {
				kind = "message"
			}
			name := fmt.Sprintf("%03d-%s.eml", i+1, strings.ReplaceAll(kind, "_", "-"))
			if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
				return fmt.Errorf("demo: write mail: %w", err)
			}
			r.res.Files++
		}
		r.res.Delivered += len(msgs)
	}
	return nil
}

// print writes the end of the demo: the digest, the status table, where everything is.
func (r *run) print(digestRow store.Outgoing) {
	w := r.o.Out
	loc := r.c.Location
	rule := strings.Repeat("=", 100)
	if r.res.Digest != "" {
		fmt.Fprintf(w, "%s\nThe last digest, as %s received it (%s):\n%s\n\n%s\n\n", rule, digestRow.Recipient,
			digestRow.SentAt.In(loc).Format("2006-01-02 15:04"), rule, r.res.Digest)
	}
	fmt.Fprintf(w, "%s\nrsvpd status at %s:\n%s\n\n", rule, r.res.End.In(loc).Format("2006-01-02 15:04"), rule)
	if err := r.res.Report.WriteText(w, loc); err != nil {
		fmt.Fprintf(w, "(status: %v)\n", err)
	}
	fmt.Fprintf(w, "\n%s\n", rule)
	fmt.Fprintf(w, "%d messages delivered (%d answers from the simulated directors); all of them as .eml files in\n  %s\n",
		r.res.Delivered, r.res.Answers, r.res.MailDir)
	if r.res.Late > 0 {
		fmt.Fprintf(w, "warning: %d answers were not read by the daemon in time; see the log\n", r.res.Late)
	}
	for _, p := range r.res.Problems {
		fmt.Fprintf(w, "warning: %s\n", p)
	}
	fmt.Fprintf(w, "The store is %s; the same numbers from it:\n  rsvpd status --config %s\n", r.res.StorePath, r.res.ConfigPath)
	fmt.Fprintf(w, "  (from the source tree: go run ./cmd/rsvpd status --config %s)\n", r.res.ConfigPath)
	if r.res.LogPath != "" {
		fmt.Fprintf(w, "The daemon's log: %s\n", r.res.LogPath)
	}
}

// writeServers tells how to watch the mailboxes with a mail client.
func writeServers(w io.Writer, s Servers, c *campaign.Campaign) {
	host, smtpPort := splitAddr(s.SMTPAddr)
	_, imapPort := splitAddr(s.IMAPAddr)
	fmt.Fprintf(w, "\nThe mail servers stay up; press Ctrl-C to stop. Point a mail client at any mailbox:\n")
	fmt.Fprintf(w, "  IMAP  host %s  port %d  no TLS  user: the mailbox's address  password: %s\n", host, imapPort, s.Password)
	fmt.Fprintf(w, "  SMTP  host %s  port %d  no TLS  no login (every address on it is a local mailbox)\n", host, smtpPort)
	fmt.Fprintf(w, "  mailboxes: %s (the campaign; read answers are in rsvpd/Behandlet)\n", c.Organiser.Email)
	fmt.Fprintf(w, "             %s (the staff: digests and review notes)\n", strings.Join(c.Organiser.Staff, ", "))
	if len(c.Invitees) > 0 {
		fmt.Fprintf(w, "             %s ... (%d invitees, e.g. %s)\n", c.Invitees[0].Email, len(c.Invitees), c.Invitees[len(c.Invitees)-1].Email)
	}
	fmt.Fprintf(w, "  for instance: curl -s 'imap://%s:%d/INBOX;UID=1' -u %s:%s\n", host, imapPort, firstInvitee(c), s.Password)
	fmt.Fprintf(w, "  The daemon keeps running with its clock at the end of the campaign: mail to the campaign's\n"+
		"  addresses is read and answered as it arrives.\n")
}

func firstInvitee(c *campaign.Campaign) string {
	if len(c.Invitees) == 0 {
		return c.Organiser.Email
	}
	return c.Invitees[0].Email
}
