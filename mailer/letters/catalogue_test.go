package letters

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
)

// sampleReason fills every parameter, so that each code's sentence is written with what it
// uses; the words are neither Danish nor English, so a test can tell the catalogue's own words.
func sampleReason(code campaign.ReasonCode) campaign.Reason {
	return campaign.Reason{Code: code, Meeting: "vejle", OldMeeting: "aalborg", People: 3, Welcome: 2,
		Invitee: "101", Address: "x@example.test", Addresses: []string{"x@example.test"}, Letter: "reminder",
		Count: 2, Status: "5.1.1", Method: "COUNTER", PartStat: "TENTATIVE", Date: "2012-03-05",
		Quote: "«q»", Detail: "«d»", Flag: true, Alternatives: []string{"aalborg", "roskilde"}, Ref: "weekday"}
}

// englishWords are words a Danish sentence of the catalogue must not hold.
var englishWords = regexp.MustCompile(`(?i)\b(the|is|not|and|of|with|from|meeting|answer|message|sender|people|reply|address|which|was|could|has|no)\b`)

// TestEveryReasonReadsInEveryLanguage walks every code in every language: a code without a
// sentence, a sentence that fails to run or names a missing parameter, or a Danish sentence
// with English words in it cannot ship.
func TestEveryReasonReadsInEveryLanguage(t *testing.T) {
	r := MustReasons(testCampaign(t))
	for _, lang := range Languages() {
		seen := map[string]campaign.ReasonCode{}
		for _, code := range campaign.ReasonCodes() {
			if !r.Has(lang, code) {
				t.Errorf("%s: no sentence for %q", lang, code)
				continue
			}
			got := r.Text(lang, sampleReason(code))
			switch {
			case strings.HasPrefix(got, string(code)+" {"), strings.Contains(got, "<no value>"), strings.TrimSpace(got) == "":
				t.Errorf("%s %s: %q does not read", lang, code, got)
			case lang == "da" && englishWords.MatchString(stripSample(got)):
				t.Errorf("da %s: %q has English words (%q)", code, got, englishWords.FindString(stripSample(got)))
			}
			if other, dup := seen[got]; dup {
				t.Errorf("%s: %s and %s read the same: %q", lang, other, code, got)
			}
			seen[got] = code
		}
	}
}

// stripSample removes the sample's own words (addresses, quoted words), which are not the
// catalogue's.
func stripSample(s string) string {
	for _, w := range []string{"x@example.test", "«q»", "«d»", "COUNTER", "rsvpd"} {
		s = strings.ReplaceAll(s, w, "")
	}
	return s
}

func TestReasonText(t *testing.T) {
	r := MustReasons(testCampaign(t))
	reading := campaign.Reason{Code: campaign.ReadAttends, Meeting: "vejle", People: 4, Quote: "Vi kommer fire",
		Notes: []campaign.Reason{{Code: campaign.NoteAboveWelcome, People: 4, Welcome: 2}}}
	why := campaign.Reason{Code: campaign.ReasonAboveWelcome, Meeting: "vejle", People: 4, Welcome: 2}.Because(reading)
	for _, tc := range []struct{ lang, want string }{
		{"da", "Tilmeldt med fire personer til mødet i Vejle; invitationen er til to pr. kommune. " +
			"Deltager i mødet i Vejle (fire personer): »Vi kommer fire«; fire personer er flere end de to, invitationen er til."},
		{"en", "Registered four people for the meeting in Vejle; the invitation welcomes two per invitee. " +
			"Attends the meeting in Vejle (four people): “Vi kommer fire”; four people is more than the two the invitation welcomes."},
	} {
		if got := r.Text(tc.lang, why); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.lang, got, tc.want)
		}
	}
	bounce := campaign.Reason{Code: campaign.ReasonBounced, Addresses: []string{"bibliotek@laesoe.kommune.test"}, Status: "5.1.1"}
	if got, want := r.Text("da", bounce), "Mail til bibliotek@laesoe.kommune.test kan ikke leveres (5.1.1, ukendt modtager)."; got != want {
		t.Errorf("bounce:\n got %q\nwant %q", got, want)
	}
	// What to do about it is the desk's change of address, which the digest leads the case with.
	if got, want := r.Action("da", bounce), "Ret adressen på skrivebordet"; got != want {
		t.Errorf("bounce, what to do: %q, want %q", got, want)
	}
	if got := r.Text("da", campaign.Reason{Code: campaign.ReasonUnknownSender, Address: "sekretariat@example.test"}); !strings.HasPrefix(got, "sekretariat@example.test er ikke inviteret") {
		t.Errorf("a reason that starts with an address: %q (the address is written as it is)", got)
	}
	unknown := campaign.Reason{Code: "no_such_code", Detail: "x"}
	if got := r.Text("da", unknown); !strings.Contains(got, "no_such_code") || !strings.Contains(got, "x") {
		t.Errorf("an unknown code is written as %q: its code and parameters are lost", got)
	}
}

func testCampaign(t *testing.T) *campaign.Campaign {
	t.Helper()
	c := &campaign.Campaign{
		Meetings: []campaign.Meeting{{ID: "aalborg", City: "Aalborg"}, {ID: "vejle", City: "Vejle"}},
		Invitees: []campaign.Invitee{{Code: "101", Name: "København", FormalName: "Københavns Kommune"}},
	}
	c.Index()
	return c
}

// TestEveryKindHasAName: a reason that names a letter (auto_answer_cap, undeliverable) names it
// in words, whatever its kind. An unknown kind is written as it is, and no Danish definite
// name is the kind itself.
func TestEveryKindHasAName(t *testing.T) {
	for _, k := range Kinds() {
		if n := letterName("da", string(k), true); n == string(k) {
			t.Errorf("%s has no name", k)
		}
	}
}
