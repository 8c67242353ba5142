package config

import (
	"fmt"
	"io/fs"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Copenhagen must exist on every machine

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer"
	"github.com/rsvpd/rsvpd/schedules"
)

// builder turns the YAML tree into a Config, recording every problem on the way.
type builder struct {
	col *collector
	csv []*collector // problems found in the files the config names
	// listRead: the invitee list could be opened, so an empty one is worth a word of its own.
	listRead bool
	fsys     fs.FS
	cfg      *Config
	loc      *time.Location
}

func (b *builder) errs() Errors {
	all := append(Errors(nil), b.col.all()...)
	for _, c := range b.csv {
		all = append(all, c.all()...)
	}
	return all
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

func (b *builder) build(root node) {
	top := root.fields("campaign", "organiser", "meetings", "agenda", "companions", "invitees",
		"price", "agreement", "schedule", "mail", "store", "secret", "templates", "http", "web", "log")
	c := &campaign.Campaign{}
	b.cfg.Campaign = c
	b.campaign(top["campaign"], c)
	b.organiser(top["organiser"], c)
	b.meetings(top["meetings"], c)
	c.Agenda = top["agenda"].strs()
	b.companions(top["companions"], c)
	b.price(top["price"], c)
	b.invitees(top["invitees"], c)
	b.agreement(top["agreement"], c)
	b.schedule(top["schedule"], c)
	b.store(top["store"]) // before mail: the default token file lives beside the store
	b.mail(top["mail"])
	b.secret(top["secret"])
	b.cfg.Templates = top["templates"].str(false)
	b.http(top["http"])
	b.web(top["web"])
	b.log(top["log"])
}

func (b *builder) campaign(n node, c *campaign.Campaign) {
	if n.missing() {
		n.errorf("required")
	}
	f := n.fields("title", "language", "timezone", "deadline", "go_ahead", "without_go_ahead", "background")
	c.Name = f["title"].header(true)
	c.Language = f["language"].str(false)
	switch c.Language {
	case "":
		c.Language = "da"
	case "da", "en":
	default:
		f["language"].errorf("%q is not a language rsvpd writes (da or en)", c.Language)
	}
	tz := f["timezone"].str(false)
	if tz == "" {
		tz = "Europe/Copenhagen"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		f["timezone"].errorf("unknown time zone %q", tz)
		loc = time.UTC
	}
	b.loc, c.Location = loc, loc
	if d, ok := b.date(f["deadline"], true); ok {
		c.Deadline = d
	}
	c.GoAhead = f["go_ahead"].float(0.5)
	if c.GoAhead <= 0 || c.GoAhead > 1 {
		f["go_ahead"].errorf("must be a share between 0 and 1, such as 0.5")
	}
	c.WithoutGoAhead = oneParagraph(f["without_go_ahead"].str(false))
	c.Background = oneParagraph(f["background"].str(false))
}

// oneParagraph joins the lines of a folded or literal YAML block into one paragraph.
func oneParagraph(s string) string { return strings.Join(strings.Fields(s), " ") }

func (b *builder) organiser(n node, c *campaign.Campaign) {
	if n.missing() {
		n.errorf("required")
	}
	f := n.fields("name", "legal_name", "address", "cvr", "email", "staff", "website", "contact")
	o := &c.Organiser
	o.Name = f["name"].header(true)
	// The organiser is a party to every agreement: a legal office wants its legal name,
	// address and CVR number on it.
	o.LegalName = f["legal_name"].header(false)
	if o.LegalName == "" {
		o.LegalName = o.Name
	}
	o.Address = f["address"].header(true)
	o.CVR = cvr(f["cvr"], true)
	o.Email = b.address(f["email"], true)
	staff := f["staff"].list()
	for _, s := range staff {
		if a := b.address(s, true); a != "" {
			o.Staff = append(o.Staff, a)
		}
	}
	if len(staff) == 0 {
		f["staff"].errorf("name at least one staff address for the digest and the review notifications")
	}
	o.Website = f["website"].str(false)
	cf := f["contact"].fields("name", "title", "phone", "email")
	o.Contact = campaign.Contact{
		Name:  cf["name"].header(false),
		Title: cf["title"].header(false),
		Phone: cf["phone"].str(false),
		Email: b.address(cf["email"], false),
	}
}

// address reads one e-mail address (a bare addr-spec), lower-cased.
func (b *builder) address(n node, required bool) string {
	s := n.header(required)
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") {
		n.errorf("%q is not a valid e-mail address", s)
		return ""
	}
	return strings.ToLower(a.Address)
}

