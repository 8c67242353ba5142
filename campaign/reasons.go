package campaign

// ReasonCode names a reason: why something needs a person on the staff, or why a reply was
// read as it was. Codes are stored (review items, readings), so a code keeps its meaning once
// it has shipped; a new meaning gets a new code.
type ReasonCode string

// Reason is a reason as data: a code and the parameters its sentence needs. It is stored as
// such and written out in the campaign's language from the catalogue beside the letters'
// templates (package letters), so that the same reason reads in Danish to the staff and in
// English in a log, and a test can see that every code has a sentence in every language.
//
// Which parameters a code uses is said at the code; the others stay empty.
type Reason struct {
	Code ReasonCode `json:"code"`

	Meeting    string   `json:"meeting,omitempty"`     // a meeting id
	OldMeeting string   `json:"old_meeting,omitempty"` // the meeting before a change
	People     int      `json:"people,omitempty"`      // a headcount
	Welcome    int      `json:"welcome,omitempty"`     // the people the invitation welcomes
	Invitee    string   `json:"invitee,omitempty"`     // an invitee's code
	Address    string   `json:"address,omitempty"`     // a mail address
	Addresses  []string `json:"addresses,omitempty"`   // mail addresses (a bounce's recipients)
	Letter     string   `json:"letter,omitempty"`      // a kind of letter (confirmation, reminder ...)
	Count      int      `json:"count,omitempty"`       // a number of things
	Status     string   `json:"status,omitempty"`      // an enhanced mail status code, "5.1.1"
	Method     string   `json:"method,omitempty"`      // an iCalendar METHOD
	PartStat   string   `json:"partstat,omitempty"`    // an iCalendar PARTSTAT
	Date       string   `json:"date,omitempty"`        // a date, YYYY-MM-DD
	Quote      string   `json:"quote,omitempty"`       // words quoted from a message, shown as written
	Detail     string   `json:"detail,omitempty"`      // someone else's words (a server's, an error), shown as written
	Flag       bool     `json:"flag,omitempty"`        // a yes/no the code names
	// Alternatives are the meetings (ids) a reading could also mean, or the others it named.
	Alternatives []string `json:"alternatives,omitempty"`
	// Ref says how a reply named what was read: "weekday", "date", "relative_day", "month", "week", "venue",
	// "room", "street", "order", "region", "host", "inline", "misspelt", "earlier" (the sender's
	// own earlier answer, quoted) for a meeting; "number",
	// "names", "list" for people.
	Ref string `json:"ref,omitempty"`
	// Reading is the reading's own reason when a review follows from how a reply was read.
	Reading *Reason `json:"reading,omitempty"`
	// Notes are remarks that belong to the reason ("it also asks a question").
	Notes []Reason `json:"notes,omitempty"`
}

// Because returns r with the reading's reason attached (nil when the reading has none).
func (r Reason) Because(reading Reason) Reason {
	if reading.Code != "" {
		r.Reading = &reading
	}
	return r
}

// With returns r with a note added.
func (r Reason) With(note Reason) Reason {
	r.Notes = append(append([]Reason(nil), r.Notes...), note)
	return r
}

// IsZero reports whether r says nothing.
func (r Reason) IsZero() bool { return r.Code == "" }

