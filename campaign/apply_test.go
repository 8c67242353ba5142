package campaign

import (
	"strings"
	"testing"
	"time"
)

func testCampaign() *Campaign {
	cph, _ := time.LoadLocation("Europe/Copenhagen")
	at := func(d int, m time.Month) time.Time { return time.Date(2012, m, d, 10, 0, 0, 0, cph) }
	c := &Campaign{
		Location: cph,
		Meetings: []Meeting{
			{ID: "aalborg", City: "Aalborg", Start: at(28, 2), End: at(28, 2).Add(2 * time.Hour)},
			{ID: "roskilde", City: "Roskilde", Start: at(1, 3), End: at(1, 3).Add(2 * time.Hour)},
			{ID: "vejle", City: "Vejle", Start: at(6, 3), End: at(6, 3).Add(2 * time.Hour)},
		},
		Companions: CompanionPolicy{Included: 1},
		Invitees:   []Invitee{{Code: "615", Name: "Horsens", Email: "b@horsens.test"}},
	}
	c.Index()
	return c
}

func invited() State {
	st := NewState("615")
	st.Status = StatusInvited
	return st
}

func attending(meeting string, n, seq int) State {
	st := invited()
	st.Status, st.Meeting, st.Headcount, st.Sequence = StatusAttending, meeting, n, seq
	return st
}

func kinds(eff []Effect) string {
	var k []string
	for _, e := range eff {
		s := string(e.Kind)
		if e.Meeting != "" {
			s += ":" + e.Meeting
		}
		if e.OldMeeting != "" {
			s += "<" + e.OldMeeting
		}
		if e.Kind == EffectReview {
			s += "[" + string(e.Reason.Code) + "]"
		}
		k = append(k, s)
	}
	return strings.Join(k, ",")
}

