package letters

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// Kind names a letter. It is also the first part of its template files' names and what the
// outbox records as the kind of a message.
type Kind string

// The letters rsvpd writes.
const (
	KindInvitation      Kind = "invitation"       // the invitation, listing every meeting
	KindConfirmation    Kind = "confirmation"     // registered: the meeting, with an ICS REQUEST
	KindChange          Kind = "change"           // a changed meeting or headcount
	KindCalendarCancel  Kind = "calendar_cancel"  // after a change of meeting: the old entry's CANCEL, alone
	KindDeclineAck      Kind = "decline_ack"      // thanks for a decline
	KindCancelAck       Kind = "cancel_ack"       // a registered invitee cancels
	KindReminder        Kind = "reminder"         // before the invitee's meeting
	KindAgreement       Kind = "agreement"        // the accession agreement, PDF attached
	KindNudgeUnanswered Kind = "nudge_unanswered" // no answer yet
	KindNudgeAgreement  Kind = "nudge_agreement"  // the agreement has not come back
	KindStaffReview     Kind = "staff_review"     // to the staff: items a person must decide
	KindStaffSignIn     Kind = "staff_signin"     // to the staff: rsvpd cannot sign in to the mailbox
	KindDigest          Kind = "digest"           // to the staff: the daily overview
	KindFinalReport     Kind = "final_report"     // to the staff: the result, once, after the deadline
	KindParticipantList Kind = "participant_list" // to the staff and hosts: who comes to a meeting
	KindStaffAnswer     Kind = "staff_answer"     // a staff member's own answer, in the reply's thread
	KindDeskSignIn      Kind = "desk_signin"      // to a staff member: the link to sign in to the desk
)

// Receipts and holding answers, sent at once in the thread of the invitee's message, and the
// letter that follows the staff's check of a returned agreement.
const (
	KindQuestionAck        Kind = "question_ack"         // a question: received, we will answer
	KindAgreementReceipt   Kind = "agreement_receipt"    // the signed agreement came as a PDF: the staff will check it
	KindAgreementPDFNeeded Kind = "agreement_pdf_needed" // words (or a file that is no PDF) without the signed PDF
	KindAgreementConfirmed Kind = "agreement_confirmed"  // the staff have checked it: the accession is confirmed
)

// Kinds lists every kind of letter, in the order of a campaign.
func Kinds() []Kind {
	return []Kind{KindInvitation, KindConfirmation, KindChange, KindCalendarCancel, KindDeclineAck, KindCancelAck,
		KindQuestionAck, KindReminder, KindAgreement, KindAgreementReceipt, KindAgreementPDFNeeded,
		KindAgreementConfirmed, KindNudgeUnanswered, KindNudgeAgreement, KindStaffReview, KindStaffSignIn,
		KindDigest, KindFinalReport, KindParticipantList, KindStaffAnswer, KindDeskSignIn}
}

// autoSubmitted is the RFC 3834 keyword of each kind, the one place that decides it. Automatic
// answers to an invitee's message are auto-replied; other automatic notices (the letter after
// the staff's check, the letters to the staff) auto-generated. Letters written to a person
// (the invitation, the agreement letter, reminders and nudges) carry none: a mail system sends
// no out-of-office reply to auto-submitted mail, and those replies tell rsvpd who is away.
var autoSubmitted = map[Kind]string{
	KindInvitation:         "",
	KindConfirmation:       "auto-replied",
	KindChange:             "auto-replied",
	KindCalendarCancel:     "auto-replied",
	KindDeclineAck:         "auto-replied",
	KindCancelAck:          "auto-replied",
	KindQuestionAck:        "auto-replied",
	KindReminder:           "",
	KindAgreement:          "",
	KindAgreementReceipt:   "auto-replied",
	KindAgreementPDFNeeded: "auto-replied",
	KindAgreementConfirmed: "auto-generated",
	KindNudgeUnanswered:    "",
	KindNudgeAgreement:     "",
	KindStaffReview:        "auto-generated",
	KindStaffSignIn:        "auto-generated",
	KindDigest:             "auto-generated",
	KindFinalReport:        "auto-generated",
	KindParticipantList:    "auto-generated",
	KindStaffAnswer:        "", // a person wrote it
	KindDeskSignIn:         "auto-generated",
}

