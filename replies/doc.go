// Package replies reads the mail that comes back to a campaign: it decodes a raw RFC 5322
// message whatever its charset and structure, classifies it (bounce, then auto-reply, then
// calendar answer, then a person's reply), cuts the quoted invitation, forwarded blocks and the
// signature away from what the sender newly wrote and, when the campaign is known, reads that
// text for the answer: attend or decline, which meeting, how many people, who comes along,
// and to which invitee it belongs.
//
// Read is pure: it does no I/O and reads no clock, so the daemon, `rsvpd parse` and `replay`
// read the same message the same way. Its output is the `rsvpd parse` JSON described in
// shared/contracts/parse-json.md.
package replies
