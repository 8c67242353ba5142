package desk

import (
	"cmp"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/schedules"
)

// The configuration page is the staff's: what the campaign is set up to do, in words, with
// the schedule's dates as the scheduler computes them. Each part keeps the settings as the
// file names and writes them under "Teknisk", for whoever runs rsvpd.

// setting is one line of the page: what it means, and its value, one or more lines; Href
// makes the value a link.
type setting struct {
	Label string
	Lines []string
	Href  string
}

// raw is a setting as the file names and writes it.
type raw struct{ Key, Value string }

type section struct {
	Title, Note string
	Rows        []setting
	Raw         []raw
}

func row(label string, lines ...string) setting {
	return setting{Label: label, Lines: nonEmpty(lines...)}
}

// config shows the configuration as rsvpd read it: the campaign, the schedule, the mail
// servers and where secrets come from, never a secret itself (passwords, the campaign
// secret, tokens are named only by their variable or file).
func (s *Server) config(w http.ResponseWriter, r *http.Request, v *visit) {
	cfg := s.e.Config()
	sections := []section{s.campaignSection(cfg), s.meetingsSection(), s.scheduleSection(), s.mailSection(cfg),
		s.shellSection(cfg, listening(r))}
	s.render(w, r, http.StatusOK, "config", v, s.openCount(r.Context()),
		map[string]any{"Sections": sections, "Zone": s.c.Location.String()})
}

// listening is the address the request came in on: where the desk really listens, whatever
// http.address says (the demo listens where --http says). "" outside a server.
func listening(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a.String()
	}
	return ""
}

func (s *Server) campaignSection(cfg *config.Config) section {
	c, f := cfg.Campaign, s.f()
	o := c.Organiser
	goAhead := s.t("cfg_no_go_ahead")
	if g := goAheadOf(c, 0, 0); g != nil {
		goAhead = s.t("ov_threshold_rule", s.percent(g.Share), g.TargetCount, f.number(g.TargetPopulation))
	}
	companions := s.t("cfg_companions_none")
	if n := c.Companions.Included; n > 0 {
		companions = s.t("cfg_companions_n", n)
		if c.Companions.Role != "" {
			companions += " (" + c.Companions.Role + ")"
		}
	}
	contact := nonEmpty(o.Contact.Name, o.Contact.Title, o.Contact.Phone, o.Contact.Email)
	return section{Title: s.t("cfg_campaign"), Rows: []setting{
		row(s.t("cfg_title"), c.Name),
		row(s.t("cfg_deadline"), s.longDate(c.Deadline)),
		row(s.t("cfg_go_ahead"), goAhead),
		row(s.t("cfg_invitees"), f.munis(len(c.Invitees))),
		row(s.t("cfg_companions"), companions),
		row(s.t("cfg_price"), s.priceText(c)),
		row(s.t("cfg_sender"), strings.Join(nonEmpty(o.Name, o.Email), ", ")),
		row(s.t("cfg_staff"), o.Staff...),
		{Label: s.t("cfg_website"), Lines: nonEmpty(o.Website), Href: o.Website},
		row(s.t("cfg_contact"), strings.Join(contact, ", ")),
		row(s.t("cfg_language"), s.t("lang_"+c.Language)),
		row(s.t("cfg_timezone"), c.Location.String()),
	}, Raw: []raw{
		{"campaign.title", c.Name}, {"campaign.language", c.Language}, {"campaign.timezone", c.Location.String()},
		{"campaign.deadline", c.Deadline.In(c.Location).Format("2006-01-02")},
		{"campaign.go_ahead", strconv.FormatFloat(c.GoAhead, 'f', -1, 64)},
		{"organiser.name", o.Name}, {"organiser.email", o.Email}, {"organiser.staff", strings.Join(o.Staff, ", ")},
		{"organiser.website", o.Website}, {"organiser.contact", strings.Join(contact, ", ")},
		{"companions", fmt.Sprintf("included: %d, role: %s", c.Companions.Included, c.Companions.Role)},
		{"invitees", strconv.Itoa(len(c.Invitees))},
		{"price", fmt.Sprintf("rate: %s, population: %s, population_date: %s, per: %s", campaign.FormatRate(c.Price.RateOere),
			c.Price.PopulationName, c.Price.PopulationDate, c.Price.Per)},
	}}
}

