package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/ops"
	"github.com/rsvpd/rsvpd/replies"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "--config FILE", "Validate the configuration and print a summary of the campaign.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return interruptedOr(ctx, 2)
	}
	if err := checkHTTP(cfg); err != nil {
		// The rule rsvpd run applies when it starts: say so now, not at the start.
		fmt.Fprintf(stderr, "%s: %v\nrsvpd: %s: 1 problem(s)\n", cfg.File, err, cfg.File)
		return 2
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	printSummary(stdout, cfg)
	return 0
}

// checkHTTP applies the rule of the health and metrics endpoint: an address other machines
// can reach needs a bearer token of at least 16 characters.
func checkHTTP(cfg *config.Config) error {
	if cfg.HTTP.Address == "" {
		return nil
	}
	token, err := cfg.HTTP.Token()
	if err != nil {
		return fmt.Errorf("http token: %w", err)
	}
	return ops.CheckAccess(cfg.HTTP.Address, token)
}

func printSummary(w io.Writer, cfg *config.Config) {
	c := cfg.Campaign
	fmt.Fprintf(w, "%s: ok\n\n", cfg.File)
	fmt.Fprintf(w, "Campaign   %s (letters in %s)\n", c.Name, c.Language)
	fmt.Fprintf(w, "Organiser  %s <%s>; staff: %s\n", c.Organiser.Name, c.Organiser.Email, strings.Join(c.Organiser.Staff, ", "))
	fmt.Fprintf(w, "Deadline   %s (end of day, %s)\n\n", c.Deadline.Format("Mon 2 Jan 2006"), c.Location)
	fmt.Fprintf(w, "Meetings (%d, local time %s):\n", len(c.Meetings), c.Location)
	for _, m := range c.Meetings {
		capacity := "no capacity limit"
		if m.Capacity > 0 {
			capacity = fmt.Sprintf("capacity %d", m.Capacity)
		}
		fmt.Fprintf(w, "  %-10s %s %s-%s  %s  (%s)\n", m.ID, m.Start.Format("Mon 2 Jan 2006"),
			m.Start.Format("15:04"), m.End.Format("15:04"), m.Address(), capacity)
	}
	fmt.Fprintf(w, "\nInvitees   %d, total population %s (%s)\n", len(c.Invitees),
		groupEn(c.TotalPopulation()), c.Price.PopulationName)
	lo, hi, _ := c.PriceRange()
	fmt.Fprintf(w, "Prices     %s per inhabitant; total %s; from %s (%s) to %s (%s)\n",
		campaign.FormatKronerEn(c.Price.RateOere), campaign.FormatKronerEn(c.TotalPrice()),
		campaign.FormatKronerEn(lo), pricedAt(c, lo), campaign.FormatKronerEn(hi), pricedAt(c, hi))
	fmt.Fprintf(w, "Store      %s\n", cfg.Store.Path)
	fmt.Fprintf(w, "Mail       SMTP %s (%s), IMAP %s (%s), inbox %s\n", cfg.Mail.SMTP.Addr(), cfg.Mail.SMTP.TLS,
		cfg.Mail.IMAP.Addr(), cfg.Mail.IMAP.TLS, cfg.Mail.Inbox)
	switch id := cfg.Mail.IMAP.AuthServID; id {
	case "":
		fmt.Fprintf(w, "Senders    not verified: a reply matched by the sender's address alone (no token, no thread)\n"+
			"           is applied unverified; set mail.imap.authserv_id to hold it unless DMARC passed\n")
	case replies.AuthServExchangeOnline:
		fmt.Fprintf(w, "Senders    verified by Microsoft 365's Authentication-Results (DMARC, DKIM or SPF pass)\n")
	default:
		fmt.Fprintf(w, "Senders    verified by the Authentication-Results of %s (DMARC, DKIM or SPF pass)\n", id)
	}
	printFirstJobs(w, c)
}

// groupEn writes n with thousands separated by commas, as English text does.
func groupEn(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pricedAt names the invitees whose price is amount.
func pricedAt(c *campaign.Campaign, amount int64) string {
	var names []string
	for _, inv := range c.Invitees {
		if c.PriceOf(inv) == amount {
			names = append(names, inv.Name)
		}
	}
	if len(names) > 3 {
		names = append(names[:3], "...")
	}
	return strings.Join(names, ", ")
}