// The reasons of review items: what the staff is asked to look at.
const (
	// The state machine (Apply).
	ReasonReadingCheck      ReasonCode = "reading_check"           // the reading needs a person; Reading
	ReasonBounced           ReasonCode = "bounced"                 // mail to the invitee fails for good; Address, Status, Detail
	ReasonCalendarNotReply  ReasonCode = "calendar_not_reply"      // a calendar message that answers nothing; Method
	ReasonCalendarNoMeeting ReasonCode = "calendar_no_meeting"     // a calendar answer to no meeting of ours
	ReasonCalendarTentative ReasonCode = "calendar_tentative"      // a tentative calendar answer; Meeting
	ReasonCalendarPartStat  ReasonCode = "calendar_partstat"       // a calendar answer rsvpd does not act on; PartStat
	ReasonNoMeetingNamed    ReasonCode = "no_meeting_named"        // wants to come, names no meeting; Reading
	ReasonAgreementReturned ReasonCode = "agreement_returned"      // the agreement came back as a PDF: check and confirm it; Invitee, Quote (file name), Flag (digitally signed)
	ReasonAgreementAgain    ReasonCode = "agreement_again"         // a PDF came after the agreement was confirmed; Invitee, Quote (file name), Flag (digitally signed)
	ReasonQuestion          ReasonCode = "question"                // asks a question; Reading
	ReasonAnswerUnreadable  ReasonCode = "answer_unreadable"       // the answer could not be read; Reading
	ReasonUnknownMeeting    ReasonCode = "unknown_meeting"         // names a meeting rsvpd does not know; Quote
	ReasonMeetingPast       ReasonCode = "meeting_past"            // wants to come to a meeting held already; Meeting
	ReasonChangeFromPast    ReasonCode = "change_from_past"        // wants to change from a meeting held already; OldMeeting, Meeting
	ReasonCancelPast        ReasonCode = "cancel_past"             // cancels a meeting held already; Meeting
	ReasonAboveWelcome      ReasonCode = "headcount_above_welcome" // more people than the invitation welcomes; Meeting, People, Welcome

	// The daemon.
	ReasonUnknownSender   ReasonCode = "unknown_sender"      // not an invitee, no token or thread: nothing changed; Address
	ReasonSenderNamesOne  ReasonCode = "sender_names_one"    // unknown address, the text names an invitee; Address, Invitee
	ReasonInviteeGone     ReasonCode = "invitee_gone"        // matched an invitee the campaign no longer lists; Invitee
	ReasonUndeliverable   ReasonCode = "undeliverable"       // a letter could not be delivered; Letter, Address, Detail
	ReasonAutoAnswerCap   ReasonCode = "auto_answer_cap"     // no letter sent: too many automatic answers today; Letter, Address, Count
	ReasonMessageUnread   ReasonCode = "message_unreadable"  // the message could not be read; Detail
	ReasonMessageTooLarge ReasonCode = "message_too_large"   // the message was too large to read; Count (bytes), Detail
	ReasonHeld            ReasonCode = "held"                // read, not applied: accept or correct the suggestion; Reading
	ReasonReplayDiffers   ReasonCode = "replay_differs"      // reads differently with newer rules; Detail (was), Quote (now)
	ReasonReadingFailed   ReasonCode = "reading_failed"      // reading the message failed more than once; Detail
	ReasonTooComplex      ReasonCode = "message_too_complex" // the message is beyond the reader's bounds; Detail

	// Why rsvpd cannot sign in to the campaign's mailbox (a staff_signin letter); Address is
	// the mailbox.
	ReasonSignInRevoked ReasonCode = "sign_in_revoked" // the sign-in was revoked or has expired: sign in again; Address
	ReasonSignInMissing ReasonCode = "sign_in_missing" // no one has signed rsvpd in yet; Address
	ReasonSignInClient  ReasonCode = "sign_in_client"  // the provider refuses rsvpd's app registration or its secret
	ReasonSignInRefused ReasonCode = "sign_in_refused" // the mail server refuses rsvpd's sign-in; Address
	ReasonSignInSetup   ReasonCode = "sign_in_setup"   // a file or setting of the sign-in must be mended (the log names it); Address
)