func (b *builder) meetings(n node, c *campaign.Campaign) {
	items := n.list()
	if len(items) == 0 {
		n.errorf("name at least one meeting")
	}
	seen := map[string]int{}
	for _, item := range items {
		f := item.fields("id", "city", "aliases", "venue", "room", "street", "postcode", "start", "end",
			"lat", "lon", "capacity")
		m := campaign.Meeting{
			ID:       f["id"].str(true),
			City:     f["city"].header(true),
			Aliases:  f["aliases"].strs(),
			Venue:    f["venue"].header(true),
			Room:     f["room"].header(false),
			Street:   f["street"].header(true),
			Postcode: f["postcode"].header(true),
			Capacity: f["capacity"].integer(0),
		}
		if m.ID != "" && !idPattern.MatchString(m.ID) {
			f["id"].errorf("%q: use lower-case letters, digits, - and _ (at most 32)", m.ID)
		}
		if first, dup := seen[m.ID]; dup && m.ID != "" {
			f["id"].errorf("meeting id %q given twice (first on line %d)", m.ID, first)
		}
		seen[m.ID] = f["id"].line()
		start, okS := b.localTime(f["start"], true)
		end, okE := b.localTime(f["end"], true)
		if okS && okE && !end.After(start) {
			f["end"].errorf("ends at or before its start (%s)", start.Format("2006-01-02 15:04"))
		}
		m.Start, m.End = start, end
		if !f["lat"].missing() || !f["lon"].missing() {
			m.Lat, m.Lon, m.HasGeo = f["lat"].float(0), f["lon"].float(0), true
			if m.Lat < -90 || m.Lat > 90 {
				f["lat"].errorf("latitude out of range")
			}
			if m.Lon < -180 || m.Lon > 180 {
				f["lon"].errorf("longitude out of range")
			}
		}
		if m.Capacity < 0 {
			f["capacity"].errorf("must be 0 (no limit) or more")
		}
		c.Meetings = append(c.Meetings, m)
	}
}

// localTime reads "2012-02-28 10:00" in the campaign's time zone.
func (b *builder) localTime(n node, required bool) (time.Time, bool) {
	s := n.str(required)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		t, err := time.ParseInLocation(layout, s, b.loc)
		if err == nil {
			return t, true
		}
		if pe, ok := err.(*time.ParseError); ok && pe.Message != "" {
			n.errorf("%s", strings.TrimPrefix(pe.Message, ": "))
			return time.Time{}, false
		}
	}
	n.errorf("%q is not a local date and time like 2012-02-28 10:00", s)
	return time.Time{}, false
}

// date reads "2012-03-16" as the start of that day in the campaign's time zone.
func (b *builder) date(n node, required bool) (time.Time, bool) {
	s := n.str(required)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", s, b.loc)
	if err != nil {
		if pe, ok := err.(*time.ParseError); ok && pe.Message != "" {
			n.errorf("%s", strings.TrimPrefix(pe.Message, ": "))
		} else {
			n.errorf("%q is not a date like 2012-03-16", s)
		}
		return time.Time{}, false
	}
	return t, true
}

func (b *builder) companions(n node, c *campaign.Campaign) {
	f := n.fields("included", "role")
	c.Companions = campaign.CompanionPolicy{Included: f["included"].integer(1), Role: f["role"].str(false)}
	if c.Companions.Included < 0 {
		f["included"].errorf("must be 0 or more")
	}
}

