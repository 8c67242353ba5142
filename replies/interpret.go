package replies

import (
	"bytes"
	"math"
	"regexp"
	"strings"

	"github.com/rsvpd/rsvpd/campaign"
)

// interpret reads a classified message against the campaign: to which invitee it belongs
// and what it answers.
func interpret(r *Reading, m *message, opts Options) Answer {
	c := opts.Campaign
	a := Answer{Intent: IntentNone, Companions: []string{}}
	if m == nil {
		a.NeedsReview = true
		a.Why = campaign.Reason{Code: campaign.ReadUnreadable, Detail: r.Error}
		a.finish(opts)
		return a
	}
	matchInvitee(&a, r, m, opts)
	holdUnverified(&a, r, m, opts)
	other := ""
	if a.Match == MatchToken || a.Match == MatchThread {
		if inv, ok := c.InviteeByEmail(m.from); ok && inv.Code != a.Invitee {
			other = inv.Code // another invitee answering in this one's thread
		}
	}
	switch r.Class {
	case ClassInvalid:
		a.NeedsReview = true
		a.Why = campaign.Reason{Code: campaign.ReadUnreadable, Detail: r.Error}
	case ClassBounce:
		a.Confidence = 0.95
		a.Why = bounceReason(r.Bounce)
		if a.Invitee == "" {
			a.Invitee = bouncedInvitee(c, r.Bounce)
		}
	case ClassAutoReply:
		a.Confidence = 0.95
		a.Why = campaign.Reason{Code: campaign.ReadAutoReply}
		if r.AutoReply != nil {
			a.Why.Date = r.AutoReply.Until
		}
	case ClassCalendar:
		readCalendarAnswer(&a, r, c)
	default:
		readHuman(&a, r, m, c)
		a.PDF = agreementPDF(m) // only a valid PDF returns the agreement (pdf.go)
	}
	if a.Invitee == "" && (r.Class == ClassHuman || r.Class == ClassCalendar) {
		a.NeedsReview, a.Held = true, true
		a.note(campaign.Reason{Code: campaign.NoteUnknownSender})
	} else if a.ByText {
		a.NeedsReview, a.Held = true, true
		a.note(campaign.Reason{Code: campaign.NoteByText})
	}
	if other != "" {
		a.NeedsReview = true
		a.note(campaign.Reason{Code: campaign.NoteOtherInvitee, Invitee: other})
	}
	holdIncomplete(&a, r, m)
	if a.Confidence < 0.7 && a.Intent != IntentNone {
		a.NeedsReview = true
	}
	a.Confidence = math.Round(a.Confidence*100) / 100
	a.finish(opts)
	return a
}

// holdIncomplete holds a reading of a message that was not read in full: too complex to read
// at all (the reason says so already for an invalid one), or with a part of the body or the
// reply text past a bound. The parts past a bound matter only where the text is the answer.
func holdIncomplete(a *Answer, r *Reading, m *message) {
	if !m.complex.IsZero() {
		a.NeedsReview, a.Held = true, true
		a.note(m.complex)
	}
	if r.Class != ClassHuman && r.Class != ClassCalendar {
		return
	}
	partial := m.partial
	if len(r.ReplyText) > maxIntentText {
		partial = append(partial, campaign.Reason{Code: campaign.NoteReplyCut, Count: maxIntentText >> 10})
	}
	for _, p := range partial {
		a.NeedsReview, a.Held = true, true
		a.note(p)
	}
}

// intentText is the part of a reply text read for its answer: at most maxIntentText.
func intentText(s string) string { return clipUTF8(s, maxIntentText) }

// note adds a remark to the reason (finish puts the remarks into Why, which the reading of
// the class sets after some remarks are known).
func (a *Answer) note(n campaign.Reason) { a.notes = append(a.notes, n) }

// finish writes the reason out in English for the contract's reason field.
func (a *Answer) finish(opts Options) {
	a.Why.Notes = append(a.Why.Notes, a.notes...)
	a.notes = nil
	if opts.Reasons != nil && a.Why.Code != "" {
		a.Reason = opts.Reasons.Text("en", a.Why)
	}
}

