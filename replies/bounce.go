package replies

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
)

// A bounce is recognised in three ways, strongest first:
//  1. an RFC 3464 report: a message/delivery-status part (Postfix, Sendmail, Exchange 2007+,
//     Office 365, most of what runs today), read field by field;
//  2. a JSON delivery notification (Amazon SES through SNS);
//  3. the prose-only reports of Exim, qmail/Yahoo, Gmail's older format, Exchange 2003 and
//     their peers: a mailer-daemon sender, a failure subject, X-Failed-Recipients, and the
//     sentences those programs write.

// bounceBodyAlts are the phrases of bounceBodyRe.
const bounceBodyAlts = `this is the mail system at host|i'm sorry to have to inform you that your message could not|this message was created automatically by mail delivery software|delivery to the following recipients? (failed|has been delayed|was delayed)|the following addresse?s?\(?e?s?\)? (failed|had (permanent fatal|transient non-fatal) errors)|could not be delivered to one or more (of its )?recipients|your message (did not|didn't|wasn't|was not|could not be) (reach|deliver)|message (could not|was not|wasn't) (be )?delivered|delivery has failed to these recipients|did not reach the following recipient|unable to deliver (your )?message|we were unable to deliver|permanent (error|failure|delivery failure)|temporary (error|failure|delivery failure)|technical details of (permanent|temporary) failure|message not delivered|undeliverable message|delivery status notification|mail delivery failed|the original message was received at|transcript of session follows|failed to deliver|couldn't be delivered|could not deliver|delivery to .* failed|returned mail|recipient address rejected|user unknown|mailbox (unavailable|full|not found)|no such user|address rejected|host or domain name not found|retry timeout exceeded|has not yet been delivered|will (continue to )?(be )?retr(y|ied)|still being retried|delivery attempts will continue|rejected your message|was rejected by|hop count exceeded|message (has been|was) rejected|kunne ikke leveres|konnte nicht zugestellt werden|n'a pas pu .tre (remis|distribu)`

var (
	// bounceSubjectRe matches the subjects delivery reports are sent with, in the languages
	// of the servers Danish mail passes through.
	bounceSubjectRe = regexp.MustCompile(`(?i)(undeliver|undelivered mail|returned mail|mail delivery (failed|failure|problem)|delivery (status notification|failure|has failed|problem|notification)|failure notice|mail (failed|failure)|delivery failed|not delivered|could not be delivered|nondeliver|non-deliver|message delayed|delayed mail|\bdelayed\b.*\bhours?\b|returned to sender|returning message|bounce notification|warning: could not send|unzustellbar|nicht zustellbar|non remis|non distribuable|onbestelbaar|kan ikke leveres|kunne ikke leveres|ikke leveret|ikke levert|kunde inte levereras|olevererbart|no se puede entregar|mancato recapito|impossibile recapitare)`)

	// bounceBodyRe matches sentences of delivery reports. Each is specific to a program
	// that failed to deliver; none is what a person writes in a reply.
	// It is matched against lower-cased text.
	bounceBodyRe = newKeyedRe(`(`+bounceBodyAlts+`)`, bounceBodyAlts)

	// daemonLocalRe matches the local parts delivery reports come from.
	daemonLocalRe = regexp.MustCompile(`(?i)^(mailer[-_]?daemon|postmaster|mail[-_]?daemon|maildaemon|mail-?delivery|mdaemon|bounces?|mail-?system|mailer)(@|$)`)
	daemonNameRe  = regexp.MustCompile(`(?i)(mail delivery (system|subsystem|service)|mailer[-_ ]daemon|postmaster|mail administrator|system administrator|microsoft outlook)`)

	// originalStartRe finds where a prose report starts quoting the message that failed.
	originalStartRe = regexp.MustCompile(`(?im)^[ \t]*(-{2,}.*(original message|copy of the message|message follows|below this line|returned message|undelivered message|headers? of (the )?(original|returned|your) message|original headers|message header follows).*|-{3,}\s*$|original message follows.*|------ this is a copy.*|\*{3,}.*)$`)

	enhancedStatusRe = regexp.MustCompile(`(?:^|[^\d.])([245])\.(\d{1,3})\.(\d{1,3})(?:[^\d.]|$)`)
	smtpCodeRe       = regexp.MustCompile(`(?m)(?:^|[^\d.:\-/])([45])\d\d(?:[ -]|$)`)
	temporaryRe      = regexp.MustCompile(`(?i)(temporar|delayed|delay\)|will (continue to )?(be )?retr|still being retried|not yet been delivered|will try again|will keep trying|warning: message)`)
)