func (b *builder) price(n node, c *campaign.Campaign) {
	if n.missing() {
		n.errorf("required")
	}
	f := n.fields("rate", "population", "population_date", "round_to", "per", "period")
	p := &c.Price
	if s := f["rate"].str(true); s != "" {
		oere, err := parseKroner(s)
		if err != nil {
			f["rate"].errorf("%v", err)
		}
		p.RateOere = oere
	}
	p.PopulationName = f["population"].str(true)
	if d, ok := b.date(f["population_date"], true); ok {
		p.PopulationDate = d.Format("2006-01-02")
	}
	p.RoundToKroner = int64(f["round_to"].integer(1))
	if p.RoundToKroner < 1 {
		f["round_to"].errorf("must be 1 (whole kroner) or more")
	}
	p.Per = f["per"].str(false)
	switch p.Period = campaign.Period(f["period"].str(false)); p.Period {
	case "":
		p.Period = campaign.PeriodYear
	case campaign.PeriodYear, campaign.PeriodOnce:
	default:
		f["period"].errorf("%q is not a period (year or once)", p.Period)
	}
}

// cvr reads a Danish CVR number: eight digits, the first not 0, spaces allowed between them
// ("19 43 50 75") and a "DK" in front (as on invoices).
func cvr(n node, required bool) string {
	s := n.header(required)
	if s == "" {
		return ""
	}
	d, ok := parseCVR(s)
	if !ok {
		n.errorf("%q is not a CVR number (eight digits, such as 19435075)", s)
	}
	return d
}

// parseCVR normalises a CVR number to its eight digits. Only the form is checked: whether
// the number is the party's is for the staff to check against the CVR register.
func parseCVR(s string) (string, bool) {
	d := strings.ReplaceAll(strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "DK"), " ", "")
	if len(d) != 8 || !digits(d) || d[0] == '0' {
		return "", false
	}
	return d, true
}

// parseKroner reads an amount of kroner ("7", "6.50", "6,50") into øre.
func parseKroner(s string) (int64, error) {
	bad := fmt.Errorf("%q is not an amount in kroner like 7 or 6.50", s)
	whole, frac, hasFrac := strings.Cut(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), ".")
	if !digits(whole) || len(whole) > 12 || (hasFrac && (!digits(frac) || len(frac) > 2)) {
		return 0, bad
	}
	k, _ := strconv.ParseInt(whole, 10, 64)
	var o int64
	if hasFrac {
		o, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			o *= 10
		}
	}
	return k*100 + o, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (b *builder) schedule(n node, c *campaign.Campaign) {
	if n.missing() {
		n.errorf("required")
		return
	}
	f := n.fields("invitations", "answer_by", "agreement", "reminders", "nudge_unanswered", "nudge_agreement", "digest",
		"review_batch", "participant_lists")
	s := &c.Schedule
	inv, okInv := b.localTime(f["invitations"], true)
	b.answerBy(f["answer_by"], c, inv, okInv)
	agr, okAgr := b.localTime(f["agreement"], true)
	s.Invitations, s.Agreement = inv, agr
	if okInv && !c.Deadline.IsZero() && !inv.Before(c.Deadline) {
		f["invitations"].errorf("the invitations (%s) must go out before the deadline (%s)",
			inv.Format("2006-01-02 15:04"), c.Deadline.Format("2006-01-02"))
	}
	if first, ok := firstKnownMeeting(c); ok {
		if okAgr && !agr.Before(first.Start) {
			f["agreement"].errorf("the agreement must go out before the first meeting (%s, %s)",
				first.ID, first.Start.Format("2006-01-02 15:04"))
		}
		if okAgr && okInv && agr.Before(inv) {
			f["agreement"].errorf("the agreement would go out before the invitations (%s)", inv.Format("2006-01-02 15:04"))
		}
	}
	s.Reminders = b.relative(f["reminders"], c, "")
	s.NudgeUnanswered = b.relative(f["nudge_unanswered"], c, "first_meeting")
	s.NudgeAgreement = b.relative(f["nudge_agreement"], c, "deadline")
	s.Digest = f["digest"].str(true)
	if s.Digest != "" {
		if err := schedules.ValidateCron(s.Digest); err != nil {
			f["digest"].errorf("%v", err)
		}
	}
	s.ReviewBatch = f["review_batch"].duration(15 * time.Minute)
	s.ParticipantLists = b.participantLists(f["participant_lists"])
}