// matchInvitee ties the message to an invitee: by the token in an address we gave out, by a
// Message-ID we issued, by the sender's registered address, and last (a colleague writing
// from another address) by the municipality named in the text or the sender's mail domain.
func matchInvitee(a *Answer, r *Reading, m *message, opts Options) {
	c, s := opts.Campaign, opts.Signer
	if s != nil {
		for _, addr := range m.recipients {
			if code, ok := s.TokenFromAddress(addr); ok && known(c, code) {
				a.Invitee, a.Match = code, MatchToken
				return
			}
		}
		ids := append([]string{m.inReplyTo}, m.references...)
		for _, id := range ids {
			// A reference that carries a reply token (a client that built its Message-ID
			// from the address it answered) ties the reply as firmly as the address does.
			if code, ok := tokenInReference(s, id); ok && known(c, code) {
				a.Invitee, a.Match = code, MatchToken
				return
			}
		}
		for i := len(ids) - 1; i >= 0; i-- { // the newest reference is last
			if ids[i] == "" {
				continue
			}
			if code, ok := s.VerifyMessageID(ids[i]); ok && known(c, code) {
				a.Invitee, a.Match = code, MatchThread
				return
			}
		}
	}
	if inv, ok := c.InviteeByEmail(m.from); ok {
		a.Invitee, a.Match = inv.Code, MatchFrom
		return
	}
	if r.Class == ClassBounce {
		// A report quotes the message that failed: our signed Message-ID or the tokened
		// reply address in its header names the invitee even when the failed address was
		// a forward.
		if code, match, ok := returnedMessageInvitee(m, opts); ok {
			a.Invitee, a.Match = code, match
		}
		return
	}
	if code, ok := inviteeByText(c, m); ok {
		a.Invitee, a.Match, a.ByText = code, MatchNone, true
	}
}

// holdUnverified holds a reading whose sender cannot be trusted: a From header that names no
// single sender (a bounce's is often a bare MAILER-DAEMON, and it is matched otherwise), or
// a match by the sender's address alone that the receiving server's Authentication-Results
// do not show verified. Token and thread matches need no sender.
func holdUnverified(a *Answer, r *Reading, m *message, opts Options) {
	if !m.fromProblem.IsZero() && r.Class != ClassBounce && r.Class != ClassInvalid {
		a.NeedsReview, a.Held = true, true
		a.note(m.fromProblem)
	}
	if a.Match != MatchFrom || opts.AuthServID == "" {
		return
	}
	if ok, why := senderVerified(m.header, opts.AuthServID, m.from); !ok {
		a.NeedsReview, a.Held = true, true
		a.note(why)
	}
}

// returnedMessageInvitee looks in the parts of a delivery report for the returned
// message's Message-ID (one we signed) or a tokened address of ours: both end in the
// campaign's domain, so only the words around that domain are tried.
func returnedMessageInvitee(m *message, opts Options) (string, Match, bool) {
	s, c := opts.Signer, opts.Campaign
	at := strings.LastIndexByte(c.Organiser.Email, '@')
	if s == nil || at < 0 {
		return "", MatchNone, false
	}
	suffix := []byte(strings.ToLower(c.Organiser.Email[at:]))
	seen, tried := 0, 0
	for _, p := range m.parts {
		content := p.Content
		for off := 0; ; {
			k := bytes.Index(content[off:], suffix)
			if k < 0 {
				break
			}
			if tried++; tried > maxOurWords {
				return "", MatchNone, false // a report quotes a few; each costs two HMACs
			}
			end := off + k + len(suffix)
			start := off + k
			// A Message-ID or address of ours is short: looking back further than that
			// would read a run of "@kombit.test@kombit.test..." again for every match.
			floor := max(0, start-maxOurWord)
			for start > floor && !bytes.ContainsAny(content[start-1:start], " \t\r\n<>\"'(),;:[]") {
				start--
			}
			word := strings.ToLower(string(content[start:end]))
			if code, ok := s.VerifyMessageID(word); ok && known(c, code) {
				return code, MatchThread, true
			}
			if code, ok := s.TokenFromAddress(word); ok && known(c, code) {
				return code, MatchToken, true
			}
			off = end
		}
		if seen += len(content); seen > 4<<20 {
			break
		}
	}
	return "", MatchNone, false
}

