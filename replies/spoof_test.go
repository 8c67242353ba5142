package replies

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/testenv"
)

// spoofAuthServID is the receiving server the spoofing corpus is read for: the name its
// Authentication-Results headers carry.
const spoofAuthServID = "mx.kombit.test"

// TestSpoofCorpus reads every forged reply of testdata/spoof as the daemon would, trusting
// the Authentication-Results of mx.kombit.test: none is decided, none takes its sender from a
// display name, a comment or Sender, and each is held for review with its reason. The two
// controls (the director's own reply with DMARC passed, a reply carrying the reply token) are
// decided as before.
func TestSpoofCorpus(t *testing.T) {
	opts := testOptions(t)
	opts.AuthServID = spoofAuthServID
	dir := filepath.Join("testdata", "spoof")
	cases := testenv.SpoofCases(t, dir)
	if len(cases) < 20 {
		t.Fatalf("only %d cases in %s", len(cases), dir)
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.File, ".eml"), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, c.File))
			if err != nil {
				t.Fatal(err)
			}
			r := Read(raw, opts)
			a := r.Answer
			if r.From != c.From || a.Invitee != c.Invitee || string(a.Match) != c.Match || a.Held != c.Held || a.NeedsReview != c.NeedsReview {
				t.Errorf("%s:\nread from %q invitee %q match %q held %v needs_review %v (%s)\nwant from %q invitee %q match %q held %v needs_review %v",
					c.Case, r.From, a.Invitee, a.Match, a.Held, a.NeedsReview, a.Reason, c.From, c.Invitee, c.Match, c.Held, c.NeedsReview)
			}
			if decided := a.Invitee != "" && !a.Held && !a.NeedsReview; decided != c.Decided {
				t.Errorf("%s: decided %v, want %v (%s)", c.Case, decided, c.Decided, a.Reason)
			}
			codes, details := reasonCodes(a.Why)
			for _, want := range c.ReasonCodes {
				if !strings.Contains(codes, " "+want+" ") {
					t.Errorf("%s: reason %+v lacks %s", c.Case, a.Why, want)
				}
			}
			for _, want := range c.DetailContains {
				if !strings.Contains(details, want) {
					t.Errorf("%s: reason %+v does not say %q", c.Case, a.Why, want)
				}
			}
		})
	}
}

// reasonCodes lists a reason's code and its notes' codes (" a b c "), and their details.
func reasonCodes(r campaign.Reason) (codes, details string) {
	codes, details = " "+string(r.Code)+" ", r.Detail
	for _, n := range r.Notes {
		codes += string(n.Code) + " "
		details += " " + n.Detail
	}
	return codes, details
}
