package letters

import (
	"slices"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// SignInData is what a staff_signin letter tells: rsvpd could not sign in to the campaign's
// mailbox, on which server since when and why, and whether it works again by the time the
// letter goes out (a letter about sending can only go out once sending works again).
type SignInData struct {
	Mailbox string
	Servers []SignInServer
	// Causes are the servers' reasons in the letter's language, each once (set when the
	// letter is rendered).
	Causes []string
}

// SignInServer is one server's part of the outage.
type SignInServer struct {
	Server string // "SMTP" (sending) or "IMAP" (reading the replies)
	Since  time.Time
	Until  time.Time // when it worked again; zero while it still fails
	// Why is what failed and what to do, as data; Reason is it written in the letter's
	// language, set when the letter is rendered.
	Why    campaign.Reason
	Reason string
}

// Since is when the first server failed.
func (d SignInData) Since() time.Time {
	var t time.Time
	for _, s := range d.Servers {
		if t.IsZero() || s.Since.Before(t) {
			t = s.Since
		}
	}
	return t
}

// Over reports whether every server works again.
func (d SignInData) Over() bool {
	return !slices.ContainsFunc(d.Servers, func(s SignInServer) bool { return s.Until.IsZero() })
}

// Until is when the last server worked again (zero while one still fails).
func (d SignInData) Until() time.Time {
	var t time.Time
	for _, s := range d.Servers {
		if s.Until.IsZero() {
			return time.Time{}
		}
		if s.Until.After(t) {
			t = s.Until
		}
	}
	return t
}

// Failing reports whether the server ("SMTP" or "IMAP") failed in this outage.
func (d SignInData) Failing(server string) bool {
	return slices.ContainsFunc(d.Servers, func(s SignInServer) bool { return s.Server == server })
}

// signInIn writes the reasons of d in lang (a copy: the caller's data is not changed).
func (l *Letters) signInIn(lang string, d SignInData) *SignInData {
	d.Servers = slices.Clone(d.Servers)
	d.Causes = nil
	for i := range d.Servers {
		s := &d.Servers[i]
		if !s.Why.IsZero() {
			s.Reason = l.reasons.Text(lang, s.Why)
		}
		if s.Reason != "" && !slices.Contains(d.Causes, s.Reason) {
			d.Causes = append(d.Causes, s.Reason)
		}
	}
	return &d
}

// sampleSignIn is an outage of both servers for a revoked sign-in, the morning of now.
func sampleSignIn(c *campaign.Campaign, now time.Time) *SignInData {
	mailbox := c.Organiser.Email
	why := campaign.Reason{Code: campaign.ReasonSignInRevoked, Address: mailbox}
	since := now.Add(3 * time.Hour)
	return &SignInData{Mailbox: mailbox, Servers: []SignInServer{
		{Server: "IMAP", Since: since, Why: why},
		{Server: "SMTP", Since: since.Add(4 * time.Minute), Why: why},
	}}
}