func TestApply(t *testing.T) {
	c := testCampaign()
	cph := c.Location
	feb10 := time.Date(2012, 2, 10, 9, 0, 0, 0, cph)
	mar2 := time.Date(2012, 3, 2, 9, 0, 0, 0, cph)
	tests := []struct {
		name      string
		st        State
		a         Answer
		now       time.Time
		status    Status
		meeting   string
		headcount int
		effects   string
	}{
		{"free text yes", invited(), Answer{Class: "human", Intent: "attend", Meeting: "vejle", Headcount: 2}, feb10,
			StatusAttending, "vejle", 2, "confirmation:vejle"},
		{"yes without number counts one", invited(), Answer{Class: "human", Intent: "attend", Meeting: "aalborg"}, feb10,
			StatusAttending, "aalborg", 1, "confirmation:aalborg"},
		{"change of meeting", attending("roskilde", 2, 1), Answer{Class: "human", Intent: "attend", Meeting: "vejle"}, feb10,
			StatusAttending, "vejle", 2, "change:vejle<roskilde,calendar_cancel:vejle<roskilde"},
		{"fewer people, same meeting", attending("vejle", 2, 1), Answer{Class: "human", Intent: "attend", Headcount: 1}, feb10,
			StatusAttending, "vejle", 1, "change:vejle"},
		{"the same answer twice", attending("vejle", 2, 1), Answer{Class: "human", Intent: "attend", Meeting: "vejle", Headcount: 2}, feb10,
			StatusAttending, "vejle", 2, ""},
		{"more than the policy", invited(), Answer{Class: "human", Intent: "attend", Meeting: "vejle", Headcount: 4}, feb10,
			StatusAttending, "vejle", 4, "confirmation:vejle,review:vejle[headcount_above_welcome]"},
		{"yes with a question", invited(), Answer{Class: "human", Intent: "attend", Meeting: "vejle", Headcount: 2, NeedsReview: true, Why: Reason{Code: ReadAttends, Meeting: "vejle", People: 2, Notes: []Reason{{Code: NoteAlsoAsks}}}}, feb10,
			StatusAttending, "vejle", 2, "confirmation:vejle,review[reading_check]"},
		{"yes without a meeting", invited(), Answer{Class: "human", Intent: "attend", Headcount: 2}, feb10,
			StatusUnclear, "", 0, "review[no_meeting_named]"},
		{"no", invited(), Answer{Class: "human", Intent: "decline"}, feb10,
			StatusDeclined, "", 0, "decline_ack"},
		{"no after yes cancels", attending("vejle", 2, 1), Answer{Class: "human", Intent: "decline"}, feb10,
			StatusDeclined, "", 0, "cancel_ack:vejle"},
		{"question only", invited(), Answer{Class: "human", Intent: "question", Why: Reason{Code: ReadQuestion, Quote: "Hvad koster det?"}}, feb10,
			StatusInvited, "", 0, "review[question],question_ack"},
		{"yes and a question", invited(), Answer{Class: "human", Intent: "attend", Meeting: "vejle", Headcount: 1, Asks: true}, feb10,
			StatusAttending, "vejle", 1, "confirmation:vejle,question_ack"},
		{"unclear", invited(), Answer{Class: "human", Intent: "unclear"}, feb10,
			StatusUnclear, "", 0, "review[answer_unreadable]"},
		{"not decided, will answer later", invited(), Answer{Class: "human", Intent: "unclear", Why: Reason{Code: ReadUndecided, Flag: true}}, feb10,
			StatusUnclear, "", 0, ""},
		{"not decided, nothing promised", invited(), Answer{Class: "human", Intent: "unclear", NeedsReview: true, Why: Reason{Code: ReadUndecided, Alternatives: []string{"aalborg", "vejle"}}}, feb10,
			StatusUnclear, "", 0, "review[reading_check]"},
		{"calendar accept registers", invited(), Answer{Class: "calendar", CalMethod: "REPLY", PartStat: "ACCEPTED", CalMeeting: "roskilde"}, feb10,
			StatusAttending, "roskilde", 1, "confirmation:roskilde"},
		{"calendar accept of our own entry changes nothing", attending("roskilde", 2, 1), Answer{Class: "calendar", CalMethod: "REPLY", PartStat: "ACCEPTED", CalMeeting: "roskilde"}, feb10,
			StatusAttending, "roskilde", 2, ""},
		{"calendar decline after yes is a cancellation", attending("vejle", 2, 1), Answer{Class: "calendar", CalMethod: "REPLY", PartStat: "DECLINED", CalMeeting: "vejle"}, feb10,
			StatusDeclined, "", 0, "cancel_ack:vejle"},
		{"declining another meeting's entry changes nothing", attending("vejle", 2, 1), Answer{Class: "calendar", CalMethod: "REPLY", PartStat: "DECLINED", CalMeeting: "aalborg"}, feb10,
			StatusAttending, "vejle", 2, ""},
		{"declining one of three entries is not a no", invited(), Answer{Class: "calendar", CalMethod: "REPLY", PartStat: "DECLINED", CalMeeting: "aalborg"}, feb10,
			StatusInvited, "", 0, ""},
		{"a counter-proposal goes to the staff", invited(), Answer{Class: "calendar", CalMethod: "COUNTER", PartStat: "TENTATIVE", CalMeeting: "aalborg"}, feb10,
			StatusInvited, "", 0, "review[calendar_not_reply]"},
		{"out of office keeps the date", invited(), Answer{Class: "auto_reply", Intent: "none", AwayUntil: "2012-02-20"}, feb10,
			StatusInvited, "", 0, ""},
		{"permanent bounce", invited(), Answer{Class: "bounce", Intent: "none", Permanent: true}, feb10,
			StatusInvited, "", 0, "review[bounced]"},
		{"temporary bounce", invited(), Answer{Class: "bounce", Intent: "none"}, feb10,
			StatusInvited, "", 0, ""},
		{"yes to a meeting that has passed", invited(), Answer{Class: "human", Intent: "attend", Meeting: "aalborg"}, mar2,
			StatusInvited, "", 0, "review:aalborg[meeting_past]"},
		{"change away from a meeting that has passed", attending("aalborg", 1, 1), Answer{Class: "human", Intent: "attend", Meeting: "vejle"}, mar2,
			StatusAttending, "aalborg", 1, "review:vejle[change_from_past]"},
		{"late yes to a later meeting", invited(), Answer{Class: "human", Intent: "attend", Meeting: "vejle"}, mar2,
			StatusAttending, "vejle", 1, "confirmation:vejle"},
		{"agreement in words only", invited(), Answer{Class: "human", Intent: "agreement"}, feb10,
			StatusInvited, "", 0, "agreement_pdf_needed"},
		{"agreement returned as a PDF", invited(), Answer{Class: "human", Intent: "agreement", PDF: validPDF}, feb10,
			StatusInvited, "", 0, "agreement_receipt,review[agreement_returned]"},
		{"yes with the signed PDF attached", invited(), Answer{Class: "human", Intent: "attend", Meeting: "vejle", PDF: validPDF}, feb10,
			StatusAttending, "vejle", 1, "confirmation:vejle,agreement_receipt,review[agreement_returned]"},
		{"a no with a PDF returns nothing", invited(), Answer{Class: "human", Intent: "decline", PDF: validPDF}, feb10,
			StatusDeclined, "", 0, "decline_ack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, eff := Apply(c, tt.st, tt.a, tt.now)
			if got.Status != tt.status || got.Meeting != tt.meeting || got.Headcount != tt.headcount {
				t.Errorf("state = %s %q %d, want %s %q %d", got.Status, got.Meeting, got.Headcount, tt.status, tt.meeting, tt.headcount)
			}
			if k := kinds(eff); k != tt.effects {
				t.Errorf("effects = %q, want %q", k, tt.effects)
			}
		})
	}
}