// readBounce says whether m is a delivery-status notification and what failed.
func readBounce(m *message) (*Bounce, bool) {
	if b, ok := readDSN(m); ok {
		return b, true
	}
	if b, ok := readJSONNotification(m); ok {
		return b, true
	}
	return readProseBounce(m)
}

// reportType returns the report-type of a multipart/report root, lower-case.
func reportType(m *message) (string, bool) {
	if m.root == nil || !strings.EqualFold(m.root.ContentType, "multipart/report") {
		return "", false
	}
	return strings.ToLower(ctParam(m.root, "report-type")), true
}

// dsnField is one field group of a delivery-status part: the per-message group or one
// per-recipient group.
type dsnField map[string]string

// readDSN reads an RFC 3464 report.
func readDSN(m *message) (*Bounce, bool) {
	var status []*enmime.Part
	for _, p := range m.parts {
		ct := strings.ToLower(p.ContentType)
		if (ct == "message/delivery-status" || ct == "message/global-delivery-status") && !insideMessage(p) {
			status = append(status, p)
		}
	}
	rt, isReport := reportType(m)
	if len(status) == 0 {
		if !isReport || (rt != "delivery-status" && rt != "") {
			return nil, false
		}
		// A report whose status part is missing or mislabelled: look for the fields in
		// any text part.
		for _, p := range m.parts {
			if strings.HasPrefix(p.ContentType, "text/") && strings.Contains(strings.ToLower(string(p.Content)), "final-recipient:") {
				status = append(status, p)
			}
		}
		if len(status) == 0 {
			b := proseDetails(m)
			return b, true
		}
	}
	var groups []dsnField
	for _, p := range status {
		groups = append(groups, parseDSNFields(string(p.Content))...)
	}
	b := dsnFromGroups(groups)
	if len(b.Recipients) == 0 {
		// A report without usable recipient fields: fall back to what the prose says.
		pb := proseDetails(m)
		b.Recipients = pb.Recipients
		if b.Status == "" {
			b.Status, b.Permanent = pb.Status, pb.Permanent
		}
	}
	return b, true
}

// dsnFromGroups reads the failed recipients, status and permanence from DSN field groups.
func dsnFromGroups(groups []dsnField) *Bounce {
	b := &Bounce{Recipients: []string{}}
	var all, failed []dsnField
	for _, g := range groups {
		if g["final-recipient"] == "" && g["original-recipient"] == "" {
			continue
		}
		all = append(all, g)
		switch strings.ToLower(firstWord(g["action"])) {
		case "delivered", "relayed", "expanded":
		default:
			failed = append(failed, g)
		}
	}
	chosen := failed
	if len(chosen) == 0 {
		chosen = all
	}
	seen := map[string]bool{}
	for _, g := range chosen {
		addr := dsnAddress(g["final-recipient"])
		if addr == "" {
			addr = dsnAddress(g["original-recipient"])
		}
		if addr != "" && !seen[addr] {
			seen[addr] = true
			b.Recipients = append(b.Recipients, addr)
		}
	}
	b.Permanent = true
	if len(chosen) > 0 {
		g := chosen[0]
		b.Status = statusCode(g["status"])
		if b.Status == "" {
			b.Status = statusCode(g["diagnostic-code"])
		}
		b.Diagnostic = diagnosticText(g["diagnostic-code"])
		switch {
		case strings.HasPrefix(b.Status, "4"):
			b.Permanent = false
		case strings.HasPrefix(b.Status, "5"):
			b.Permanent = true
		case strings.EqualFold(firstWord(g["action"]), "delayed"):
			b.Permanent = false
		case len(failed) == 0:
			b.Permanent = false // delivered or relayed: nothing failed
		}
	}
	return b
}