// participantLists reads {before: 2d, time: "08:00", to: [host@example.dk]}: one time before
// each meeting, and who gets the list besides the staff.
func (b *builder) participantLists(n node) campaign.ParticipantLists {
	var pl campaign.ParticipantLists
	if n.missing() {
		return pl
	}
	f := n.fields("before", "time", "to")
	d := f["before"].duration(0)
	if d <= 0 {
		f["before"].errorf("how long before each meeting the list goes out, like 2d")
	}
	pl.When = campaign.Relative{Before: []time.Duration{d}}
	if s := f["time"].str(false); s != "" {
		t, err := time.Parse("15:04", s)
		if err != nil {
			f["time"].errorf("%q is not a time of day like 08:00", s)
		} else {
			pl.When.TimeOfDay, pl.When.HasTime = time.Duration(t.Hour())*time.Hour+time.Duration(t.Minute())*time.Minute, true
		}
	}
	for _, a := range f["to"].list() {
		if addr := b.address(a, true); addr != "" {
			pl.To = append(pl.To, addr)
		}
	}
	return pl
}

// answerBy reads the day the invitation asks for an answer by. Without one it is a week
// before the first meeting, or the day before it when the invitations go out later than that.
// A day set must come after the invitations and before the first meeting.
func (b *builder) answerBy(n node, c *campaign.Campaign, inv time.Time, okInv bool) {
	first, okFirst := firstKnownMeeting(c)
	if n.str(false) == "" {
		if okFirst {
			day := func(t time.Time) time.Time {
				t = t.In(b.loc)
				return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, b.loc)
			}
			d := day(first.Start).AddDate(0, 0, -7)
			if okInv && !d.After(inv) {
				d = day(first.Start).AddDate(0, 0, -1)
			}
			c.Schedule.AnswerBy = d
		}
		return
	}
	d, ok := b.date(n, false)
	if !ok {
		return
	}
	c.Schedule.AnswerBy = d
	if okFirst && !d.Before(first.Start) {
		n.errorf("the invitation asks for answers by %s, which is not before the first meeting (%s, %s)",
			d.Format("2006-01-02"), first.ID, first.Start.Format("2006-01-02 15:04"))
	}
	if okInv && !d.After(inv) {
		n.errorf("the invitation asks for answers by %s, which is before it goes out (%s)",
			d.Format("2006-01-02"), inv.Format("2006-01-02 15:04"))
	}
}

// relative reads {before: [7d], of: deadline, time: "09:00"}.
func (b *builder) relative(n node, c *campaign.Campaign, defAnchor string) campaign.Relative {
	f := n.fields("before", "of", "time")
	r := campaign.Relative{Anchor: defAnchor}
	if defAnchor != "" && !f["of"].missing() {
		r.Anchor = f["of"].str(true)
	} else if defAnchor == "" && !f["of"].missing() {
		f["of"].errorf("reminders are always relative to the invitee's own meeting")
	}
	switch r.Anchor {
	case "", "deadline", "first_meeting":
	default:
		if _, ok := meetingByID(c, r.Anchor); !ok {
			f["of"].errorf("unknown meeting %q (known: %s)", r.Anchor, strings.Join(meetingIDs(c), ", "))
		}
	}
	for _, item := range f["before"].list() {
		d := item.duration(0)
		if d <= 0 && item.str(false) != "" {
			item.errorf("must be a positive duration like 7d")
			continue
		}
		r.Before = append(r.Before, d)
	}
	if s := f["time"].str(false); s != "" {
		t, err := time.Parse("15:04", s)
		if err != nil {
			f["time"].errorf("%q is not a time of day like 09:00", s)
		} else {
			r.TimeOfDay, r.HasTime = time.Duration(t.Hour())*time.Hour+time.Duration(t.Minute())*time.Minute, true
		}
	}
	return r
}

// firstKnownMeeting is the first meeting among those whose times could be read, so that a
// meeting with a bad start does not cause a second, confusing error here.
func firstKnownMeeting(c *campaign.Campaign) (campaign.Meeting, bool) {
	var first campaign.Meeting
	found := false
	for _, m := range c.Meetings {
		if !m.Start.IsZero() && (!found || m.Start.Before(first.Start)) {
			first, found = m, true
		}
	}
	return first, found
}