// AutoSubmitted is the Auto-Submitted header the kind's messages carry ("" for none).
// A kind not listed is an automatic notice: auto-generated.
func (k Kind) AutoSubmitted() string {
	if v, ok := autoSubmitted[k]; ok {
		return v
	}
	return "auto-generated"
}

// ToStaff reports whether the letter goes to the organiser's staff (or a meeting's hosts)
// rather than an invitee.
func (k Kind) ToStaff() bool {
	switch k {
	case KindStaffReview, KindStaffSignIn, KindDigest, KindFinalReport, KindParticipantList, KindDeskSignIn:
		return true
	}
	return false
}

// Languages lists the languages with templates.
func Languages() []string { return []string{"da", "en"} }

// Data is what one letter is about; the campaign comes from Letters. Fields a kind does
// not use are ignored.
type Data struct {
	// Lang is the letter's language; "" uses the campaign's.
	Lang    string
	Invitee campaign.Invitee
	// Date is the letter's date (when it is sent); the invitation and the nudge count the
	// days from it to the answer date, in the campaign's time zone. Zero: not known, and the
	// letter names the answer date alone.
	Date time.Time
	// Meeting is the meeting the letter is about: registered for (confirmation, reminder),
	// moved to (change, calendar_cancel) or cancelled (cancel_ack).
	Meeting *campaign.Meeting
	// OldMeeting is the meeting before a change, whose entry a calendar_cancel withdraws; nil
	// or the same meeting when only the headcount changed.
	OldMeeting   *campaign.Meeting
	Headcount    int
	OldHeadcount int
	// ReplyAddress is where the invitee answers: its tokened address (Signer.ReplyAddress), or
	// the organiser's own with mail.reply_address: plain. The HTML invitation links to it so
	// that a forwarded letter still answers for the right invitee.
	ReplyAddress string
	// CalendarAttached says the caller attaches a calendar object (a REQUEST, or a CANCEL for
	// cancel_ack and calendar_cancel), so the letter tells the reader what to do with it.
	CalendarAttached bool
	// CalendarAccepted says the invitee answered by accepting the meeting's entry in the
	// calendar, which holds it already: no REQUEST is attached, and the letter says so.
	CalendarAccepted bool
	// AgreementAttached says the agreement PDF is attached (always so for KindAgreement).
	AgreementAttached bool
	// Review holds the items of a staff_review letter.
	Review []ReviewItem
	// Digest is the content of a digest letter or of the final report.
	Digest *DigestData
	// AnswerLinks are the invitation's one-click answers (one per meeting, then the
	// decline), when the campaign has a public address for them; nil leaves them out.
	AnswerLinks []AnswerLink
	// DeskURL is the staff desk's address, for the letters to the staff to link to.
	DeskURL string
	// Link and LinkExpires are a desk_signin letter's sign-in link and when it stops working.
	Link        string
	LinkExpires time.Time
	// AnswerText is a staff_answer letter's text as the staff member wrote it, and
	// ReplySubject the subject of the message it answers.
	AnswerText   string
	ReplySubject string
	// Participants is the content of a participant list.
	Participants *ParticipantList
	// ReturnedFile is the file an invitee's message attached: the PDF received
	// (agreement_receipt), or the file that does not return the agreement
	// (agreement_pdf_needed); "" when the message attached none.
	ReturnedFile string
	// FileProblem is why ReturnedFile does not return the agreement (agreement_pdf_needed):
	// campaign.PDFNotPDF, PDFDamaged or PDFUnchanged.
	FileProblem string
	// SignIn is what a staff_signin letter tells.
	SignIn *SignInData
}

// AnswerLink is one one-click answer of an invitation: registering for a meeting, or (with
// Decline) declining.
type AnswerLink struct {
	Meeting campaign.Meeting
	Decline bool
	URL     string
}