// diagnosticText is a Diagnostic-Code's text without its type ("smtp; 550 5.1.1 ..."), on one
// line of at most maxDiagnostic characters.
func diagnosticText(s string) string {
	if typ, text, ok := strings.Cut(s, ";"); ok && !strings.ContainsAny(strings.TrimSpace(typ), " \t") {
		s = text
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxDiagnostic {
		s = string([]rune(s)[:maxDiagnostic-1]) + "…"
	}
	return s
}

// maxDiagnostic bounds a server's words kept with a bounce: a line in a letter to the staff.
const maxDiagnostic = 200

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], ";,")
}

// parseDSNFields splits a delivery-status body into its field groups (separated by empty
// lines), folding continuation lines. Names are lower-case.
func parseDSNFields(s string) []dsnField {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var groups []dsnField
	cur := dsnField{}
	last := ""
	// The continuation lines of the field last, joined once the field ends: adding each to
	// the value copied it again for every line (a field folded over a megabyte took 14 s).
	var cont []string
	endField := func() {
		if last != "" && len(cont) > 0 {
			cur[last] += " " + strings.Join(cont, " ")
		}
		cont = cont[:0]
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			endField()
			if len(cur) > 0 {
				groups = append(groups, cur)
				cur = dsnField{}
			}
			last = ""
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" {
			cont = append(cont, strings.TrimSpace(line))
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(name, " \t") {
			continue
		}
		endField()
		last = strings.ToLower(name)
		if _, dup := cur[last]; dup && (last == "final-recipient" || last == "original-recipient") {
			// A new recipient without the empty line between: start a new group.
			groups = append(groups, cur)
			cur = dsnField{}
		}
		cur[last] = strings.TrimSpace(value)
	}
	endField()
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// dsnAddress reads "rfc822; addr" (the address type is optional in practice).
func dsnAddress(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[i+1:]
	}
	v = strings.Trim(strings.TrimSpace(v), "<>\"'")
	if a := addrRe.FindString(v); a != "" {
		return strings.ToLower(a)
	}
	return ""
}

// statusCode returns the first RFC 3463 enhanced status code in s.
func statusCode(s string) string {
	if mm := enhancedStatusRe.FindStringSubmatch(s); mm != nil {
		return mm[1] + "." + mm[2] + "." + mm[3]
	}
	return ""
}

// sesNotification is the part of an Amazon SES bounce notification that says what failed.
type sesNotification struct {
	Message          string `json:"Message"` // the SNS envelope's payload
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
			Status       string `json:"status"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
}

// readJSONNotification reads an Amazon SES bounce notification (JSON in a mail body).
func readJSONNotification(m *message) (*Bounce, bool) {
	body := strings.TrimSpace(m.body())
	if !strings.HasPrefix(body, "{") || !strings.Contains(body, `"bounce`) {
		return nil, false
	}
	// Notifications arrive with their one long line wrapped by the mail system; the line
	// breaks fall inside strings, so the JSON is read with them removed.
	if end := strings.Index(body, "\n\n"); end > 0 {
		body = body[:end]
	}
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\n ", ""), "\n", "")
	dec := json.NewDecoder(strings.NewReader(body))
	var n sesNotification
	if err := dec.Decode(&n); err != nil {
		return nil, false
	}
	if n.Message != "" && n.NotificationType == "" {
		// An SNS envelope: the notification is the string in its Message field.
		if err := json.Unmarshal([]byte(n.Message), &n); err != nil {
			return nil, false
		}
	}
	if !strings.EqualFold(n.NotificationType, "bounce") && !strings.EqualFold(n.EventType, "bounce") {
		return nil, false
	}
	b := &Bounce{Recipients: []string{}, Permanent: !strings.EqualFold(n.Bounce.BounceType, "transient")}
	for _, r := range n.Bounce.BouncedRecipients {
		if a := addrRe.FindString(r.EmailAddress); a != "" {
			b.Recipients = append(b.Recipients, strings.ToLower(a))
		}
		if b.Status == "" {
			b.Status = statusCode(r.Status)
		}
	}
	return b, true
}

