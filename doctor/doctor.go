// Package doctor checks, before a campaign, that rsvpd can do its job with the configured mail
// servers: both reachable, TLS with a valid certificate, the sign-in to SMTP and IMAP (password
// or OAuth2), IDLE and MOVE, the inbox and the processed mailbox, and a live round trip through
// the organiser's tokened reply address, which only arrives where the mail system has plus
// addressing. Each check is one line saying what was found and, on failure, what to do.
package doctor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/auth"
)

// Status is a check's outcome.
type Status string

// The outcomes: a warning does not fail the doctor, a skipped check could not run because an
// earlier one failed.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "FAIL"
	Skip Status = "skip"
)

// Result is one check.
type Result struct {
	Name   string
	Status Status
	Detail string // what was found
	Fix    string // what to do, for Warn and Fail
}

// Options are what the checks need.
type Options struct {
	Config *config.Config
	Signer *campaign.Signer // for the probe's tokened address and Message-ID
	// ProbeTimeout is how long to wait for the probe in the inbox (default 60 s).
	ProbeTimeout time.Duration
	// Timeout bounds each network step (default 20 s).
	Timeout time.Duration
	Log     *slog.Logger
	// Now stamps the probe; default time.Now.
	Now func() time.Time
}

// Run runs every check in order, writing each result to w as it is known, and returns them.
func Run(ctx context.Context, w io.Writer, o Options) []Result {
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = 60 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	imapCreds, smtpCreds := auth.ForServers(o.Config, auth.Options{Log: o.Log})
	d := &run{o: o, w: w, imapCreds: imapCreds, smtpCreds: smtpCreds}
	d.rate()
	d.smtpChecks(ctx)
	d.imapChecks(ctx)
	d.roundTrip(ctx)
	d.close()
	return d.results
}

// Failed says whether any check failed.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if r.Status == Fail {
			return true
		}
	}
	return false
}

type run struct {
	o                    Options
	w                    io.Writer
	imapCreds, smtpCreds *auth.Credentials
	results              []Result
	smtp                 *smtpSession // signed in, or nil
	imap                 *imapSession // signed in, or nil
	processed            string       // the processed mailbox's name on the server, "" when unusable
}

func (d *run) add(r Result) {
	d.results = append(d.results, r)
	line := fmt.Sprintf("%-4s  %-26s %s", r.Status, r.Name, r.Detail)
	if r.Fix != "" && (r.Status == Fail || r.Status == Warn) {
		line += " -- " + r.Fix
	}
	fmt.Fprintln(d.w, strings.ReplaceAll(line, "\n", " "))
}

func (d *run) ok(name, format string, args ...any) {
	d.add(Result{Name: name, Status: OK, Detail: fmt.Sprintf(format, args...)})
}

func (d *run) fail(name, fix, format string, args ...any) {
	d.add(Result{Name: name, Status: Fail, Detail: fmt.Sprintf(format, args...), Fix: fix})
}

func (d *run) warn(name, fix, format string, args ...any) {
	d.add(Result{Name: name, Status: Warn, Detail: fmt.Sprintf(format, args...), Fix: fix})
}

func (d *run) skip(name, why string) { d.add(Result{Name: name, Status: Skip, Detail: why}) }

func (d *run) close() {
	if d.smtp != nil {
		d.smtp.close()
	}
	if d.imap != nil {
		d.imap.close()
	}
}

// rate gives the sending-rate advice of the provider the servers belong to.
func (d *run) rate() {
	m := d.o.Config.Mail
	host := strings.ToLower(m.SMTP.Host)
	switch {
	case m.Provider == "microsoft365" || strings.HasSuffix(host, ".office365.com") || strings.HasSuffix(host, ".outlook.com"):
		if m.Rate == 0 || m.Rate > 0.5 {
			d.warn("sending rate", "set mail.rate: 0.5 (or mail.provider: microsoft365)",
				"mail.rate %v: Microsoft 365 takes at most 30 messages a minute from one mailbox and refuses the rest for a while", m.Rate)
			return
		}
		d.ok("sending rate", "%v messages a second, within Microsoft 365's 30 a minute", m.Rate)
	case m.Provider == "google" || strings.HasSuffix(host, ".gmail.com") || strings.HasSuffix(host, ".googlemail.com"):
		d.ok("sending rate", "Google Workspace sends up to 2,000 messages a day from a mailbox; the campaign sends %d invitations",
			len(d.o.Config.Campaign.Invitees))
	default:
		if m.Rate == 0 {
			d.ok("sending rate", "no limit (mail.rate: 0); your relay's own limits apply")
		} else {
			d.ok("sending rate", "%v messages a second", m.Rate)
		}
	}
}

// signInFix says what to do about a refused sign-in.
func signInFix(c *auth.Credentials, err error) string {
	if te, ok := err.(*auth.TokenError); ok && te.Hint() != "" {
		return te.Hint()
	}
	if c.OAuth2() {
		return "the server refused the token: check that the app has the " + c.Mechanism() +
			" permission for this protocol and that " + c.User() + " is the mailbox the token is for (README: Microsoft 365, Google)"
	}
	return "check user and the password in password_env or password_file"
}