// ReviewItem is one message or answer a person must decide on.
type ReviewItem struct {
	ID string // the review item's id, for `rsvpd review resolve ID`
	// Invitee is who the message was matched to; a zero Invitee (Code "") is an unknown sender.
	Invitee  campaign.Invitee
	From     string // the sender as written in the message
	Subject  string
	Received time.Time
	// Why is why it needs a person, as data; the letter writes it in its language. Reason
	// is the sentence an item opened before reasons were data was stored with (then Why is
	// zero), and, once rendered, the sentence the letter shows.
	Why       campaign.Reason
	Reason    string
	MessageID string
	// Do is what the staff are to do about it ("Besvar spørgsmålet"), Link where the desk
	// shows it ("" without a desk), and DaysOpen how many whole days it had been open when
	// the digest was made: the letter fills them in when it renders, as it does Reason.
	Do       string
	Link     string
	DaysOpen int
}

// Rendered is a letter ready to be put into a message.
type Rendered struct {
	Kind    Kind
	Lang    string
	Subject string
	Text    string // the plain-text alternative
	HTML    string
}

// Letters renders the campaign's letters from the embedded templates and the overrides.
// It is safe for concurrent use: the templates are only read after construction.
type Letters struct {
	c       *campaign.Campaign
	sets    map[setKey]*letterSet
	reasons *Reasons
}

type setKey struct {
	kind Kind
	lang string
}

// letterSet is one kind in one language: three templates and the names to execute them by.
type letterSet struct {
	subject               *texttemplate.Template
	text                  *texttemplate.Template
	html                  *htmltemplate.Template
	subjectName, textName string
	htmlName              string
	subjectFile           string // for error messages
}

// New parses every template of every kind and language: the embedded defaults, each
// replaced by a file of the same name in overrideDir when there is one ("" for none). It then
// renders every template once on sample data, so that a broken template is an error now,
// naming its file and line, and not at the first send.
func New(c *campaign.Campaign, overrideDir string) (*Letters, error) {
	if c == nil {
		return nil, errors.New("load letters: no campaign")
	}
	src, err := templateSources(overrideDir)
	if err != nil {
		return nil, err
	}
	reasons, err := newReasons(c, src)
	if err != nil {
		return nil, fmt.Errorf("load letters: %w", err)
	}
	l := &Letters{c: c, sets: map[setKey]*letterSet{}, reasons: reasons}
	for _, lang := range Languages() {
		for _, k := range Kinds() {
			set, err := parseSet(src, k, lang, c.Location)
			if err != nil {
				return nil, fmt.Errorf("load letters: %w", err)
			}
			l.sets[setKey{k, lang}] = set
		}
	}
	for _, lang := range Languages() {
		for _, k := range Kinds() {
			d := SampleData(c, k)
			d.Lang = lang
			if _, err := l.Render(k, d); err != nil {
				return nil, fmt.Errorf("load letters: trial render: %w", err)
			}
		}
	}
	return l, nil
}

// letterView is what the templates see: the letter's data, the campaign, and what is easier
// to work out in Go than in a template.
type letterView struct {
	Data
	Campaign                *campaign.Campaign
	Party                   string
	Amount                  int64
	Explicit                bool
	MeetingChanged          bool
	OtherMeetings           []campaign.Meeting
	AgreementBeforeMeetings bool
	// AnswerDue is where the letter's date stands to the answer date: "today", "tomorrow",
	// "passed", or "" (earlier, or no date).
	AnswerDue string
	Subject   string
}

