package replies

import "regexp"

// Scope: words whose meaning is set by the clause before them. A pronoun that points back to
// another engagement ("Byrådet har indkaldt til ekstraordinært møde samme dag, og det skal jeg
// deltage i") makes the coming that engagement's, not the campaign's.

// takenUpRe finds "det" or "den" as what the writer takes part in or is at ("det skal jeg
// deltage i", "og skal deltage i det", "den må jeg være med til"): the thing named before.
var takenUpRe = regexp.MustCompile(`(?:^|\s)(?:det|den)\s+(?:\p{L}+\s+){0,3}(?:deltage\p{L}*\s+i|være\s+med\s+(?:til|på|i))\s*[.!]?\s*$|(?:deltage\p{L}*|være\s+med)\s+(?:i|til|på)\s+(?:det|den)\s*[.!]?\s*$`)

// engagementTakenUp takes a coming whose object points back to another engagement named in the
// clause before it for that engagement's, no answer: "Byrådet har indkaldt til ekstraordinært
// møde samme dag, og det skal jeg deltage i".
func engagementTakenUp(crs []clauseRead) {
	for i := 1; i < len(crs); i++ {
		cr, prev := &crs[i], crs[i-1]
		if cr.role == roleAttend && len(cr.ms) == 0 && (prev.sent == cr.sent || prev.sent == cr.sent-1) && prev.st.otherEvent && takenUpRe.MatchString(cr.lower) {
			cr.role, cr.st.attend, cr.st.otherEvent = roleNone, false, true
		}
	}
}