var validPDF = &AgreementPDF{Name: "aftale.pdf", Size: 2048, SHA256: "ab", Valid: true}

// TestReturningTheAgreement: only a valid PDF returns the agreement; words without one, or a
// file that is not a PDF, ask for the PDF and count for nothing; the returned agreement gets a
// receipt and a review item that notes a digital signature.
func TestReturningTheAgreement(t *testing.T) {
	c := testCampaign()
	now := time.Date(2012, 2, 22, 9, 0, 0, 0, c.Location)
	sent := invited()
	sent.Agreement = AgreementSent
	returned, confirmed := sent, sent
	returned.Agreement, confirmed.Agreement = AgreementReturned, AgreementConfirmed
	signed := &AgreementPDF{Name: "aftale-signeret.pdf", Valid: true, Signed: true, SHA256: "cd"}
	notPDF := &AgreementPDF{Name: "aftale.pdf", Problem: PDFNotPDF}
	sentBack := &AgreementPDF{Name: "tilslutningsaftale-615-horsens.pdf", Valid: true, SHA256: "5e"}
	sent.AgreementSHA256 = "5e"
	for _, tt := range []struct {
		name    string
		st      State
		pdf     *AgreementPDF
		want    AgreementStatus
		signed  bool
		effects string
		file    string
	}{
		{"words only", sent, nil, AgreementSent, false, "agreement_pdf_needed", ""},
		{"a file that is not a PDF", sent, notPDF, AgreementSent, false, "agreement_pdf_needed", "aftale.pdf"},
		{"the PDF as it was sent, unsigned", sent, sentBack, AgreementSent, false, "agreement_pdf_needed", "tilslutningsaftale-615-horsens.pdf"},
		{"a PDF", sent, validPDF, AgreementReturned, false, "agreement_receipt,review[agreement_returned]", "aftale.pdf"},
		{"a digitally signed PDF", sent, signed, AgreementReturned, true, "agreement_receipt,review[agreement_returned]", "aftale-signeret.pdf"},
		{"words after it came back", returned, nil, AgreementReturned, false, "", ""},
		{"words after it was confirmed", confirmed, nil, AgreementConfirmed, false, "", ""},
		{"a second PDF before the check", returned, signed, AgreementReturned, true, "agreement_receipt,review[agreement_returned]", "aftale-signeret.pdf"},
		{"a PDF after it was confirmed", confirmed, validPDF, AgreementConfirmed, false, "review[agreement_again]", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, eff := Apply(c, tt.st, Answer{Class: "human", Intent: "agreement", PDF: tt.pdf}, now)
			if got.Agreement != tt.want || got.AgreementSigned != tt.signed {
				t.Errorf("agreement %s (signed %v), want %s (signed %v)", got.Agreement, got.AgreementSigned, tt.want, tt.signed)
			}
			if k := kinds(eff); k != tt.effects {
				t.Fatalf("effects %q, want %q", k, tt.effects)
			}
			if len(eff) > 0 && eff[0].File != tt.file {
				t.Errorf("the letter is about file %q, want %q", eff[0].File, tt.file)
			}
			if tt.pdf == sentBack && eff[0].FileProblem != PDFUnchanged {
				t.Errorf("the unsigned PDF sent back reads as %q, want %q", eff[0].FileProblem, PDFUnchanged)
			}
			if tt.want == AgreementReturned && tt.st.Agreement != AgreementReturned && got.ReturnedSHA256 != tt.pdf.SHA256 {
				t.Errorf("returned PDF's sum %q, want %q", got.ReturnedSHA256, tt.pdf.SHA256)
			}
			for _, e := range eff {
				if e.Kind == EffectReview && e.Reason.Flag != tt.signed {
					t.Errorf("review says signed=%v, want %v", e.Reason.Flag, tt.signed)
				}
			}
		})
	}
}