// renderBuffers keep the buffers letters are written into: a letter's text and HTML grow a
// fresh buffer a dozen times.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes one letter. It checks that the data holds what the kind needs (a meeting for a
// confirmation, items for a review letter, ...), so that no letter goes out with a hole.
func (l *Letters) Render(kind Kind, data Data) (Rendered, error) {
	lang := data.Lang
	if lang == "" {
		lang = l.c.Language
	}
	if lang == "" {
		lang = "da"
	}
	set, ok := l.sets[setKey{kind, lang}]
	if !ok {
		return Rendered{}, fmt.Errorf("render %s letter in %q: no such kind or language", kind, lang)
	}
	if err := checkData(kind, data); err != nil {
		return Rendered{}, fmt.Errorf("render %s letter for %q: %w", kind, data.Invitee.Code, err)
	}
	v := l.view(kind, data, lang)
	b := renderBuffers.Get().(*bytes.Buffer)
	defer renderBuffers.Put(b)
	b.Reset()
	if err := set.subject.ExecuteTemplate(b, set.subjectName, v); err != nil {
		return Rendered{}, fmt.Errorf("render %s letter for %q: %w", kind, data.Invitee.Code, err)
	}
	v.Subject = oneLine(b.String())
	if v.Subject == "" {
		return Rendered{}, fmt.Errorf("render %s letter for %q: %s gives an empty subject", kind, data.Invitee.Code, set.subjectFile)
	}
	b.Reset()
	if err := set.text.ExecuteTemplate(b, set.textName, v); err != nil {
		return Rendered{}, fmt.Errorf("render %s letter for %q: %w", kind, data.Invitee.Code, err)
	}
	text := tidy(b.String())
	b.Reset()
	if err := set.html.ExecuteTemplate(b, set.htmlName, v); err != nil {
		return Rendered{}, fmt.Errorf("render %s letter for %q: %w", kind, data.Invitee.Code, err)
	}
	return Rendered{Kind: kind, Lang: lang, Subject: v.Subject, Text: text, HTML: tidy(b.String())}, nil
}

func (l *Letters) view(kind Kind, d Data, lang string) *letterView {
	d.Review = l.reasonsIn(lang, d.Review, d.DeskURL, nil)
	if d.Digest != nil {
		dg := *d.Digest
		dg.Review = l.reasonsIn(lang, dg.Review, d.DeskURL, &dg)
		dg.ToCheck = l.reasonsIn(lang, dg.ToCheck, d.DeskURL, &dg)
		d.Digest = &dg
	}
	if d.SignIn != nil {
		d.SignIn = l.signInIn(lang, *d.SignIn)
	}
	v := &letterView{Data: d, Campaign: l.c, Party: d.Invitee.FormalName}
	if v.Party == "" {
		v.Party = d.Invitee.Name
	}
	if kind == KindAgreement {
		v.AgreementAttached = true
	}
	if d.Invitee.Code != "" && !kind.ToStaff() {
		v.Amount = l.c.PriceOf(d.Invitee)
		v.Explicit = d.Invitee.Amount != nil
	}
	v.MeetingChanged = d.Meeting != nil && d.OldMeeting != nil && d.OldMeeting.ID != d.Meeting.ID
	for _, m := range l.c.Meetings {
		if d.Meeting == nil || m.ID != d.Meeting.ID {
			v.OtherMeetings = append(v.OtherMeetings, m)
		}
	}
	if a := l.c.Schedule.Agreement; !a.IsZero() && len(l.c.Meetings) > 0 {
		v.AgreementBeforeMeetings = a.Before(l.c.FirstMeeting().Start)
	}
	v.AnswerDue = answerDue(d.Date, l.c.Schedule.AnswerBy, l.c.Location)
	return v
}

// answerDue is where a letter dated date stands to the answer date by, counted in calendar
// days where the campaign is (loc): "today" on the day, "tomorrow" the day before, "passed"
// after it, and "" before that or when either date is not known. A letter sent at 09.00 on
// the last day must say "i dag", not the date as if it were days away.
func answerDue(date, by time.Time, loc *time.Location) string {
	if date.IsZero() || by.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	switch n := dayNumber(by.In(loc)) - dayNumber(date.In(loc)); {
	case n < 0:
		return "passed"
	case n == 0:
		return "today"
	case n == 1:
		return "tomorrow"
	}
	return ""
}