// maxOurWord bounds the local part of a Message-ID or reply address rsvpd writes, and
// maxOurWords the words in the campaign's domain a delivery report is searched for.
const (
	maxOurWord  = 256
	maxOurWords = 1000
)

// tokenInReference finds a reply token in a Message-ID's local part ("...+615-mac@...").
func tokenInReference(s *campaign.Signer, id string) (string, bool) {
	local, _, found := strings.Cut(strings.Trim(id, "<> "), "@")
	if !found || !strings.Contains(local, "-") {
		return "", false
	}
	for _, piece := range strings.FieldsFunc(local, func(r rune) bool { return r == '+' || r == '.' || r == '=' }) {
		if code, ok := s.Verify(piece); ok {
			return code, true
		}
	}
	return "", false
}

func known(c *campaign.Campaign, code string) bool {
	_, ok := c.Invitee(code)
	return ok
}

// inviteeByText finds the invitee a colleague writes for: the municipality named with
// "Kommune" or its library in the sender's own text (signature included), or an invitee
// whose registered address shares the sender's mail domain. Only a single candidate counts.
func inviteeByText(c *campaign.Campaign, m *message) (string, bool) {
	named := namedMunicipalities(ownText(m.bodyLines()))
	found := map[string]bool{}
	for _, inv := range c.Invitees {
		if inv.Name != "" && named[strings.ToLower(inv.Name)] {
			found[inv.Code] = true
		}
	}
	if len(found) == 0 {
		if at := strings.LastIndexByte(m.from, '@'); at >= 0 {
			domain := m.from[at:]
			for i, inv := range c.Invitees {
				if strings.HasSuffix(c.EmailAt(i), domain) && !commonDomain(domain) {
					found[inv.Code] = true
				}
			}
		}
	}
	if len(found) != 1 {
		return "", false
	}
	for code := range found {
		return code, true
	}
	return "", false
}

// orgWords are the words that make a place name the name of an organisation: "Horsens
// Kommune", "Horsens Bibliotekerne", "Biblioteket i Horsens".
var orgWords = map[string]bool{
	"kommune": true, "kommunes": true, "regionskommune": true, "bibliotek": true, "biblioteker": true,
	"bibliotekerne": true, "biblioteket": true, "centralbibliotek": true, "hovedbibliotek": true,
	"bibliotekschef": true,
}

var nameTokenRe = regexp.MustCompile(`[\p{L}][\p{L}-]*`)

// namedMunicipalities returns the lower-case names written next to an organisation word
// (a bare city name may be a meeting place, so it does not count). The genitive "s" is
// dropped ("Københavns Kommune").
func namedMunicipalities(text string) map[string]bool {
	words := nameTokenRe.FindAllString(strings.ToLower(text), -1)
	out := map[string]bool{}
	for i, w := range words {
		if !orgWords[w] {
			continue
		}
		if i > 0 {
			prev := words[i-1]
			out[prev] = true
			out[strings.TrimSuffix(prev, "s")] = true
		}
		next := i + 1
		if next < len(words) && words[next] == "i" {
			next++
		}
		if next < len(words) && !orgWords[words[next]] && (w == "biblioteket" || w == "bibliotekerne" || w == "kommune" || w == "bibliotekschef") {
			out[words[next]] = true
		}
	}
	return out
}

// commonDomain says whether a mail domain is shared by unrelated people (webmail), so that
// it says nothing about the municipality.
func commonDomain(domain string) bool {
	switch strings.TrimPrefix(domain, "@") {
	case "gmail.com", "hotmail.com", "hotmail.dk", "outlook.com", "live.dk", "live.com", "yahoo.com",
		"yahoo.dk", "mail.dk", "jubii.dk", "get2net.dk", "stofanet.dk", "icloud.com", "me.com", "mail.tele.dk":
		return true
	}
	return false
}

