package mailer

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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
	KindDeclineAck      Kind = "decline_ack"      // thanks for a decline
	KindCancelAck       Kind = "cancel_ack"       // a registered invitee cancels
	KindReminder        Kind = "reminder"         // before the invitee's meeting
	KindAgreement       Kind = "agreement"        // the accession agreement, PDF attached
	KindNudgeUnanswered Kind = "nudge_unanswered" // no answer yet
	KindNudgeAgreement  Kind = "nudge_agreement"  // the agreement has not come back
	KindStaffReview     Kind = "staff_review"     // to the staff: items a person must decide
	KindDigest          Kind = "digest"           // to the staff: the daily overview
)

// Kinds lists every kind of letter, in the order of a campaign.
func Kinds() []Kind {
	return []Kind{KindInvitation, KindConfirmation, KindChange, KindDeclineAck, KindCancelAck,
		KindReminder, KindAgreement, KindNudgeUnanswered, KindNudgeAgreement, KindStaffReview,
		KindDigest}
}

// ToStaff reports whether the letter goes to the organiser's staff rather than an invitee.
func (k Kind) ToStaff() bool { return k == KindStaffReview || k == KindDigest }

// LetterLanguages lists the languages with templates.
func LetterLanguages() []string { return []string{"da", "en"} }

// LetterData is what one letter is about; the campaign comes from Letters. Fields a kind does
// not use are ignored.
type LetterData struct {
	// Lang is the letter's language; "" uses the campaign's.
	Lang    string
	Invitee campaign.Invitee
	// Meeting is the meeting the letter is about: registered for (confirmation, reminder),
	// moved to (change) or cancelled (cancel_ack).
	Meeting *campaign.Meeting
	// OldMeeting is the meeting before a change; nil or the same meeting when only the
	// headcount changed.
	OldMeeting   *campaign.Meeting
	Headcount    int
	OldHeadcount int
	// ReplyAddress is the invitee's tokened address (Signer.ReplyAddress); the HTML invitation
	// links to it so that a forwarded letter still answers for the right invitee.
	ReplyAddress string
	// CalendarAttached says the caller attaches calendar data (a REQUEST, or for a change also
	// a CANCEL), so the letter tells the reader what to do with it.
	CalendarAttached bool
	// AgreementAttached says the agreement PDF is attached (always so for KindAgreement).
	AgreementAttached bool
	// Review holds the items of a staff_review letter.
	Review []ReviewItem
	// Digest is the content of a digest letter.
	Digest *DigestData
}