// dayNumber numbers a calendar day (the days since 1 January 1970 of its date), so that two
// dates subtract to whole days whatever the clock time and the summer time between them.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// checkData names what a kind needs and the data lacks.
func checkData(kind Kind, d Data) error {
	var missing []string
	if !kind.ToStaff() && d.Invitee.Code == "" {
		missing = append(missing, "invitee")
	}
	switch kind {
	case KindConfirmation, KindChange, KindCancelAck, KindReminder:
		if d.Meeting == nil {
			missing = append(missing, "meeting")
		}
	case KindCalendarCancel:
		if d.Meeting == nil || d.OldMeeting == nil || d.OldMeeting.ID == d.Meeting.ID {
			missing = append(missing, "old and new meeting")
		}
	case KindStaffReview:
		if len(d.Review) == 0 {
			missing = append(missing, "review items")
		}
	case KindDigest, KindFinalReport:
		if d.Digest == nil {
			missing = append(missing, "digest data")
		}
	case KindParticipantList:
		if d.Participants == nil {
			missing = append(missing, "participant list")
		}
	case KindStaffSignIn:
		if d.SignIn == nil || len(d.SignIn.Servers) == 0 {
			missing = append(missing, "the servers that failed")
		}
	case KindDeskSignIn:
		if d.Link == "" || d.LinkExpires.IsZero() {
			missing = append(missing, "sign-in link")
		}
	case KindStaffAnswer:
		if strings.TrimSpace(d.AnswerText) == "" {
			missing = append(missing, "answer text")
		}
	}
	switch kind {
	case KindConfirmation, KindChange, KindReminder:
		if d.Headcount < 1 {
			missing = append(missing, "headcount")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// tidy lets templates be written for people to read: trailing blanks go, runs of blank lines
// become one, and the text starts with no blank line and ends with one newline.
func tidy(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 1)
	gap := false // a blank line is owed before the next line with text
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
			line = strings.TrimSuffix(line, "\r") // a CRLF line end
		} else {
			s = ""
		}
		line = strings.TrimRight(line, " \t")
		if line == "" {
			gap = b.Len() > 0 // none at the start
			continue
		}
		if gap {
			b.WriteByte('\n')
			gap = false
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		return "\n"
	}
	return b.String()
}

// oneLine makes a subject one line with single spaces: a header cannot carry a line break.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Reasons is the catalogue the letters write reasons from.
func (l *Letters) Reasons() *Reasons { return l.reasons }

// reasonsIn writes each item's reason and what to do in lang, and its place on the desk at
// deskURL ("" for none), and, for a digest, how long it has been open (a copy: the caller's
// items are not changed).
func (l *Letters) reasonsIn(lang string, items []ReviewItem, deskURL string, dg *DigestData) []ReviewItem {
	if len(items) == 0 {
		return items
	}
	out := make([]ReviewItem, len(items))
	for i, it := range items {
		if !it.Why.IsZero() {
			it.Reason = l.reasons.Text(lang, it.Why)
		}
		// A reason can carry a server's multi-line answer; a letter gives it one line.
		it.Reason = strings.Join(strings.Fields(it.Reason), " ")
		it.Do = l.reasons.Action(lang, it.Why)
		it.Link = caseLink(deskURL, it)
		if dg != nil {
			it.DaysOpen = dg.DaysOpen(it)
		}
		out[i] = it
	}
	return out
}

// caseLink is where the desk shows a review item: the page of the invitee's open items
// (reviews?invitee=CODE), at the item's anchor (#rID), so that the staff land on the case with
// the municipality's other cases beside it; for an item of no invitee, the page of open items
// that begins with it (reviews?after=ID-1), since the first page holds only the oldest. ""
// without a desk.
func caseLink(deskURL string, it ReviewItem) string {
	if deskURL == "" {
		return ""
	}
	base := strings.TrimRight(deskURL, "/") + "/reviews"
	id, err := strconv.ParseInt(it.ID, 10, 64)
	if err != nil || id < 1 {
		return base
	}
	anchor := "#r" + strconv.FormatInt(id, 10)
	if it.Invitee.Code != "" {
		return base + "?invitee=" + url.QueryEscape(it.Invitee.Code) + anchor
	}
	if id == 1 {
		return base + anchor
	}
	return base + "?after=" + strconv.FormatInt(id-1, 10) + anchor
}
