package replies

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/letters"
)

// testSecret is the campaign secret the tokens and Message-IDs in testdata were made with.
const testSecret = "rsvpd-test-secret"

// testOptions reads the 2012 example campaign, as the daemon would.
func testOptions(t testing.TB) Options {
	t.Helper()
	cfg, err := config.Load("../config.example.yaml")
	if err != nil {
		t.Fatalf("load example campaign: %v", err)
	}
	return Options{Campaign: cfg.Campaign, Signer: campaign.NewSigner([]byte(testSecret), "kombit.test"),
		Reasons: letters.MustReasons(cfg.Campaign)}
}

// expectation is one line of testdata/expectations.jsonl: what a staff member would read in
// the message. Only the fields present are checked.
type expectation struct {
	File             string    `json:"file"`
	Class            *string   `json:"cls"`
	ReplyText        *string   `json:"reply_text"`
	ReplyContains    []string  `json:"reply_contains"`
	ReplyExcludes    []string  `json:"reply_excludes"`
	Invitee          *string   `json:"invitee"`
	Match            *string   `json:"match"`
	Intent           *string   `json:"intent"`
	Meeting          *string   `json:"meeting"`
	Headcount        *int      `json:"headcount"`
	Companions       *[]string `json:"companions"`
	NeedsReview      *bool     `json:"needs_review"`
	Until            *string   `json:"until"`
	BounceRecipients []string  `json:"bounce_recipients"`
	Permanent        *bool     `json:"permanent"`
	PartStat         *string   `json:"partstat"`
}

func loadExpectations(t testing.TB) []expectation {
	t.Helper()
	f, err := os.Open("testdata/expectations.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []expectation
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e expectation
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("expectations.jsonl: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// TestDanishReplies reads every message of the project's own set of replies (Outlook, Gmail,
// iPhone, Thunderbird, Apple Mail, Outlook on phones and the web, calendar answers,
// out-of-office notes and bounces, all quoting the invitation) and checks what the staff
// would see: class, the text kept, invitee, intent, meeting, headcount and review flag.
func TestDanishReplies(t *testing.T) {
	opts := testOptions(t)
	exps := loadExpectations(t)
	if len(exps) < 40 {
		t.Fatalf("only %d messages in testdata; the set must keep at least 40", len(exps))
	}
	for _, e := range exps {
		t.Run(strings.TrimSuffix(e.File, ".eml"), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "messages", e.File))
			if err != nil {
				t.Fatal(err)
			}
			r := Read(raw, opts)
			a := r.Answer
			if a == nil {
				t.Fatal("no campaign reading with a campaign given")
			}
			check := func(what string, got, want any) {
				t.Helper()
				if gj, wj := jsonOf(got), jsonOf(want); gj != wj {
					t.Errorf("%s = %s, want %s (reason: %s; text: %q)", what, gj, wj, a.Reason, r.ReplyText)
				}
			}
			if e.Class != nil {
				check("class", string(r.Class), *e.Class)
			}
			if e.ReplyText != nil {
				check("reply_text", r.ReplyText, *e.ReplyText)
			}
			for _, s := range e.ReplyContains {
				if !strings.Contains(r.ReplyText, s) {
					t.Errorf("reply_text %q lacks %q", r.ReplyText, s)
				}
			}
			for _, s := range e.ReplyExcludes {
				if strings.Contains(r.ReplyText, s) {
					t.Errorf("reply_text %q keeps %q", r.ReplyText, s)
				}
			}
			if e.Invitee != nil {
				check("invitee", a.Invitee, *e.Invitee)
			}
			if e.Match != nil {
				check("match", string(a.Match), *e.Match)
			}
			if e.Intent != nil {
				check("intent", string(a.Intent), *e.Intent)
			}
			if e.Meeting != nil {
				check("meeting", a.Meeting, *e.Meeting)
			}
			if e.Headcount != nil {
				check("headcount", a.Headcount, *e.Headcount)
			}
			if e.Companions != nil {
				check("companions", a.Companions, *e.Companions)
			}
			if e.NeedsReview != nil {
				check("needs_review", a.NeedsReview, *e.NeedsReview)
			}
			if e.Until != nil {
				if r.AutoReply == nil {
					t.Fatalf("auto_reply is null, want until %s", *e.Until)
				}
				check("auto_reply.until", r.AutoReply.Until, *e.Until)
			}
			if e.BounceRecipients != nil || e.Permanent != nil {
				if r.Bounce == nil {
					t.Fatal("bounce is null")
				}
				if e.BounceRecipients != nil {
					got := slices.Clone(r.Bounce.Recipients)
					slices.Sort(got)
					want := slices.Clone(e.BounceRecipients)
					slices.Sort(want)
					check("bounce.recipients", got, want)
				}
				if e.Permanent != nil {
					check("bounce.permanent", r.Bounce.Permanent, *e.Permanent)
				}
			}
			if e.PartStat != nil {
				if r.Calendar == nil {
					t.Fatalf("calendar is null, want partstat %s", *e.PartStat)
				}
				check("calendar.partstat", r.Calendar.PartStat, *e.PartStat)
			}
			if a.Why.Code == "" || a.Reason == "" || strings.HasPrefix(a.Reason, string(a.Why.Code)+" {") {
				t.Errorf("no reason given (why %+v, reason %q)", a.Why, a.Reason)
			}
		})
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestSubjectSpeltOut reads the meeting of an answer that names none in its text from the
// subject, spelt out as the text is: "Vejle ka vi ikk" refuses Vejle ("kan vi ikke"), it does
// not choose it, and "Det bli'r Roskilde" chooses Roskilde.
func TestSubjectSpeltOut(t *testing.T) {
	opts := testOptions(t)
	for _, k := range []struct{ subject, meeting string }{
		{"Vejle ka vi ikk", ""},
		{"Det bli'r Roskilde", "roskilde"},
	} {
		raw := "From: Anne Friis <bibliotekschef@slagelse.kommune.test>\r\n" +
			"To: dialogmoeder+330-6i7o2hys35eqp57p@kombit.test\r\nSubject: Re: " + k.subject + "\r\n" +
			"Date: Mon, 13 Feb 2012 09:12:00 +0100\r\nMessage-ID: <spelt@slagelse.kommune.test>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVi kommer gerne to.\r\n"
		a := Read([]byte(raw), opts).Answer
		if a == nil || a.Intent != IntentAttend || a.Meeting != k.meeting {
			t.Errorf("subject %q: read %+v, want attend, meeting %q", k.subject, a, k.meeting)
		}
	}
}