// bouncedInvitee finds the invitee whose registered address bounced.
func bouncedInvitee(c *campaign.Campaign, b *Bounce) string {
	if b == nil {
		return ""
	}
	for _, addr := range b.Recipients {
		if inv, ok := c.InviteeByEmail(addr); ok {
			return inv.Code
		}
	}
	return ""
}

func bounceReason(b *Bounce) campaign.Reason {
	if b == nil {
		return campaign.Reason{Code: campaign.ReadBounce}
	}
	return campaign.Reason{Code: campaign.ReadBounce, Flag: b.Permanent, Addresses: b.Recipients, Status: b.Status,
		Detail: b.Diagnostic}
}

// readCalendarAnswer reads a calendar client's answer: PARTSTAT gives the intent, the event's
// date or title the meeting.
func readCalendarAnswer(a *Answer, r *Reading, c *campaign.Campaign) {
	cal := r.Calendar
	if cal == nil {
		a.Intent, a.Why = IntentUnclear, campaign.Reason{Code: campaign.ReadCalendarEmpty}
		return
	}
	if cal.Unreadable != "" {
		a.Intent, a.Confidence, a.NeedsReview = IntentUnclear, 0.3, true
		a.Why = campaign.Reason{Code: campaign.ReadWinmailOnly, Detail: cal.Unreadable}
		return
	}
	a.Meeting = calendarMeeting(c, r)
	switch {
	case cal.Method != "REPLY":
		a.Intent, a.Confidence = IntentUnclear, 0.5
		a.NeedsReview = true
		a.Why = campaign.Reason{Code: campaign.ReadCalendarMethod, Method: cal.Method}
		return
	case cal.PartStat == "ACCEPTED":
		a.Intent, a.Headcount, a.Confidence = IntentAttend, 1, 0.95
	case cal.PartStat == "DECLINED":
		a.Intent, a.Confidence = IntentDecline, 0.95
	default:
		a.Intent, a.Confidence = IntentUnclear, 0.5
		a.NeedsReview = true
	}
	a.Why = campaign.Reason{Code: campaign.ReadCalendarAnswer, PartStat: cal.PartStat, Meeting: a.Meeting, Flag: cal.FromSubject}
	if cal.FromSubject {
		a.Confidence -= 0.1
	}
	if a.Meeting == "" {
		if a.Intent == IntentAttend {
			a.NeedsReview = true
			a.Confidence = 0.6
		}
	}
	// Outlook lets the sender write a note with the answer; a person should read it.
	if t := strings.TrimSpace(r.ReplyText); t != "" {
		tr := readText(c, intentText(t))
		if tr.question {
			a.Question, a.NeedsReview = true, true
			a.note(campaign.Reason{Code: campaign.NoteNoteAsks})
		}
		if tr.headcount > 1 && a.Intent == IntentAttend {
			a.Headcount, a.Companions = tr.headcount, tr.companions
		}
	}
	if a.Intent == IntentDecline {
		a.Headcount = 0
	}
	if a.Headcount > c.Companions.MaxHeadcount() {
		a.NeedsReview = true
	}
}

// calendarMeeting finds the meeting a calendar answer is about: the event's start date,
// else a meeting id or city in the UID or title.
func calendarMeeting(c *campaign.Campaign, r *Reading) string {
	cal := r.Calendar
	if !cal.Start.IsZero() {
		for _, mt := range c.Meetings {
			s := mt.Start.In(c.Location)
			t := cal.Start.In(c.Location)
			if s.Year() == t.Year() && s.YearDay() == t.YearDay() {
				return mt.ID
			}
		}
	}
	hay := strings.ToLower(cal.UID + " " + r.Subject)
	var hit string
	for _, mt := range c.Meetings {
		if strings.Contains(hay, strings.ToLower(mt.ID)) || strings.Contains(hay, strings.ToLower(mt.City)) {
			if hit != "" && hit != mt.ID {
				return ""
			}
			hit = mt.ID
		}
	}
	return hit
}
