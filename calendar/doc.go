// Package calendar is rsvpd's iCalendar (RFC 5545) and iTIP/iMIP (RFC 5546, RFC 6047) code:
// it writes the meeting requests and cancellations that confirm an invitee's answer
// (Request, Cancel) and reads the REPLYs that calendar clients send back (ReadIncoming).
//
// Output is written by hand rather than with golang-ical, whose serialiser needs several
// workarounds to produce valid objects (see LIBRARIES.md): the few lines rsvpd sends are
// escaped, quoted and folded here, and every object is checked in the tests by two independent
// parsers (python3-icalendar and ical.js, see scripts/icalcheck).
//
// Decisions that shape what a calendar client shows:
//   - Times are local times with TZID=Europe/Copenhagen and a VTIMEZONE written here from the
//     EU summer-time rule. The instant is the same as in UTC, but the object then says what
//     the letter says (10:00 in Copenhagen), clients that show an event's own zone show
//     Copenhagen, and both validators prove the VTIMEZONE gives the right instant. An
//     instant the rule cannot write unambiguously (before the rule began in 1996, or in the
//     hour that occurs twice on the October night) is written in UTC instead.
//   - A REQUEST carries the invitee with PARTSTAT=NEEDS-ACTION and RSVP=TRUE even when the
//     invitee has already said yes by mail: that is the invitation under which iMIP clients
//     (Outlook, Gmail, Apple Calendar) offer Accept/Decline, one click puts the meeting in the
//     calendar, and
//     the REPLY that click sends only confirms what rsvpd already knows. An ACCEPTED written
//     by the organiser would state an answer the invitee's calendar has not given, and how
//     each client treats that is not something rsvpd can test here; NEEDS-ACTION with RSVP
//     is the plain invitation every client is built for.
//   - No REQUEST follows a calendar Accept. When the director accepted an entry in the
//     calendar, the entry is there, accepted; the confirmation carries no calendar object at
//     all (the daemon's choice, see campaign.Effect.InCalendar). Re-sending the entry as a
//     REQUEST with PARTSTAT=ACCEPTED, no RSVP and the same SEQUENCE was the other way, but a
//     REQUEST is a meeting request to every client: Outlook files it as a request or update
//     with its response buttons (it keeps the recipient's response itself and does not take it
//     from the organiser's attendee line), Gmail shows its RSVP card, and how each treats an
//     ACCEPTED the organiser wrote cannot be tested here. A message without a calendar object
//     is handled the same way by every client: nothing to answer, nothing changed.
//   - One calendar method per message. Clients act on one calendar part of a message and
//     ignore the rest, so a change of meeting sends the new entry's REQUEST with the change
//     letter and the old entry's CANCEL in a message of its own. The attached copies are named
//     for what they do: invite.ics (invite-<meeting>.ics in the invitation), cancel.ics.
//   - Every title starts with the meeting's city ("Vejle: Dialogmøde om …"), so the
//     invitation's entries are told apart in a calendar; the description ends with the person
//     to ask and the web page.
//   - A CANCEL names the attendee without PARTSTAT or RSVP: no answer is expected.
//   - The UID is stable per invitee and meeting (UID), so a changed meeting updates the entry
//     in the invitee's calendar; the caller raises SEQUENCE on every change.
package calendar
