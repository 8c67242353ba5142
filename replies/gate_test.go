package replies

import (
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// gateCase is a text, the reading's headcount and companions the check is given, and the
// doubt the check must find ("" none).
type gateCase struct {
	text       string
	headcount  int
	companions []string
	want       campaign.ReasonCode
}

func runGateCases(t *testing.T, name string, cases []gateCase, check func(crs []clauseRead, own string, tr *textReading) campaign.Reason) {
	t.Helper()
	rd := newReader(testOptions(t).Campaign, time.Time{}, "")
	for _, tc := range cases {
		segs := []segment{{text: tc.text}}
		crs, _ := rd.readClauses(segs)
		tr := &textReading{intent: IntentAttend, headcount: tc.headcount, companions: tc.companions}
		if got := check(crs, segmentsText(segs), tr); got.Code != tc.want {
			t.Errorf("%s(%q, %d people): %q, want %q (%+v)", name, tc.text, tc.headcount, got.Code, tc.want, got)
		}
	}
}

func TestGateUncountedNumber(t *testing.T) {
	runGateCases(t, "uncountedNumber", []gateCase{
		{"Vi tager til Aalborg, og vi bliver tre.", 1, nil, campaign.NoteCountsDiffer},
		{"Roskilde er fint for os, stadig 2.", 1, nil, campaign.NoteCountsDiffer},
		{"Vi ville gerne være fire fra Horsens, hvis det kan lade sig gøre: mig og tre kolleger.", 2, nil, campaign.NoteCountsDiffer},
		{"Til Vejle kommer 3 personer fra os.", 2, nil, campaign.NoteCountsDiffer},
		{"Vi kommer begge til Aalborg.", 1, nil, campaign.NoteCountsDiffer},
		// numbers that count something else, or the number read
		{"Vi tager til Aalborg, og vi bliver tre.", 3, nil, ""},
		{"Vi har fire filialer, men kun jeg kommer til Vejle.", 1, nil, ""},
		{"Vi er seks i ledelsen; jeg tager til Roskilde.", 1, nil, ""},
		{"De to andre møder ligger for langt væk, så vi tager Vejle.", 1, nil, ""},
		{"Vi kommer gerne den 6. marts.", 1, nil, ""},
		{"Vi kan ikke begge komme, så det bliver mig alene til Roskilde.", 1, nil, ""},
		{"Vi tilmeldte os med tre personer i sidste uge; nu kommer jeg alene.", 1, nil, ""},
		{"Kommer vi tre til Vejle?", 1, nil, ""},
		// a later word takes the number back
		{"Vi kommer fire til Aalborg. Rettelse: kun mig.", 1, nil, ""},
	}, func(crs []clauseRead, _ string, tr *textReading) campaign.Reason {
		return uncountedNumber(crs, tr.headcount)
	})
}

func TestGateUndecidedBeside(t *testing.T) {
	self := newSelfNames(testOptions(t).Campaign, "")
	runGateCases(t, "undecidedBeside", []gateCase{
		{"Jeg vil gerne til Roskilde, men jeg ved ikke endnu, om jeg kan få fri.", 1, nil, campaign.NoteAnswersDiffer},
		{"Vi kan ikke tilmelde os, før kulturudvalget har behandlet sagen.", 1, nil, campaign.NoteAnswersDiffer},
		{"Indtil da kan jeg ikke sige noget om Aalborg.", 1, nil, campaign.NoteAnswersDiffer},
		{"Om vi skifter system, afhænger af prisen, men vi kommer til Vejle.", 1, nil, ""},
		{"Vi kommer til Vejle. Ved I, om der er parkering?", 1, nil, ""},
		{"Jeg var ikke sikker på datoen, men nu kommer jeg til Aalborg.", 1, nil, ""},
	}, func(crs []clauseRead, _ string, _ *textReading) campaign.Reason {
		return undecidedBeside(crs, false, false, self)
	})
	// beside a number stated, words that leave open only who comes leave the answer
	runGateCases(t, "undecidedBeside (counted)", []gateCase{
		{"Vi kommer én til Vejle. Hvem det bliver, ved jeg ikke endnu.", 1, nil, ""},
		{"Vi kommer én. Hvem det bliver, og om det bliver Vejle, ved jeg ikke endnu.", 1, nil, campaign.NoteAnswersDiffer},
		{"Vi kommer én til Vejle, men jeg ved ikke endnu, om jeg kan få fri.", 1, nil, campaign.NoteAnswersDiffer},
		{"Vi kommer én til Roskilde. Om det bliver mig eller min souschef, afhænger af vagtplanen.", 1, nil, ""},
		{"Vi kommer én til Roskilde. Om det bliver Roskilde eller Vejle, afhænger af vagtplanen.", 1, nil, campaign.NoteAnswersDiffer},
	}, func(crs []clauseRead, _ string, _ *textReading) campaign.Reason {
		return undecidedBeside(crs, false, true, self)
	})
	// beside a decline, a sentence about the agreement is about that
	runGateCases(t, "undecidedBeside (decline)", []gateCase{
		{"Vi melder fra til møderne. Sagen om tilslutning behandles først i byrådet, og indtil da kan jeg ikke love noget.", 0, nil, ""},
		{"Vi melder fra til møderne. Jeg ved ikke endnu, om vi kan sende en anden.", 0, nil, campaign.NoteAnswersDiffer},
	}, func(crs []clauseRead, _ string, _ *textReading) campaign.Reason {
		return undecidedBeside(crs, true, false, self)
	})
}

func TestGateRefusalBeside(t *testing.T) {
	runGateCases(t, "refusalBeside", []gateCase{
		{"Ingen fra Struer kan desværre komme. Vi vender tilbage om aftalen.", 0, nil, campaign.NoteAnswersDiffer},
		{"Vi må melde afbud til møderne. I hører fra os.", 0, nil, campaign.NoteAnswersDiffer},
		{"Hvis Roskilde flyttes, kommer vi; i modsat fald må vi melde fra. Jeg giver besked.", 0, nil, ""},
		{"Jeg vender tilbage, når jeg har talt med min chef.", 0, nil, ""},
		// someone else who cannot come is no refusal of the party
		{"Vi ved ikke endnu, hvilket møde det bliver. Vores nye konsulent starter først i april, så hun når ikke at komme med.", 0, nil, ""},
	}, func(crs []clauseRead, _ string, _ *textReading) campaign.Reason { return refusalBeside(crs) })
}

func TestGateUncountedList(t *testing.T) {
	runGateCases(t, "uncountedList", []gateCase{
		{"Til Aalborg kommer:\n- Lone Bæk, bibliotekschef\n- Kaj Holt, skolebibliotekskonsulent\n- Rie Dam, IT-ansvarlig", 2, nil, campaign.NoteCountsDiffer},
		{"Deltagere:\nNavn\tStilling\nEva Ravn\tBibliotekschef\nOle Krog\tKonsulent", 1, nil, campaign.NoteCountsDiffer},
		{"Til Aalborg kommer:\n- Lone Bæk, bibliotekschef\n- Kaj Holt, skolebibliotekskonsulent", 2, nil, ""},
		{"Vores spørgsmål:\n- hvornår starter frokosten\n- er der parkering", 1, nil, ""},
		{"Fra Skive kommer:\n\nHanne Holm, bibliotekschef\nPer Lund (skolebibliotekskonsulent)\nIda Brix, IT", 2, nil, campaign.NoteCountsDiffer},
		{"Jeg kommer til Vejle.\nHanne Holm\nBibliotekschef\nSkive Bibliotek", 1, nil, ""},
	}, func(_ []clauseRead, own string, tr *textReading) campaign.Reason {
		return uncountedList(own, tr.headcount)
	})
}

func TestGateSignatureCounted(t *testing.T) {
	runGateCases(t, "signatureCounted", []gateCase{
		{"Jeg kommer til Vejle\nBirthe", 2, []string{"Birthe"}, campaign.NoteNameUnsure},
		{"Ses i Roskilde /Jens, Lejre Bibliotek", 2, []string{"Jens"}, campaign.NoteNameUnsure},
		{"Ses i Roskilde – Jens", 2, []string{"Jens"}, campaign.NoteNameUnsure},
		{"Jeg tager Birthe med til Vejle\nBirthe", 2, []string{"Birthe"}, ""},
		{"Jeg kommer til Vejle med Per Holm\nMvh Anna", 2, []string{"Per Holm"}, ""},
		{"Jeg kommer til Vejle\nBirthe", 1, nil, ""},
		// a last line that is a sentence of its own is no signature
		{"Hej Mette\n\nBirgitte og jeg kommer til mødet på Rendsburggade.", 2, []string{"Birgitte"}, ""},
		{"Hej Mette\n\nBirgitte Holm, Skive", 2, []string{"Birgitte Holm"}, campaign.NoteNameUnsure},
		{"Jeg tager ikke alene til Vejle – Rikke Lind fra skolebiblioteket kommer med.", 2, []string{"Rikke Lind"}, ""},
	}, func(_ []clauseRead, own string, tr *textReading) campaign.Reason { return signatureCounted(own, tr) })
}

// TestGateHoldsReading: a reading the words speak against is held with the doubt; one they do
// not is left alone.
func TestGateHoldsReading(t *testing.T) {
	rd := newReader(testOptions(t).Campaign, time.Time{}, "")
	for _, tc := range []struct {
		text string
		held bool
	}{
		{"Vi kommer til Roskilde, stadig tre.", true},
		{"Vi kommer til Roskilde, vi er tre.", false},
		{"Jeg kommer til Aalborg.", false},
	} {
		segs := []segment{{text: tc.text}}
		tr := rd.read(segs)
		rd.gate(&tr, tr.crs, segmentsText(segs))
		if held := len(tr.doubts) > 0; held != tc.held {
			t.Errorf("%q: held %v, want %v (%+v)", tc.text, held, tc.held, tr)
		}
	}
}