func meetingByID(c *campaign.Campaign, id string) (campaign.Meeting, bool) {
	for _, m := range c.Meetings {
		if m.ID == id {
			return m, true
		}
	}
	return campaign.Meeting{}, false
}

func meetingIDs(c *campaign.Campaign) []string {
	ids := make([]string, len(c.Meetings))
	for i, m := range c.Meetings {
		ids[i] = m.ID
	}
	return ids
}

func (b *builder) mail(n node) {
	f := n.fields("provider", "smtp", "imap", "inbox", "processed", "concurrency", "rate", "max_auto_per_day",
		"retry_for", "poll", "reply_address", "dkim")
	m := &b.cfg.Mail
	m.Provider = f["provider"].str(false)
	p, known := presets[m.Provider]
	if m.Provider != "" && !known {
		f["provider"].errorf("%q is not a provider preset (%s)", m.Provider, strings.Join(presetNames(), ", "))
	}
	m.SMTP = b.server(f["smtp"], serverDefaults{host: p.smtpHost, port: p.smtpPort,
		tls: or(p.smtpTLS, mailer.StartTLS), provider: p.provider})
	m.IMAP = b.server(f["imap"], serverDefaults{host: p.imapHost, port: p.imapPort,
		tls: or(p.imapTLS, mailer.ImplicitTLS), provider: p.provider, authServID: p.authServID, imap: true})
	m.Inbox = f["inbox"].str(false)
	if m.Inbox == "" {
		m.Inbox = "INBOX"
	}
	m.Processed = f["processed"].str(false)
	if m.Processed == "" {
		m.Processed = "rsvpd/Behandlet"
	}
	m.Concurrency = f["concurrency"].integer(2)
	if m.Concurrency < 1 || m.Concurrency > 64 {
		f["concurrency"].errorf("must be between 1 and 64")
	}
	m.Rate = f["rate"].float(p.rate)
	if m.Rate < 0 {
		f["rate"].errorf("must be 0 (no limit) or more messages per second")
	}
	m.MaxAutoPerDay = f["max_auto_per_day"].integer(5)
	if m.MaxAutoPerDay < 1 {
		f["max_auto_per_day"].errorf("must be 1 or more")
	}
	m.RetryFor = f["retry_for"].duration(72 * time.Hour)
	m.Poll = f["poll"].duration(time.Minute)
	m.ReplyAddress = f["reply_address"].str(false)
	switch m.ReplyAddress {
	case "":
		m.ReplyAddress = "tokened"
	case "tokened", "plain":
	default:
		f["reply_address"].errorf("%q is not a reply address kind (tokened or plain)", m.ReplyAddress)
	}
	m.DKIM = b.dkim(f["dkim"])
}

// or is v, or def when v is the zero value.
func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func (b *builder) server(n node, def serverDefaults) Server {
	keys := []string{"host", "port", "tls", "user", "password_env", "password_file", "auth"}
	if def.imap {
		keys = append(keys, "authserv_id")
	}
	f := n.fields(keys...)
	s := Server{
		Host:         f["host"].header(false),
		TLS:          def.tls,
		User:         f["user"].header(false),
		PasswordEnv:  f["password_env"].str(false),
		PasswordFile: f["password_file"].str(false),
		AuthServID:   or(f["authserv_id"].header(false), def.authServID),
	}
	if s.Host == "" {
		s.Host = or(def.host, "localhost")
	}
	if mode := f["tls"].str(false); mode != "" {
		var err error
		if s.TLS, err = mailer.ParseTLSMode(mode); err != nil {
			f["tls"].errorf("%v", err)
		}
	}
	// Without a port: the provider's, else the usual one for the TLS mode (IMAP with
	// STARTTLS on 143, SMTP with TLS from the first byte on 465).
	port := def.port
	if port == 0 {
		port = s.TLS.SMTPPort()
		if def.imap {
			port = s.TLS.IMAPPort()
		}
	}
	s.Port = f["port"].integer(port)
	if s.Port < 1 || s.Port > 65535 {
		f["port"].errorf("port %d out of range", s.Port)
	}
	if s.PasswordEnv != "" && s.PasswordFile != "" {
		f["password_file"].errorf("give the password either by environment variable or by file, not both")
	}
	if s.PasswordFile != "" {
		s.PasswordFile = b.cfg.Path(s.PasswordFile)
	}
	s.Auth = b.auth(f["auth"], def, s.User)
	if s.Auth.OAuth2() && (s.PasswordEnv != "" || s.PasswordFile != "") {
		f["auth"].errorf("signs in with oauth2: remove password_env and password_file, which would not be used")
	}
	if s.AuthServID != "" && !authservIDPattern.MatchString(s.AuthServID) {
		f["authserv_id"].errorf("%q is not an authserv-id: give the host name the receiving server writes first in its Authentication-Results header (such as mx.kombit.test), or exchange-online for Microsoft 365", s.AuthServID)
	}
	return s
}