func TestApplyRaisesSequenceOnEveryCalendarChange(t *testing.T) {
	c := testCampaign()
	now := time.Date(2012, 2, 10, 9, 0, 0, 0, c.Location)
	st := invited()
	var seqs []int
	for _, a := range []Answer{
		{Class: "human", Intent: "attend", Meeting: "roskilde", Headcount: 2},
		{Class: "human", Intent: "attend", Meeting: "vejle"},
		{Class: "human", Intent: "attend", Headcount: 1},
		{Class: "calendar", CalMethod: "REPLY", PartStat: "DECLINED", CalMeeting: "vejle"},
	} {
		var eff []Effect
		st, eff = Apply(c, st, a, now)
		seqs = append(seqs, eff[0].Sequence)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("sequences %v do not rise", seqs)
		}
	}
	if st.Status != StatusDeclined || !st.UpdatedAt.Equal(now) {
		t.Errorf("final state %+v", st)
	}
}

// TestCalendarAcceptIsNotAskedAgain: a director who accepted an entry of the invitation in the
// calendar has it there, accepted. The confirmation is marked so that it carries no REQUEST,
// and SEQUENCE stays as it was (no new revision of the entry goes out); on a change of meeting
// accepted in the calendar, SEQUENCE rises for the old entry's CANCEL. An answer in words
// still gets the REQUEST with a raised SEQUENCE.
func TestCalendarAcceptIsNotAskedAgain(t *testing.T) {
	c := testCampaign()
	now := time.Date(2012, 2, 10, 9, 0, 0, 0, c.Location)
	accept := func(m string) Answer {
		return Answer{Class: "calendar", CalMethod: "REPLY", PartStat: "ACCEPTED", CalMeeting: m}
	}
	tests := []struct {
		name       string
		st         State
		a          Answer
		effects    string
		inCalendar bool
		seq        int
	}{
		{"accepted in the calendar", invited(), accept("roskilde"), "confirmation:roskilde", true, 0},
		{"accepted in the calendar after a decline", func() State { s := invited(); s.Status, s.Sequence = StatusDeclined, 2; return s }(),
			accept("vejle"), "confirmation:vejle", true, 2},
		{"another meeting accepted in the calendar", attending("roskilde", 2, 1), accept("vejle"), "change:vejle<roskilde,calendar_cancel:vejle<roskilde", true, 2},
		{"registered in words", invited(), Answer{Class: "human", Intent: "attend", Meeting: "roskilde"}, "confirmation:roskilde", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, eff := Apply(c, tt.st, tt.a, now)
			if kinds(eff) != tt.effects {
				t.Fatalf("effects %q, want %q", kinds(eff), tt.effects)
			}
			if eff[0].InCalendar != tt.inCalendar || eff[0].Sequence != tt.seq || st.Sequence != tt.seq {
				t.Errorf("in calendar %v, letter SEQUENCE %d, state SEQUENCE %d; want %v, %d", eff[0].InCalendar, eff[0].Sequence, st.Sequence, tt.inCalendar, tt.seq)
			}
		})
	}
}