// priceText is the price model as the agreement states it: "7 kr. pr. indbygger pr. år ekskl.
// moms (indbyggertal pr. 1. januar 2012)".
func (s *Server) priceText(c *campaign.Campaign) string {
	p := strings.TrimSpace(campaign.FormatRate(c.Price.RateOere) + " " + c.Price.Per)
	if c.Agreement.VAT != "" {
		p += " " + s.t("vat_"+string(c.Agreement.VAT))
	}
	if d, err := time.Parse("2006-01-02", c.Price.PopulationDate); err == nil {
		short := campaign.FormatDateShortDa(d)
		if s.lang == "en" {
			short = campaign.FormatDateShortEn(d)
		}
		p += " " + s.t("cfg_population_on", short)
	}
	return p
}

func (s *Server) meetingsSection() section {
	sec := section{Title: s.t("cfg_meetings")}
	f := s.f()
	for _, m := range s.c.Meetings {
		capacity := s.t("cfg_no_limit")
		if m.Capacity > 0 {
			capacity = s.t("ls_capacity", m.Capacity)
		}
		sec.Rows = append(sec.Rows, row(m.City, s.longDate(m.Start)+" "+f.timespan(m.Start.In(s.c.Location), m.End.In(s.c.Location)),
			m.Address(), capacity))
		sec.Raw = append(sec.Raw, raw{"meetings." + m.ID, fmt.Sprintf("start: %s, end: %s, capacity: %d",
			m.Start.In(s.c.Location).Format("2006-01-02 15:04"), m.End.In(s.c.Location).Format("2006-01-02 15:04"), m.Capacity)})
	}
	return sec
}

// scheduleSection writes the schedule as the dates the scheduler computes (schedules.Plan),
// on the working days the letters go out on.
func (s *Server) scheduleSection() section {
	sc := s.c.Schedule
	sec := section{Title: s.t("cfg_schedule"), Note: s.t("cfg_schedule_note"), Raw: []raw{
		{"schedule.invitations", s.fileTime(sc.Invitations)},
		{"schedule.answer_by", s.fileDate(sc.AnswerBy)},
		{"schedule.agreement", s.fileTime(sc.Agreement)},
		{"schedule.reminders", fileRelative(sc.Reminders)},
		{"schedule.nudge_unanswered", fileRelative(sc.NudgeUnanswered)},
		{"schedule.nudge_agreement", fileRelative(sc.NudgeAgreement)},
		{"schedule.digest", sc.Digest},
		{"schedule.review_batch", config.FormatDuration(sc.ReviewBatch)},
		{"schedule.participant_lists", fileRelative(sc.ParticipantLists.When)},
	}}
	if to := sc.ParticipantLists.To; len(to) > 0 {
		sec.Raw[len(sec.Raw)-1].Value += ", to: [" + strings.Join(to, ", ") + "]"
	}
	p, err := schedules.NewPlanner(s.c)
	if err != nil {
		s.log.Error("desk: the configuration page cannot plan the schedule", "err", err)
		sec.Note = err.Error()
		return sec
	}
	plan := map[schedules.Kind][]schedules.Planned{}
	for _, pl := range p.Plan() {
		plan[pl.Kind] = append(plan[pl.Kind], pl)
	}
	lists := s.planned(plan[schedules.KindParticipantList])
	if to := sc.ParticipantLists.To; len(to) > 0 && len(lists) > 0 {
		lists = append(lists, s.t("sch_also_to", strings.Join(to, ", ")))
	}
	answerBy := "" // a day, without a time
	if !sc.AnswerBy.IsZero() {
		answerBy = s.f().day(sc.AnswerBy.In(s.c.Location), true, false)
	}
	sec.Rows = []setting{
		row(s.t("sch_invitations"), s.planned(plan[schedules.KindInvitation])...),
		row(s.t("sch_answer_by"), answerBy),
		row(s.t("sch_nudge_unanswered"), s.planned(plan[schedules.KindNudgeUnanswered])...),
		row(s.t("sch_agreement"), s.planned(plan[schedules.KindAgreement])...),
		row(s.t("sch_nudge_agreement"), s.planned(plan[schedules.KindNudgeAgreement])...),
		row(s.t("sch_reminders"), s.planned(plan[schedules.KindReminder])...),
		row(s.t("sch_participant_lists"), lists...),
		row(s.t("sch_digest"), s.planned(plan[schedules.KindDigest])...),
		row(s.t("sch_final_report"), s.planned(plan[schedules.KindFinalReport])...),
		row(s.t("sch_review_batch"), s.t("sch_review_every", s.f().per(sc.ReviewBatch))),
	}
	for i := range sec.Rows {
		if len(sec.Rows[i].Lines) == 0 {
			sec.Rows[i].Lines = []string{s.t("sch_not_sent")}
		}
	}
	return sec
}