// isDaemonSender says whether the sender is a mail system rather than a person.
func isDaemonSender(m *message) bool {
	if m.from == "" {
		// "MAILER-DAEMON", "Mail Delivery System <postmaster>": no address, but the words
		// say what wrote it (this classifies; it names no sender).
		return daemonNameRe.MatchString(decodeHeader(m.header.Get("From")))
	}
	return daemonLocalRe.MatchString(m.from) || daemonNameRe.MatchString(m.fromName)
}

// readProseBounce recognises a report written for people only.
func readProseBounce(m *message) (*Bounce, bool) {
	failedHdr := strings.TrimSpace(m.header.Get("X-Failed-Recipients"))
	daemon := isDaemonSender(m)
	subject := bounceSubjectRe.MatchString(m.subject)
	nullSender := strings.TrimSpace(m.header.Get("Return-Path")) == "<>"
	if failedHdr == "" && !daemon && !subject {
		return nil, false // every rule below needs one of these: spare a person's mail the text scan
	}
	body := func() bool { return bounceBodyRe.MatchString(strings.ToLower(bounceExplanation(m))) }
	// A person forwarding a bounce ("Fwd: Undeliverable") is a person writing.
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(m.subject)), "fw") && !daemon && !nullSender {
		return nil, false
	}
	switch {
	case failedHdr != "" && (daemon || subject || nullSender || body()):
	case daemon && (subject || body()):
	case subject && (nullSender || autoSubmitted(m)) && body():
	default:
		return nil, false
	}
	b := proseDetails(m)
	if failedHdr != "" {
		b.Recipients = addressesIn(decodeHeader(failedHdr))
		return b, true
	}
	// Reports relayed or stripped of their MIME structure still carry the RFC 3464 fields
	// in their text: those name the failed recipient better than the prose does.
	if inline := inlineDSN(m.body()); inline != nil {
		b.Recipients = inline.Recipients
		if inline.Status != "" {
			b.Status, b.Permanent = inline.Status, inline.Permanent
		}
	}
	return b, true
}

// inlineDSN reads RFC 3464 recipient fields written in a text body; nil when there are none.
func inlineDSN(text string) *Bounce {
	if !strings.Contains(strings.ToLower(text), "final-recipient:") {
		return nil
	}
	b := dsnFromGroups(parseDSNFields(text))
	if len(b.Recipients) == 0 {
		return nil
	}
	return b
}

// bounceExplanation is the part of a prose report before the returned message.
func bounceExplanation(m *message) string {
	if m.explanation != nil {
		return *m.explanation
	}
	text := m.body()
	if loc := originalStartRe.FindStringIndex(text); loc != nil && loc[0] > 0 {
		text = text[:loc[0]]
	}
	if len(text) > 20000 {
		text = text[:20000]
	}
	m.explanation = &text
	return text
}

// proseDetails reads recipients, status and permanence from a report's text.
func proseDetails(m *message) *Bounce {
	text := bounceExplanation(m)
	b := &Bounce{Recipients: []string{}, Permanent: true}
	b.Status = statusCode(text)
	switch {
	case strings.HasPrefix(b.Status, "4"):
		b.Permanent = false
	case strings.HasPrefix(b.Status, "5"):
	default:
		if mm := smtpCodeRe.FindStringSubmatch(text); mm != nil {
			b.Permanent = mm[1] == "5"
		} else if temporaryRe.MatchString(text) || temporaryRe.MatchString(m.subject) {
			b.Permanent = false
		}
	}
	if b.Status == "" && (temporaryRe.MatchString(m.subject)) {
		b.Permanent = false
	}
	b.Recipients = proseRecipients(m, text)
	return b
}

// proseRecipients lists the addresses a report's text names, leaving out the mail system's
// own and the original sender's.
func proseRecipients(m *message, text string) []string {
	skip := map[string]bool{m.from: true}
	for _, a := range m.recipients {
		skip[a] = true
	}
	out := []string{}
	for _, a := range addressesIn(text) {
		if skip[a] || daemonLocalRe.MatchString(a) {
			continue
		}
		skip[a] = true
		out = append(out, a)
	}
	return out
}

// autoSubmitted says whether the message declares itself automatic (RFC 3834).
func autoSubmitted(m *message) bool {
	v := strings.ToLower(strings.TrimSpace(m.header.Get("Auto-Submitted")))
	return v != "" && v != "no"
}