func TestApplyDoesNotChangeItsInput(t *testing.T) {
	c := testCampaign()
	st := attending("vejle", 2, 1)
	st.Companions = []string{"skolebibliotekskonsulent"}
	st.PartStats = map[string]string{"vejle": "ACCEPTED"}
	Apply(c, st, Answer{Class: "calendar", CalMethod: "REPLY", PartStat: "DECLINED", CalMeeting: "vejle"}, time.Date(2012, 2, 10, 9, 0, 0, 0, c.Location))
	if st.Status != StatusAttending || st.PartStats["vejle"] != "ACCEPTED" || len(st.Companions) != 1 {
		t.Errorf("Apply changed the state it was given: %+v", st)
	}
}

func TestDecliningAllThreeEntriesIsANo(t *testing.T) {
	c := testCampaign()
	now := time.Date(2012, 2, 10, 9, 0, 0, 0, c.Location)
	st := invited()
	var eff []Effect
	for _, m := range []string{"aalborg", "roskilde", "vejle"} {
		st, eff = Apply(c, st, Answer{Class: "calendar", CalMethod: "REPLY", PartStat: "DECLINED", CalMeeting: m}, now)
	}
	if st.Status != StatusDeclined || kinds(eff) != "decline_ack" {
		t.Errorf("after three declines: %s, effects %q", st.Status, kinds(eff))
	}
}

// TestAnAnswerEndsTheOutOfOffice: an out-of-office's return date is kept for the nudges and
// the digest until a person answers; a later automatic reply or bounce does not clear it.
func TestAnAnswerEndsTheOutOfOffice(t *testing.T) {
	c := testCampaign()
	now := time.Date(2012, 2, 10, 9, 0, 0, 0, c.Location)
	away, _ := Apply(c, invited(), Answer{Class: "auto_reply", Intent: "none", AwayUntil: "2012-02-20"}, now)
	if away.AwayUntil != "2012-02-20" {
		t.Fatalf("away until %q after an out-of-office", away.AwayUntil)
	}
	for _, tt := range []struct {
		name string
		a    Answer
		want string
	}{
		{"a reply in words", Answer{Class: "human", Intent: "attend", Meeting: "vejle", Headcount: 2}, ""},
		{"a question", Answer{Class: "human", Intent: "question"}, ""},
		{"a calendar accept", Answer{Class: "calendar", CalMethod: "REPLY", PartStat: "ACCEPTED", CalMeeting: "vejle"}, ""},
		{"another out-of-office without a date", Answer{Class: "auto_reply", Intent: "none"}, "2012-02-20"},
		{"a temporary bounce", Answer{Class: "bounce", Intent: "none"}, "2012-02-20"},
		{"the staff registering them", Answer{Class: "staff", Intent: "attend", Meeting: "vejle", Headcount: 1}, "2012-02-20"},
	} {
		got, _ := Apply(c, away, tt.a, now.Add(time.Hour))
		if got.AwayUntil != tt.want {
			t.Errorf("after %s: away until %q, want %q", tt.name, got.AwayUntil, tt.want)
		}
	}
}

// TestReviewCarriesTheReading: a review that follows from a reading carries the reading's own
// reason beside its code, so the staff see both the case and the words it came from.
func TestReviewCarriesTheReading(t *testing.T) {
	c := testCampaign()
	now := time.Date(2012, 2, 10, 9, 0, 0, 0, c.Location)
	why := Reason{Code: ReadQuestion, Quote: "Må vi komme tre?"}
	_, eff := Apply(c, invited(), Answer{Class: "human", Intent: "question", Why: why}, now)
	if len(eff) != 2 || eff[0].Reason.Code != ReasonQuestion || eff[0].Reason.Reading == nil || eff[0].Reason.Reading.Quote != why.Quote {
		t.Fatalf("effects %+v, want one review %q carrying the reading %+v", eff, ReasonQuestion, why)
	}
	_, eff = Apply(c, invited(), Answer{Class: "human", Intent: "question"}, now)
	if len(eff) != 2 || eff[0].Reason.Reading != nil {
		t.Fatalf("without a reading's reason: effects %+v, want a review without a reading", eff)
	}
}