// planned writes a kind's times in words: one line, or one a meeting ("Aalborg: mandag den
// 27. februar kl. 8.00"); the digests by their rule.
func (s *Server) planned(pls []schedules.Planned) []string {
	var out []string
	for _, pl := range pls {
		ts := make([]time.Time, len(pl.Times))
		for i, t := range pl.Times {
			ts[i] = t.In(s.c.Location)
		}
		line := s.f().times(ts)
		if pl.Kind == schedules.KindDigest {
			line = s.f().runs(ts)
		}
		if pl.Meeting != "" {
			line = s.meetingCity(pl.Meeting) + ": " + line
		}
		out = append(out, line)
	}
	return out
}

func (s *Server) fileTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.c.Location).Format("2006-01-02 15:04")
}

func (s *Server) fileDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.c.Location).Format("2006-01-02")
}

// fileRelative writes a Relative as the file does: "before: [14d, 7d], of: first_meeting,
// time: 09:00"; "-" when it has no times.
func fileRelative(r campaign.Relative) string {
	if len(r.Before) == 0 {
		return "-"
	}
	var parts []string
	for _, d := range r.Before {
		parts = append(parts, config.FormatDuration(d))
	}
	s := "before: [" + strings.Join(parts, ", ") + "]"
	if r.Anchor != "" {
		s += ", of: " + r.Anchor
	}
	if r.HasTime {
		s += fmt.Sprintf(", time: %02d:%02d", int(r.TimeOfDay.Hours()), int(r.TimeOfDay.Minutes())%60)
	}
	return s
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

func (s *Server) mailSection(cfg *config.Config) section {
	m := cfg.Mail
	sending := s.t("cfg_sending_free", m.Concurrency)
	if m.Rate > 0 {
		sending = s.t("cfg_sending_rate", m.Concurrency, s.decimal(m.Rate))
	}
	dkim := s.t("cfg_dkim_none")
	if m.DKIM.Domain != "" {
		dkim = m.DKIM.Domain
	}
	return section{Title: s.t("cfg_mail"), Rows: []setting{
		row(s.t("cfg_smtp"), s.server(m.SMTP)),
		row(s.t("cfg_imap"), s.server(m.IMAP)),
		row(s.t("cfg_folders"), s.t("cfg_folders_text", m.Inbox, m.Processed)),
		row(s.t("cfg_reply_address"), s.t("cfg_reply_"+m.ReplyAddress)),
		row(s.t("cfg_sending"), sending),
		row(s.t("cfg_auto"), s.t("cfg_auto_text", m.MaxAutoPerDay)),
		row(s.t("cfg_retry"), s.t("cfg_retry_text", s.f().duration(m.RetryFor))),
		row(s.t("cfg_dkim"), dkim),
	}, Raw: []raw{
		{"mail.provider", m.Provider}, {"mail.smtp", fileServer(m.SMTP)}, {"mail.imap", fileServer(m.IMAP)},
		{"mail.inbox", m.Inbox}, {"mail.processed", m.Processed},
		{"mail.concurrency", strconv.Itoa(m.Concurrency)}, {"mail.rate", strconv.FormatFloat(m.Rate, 'f', -1, 64)},
		{"mail.max_auto_per_day", strconv.Itoa(m.MaxAutoPerDay)}, {"mail.retry_for", config.FormatDuration(m.RetryFor)},
		{"mail.reply_address", m.ReplyAddress}, {"mail.dkim", fileDKIM(m.DKIM)},
	}}
}

// decimal writes a number with the campaign's decimal mark: "0,5".
func (s *Server) decimal(v float64) string {
	n := strconv.FormatFloat(v, 'f', -1, 64)
	if s.lang == "en" {
		return n
	}
	return strings.ReplaceAll(n, ".", ",")
}

// server says where a mail server is, how the connection is secured and how rsvpd signs in,
// naming where a secret comes from, never the secret.
func (s *Server) server(sv config.Server) string {
	parts := []string{sv.Addr() + " " + s.t("cfg_tls_"+string(sv.TLS))}
	if sv.User != "" {
		parts = append(parts, s.t("cfg_user", sv.User))
	}
	if sv.Auth.OAuth2() {
		parts = append(parts, s.t("cfg_oauth2", sv.Auth.Provider))
	} else if src := secretSource(sv.PasswordEnv, sv.PasswordFile); src != "" {
		parts = append(parts, s.t("cfg_password_from", src))
	}
	return strings.Join(parts, ", ")
}

// fileServer is a mail server as the file writes it.
func fileServer(sv config.Server) string {
	s := fmt.Sprintf("host: %s, port: %d, tls: %s", sv.Host, sv.Port, sv.TLS)
	if sv.User != "" {
		s += ", user: " + sv.User
	}
	if sv.Auth.OAuth2() {
		s += fmt.Sprintf(", auth: oauth2 %s %s", sv.Auth.Provider, sv.Auth.Grant)
		if src := secretSource(sv.Auth.ClientSecretEnv, sv.Auth.ClientSecretFile); src != "" {
			s += ", client_secret: " + src
		}
	} else if src := secretSource(sv.PasswordEnv, sv.PasswordFile); src != "" {
		s += ", password: " + src
	}
	return s
}

func fileDKIM(d config.DKIM) string {
	if d.Domain == "" {
		return "-"
	}
	return fmt.Sprintf("domain: %s, selector: %s, key_file: %s", d.Domain, d.Selector, d.KeyFile)
}

// shellSection is how rsvpd runs: where the desk is reached and really listens (listen, the
// address the request came in on), the store, where secrets are read from.
func (s *Server) shellSection(cfg *config.Config, listen string) section {
	w := cfg.Web
	address := cfg.HTTP.Address
	if listen != "" && listen != address {
		address = listen
		if cfg.HTTP.Address != "" {
			address += " (" + s.t("cfg_in_file", cfg.HTTP.Address) + ")"
		}
	}
	answers := s.t("cfg_answers_none")
	if s.o.OneClick {
		answers = s.base.String()
	}
	tls := s.t("cfg_tls_off")
	switch {
	case w.BehindTLSProxy:
		tls = s.t("cfg_tls_proxy")
	case w.TLSCertFile != "":
		tls = s.t("cfg_tls_cert", w.TLSCertFile)
	}
	templates := s.t("cfg_templates_embedded")
	if cfg.Templates != "" {
		templates = cfg.Templates
	}
	return section{Title: s.t("cfg_shell"), Rows: []setting{
		{Label: s.t("cfg_desk_address"), Lines: []string{s.base.String()}, Href: s.base.String()},
		row(s.t("cfg_listen"), cmp.Or(listen, cfg.HTTP.Address)),
		row(s.t("cfg_answers"), answers),
		row(s.t("cfg_tls"), tls),
		row(s.t("cfg_file"), cfg.File),
		row(s.t("cfg_store"), cfg.Store.Path),
		row(s.t("cfg_secret"), secretSource(cfg.Secret.Env, cfg.Secret.File)),
		row(s.t("cfg_token"), secretSource(cfg.HTTP.TokenEnv, cfg.HTTP.TokenFile)),
		row(s.t("cfg_templates"), templates),
		row(s.t("cfg_log"), s.t("cfg_log_text", cfg.Log.Format, cfg.Log.Level)),
	}, Raw: []raw{
		{"http.address", address}, {"http.token", secretSource(cfg.HTTP.TokenEnv, cfg.HTTP.TokenFile)},
		{"web.public_url", w.PublicURL}, {"web.behind_tls_proxy", strconv.FormatBool(w.BehindTLSProxy)},
		{"web.tls_cert_file", w.TLSCertFile}, {"store.path", cfg.Store.Path},
		{"secret", secretSource(cfg.Secret.Env, cfg.Secret.File)}, {"templates", cfg.Templates},
		{"log", "format: " + cfg.Log.Format + ", level: " + cfg.Log.Level},
	}}
}

// secretSource names where a secret is read from, never its value; "" when from nowhere.
func secretSource(env, file string) string {
	switch {
	case env != "" && file != "":
		return "$" + env + " / " + file
	case env != "":
		return "$" + env
	case file != "":
		return file
	}
	return ""
}
