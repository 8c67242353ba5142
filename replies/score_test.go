package replies

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The second Danish set (testdata/danish/) measures how rsvpd reads replies written by people
// who never saw the rules. TestDanishSetScore reads all of it and scores every message against
// its expectation, per kind of reply and in total, as the issue defines the figures:
//
//   - fully right: cls, invitee, match, intent, meeting, headcount and needs_review all equal
//     the expectation (a reading whose invitee was found only by a name in the text is
//     reported with invitee "" and its found invitee as the suggestion, as the set writes
//     it: suggested_invitee);
//   - decided alone: needs_review false, so nobody looks;
//   - wrong: not fully right;
//   - sent to review: needs_review true; needlessly: where the expectation says false.
//
// It fails when fewer than 95% are fully right or when any reply was decided alone and wrong:
// that one outcome (a wrong confirmation, calendar entry or count, and no one told) must not
// happen.

// danishExpectation is one line of testdata/danish/expectations.jsonl.
type danishExpectation struct {
	File             string `json:"file"`
	Kind             string `json:"kind"`
	Class            string `json:"cls"`
	Invitee          string `json:"invitee"`
	SuggestedInvitee string `json:"suggested_invitee"`
	Match            string `json:"match"`
	Intent           string `json:"intent"`
	Meeting          string `json:"meeting"`
	Headcount        int    `json:"headcount"`
	NeedsReview      bool   `json:"needs_review"`
	Why              string `json:"why"`
}

// danishSetDir is the set scored: testdata/danish, or the folder RSVPD_DANISH_SET names (one
// laid out the same way: messages/ and expectations.jsonl), so that a set kept out of the
// repository (one no rule was written against) can be measured the same way.
func danishSetDir() string {
	if dir := os.Getenv("RSVPD_DANISH_SET"); dir != "" {
		return dir
	}
	return filepath.Join("testdata", "danish")
}

func loadDanishSet(t testing.TB) []danishExpectation {
	t.Helper()
	f, err := os.Open(filepath.Join(danishSetDir(), "expectations.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []danishExpectation
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e danishExpectation
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("danish/expectations.jsonl: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// scored is one message's reading in the fields that are scored.
type scored struct {
	Class, Invitee, Suggested, Match, Intent, Meeting string
	Headcount                                         int
	NeedsReview, Held                                 bool
}

func scoreOf(r Reading) scored {
	s := scored{Class: string(r.Class)}
	if a := r.Answer; a != nil {
		s.Invitee, s.Match, s.Intent, s.Meeting = a.Invitee, string(a.Match), string(a.Intent), a.Meeting
		s.Headcount, s.NeedsReview, s.Held = a.Headcount, a.NeedsReview, a.Held
		if a.ByText {
			s.Invitee, s.Suggested = "", a.Invitee
		}
	}
	return s
}

// differences lists the scored fields where a reading differs from its expectation.
func (s scored) differences(e danishExpectation) []string {
	var d []string
	diff := func(field string, got, want any) {
		if got != want {
			d = append(d, fmt.Sprintf("%s %v, want %v", field, got, want))
		}
	}
	diff("cls", s.Class, e.Class)
	diff("invitee", s.Invitee, e.Invitee)
	if e.Invitee == "" && e.SuggestedInvitee != "" {
		diff("suggested invitee", s.Suggested, e.SuggestedInvitee)
	}
	diff("match", s.Match, e.Match)
	diff("intent", s.Intent, e.Intent)
	diff("meeting", s.Meeting, e.Meeting)
	diff("headcount", s.Headcount, e.Headcount)
	diff("needs_review", s.NeedsReview, e.NeedsReview)
	return d
}

// tally is the figures of one kind of reply.
type tally struct {
	Messages, Right          int
	Human, Alone, AloneWrong int
	Review, Needless         int
	AppliedWrong             int // not held and wrong in intent, meeting or headcount: applied as read
}

func (t *tally) add(s scored, e danishExpectation, right bool) {
	t.Messages++
	if right {
		t.Right++
	}
	if s.NeedsReview {
		t.Review++
		if !e.NeedsReview {
			t.Needless++
		}
	}
	if e.Class == string(ClassHuman) {
		t.Human++
		if !s.NeedsReview {
			t.Alone++
			if !right {
				t.AloneWrong++
			}
		}
	}
	if !s.Held && s.Invitee != "" && (s.Intent != e.Intent || s.Meeting != e.Meeting || s.Headcount != e.Headcount) {
		t.AppliedWrong++
	}
}

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
}

func (t tally) row(kind string) string {
	return fmt.Sprintf("%-17s %4d %4d %5s | %4d %4d %4d | %4d %4d | %4d",
		kind, t.Messages, t.Right, pct(t.Right, t.Messages), t.Human, t.Alone, t.AloneWrong,
		t.Review, t.Needless, t.AppliedWrong)
}

func TestDanishSetScore(t *testing.T) {
	opts := testOptions(t)
	exps := loadDanishSet(t)
	if len(exps) < 300 && os.Getenv("RSVPD_DANISH_SET") == "" {
		t.Fatalf("only %d messages in testdata/danish; the set has at least 300", len(exps))
	}
	kinds := map[string]*tally{}
	var total tally
	var failures []string
	for _, e := range exps {
		raw, err := os.ReadFile(filepath.Join(danishSetDir(), "messages", e.File))
		if err != nil {
			t.Fatal(err)
		}
		r := Read(raw, opts)
		s := scoreOf(r)
		d := s.differences(e)
		right := len(d) == 0
		if kinds[e.Kind] == nil {
			kinds[e.Kind] = &tally{}
		}
		kinds[e.Kind].add(s, e, right)
		total.add(s, e, right)
		if !right {
			mark := "review"
			if !s.NeedsReview {
				mark = "ALONE"
			}
			reason := ""
			if r.Answer != nil {
				reason = r.Answer.Reason
			}
			failures = append(failures, fmt.Sprintf("%-6s %s [%s]: %s\n\tread: %s\n\twhy: %s",
				mark, e.File, e.Kind, strings.Join(d, "; "), reason, e.Why))
		}
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("\nkind              msgs right      | human alone wrong | review needless | applied-wrong\n")
	for _, k := range names {
		b.WriteString(kinds[k].row(k) + "\n")
	}
	b.WriteString(total.row("total") + "\n")
	t.Log(b.String())
	if testing.Verbose() || os.Getenv("RSVPD_SCORE_FAILURES") != "" {
		for _, f := range failures {
			t.Log(f)
		}
	}
	if total.Right*100 < 95*total.Messages {
		t.Errorf("%d of %d messages fully right (%s); at least 95%% must be", total.Right, total.Messages, pct(total.Right, total.Messages))
	}
	if total.AloneWrong > 0 {
		t.Errorf("%d human replies decided alone and wrong; none may be (run with -v for the list)", total.AloneWrong)
	}
}