// The reasons of readings: why a reply was read as it was (replies fills them in; the parse
// command shows them in English).
const (
	ReadUnreadable       ReasonCode = "read_unreadable"         // could not be read; Detail
	ReadBounce           ReasonCode = "read_bounce"             // a delivery failure; Flag (permanent), Addresses, Status
	ReadAutoReply        ReasonCode = "read_auto_reply"         // an automatic reply; Date (back on), may be empty
	ReadCalendarEmpty    ReasonCode = "read_calendar_empty"     // a calendar message without content
	ReadCalendarMethod   ReasonCode = "read_calendar_method"    // a calendar message that is no answer; Method
	ReadCalendarAnswer   ReasonCode = "read_calendar_answer"    // a calendar answer; PartStat, Meeting (may be empty), Flag (from the subject)
	ReadPDFOnly          ReasonCode = "read_pdf_only"           // no text, a PDF: the returned agreement
	ReadNoText           ReasonCode = "read_no_text"            // no text of its own
	ReadAttends          ReasonCode = "read_attends"            // comes; Meeting ("" none named, "*" several), People, Quote
	ReadChanges          ReasonCode = "read_changes"            // changes to; Meeting, People, Quote
	ReadDeclines         ReasonCode = "read_declines"           // declines; Quote
	ReadAgreement        ReasonCode = "read_agreement"          // returns or accepts the agreement; Quote, Flag (PDF attached)
	ReadQuestion         ReasonCode = "read_question"           // asks without answering; Quote
	ReadNothing          ReasonCode = "read_nothing"            // no answer found in the text
	ReadWinmailOnly      ReasonCode = "read_winmail_only"       // the calendar answer is only in a winmail.dat rsvpd cannot read; Detail
	ReadUndecided        ReasonCode = "read_undecided"          // has not decided yet; Quote, Flag (promises to answer), Alternatives (meetings still open)
	NoteUnknownSender    ReasonCode = "note_unknown_sender"     // the sender is not a known invitee
	NoteByText           ReasonCode = "note_by_text"            // found only by the municipality or domain named
	NoteOtherInvitee     ReasonCode = "note_other_invitee"      // the sender is registered for another invitee; Invitee
	NoteNoteAsks         ReasonCode = "note_note_asks"          // the calendar answer's note asks a question
	NoteAboveWelcome     ReasonCode = "note_above_welcome"      // more people than welcome without review; People, Welcome
	NoteAlsoAsks         ReasonCode = "note_also_asks"          // it also asks a question
	NoteUnverified       ReasonCode = "note_unverified"         // the sender's address is not verified; Address (the server), Flag (it wrote a header), Detail (its results)
	NoteFromMissing      ReasonCode = "note_from_missing"       // the message names no sender
	NoteFromSeveral      ReasonCode = "note_from_several"       // the From field names several senders; Count
	NoteFromUnparsable   ReasonCode = "note_from_unparsable"    // the From field cannot be read as one address; Quote (the field)
	NoteTooComplex       ReasonCode = "note_too_complex"        // beyond the reader's bounds; Detail (the error)
	NoteTooManyParts     ReasonCode = "note_too_many_parts"     // more MIME parts than read; Count
	NoteNestedTooDeep    ReasonCode = "note_nested_too_deep"    // MIME parts nested deeper than read; Count
	NoteHTMLTooLarge     ReasonCode = "note_html_too_large"     // an HTML body of more tags than read; Count
	NoteHTMLTooDeep      ReasonCode = "note_html_too_deep"      // an HTML body nested deeper than read; Count
	NoteLongLine         ReasonCode = "note_long_line"          // a line read only in part; Count (KiB)
	NoteBodyCut          ReasonCode = "note_body_cut"           // only the first part of the body read; Count (MiB)
	NoteReplyCut         ReasonCode = "note_reply_cut"          // only the first part of the reply read for its answer; Count (KiB)
	NoteLowConfidence    ReasonCode = "note_low_confidence"     // the words allow more than one reading
	NoteSeveralMeetings  ReasonCode = "note_several_meetings"   // names more than one meeting without choosing
	NoteMeetingFrom      ReasonCode = "note_meeting_from"       // the meeting read from words other than its city; Meeting, Ref, Quote
	NotePeopleFrom       ReasonCode = "note_people_from"        // the people counted from words; People, Ref, Quote
	NoteChoseAmong       ReasonCode = "note_chose_among"        // several meetings named, one chosen; Meeting, Alternatives (the others), Quote
	NoteFitsSeveral      ReasonCode = "note_fits_several"       // the words fit more than one meeting; Alternatives, Ref, Quote
	NoteDateClash        ReasonCode = "note_date_clash"         // a weekday and a date that name different meetings; Alternatives, Quote
	NoteByElimination    ReasonCode = "note_by_elimination"     // the meeting is the one not ruled out; Meeting, Alternatives (ruled out)
	NoteCompanionOut     ReasonCode = "note_companion_out"      // someone named does not come; the answer stands; Quote
	NoteSelfOnly         ReasonCode = "note_self_only"          // the writer does not come, others may; Quote
	NoteAnswersDiffer    ReasonCode = "note_answers_differ"     // the reply both comes and declines; Quote (the other answer)
	NoteCountsDiffer     ReasonCode = "note_counts_differ"      // two numbers of people; People (read), Count (the other), Quote
	NoteNameUnsure       ReasonCode = "note_name_unsure"        // the people counted from names, one of which may be no person; People, Quote (the word)
	NoteMeetingInPassing ReasonCode = "note_meeting_in_passing" // the meeting read only from a day named in a sentence about something else; Meeting, Ref, Quote
	NotePersonUnplaced   ReasonCode = "note_person_unplaced"    // someone named is neither counted nor said not to come; People (counted), Quote (the name)
	NoteAfterMidnight    ReasonCode = "note_after_midnight"     // "i morgen" written after midnight may count from the day before; Alternatives (the meetings those days hold), Quote
)

