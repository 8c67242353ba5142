// Package replies reads the mail that comes back to a campaign: it decodes a raw RFC 5322
// message whatever its charset and structure, classifies it (bounce, then auto-reply, then
// calendar answer, then a person's reply), cuts the quoted invitation, forwarded blocks and the
// signature away from what the sender newly wrote and, when the campaign is known, reads that
// text for the answer: attend or decline, which meeting, how many people, who comes along,
// and to which invitee it belongs.
//
// The answer is read clause by clause, as Danish says it (a reply written as on a phone, without
// capitals and with short forms such as "ka", "ikk" and "bli'r", as the same words written out):
// each clause for what it says about
// coming and about whom (a negation reaches its own subject only), the meetings it names,
// resolved against the campaign by city, venue, street, room, date, weekday counted from the
// day of writing, month, part of a month or week (two such words together name the meetings
// that fit both: "tirsdag i uge 9"), order or number, or part of the country, and the people
// it counts. Where the words
// allow more than one reading the answer is held (Answer.Held) with the alternatives named, so
// that nothing is applied wrong without a person seeing it; so is an answer that rests on an
// inference real replies show to be fragile: a count from a word that may be no person's name,
// people listed whom no rule placed, a number stated against more people named or against the
// lines of a list, a meeting named only in a sentence that says no one comes or about something
// else ("Min kollega bor i Vejle"), a weekday that may be this week's or next, "i morgen"
// written after midnight, and a meeting or a person named in a word added after the answer
// ("NB: Roskilde!") that does not say it corrects it. A later word that does ("P.S. jeg mente
// Aalborg", "Korrektion: kun to") wins. A request written as a wish ("Send gerne præsentationen
// bagefter") needs a person as a question does, beside the answer it leaves standing; an answer
// under a condition on whether the municipality takes part at all ("Hvis vi deltager, bliver det
// i Vejle") decides nothing; and numbers, names and negations about something else (the staff,
// the writer's own signature, another appointment, a part of the day) leave the answer as it is.
// Words reach as far as Danish lets them (scope.go): a clause after "og" shares the first one's
// subject, one after "at" says nothing comes under a negation ("det giver ikke mening, at hun
// tager med") or after the organiser's words reported ("I skriver, at …"), a relative clause of
// a person speaks of that person, and a meeting already held when the reply was written is
// named as past, not chosen.
// Last, a gate reads the sender's own words apart from all of that, with a vocabulary of its
// own, and holds an answer that would be applied alone when they speak against it: a number of
// people not counted, a list of another length, a name counted only from the signature, words
// that say nothing is settled yet (gate.go).
//
// Anyone can write to the campaign address. Addresses are parsed from the raw header, never
// taken from a display name or a comment (address.go); a reply matched by its sender alone is
// held unless the receiving server's Authentication-Results show the sender verified
// (authres.go); and every stage is linear in its input or bounded, a message past a bound
// being recorded at once as too complex to read (limits.go).
//
// Read is pure: it does no I/O and reads no clock, so the daemon, `rsvpd parse` and `replay`
// read the same message the same way. Its output is the `rsvpd parse` JSON described in
// shared/contracts/parse-json.md.
package replies