// ReviewItem is one message or answer a person must decide on.
type ReviewItem struct {
	ID string // the review item's id, for `rsvpd review resolve ID`
	// Invitee is who the message was matched to; a zero Invitee (Code "") is an unknown sender.
	Invitee   campaign.Invitee
	From      string // the sender as written in the message
	Subject   string
	Received  time.Time
	Reason    string // why it needs a person, in one sentence
	MessageID string
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
	c    *campaign.Campaign
	sets map[setKey]*letterSet
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

//go:embed templates
var embedded embed.FS // read-only template sources, never changed after build

// NewLetters parses every template of every kind and language: the embedded defaults, each
// replaced by a file of the same name in overrideDir when there is one ("" for none). It then
// renders every template once on sample data, so that a broken template is an error now,
// naming its file and line, and not at the first send.
func NewLetters(c *campaign.Campaign, overrideDir string) (*Letters, error) {
	if c == nil {
		return nil, errors.New("load letters: no campaign")
	}
	src, err := templateSources(overrideDir)
	if err != nil {
		return nil, err
	}
	l := &Letters{c: c, sets: map[setKey]*letterSet{}}
	for _, lang := range LetterLanguages() {
		for _, k := range Kinds() {
			set, err := parseSet(src, k, lang, c.Location)
			if err != nil {
				return nil, fmt.Errorf("load letters: %w", err)
			}
			l.sets[setKey{k, lang}] = set
		}
	}
	for _, lang := range LetterLanguages() {
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

// source is one template file: its text and the name errors give it (the override's path, or
// the embedded name).
type source struct {
	name string
	text string
}

// templateNames lists every template file name Letters reads.
func templateNames() []string {
	var names []string
	for _, lang := range LetterLanguages() {
		names = append(names, "common."+lang+".txt", "common."+lang+".html")
		for _, k := range Kinds() {
			base := string(k) + "." + lang
			names = append(names, base+".subject", base+".txt", base+".html")
		}
	}
	return names
}

// templateSources reads the embedded templates and replaces each with its override, if any.
func templateSources(overrideDir string) (map[string]source, error) {
	src := map[string]source{}
	for _, name := range templateNames() {
		b, err := embedded.ReadFile("templates/" + name)
		if err != nil {
			return nil, fmt.Errorf("load letters: embedded template %s: %w", name, err)
		}
		src[name] = source{name: name, text: string(b)}
	}
	if overrideDir == "" {
		return src, nil
	}
	entries, err := os.ReadDir(overrideDir)
	if err != nil {
		return nil, fmt.Errorf("load letters: template folder: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") {
			continue // editors' backup and swap files
		}
		path := filepath.Join(overrideDir, name)
		if _, ok := src[name]; !ok {
			return nil, fmt.Errorf("load letters: %s: not a template name (names are <kind>.<lang>.subject|txt|html or common.<lang>.txt|html, e.g. invitation.da.txt)", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("load letters: %w", err)
		}
		src[name] = source{name: path, text: string(b)}
	}
	return src, nil
}

// parseSet parses the subject, text and HTML templates of one kind in one language, each body
// with its language's common file, so that a kind file can use the shared parts.
func parseSet(src map[string]source, k Kind, lang string, loc *time.Location) (*letterSet, error) {
	base := string(k) + "." + lang
	subj, txt, html := src[base+".subject"], src[base+".txt"], src[base+".html"]
	ctxt, chtml := src["common."+lang+".txt"], src["common."+lang+".html"]
	tf := textFuncs(lang, loc)
	s := &letterSet{subjectName: subj.name, textName: txt.name, htmlName: html.name,
		subjectFile: subj.name}
	var err error
	if s.subject, err = texttemplate.New(subj.name).Funcs(tf).Option("missingkey=error").Parse(subj.text); err != nil {
		return nil, err
	}
	t := texttemplate.New(ctxt.name).Funcs(tf).Option("missingkey=error")
	if _, err = t.Parse(ctxt.text); err != nil {
		return nil, err
	}
	if _, err = t.New(txt.name).Parse(txt.text); err != nil {
		return nil, err
	}
	s.text = t
	h := htmltemplate.New(chtml.name).Funcs(htmlFuncs(lang, loc)).Option("missingkey=error")
	if _, err = h.Parse(chtml.text); err != nil {
		return nil, err
	}
	if _, err = h.New(html.name).Parse(html.text); err != nil {
		return nil, err
	}
	s.html = h
	return s, nil
}

// letterView is what the templates see: the letter's data, the campaign, and what is easier
// to work out in Go than in a template.
type letterView struct {
	LetterData
	Campaign                *campaign.Campaign
	Party                   string
	Amount                  int64
	Explicit                bool
	MeetingChanged          bool
	OtherMeetings           []campaign.Meeting
	AgreementBeforeMeetings bool
	Subject                 string
}

// renderBuffers keep the buffers letters are written into: a letter's text and HTML grow a
// fresh buffer a dozen times.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes one letter. It checks that the data holds what the kind needs (a meeting for a
// confirmation, items for a review letter, ...), so that no letter goes out with a hole.
func (l *Letters) Render(kind Kind, data LetterData) (Rendered, error) {
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
	v := l.view(kind, data)
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

func (l *Letters) view(kind Kind, d LetterData) *letterView {
	v := &letterView{LetterData: d, Campaign: l.c, Party: d.Invitee.FormalName}
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
	return v
}

// checkData names what a kind needs and the data lacks.
func checkData(kind Kind, d LetterData) error {
	var missing []string
	if !kind.ToStaff() && d.Invitee.Code == "" {
		missing = append(missing, "invitee")
	}
	switch kind {
	case KindConfirmation, KindChange, KindCancelAck, KindReminder:
		if d.Meeting == nil {
			missing = append(missing, "meeting")
		}
	case KindStaffReview:
		if len(d.Review) == 0 {
			missing = append(missing, "review items")
		}
	case KindDigest:
		if d.Digest == nil {
			missing = append(missing, "digest data")
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

// TemplateNames lists the file names a template folder may hold, sorted; for documentation
// and `rsvpd check`.
func TemplateNames() []string {
	n := templateNames()
	sort.Strings(n)
	return n
}

// EmbeddedTemplates is the folder of default templates, to copy from when writing overrides.
func EmbeddedTemplates() (fs.FS, error) { return fs.Sub(embedded, "templates") }