// ReasonCodes lists every code, for the catalogue's test: a code without a sentence in every
// language cannot ship.
func ReasonCodes() []ReasonCode {
	return []ReasonCode{
		ReasonReadingCheck, ReasonBounced, ReasonCalendarNotReply, ReasonCalendarNoMeeting,
		ReasonCalendarTentative, ReasonCalendarPartStat, ReasonNoMeetingNamed, ReasonAgreementReturned,
		ReasonAgreementAgain,
		ReasonQuestion, ReasonAnswerUnreadable, ReasonUnknownMeeting, ReasonMeetingPast,
		ReasonChangeFromPast, ReasonCancelPast, ReasonAboveWelcome,
		ReasonUnknownSender, ReasonSenderNamesOne, ReasonInviteeGone, ReasonUndeliverable,
		ReasonAutoAnswerCap, ReasonMessageUnread, ReasonMessageTooLarge, ReasonHeld,
		ReasonReplayDiffers, ReasonReadingFailed, ReasonTooComplex,
		ReasonSignInRevoked, ReasonSignInMissing, ReasonSignInClient, ReasonSignInRefused, ReasonSignInSetup,
		ReadUnreadable, ReadBounce, ReadAutoReply, ReadCalendarEmpty, ReadCalendarMethod,
		ReadCalendarAnswer, ReadPDFOnly, ReadNoText, ReadAttends, ReadChanges, ReadDeclines,
		ReadAgreement, ReadQuestion, ReadNothing, ReadWinmailOnly, ReadUndecided,
		NoteUnknownSender, NoteByText, NoteOtherInvitee, NoteNoteAsks, NoteAboveWelcome,
		NoteAlsoAsks, NoteUnverified, NoteFromMissing, NoteFromSeveral, NoteFromUnparsable, NoteTooComplex,
		NoteTooManyParts, NoteNestedTooDeep, NoteHTMLTooLarge, NoteHTMLTooDeep, NoteLongLine, NoteBodyCut,
		NoteReplyCut, NoteLowConfidence,
		NoteSeveralMeetings, NoteMeetingFrom, NotePeopleFrom, NoteChoseAmong, NoteFitsSeveral,
		NoteDateClash, NoteByElimination, NoteCompanionOut, NoteSelfOnly, NoteAnswersDiffer, NoteCountsDiffer,
		NoteNameUnsure, NoteMeetingInPassing, NotePersonUnplaced, NoteAfterMidnight,
	}
}
