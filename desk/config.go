package desk

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
)

// setting is one line of the configuration page.
type setting struct{ Key, Value string }

type section struct {
	Title string
	Rows  []setting
}

// config shows the configuration as rsvpd read it: the campaign, the schedule, the mail
// servers and where secrets come from, never a secret itself (passwords, the campaign
// secret, tokens are named only by their variable or file).
func (s *Server) config(w http.ResponseWriter, r *http.Request, v *visit) {
	cfg := s.e.Config()
	c := cfg.Campaign
	loc := c.Location
	camp := section{Title: s.t("cfg_campaign"), Rows: []setting{
		{"campaign.title", c.Name}, {"campaign.language", c.Language}, {"campaign.timezone", loc.String()},
		{"campaign.deadline", s.longDate(c.Deadline)}, {"campaign.go_ahead", s.percent(c.GoAhead)},
		{"organiser.name", c.Organiser.Name}, {"organiser.email", c.Organiser.Email},
		{"organiser.staff", strings.Join(c.Organiser.Staff, ", ")}, {"organiser.website", c.Organiser.Website},
		{"organiser.contact", strings.Join(nonEmpty(c.Organiser.Contact.Name, c.Organiser.Contact.Title,
			c.Organiser.Contact.Phone, c.Organiser.Contact.Email), ", ")},
		{"companions", fmt.Sprintf("%d (%s)", c.Companions.Included, c.Companions.Role)},
		{"invitees", strconv.Itoa(len(c.Invitees))},
		{"price", fmt.Sprintf("%s %s (%s, %s)", campaign.FormatRate(c.Price.RateOere), c.Price.Per, c.Price.PopulationName, c.Price.PopulationDate)},
	}}
	meetings := section{Title: s.t("cfg_meetings")}
	for _, m := range c.Meetings {
		capacity := s.t("cfg_no_limit")
		if m.Capacity > 0 {
			capacity = strconv.Itoa(m.Capacity)
		}
		meetings.Rows = append(meetings.Rows, setting{m.ID, fmt.Sprintf("%s %s, %s · %s %s", s.longDate(m.Start),
			s.clock(m.Start), m.Address(), s.t("cfg_capacity"), capacity)})
	}
	sc := c.Schedule
	sched := section{Title: s.t("cfg_schedule"), Rows: []setting{
		{"schedule.invitations", s.dateTime(sc.Invitations)}, {"schedule.agreement", s.dateTime(sc.Agreement)},
		{"schedule.reminders", relative(sc.Reminders)}, {"schedule.nudge_unanswered", relative(sc.NudgeUnanswered)},
		{"schedule.nudge_agreement", relative(sc.NudgeAgreement)}, {"schedule.digest", sc.Digest},
		{"schedule.review_batch", sc.ReviewBatch.String()},
	}}
	m := cfg.Mail
	mail := section{Title: s.t("cfg_mail"), Rows: []setting{
		{"mail.provider", m.Provider}, {"mail.smtp", server(m.SMTP)}, {"mail.imap", server(m.IMAP)},
		{"mail.inbox", m.Inbox}, {"mail.processed", m.Processed},
		{"mail.concurrency", strconv.Itoa(m.Concurrency)}, {"mail.rate", strconv.FormatFloat(m.Rate, 'f', -1, 64)},
		{"mail.max_auto_per_day", strconv.Itoa(m.MaxAutoPerDay)}, {"mail.retry_for", m.RetryFor.String()},
		{"mail.reply_address", m.ReplyAddress}, {"mail.dkim", dkim(m.DKIM)},
	}}
	tokenFrom := secretSource(cfg.HTTP.TokenEnv, cfg.HTTP.TokenFile)
	shell := section{Title: s.t("cfg_shell"), Rows: []setting{
		{"store.path", cfg.Store.Path}, {"secret", secretSource(cfg.Secret.Env, cfg.Secret.File)},
		{"templates", cfg.Templates}, {"http.address", cfg.HTTP.Address}, {"http.token", tokenFrom},
		{"web.public_url", cfg.Web.PublicURL}, {"web.behind_tls_proxy", strconv.FormatBool(cfg.Web.BehindTLSProxy)},
		{"web.tls_cert_file", cfg.Web.TLSCertFile}, {"log", cfg.Log.Format + ", " + cfg.Log.Level},
	}}
	s.render(w, r, http.StatusOK, "config", v, s.openCount(r.Context()),
		map[string]any{"Sections": []section{camp, meetings, sched, mail, shell}, "File": cfg.File})
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func relative(r campaign.Relative) string {
	if len(r.Before) == 0 {
		return "-"
	}
	var parts []string
	for _, d := range r.Before {
		parts = append(parts, d.String())
	}
	s := strings.Join(parts, ", ") + " before " + r.Anchor
	if r.Anchor == "" {
		s = strings.Join(parts, ", ") + " before the invitee's meeting"
	}
	if r.HasTime {
		s += fmt.Sprintf(" at %02d:%02d", int(r.TimeOfDay.Hours()), int(r.TimeOfDay.Minutes())%60)
	}
	return s
}

// server describes a mail server and how rsvpd signs in, naming where a secret comes from.
func server(sv config.Server) string {
	s := fmt.Sprintf("%s (TLS %s)", sv.Addr(), sv.TLS)
	if sv.User != "" {
		s += ", " + sv.User
	}
	if sv.Auth.OAuth2() {
		s += fmt.Sprintf(", OAuth2 %s %s", sv.Auth.Provider, sv.Auth.Grant)
		if src := secretSource(sv.Auth.ClientSecretEnv, sv.Auth.ClientSecretFile); src != "-" {
			s += ", client secret " + src
		}
	} else if src := secretSource(sv.PasswordEnv, sv.PasswordFile); src != "-" {
		s += ", password " + src
	}
	return s
}

func dkim(d config.DKIM) string {
	if d.Domain == "" {
		return "-"
	}
	return fmt.Sprintf("%s, selector %s, key %s", d.Domain, d.Selector, d.KeyFile)
}

// secretSource names where a secret is read from, never its value.
func secretSource(env, file string) string {
	switch {
	case env != "" && file != "":
		return "$" + env + " / " + file
	case env != "":
		return "$" + env
	case file != "":
		return file
	}
	return "-"
}
