// Package letters writes what the campaign has to say: letters rendered from templates
// (Letters), composed into RFC 5322 messages with go-mail (Outgoing), the sample data a
// template is tried on (SampleData), and the data of the staff's digest letter (DigestData).
// The outbox package sends what it composes.
//
// # Letters and their templates
//
// Every kind of letter (Kind) has three templates per language, named
// "<kind>.<lang>.subject", "<kind>.<lang>.txt" and "<kind>.<lang>.html": the subject line and
// the plain-text body (text/template) and the HTML body (html/template, which escapes every
// value). Two more files per language hold what the letters share: "common.<lang>.txt" and
// "common.<lang>.html" (greeting, meeting list, agenda, contact and signature, the HTML frame).
// The kinds are invitation, confirmation, change, calendar_cancel (the old entry's CANCEL
// after a change of meeting, in a message of its own), decline_ack, cancel_ack, question_ack,
// reminder, agreement, agreement_receipt, agreement_pdf_needed, agreement_confirmed,
// nudge_unanswered, nudge_agreement, staff_review, digest, final_report and participant_list;
// the languages da and en. Each kind's Auto-Submitted header is decided in one table
// (Kind.AutoSubmitted): automatic answers and notices carry it, letters written to a person
// (invitation, agreement, reminder, nudges) do not, so that out-of-office replies to them still
// come back. The defaults are embedded (templates/); a folder named by the config's `templates` key
// may hold files of the same names, each replacing its embedded default. A file there with any
// other name is an error (a misspelt name would otherwise be silently ignored).
//
// All templates are parsed, and executed once on sample data, when Letters is built, so a
// broken template stops the daemon at start with the file and line, not at the first send.
//
// A template sees these fields:
//
//	.Campaign          *campaign.Campaign: .Name, .Organiser (.Name .Email .Website .Contact),
//	                   .Meetings, .Agenda, .Deadline, .Companions (.Included .Role), .GoAhead,
//	                   .WithoutGoAhead, .Background, .Schedule (.AnswerBy ...), .Agreement
//	                   (.Until .FirstInvoice ...: what the agreement PDF states, from the same place)
//	.Invitee           campaign.Invitee: .Code .Name .FormalName .Contact .Population
//	.Party             how the letter names the invitee: FormalName, else Name ("Københavns Kommune")
//	.Meeting           *campaign.Meeting the letter is about (confirmation, change, calendar_cancel, cancel_ack, reminder)
//	.OldMeeting        *campaign.Meeting before a change (nil when only the headcount changed);
//	                   the one whose entry a calendar_cancel withdraws
//	.MeetingChanged    true when the change moved the invitee to another meeting
//	.OtherMeetings     the campaign's meetings except .Meeting
//	.Headcount         people registered; .OldHeadcount before a change
//	.ReplyAddress      where the invitee answers: the tokened reply address (or the plain one)
//	.Amount            the invitee's price in øre (campaign.PriceOf); .Explicit when set per invitee
//	.CalendarAttached  the caller attaches calendar data (the text then says so)
//	.CalendarAccepted  the invitee accepted the meeting's entry in the calendar: nothing is
//	                   attached for it, and the text says the meeting is in the calendar
//	.AgreementAttached the caller attaches the agreement PDF (nudge_agreement and
//	                   agreement_pdf_needed say so)
//	.ReturnedFile      the file a reply attached: the PDF received (agreement_receipt), or the
//	                   one that does not return the agreement (agreement_pdf_needed); "" for none
//	.FileProblem       why it does not: "not_pdf", "damaged" or "unchanged" (campaign.PDF...)
//	.AgreementBeforeMeetings the agreement letter is scheduled before the first meeting
//	.Date              the letter's date (zero when not known); .AnswerDue where it stands to
//	                   .Campaign.Schedule.AnswerBy: "today", "tomorrow", "passed" or ""
//	.Review            []ReviewItem (staff_review, digest)
//	.Digest            *DigestData (digest)
//	.Subject           the rendered subject (bodies only)
//
// and these functions, written for the template's language: date ("tirsdag den 28. februar
// 2012"), shortdate ("28. februar 2012"), month ("april 2012"), isodate (a "2012-01-01" string as shortdate), clock
// ("kl. 10.00"), timespan (start and end: "kl. 10.00–12.00"), kroner ("3.843.350 kr.",
// øre in), number ("549.050"), percent (a share 0..1: "23,5 %"), share (0.5: "halvdelen"),
// count (1..12 in words: "to"), people ("to personer"), lcfirst, inc (i+1), and in HTML cid (a
// Content-ID as a URL for <img src>). Times are shown in the campaign's time zone.
package letters