// authservIDPattern is what an authserv-id looks like: a host name or a similar token.
var authservIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$`)

func (b *builder) store(n node) {
	f := n.fields("path")
	p := f["path"].str(false)
	if p == "" {
		p = "./data/rsvpd.db"
	}
	b.cfg.Store.Path = b.cfg.Path(p)
}

func (b *builder) secret(n node) {
	f := n.fields("env", "file")
	b.cfg.Secret = Secret{Env: f["env"].str(false), File: f["file"].str(false)}
	if b.cfg.Secret.Env == "" {
		b.cfg.Secret.Env = "RSVPD_SECRET"
	}
	if b.cfg.Secret.File != "" {
		b.cfg.Secret.File = b.cfg.Path(b.cfg.Secret.File)
	}
}

func (b *builder) http(n node) {
	f := n.fields("address", "token_env", "token_file")
	b.cfg.HTTP = HTTP{Address: f["address"].str(false), TokenEnv: f["token_env"].str(false), TokenFile: f["token_file"].str(false)}
	if b.cfg.HTTP.TokenFile != "" {
		b.cfg.HTTP.TokenFile = b.cfg.Path(b.cfg.HTTP.TokenFile)
	}
}

func (b *builder) web(n node) {
	f := n.fields("desk", "public_url", "behind_tls_proxy", "tls_cert_file", "tls_key_file")
	w := Web{Desk: f["desk"].boolean(true), PublicURL: strings.TrimRight(f["public_url"].str(false), "/"),
		BehindTLSProxy: f["behind_tls_proxy"].boolean(false),
		TLSCertFile:    f["tls_cert_file"].str(false), TLSKeyFile: f["tls_key_file"].str(false)}
	if w.PublicURL != "" {
		u, err := url.Parse(w.PublicURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "":
			f["public_url"].errorf("%q is not a base URL such as https://rsvp.kombit.dk", w.PublicURL)
		case u.Scheme == "http" && !mailer.IsLoopback(u.Hostname()):
			f["public_url"].errorf("%q: links that sign people in must use https (http only on loopback)", w.PublicURL)
		}
	}
	if (w.TLSCertFile == "") != (w.TLSKeyFile == "") {
		f["tls_key_file"].errorf("give both tls_cert_file and tls_key_file, or neither")
	}
	if w.TLSCertFile != "" && w.BehindTLSProxy {
		f["behind_tls_proxy"].errorf("either serve TLS here (tls_cert_file) or behind a TLS proxy, not both")
	}
	w.TLSCertFile, w.TLSKeyFile = b.cfg.Path(w.TLSCertFile), b.cfg.Path(w.TLSKeyFile)
	b.cfg.Web = w
}

func (b *builder) log(n node) {
	f := n.fields("format", "level")
	b.cfg.Log = Log{Format: f["format"].str(false), Level: f["level"].str(false)}
	switch b.cfg.Log.Format {
	case "":
		b.cfg.Log.Format = "text"
	case "text", "json":
	default:
		f["format"].errorf("%q is not a log format (text or json)", b.cfg.Log.Format)
	}
	switch b.cfg.Log.Level {
	case "":
		b.cfg.Log.Level = "info"
	case "debug", "info", "warn", "error":
	default:
		f["level"].errorf("%q is not a log level (debug, info, warn or error)", b.cfg.Log.Level)
	}
}
