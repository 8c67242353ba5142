package replies

import (
	"testing"
	"time"
)

// TestTrim checks the text kept from the reply formats Danish offices send: what the staff
// sees as "what they wrote" must hold the answer and nothing of the quoted invitation.
func TestTrim(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"outlook 2003 separator",
			"Vi kommer til Vejle.\n\n-----Oprindelig meddelelse-----\nFra: KOMBIT\nSendt: 6. februar 2012 09:00\nTil: Birgitte\nEmne: Dialogmøde\n\nAalborg, Roskilde, Vejle",
			"Vi kommer til Vejle."},
		{"outlook 2010 rule and header block",
			"Jeg deltager i Aalborg\n\n________________________________\nFra: KOMBIT [mailto:dialogmoeder@kombit.test]\nSendt: 6. februar 2012 09:00\nTil: Jens\nEmne: Dialogmøde\n\nVejle 6. marts",
			"Jeg deltager i Aalborg"},
		{"gmail danish attribution",
			"Vi er to.\n\nDen man. 6. feb. 2012 kl. 09.00 skrev KOMBIT <dialogmoeder@kombit.test>:\n\n> Aalborg\n> Vejle",
			"Vi er to."},
		{"gmail attribution wrapped over two lines",
			"Ja tak\n\nDen man. 6. feb. 2012 kl. 09.00 skrev KOMBIT <\ndialogmoeder@kombit.test>:\n> Roskilde",
			"Ja tak"},
		{"iphone signature and attribution",
			"Jeg kommer til Roskilde.\n\nSendt fra min iPhone\n\nDen 06/02/2012 kl. 09.00 skrev KOMBIT <dialogmoeder@kombit.test>:\n\n> Aalborg",
			"Jeg kommer til Roskilde."},
		{"thunderbird bottom post",
			"Den 06-02-2012 09:00, KOMBIT skrev:\n> Aalborg\n> Roskilde\n\nJeg kommer til Vejle.\n",
			"Jeg kommer til Vejle."},
		{"interleaved answer",
			"Hej\nDen 06-02-2012 09:00, KOMBIT skrev:\n> Hvor mange kommer I?\n\nVi er to.\n",
			"Hej\n\nVi er to."},
		{"closing with name and address block",
			"Jeg deltager i Aalborg.\n\nMed venlig hilsen\nLis Vejlby\nVejle Bibliotekerne\nWilly Sørensens Plads 1\n7100 Vejle",
			"Jeg deltager i Aalborg."},
		{"a P.S. below the signature is the sender's own",
			"Vi kommer to til Aalborg.\n\nMed venlig hilsen\nKaren Bjerre\nBibliotekschef\n\nP.S. Rettelse: det skal være Roskilde.\n\nFra: KOMBIT [mailto:dialogmoeder@kombit.test]\nSendt: 6. februar 2012 09:00\nTil: Karen\nEmne: Dialogmøde\n\nAalborg",
			"Vi kommer to til Aalborg.\n\nP.S. Rettelse: det skal være Roskilde."},
		{"a P.S. below a signature delimiter",
			"Vi kommer to til Aalborg.\n\n-- \nKaren Bjerre\nBibliotekschef\n\nPS: Vi bliver tre.\n\nDen 06-02-2012 09:00, KOMBIT skrev:\n> Aalborg",
			"Vi kommer to til Aalborg.\n\nPS: Vi bliver tre."},
		{"closing and name on one line",
			"Vi kommer gerne til Velje.\n\nMvh Mads",
			"Vi kommer gerne til Velje."},
		{"a closing without a name stays",
			"Tak for invitationen, vi kommer.\n\nVenlig hilsen",
			"Tak for invitationen, vi kommer.\n\nVenlig hilsen"},
		{"dash-dash signature",
			"Vi kommer til Roskilde\n-- \nPer Hansen\nRoskilde Kommune",
			"Vi kommer til Roskilde"},
		{"outlook on android",
			"Vi kommer 2 til Aalborg\n\nHent Outlook til Android\n________________________________\nFra: KOMBIT\nSendt: 6. februar 2012\nEmne: Dialogmøde",
			"Vi kommer 2 til Aalborg"},
		{"swedish outlook",
			"Jag kommer gärna.\n\nFrån: KOMBIT\nSkickat: den 6 februari 2012 09:00\nTill: Mads\nÄmne: Dialogmöte",
			"Jag kommer gärna."},
		{"english outlook",
			"Count me in for Vejle.\n\nFrom: KOMBIT [mailto:dialogmoeder@kombit.test]\nSent: Monday, February 06, 2012 9:00 AM\nTo: Ole\nSubject: Dialogue meeting",
			"Count me in for Vejle."},
		{"forwarded to a colleague keeps the forwarder's text",
			"Kan du tage den?\n\n---------- Videresendt meddelelse ----------\nFra: KOMBIT\nDato: 6. feb. 2012\nEmne: Dialogmøde",
			"Kan du tage den?"},
		{"nothing written above an outlook quote",
			"-----Oprindelig meddelelse-----\nFra: KOMBIT\nSendt: 6. februar 2012\nEmne: Dialogmøde\n\nAalborg, Roskilde og Vejle",
			""},
		{"a line that merely mentions a date and wrote stays",
			"I wrote the date down: 6 March.\nSee you in Vejle.",
			"I wrote the date down: 6 March.\nSee you in Vejle."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Trim(tt.body); got != tt.want {
				t.Errorf("Trim() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReturnDate checks the return date read from out-of-office texts: the digest says when
// an absent director can be expected to answer.
func TestReturnDate(t *testing.T) {
	sent := time.Date(2012, 2, 13, 9, 0, 0, 0, time.UTC)
	tests := []struct{ text, want string }{
		{"Jeg er tilbage mandag den 5. marts.", "2012-03-05"},
		{"Jeg er på ferie fra den 13. februar og tilbage den 20/2.", "2012-02-20"},
		{"I am out of the office until 20 February 2012.", "2012-02-20"},
		{"Back on March 5th.", "2012-03-05"},
		{"Fraværende til og med 2. marts.", "2012-03-02"},
		{"Jeg er på barsel.", ""},
		{"Ring på 33 34 94 73 kl. 10.30.", ""},
		{"Tilbage 3. januar.", "2013-01-03"},
		{"Jeg er på kontoret igen d. 5.3.", "2012-03-05"},
		{"Møde kl. 10.30, tilbage 12-14.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := returnDate(tt.text, sent); got != tt.want {
				t.Errorf("returnDate(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestReadText checks the reading of answers without the MIME around them: the meeting,
// the headcount and the intent the staff would read.
func TestReadText(t *testing.T) {
	c := testOptions(t).Campaign
	tests := []struct {
		text      string
		intent    Intent
		meeting   string
		headcount int
		question  bool
	}{
		{"Vi kommer to til Vejle", IntentAttend, "vejle", 2, false},
		{"Jeg deltager i Ålborg", IntentAttend, "aalborg", 1, false},
		{"Vi kommer gerne til Velje", IntentAttend, "vejle", 1, false},
		{"Vi skifter fra Roskilde til Vejle", IntentAttend, "vejle", 1, false},
		{"Jeg kan ikke den 28., men kommer gerne den 1. marts", IntentAttend, "roskilde", 1, false},
		{"Tilmelding 1/3, 3 personer", IntentAttend, "roskilde", 3, false},
		{"Jeg kommer torsdag", IntentAttend, "roskilde", 1, false},
		{"Jeg kommer tirsdag", IntentAttend, "", 1, false}, // two meetings fall on a Tuesday
		{"Vi bliver alligevel kun én i Aalborg", IntentAttend, "aalborg", 1, false},
		{"Jeg og min kollega Per Hansen kommer til Roskilde", IntentAttend, "roskilde", 2, false},
		{"Desværre, vi kan ikke deltage", IntentDecline, "", 0, false},
		{"We will attend in Aalborg, the two of us", IntentAttend, "aalborg", 2, false},
		{"Unfortunately we cannot attend.", IntentDecline, "", 0, false},
		{"Hvornår kommer tilslutningsaftalen?", IntentQuestion, "", 0, true},
		{"Jeg kommer til Vejle. Er der parkering?", IntentAttend, "vejle", 1, true},
		{"Vi tilslutter os hermed.", IntentAgreement, "", 0, false},
		{"Tak for mailen.", IntentUnclear, "", 0, false},
		{"Tak for mailen.\n\nBirgitte Holm\nVejle Bibliotekerne", IntentUnclear, "", 0, false},
		{"Jeg kommer.\n\nBirgitte Holm\nBibliotekschef\nVejle Bibliotekerne", IntentAttend, "", 1, false},
		{"Ja tak\nRoskilde", IntentAttend, "roskilde", 1, false},
		{"Tak, jeg vender tilbage når jeg har talt med min chef.", IntentUnclear, "", 0, false},
		{"Jeg kommer tilbage med svar i næste uge.", IntentUnclear, "", 0, false},
		{"Jeg har desværre ikke tid den dag.", IntentDecline, "", 0, false},
		{"Jeg vil gerne tilmelde mig og en kollega til Aalborg.", IntentAttend, "aalborg", 2, false},
		{"Vi kommer ikke til Aalborg alligevel, men til Roskilde.", IntentAttend, "roskilde", 1, false},
		{"Jeg er forhindret den 28. februar, så vi tager til Vejle i stedet.", IntentAttend, "vejle", 1, false},
		{"Vi deltager begge to fra Esbjerg i Vejle.", IntentAttend, "vejle", 2, false},
		{"Kan vi komme tre personer? Vi vil gerne til Roskilde.", IntentAttend, "roskilde", 3, true},
		{"Jeg kan desværre ikke selv komme, men sender vores souschef til Vejle.", IntentAttend, "vejle", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			tr := readText(c, tt.text)
			if tr.intent != tt.intent || tr.meeting != tt.meeting || tr.question != tt.question {
				t.Errorf("readText = intent %s meeting %q question %v, want %s %q %v", tr.intent, tr.meeting, tr.question, tt.intent, tt.meeting, tt.question)
			}
			got := tr.headcount
			if tr.intent == IntentAttend && got == 0 {
				got = 1
			}
			if got != tt.headcount {
				t.Errorf("headcount = %d, want %d", got, tt.headcount)
			}
		})
	}
}

func TestDamerau1(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"velje", "vejle", true}, {"roskile", "roskilde", true}, {"aalborgg", "aalborg", true},
		{"vejen", "vejle", false}, {"vejle", "vejle", false}, {"odense", "vejle", false},
	}
	for _, tt := range tests {
		if got := damerau1(tt.a, tt.b); got != tt.want {
			t.Errorf("damerau1(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestExchangeSubjects(t *testing.T) {
	tests := []struct{ subject, partstat string }{
		{"Accepteret: Dialogmøde Vejle", "ACCEPTED"},
		{"Afvist: Dialogmøde Roskilde", "DECLINED"},
		{"Foreløbig accepteret: Dialogmøde Aalborg", "TENTATIVE"},
		{"Tentative: Dialogue meeting", "TENTATIVE"},
		{"Accepterat: Dialogmöte", "ACCEPTED"},
		{"Avslått: Dialogmøte", "DECLINED"},
		{"Mit Vorbehalt angenommen: Termin", "TENTATIVE"},
		{"Abgelehnt: Termin", "DECLINED"},
		{"Accepté : Réunion", "ACCEPTED"},
		{"Refusé: Réunion", "DECLINED"},
	}
	for _, tt := range tests {
		mm := exchangeSubjectRe.FindStringSubmatch(tt.subject)
		if mm == nil {
			t.Errorf("%q not read as a meeting response", tt.subject)
			continue
		}
		if got := subjectPartStat(mm[1]); got != tt.partstat {
			t.Errorf("%q read as %s, want %s", tt.subject, got, tt.partstat)
		}
	}
	for _, s := range []string{"SV: Dialogmøde", "Accept af tilbud", "Declined offer letter attached"} {
		if exchangeSubjectRe.MatchString(s) {
			t.Errorf("%q read as a meeting response", s)
		}
	}
}
