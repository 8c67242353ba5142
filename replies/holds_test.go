package replies

import (
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// TestFragileInferencesAreHeld reads texts whose answer rests on an inference that real replies
// show to be fragile, and checks that the reading is held with the reason named, and that the
// plain answers beside them are not (issue 14: wrong and unflagged must not happen, and a plain
// answer needs no one).
func TestFragileInferencesAreHeld(t *testing.T) {
	c := testOptions(t).Campaign
	cases := []struct {
		text string
		hold campaign.ReasonCode // "" when the reading must not be held
	}{
		// a count that rests on a word that may be no person's name
		{"Vi deltager i Aalborg, jeg og Kvist fra skoleafdelingen.", campaign.NoteNameUnsure},
		{"Vi kommer fra Udlån og Digitale Tjenester til Vejle.", campaign.NoteNameUnsure},
		{"Vi deltager i Aalborg, jeg og Bundgaard fra skoleafdelingen.", ""},
		{"Vi kommer til Roskilde, Mogens og jeg.", ""},
		{"Vi deltager i Aalborg. Min souschef Yrsa Holt tager med.", ""},
		// people listed after a colon or a dash, or joined by "og", whom no rule counted
		{"Vi kommer gerne til Vejle. Med i bilen – Ole Brandt og Ida Friis.", campaign.NotePersonUnplaced},
		{"Vi kommer til Vejle: Anne Holm og Bo Lind.", ""},
		{"Jeg kommer til Roskilde, og Pia Holst er også klar.", campaign.NotePersonUnplaced},
		{"Jeg kommer til Roskilde, og det gør Pia Holst også.", ""},
		{"Vi kommer til Vejle. Anne Holm og Bo Lind.", campaign.NotePersonUnplaced},
		{"Vi kommer til Vejle.\nAnne", ""},
		// a number stated and people named that disagree; agreeing ones decide
		{"Vi er 2 til mødet i Vejle: Lars Bech, Hanne Due og Sofie Krag.", campaign.NoteCountsDiffer},
		{"Vi bliver fire til Roskilde:\nAnne Holm\nPeter Krogh\nSusanne Lind", campaign.NoteCountsDiffer},
		{"Vi bliver to til Roskilde:\nAnne Holm\nPeter Krogh", ""},
		{"Vi bliver to til Roskilde: undertegnede og Kim Bro.", ""},
		{"Vi kommer 2 til Vejle: Anne Holm, Bo Lind og jeg.", campaign.NoteCountsDiffer},
		{"Vi bliver tre til Vejle: udover Jørgen Hansen og mig tager vores pædagogiske leder fra PUC, Ib Lund, også med.", ""},
		// a meeting named in a word added after the answer: a correction wins, a name alone holds
		{"Vi kommer to til Aalborg.\nNB: Roskilde!", campaign.NoteFitsSeveral},
		{"Vi kommer to til Aalborg.\nPS Vi kommer nok hellere til Vejle.", campaign.NoteFitsSeveral},
		{"Vi kommer to til Roskilde.\n\nPS: Undskyld, jeg mente selvfølgelig Aalborg.", ""},
		{"Vi kommer to til Aalborg.\n\nP.S. Vi glæder os til at se jer i Aalborg.", ""},
		// a person added in a later word to a number: whether one of it is for a person to read
		{"Vi kommer to til Vejle.\nPS: Lis Bak tager alligevel med.", campaign.NoteCountsDiffer},
		{"Vi kommer to til Vejle. Lis Bak kommer også med.", ""},
		{"Jeg kommer alene til Vejle.\nP.S. Min konsulent vil alligevel gerne med.", ""},
		// a meeting known only from words in a sentence that says no one comes
		{"Vi kommer gerne to. Mødet den 1. marts har vi allerede talt om i ledergruppen.", campaign.NoteMeetingInPassing},
		{"Hotellet i Vejle er bestilt til natten før.", campaign.NoteMeetingInPassing},
		{"Vi kommer to. Min kollega bor i Vejle.", campaign.NoteMeetingInPassing},
		{"Vi kommer gerne to. Jeg har tidligere været på biblioteket i Roskilde.", campaign.NoteMeetingInPassing},
		{"Glæder mig til Vejle. Kommer sammen med Lise Bach fra skolerne.", ""},
		{"Vi kommer gerne to til mødet den 1. marts.", ""},
		{"Aalborg: 2 prs. fra Frederikshavn Bibliotek.", ""},
		{"Roskilde passer os. Vi bliver to.", ""},
		// one meeting refused: a registration taken back declines; one that does not suit, or
		// another meeting named beside it, leaves the rest for a person to read
		{"Vi trækker os fra mødet i Roskilde.", ""},
		{"Vi kommer ikke til Aalborg alligevel.", ""},
		{"Vejle passer os ikke.", campaign.NoteAnswersDiffer},
		{"Vi kan ikke tage til Vejle. Roskilde er fortsat vores valg.", campaign.NoteAnswersDiffer},
	}
	for _, k := range cases {
		tr := readText(c, k.text)
		held := ""
		for _, d := range tr.doubts {
			if d.Code == k.hold {
				held = string(d.Code)
			}
		}
		switch {
		case k.hold != "" && held == "":
			t.Errorf("%q: not held for %s (doubts %v)", k.text, k.hold, tr.doubts)
		case k.hold == "" && len(tr.doubts) > 0:
			t.Errorf("%q: held (%v), a plain answer", k.text, tr.doubts)
		}
	}
}

// TestLaterWords reads a word added after the answer: a correction wins, a refusal of coming
// declines, and a refusal of a part of the day leaves the answer as it is.
func TestLaterWords(t *testing.T) {
	c := testOptions(t).Campaign
	cases := []struct {
		text, intent, meeting string
	}{
		{"Vi kommer to til Roskilde.\n\nPS: Undskyld, jeg mente selvfølgelig Aalborg.", "attend", "aalborg"},
		{"Vi kommer to til Aalborg.\nPS. Nej, undskyld – Roskilde!", "attend", "roskilde"},
		{"Vi kommer to til Aalborg.\nOpdatering: det bliver Vejle.", "attend", "vejle"},
		{"Jeg tilmelder mig Vejle. Eller rettere: Roskilde.", "attend", "roskilde"},
		{"Vi kommer til Vejle.\nPS: Vi må desværre melde afbud alligevel.", "decline", ""},
		{"Vi kommer to til Vejle.\nPS: Vi kan alligevel ikke komme.", "decline", ""},
		{"Jeg kommer til Vejle, men kan alligevel ikke blive til frokost.", "attend", "vejle"},
		{"Vi kommer to til Vejle.\nPS: Vi kan desværre ikke blive til sidst.", "attend", "vejle"},
		{"Jeg kommer til Aalborg.\nP.S. Hvis Aalborg bliver fyldt, kan jeg også komme til Vejle.", "attend", "aalborg"},
		{"Jeg kommer til Aalborg.\nPS: Hilsen til Roskilde-holdet.", "attend", "aalborg"},
	}
	for _, k := range cases {
		tr := readText(c, k.text)
		if string(tr.intent) != k.intent || tr.meeting != k.meeting {
			t.Errorf("%q: read %s %q, want %s %q", k.text, tr.intent, tr.meeting, k.intent, k.meeting)
		}
	}
}

// TestRelativeDaysHeld reads days counted from the Date header: one that names a single
// meeting decides, one that may name two, or a meeting and none, is held.
func TestRelativeDaysHeld(t *testing.T) {
	c := testOptions(t).Campaign
	cph := c.Location
	if cph == nil {
		cph = time.UTC
	}
	cases := []struct {
		sent    time.Time
		text    string
		meeting string
		hold    campaign.ReasonCode
	}{
		{time.Date(2012, 2, 27, 16, 0, 0, 0, cph), "Jeg kommer i morgen.", "aalborg", ""},
		{time.Date(2012, 2, 28, 0, 35, 0, 0, cph), "Jeg kommer i morgen.", "", campaign.NoteAfterMidnight},
		{time.Date(2012, 2, 29, 13, 0, 0, 0, cph), "Vi kommer næste tirsdag, to personer.", "vejle", ""},
		{time.Date(2012, 2, 27, 8, 0, 0, 0, cph), "Jeg kommer næste tirsdag.", "", campaign.NoteFitsSeveral},
	}
	for _, k := range cases {
		tr := newReader(c, k.sent, "").read([]segment{{text: k.text}})
		if tr.meeting != k.meeting || k.hold != "" && !hasCode(tr.doubts, k.hold) || k.hold == "" && len(tr.doubts) > 0 {
			t.Errorf("%s %q: read %q (doubts %v), want %q held for %q", k.sent, k.text, tr.meeting, tr.doubts, k.meeting, k.hold)
		}
	}
}

// TestAnswersBesideOtherWords reads answers set beside words that are not about coming, or that
// make them depend on something: a request asks the staff to act (as a question does) and the
// answer stands; a condition on taking part at all leaves the reply undecided; a number, a name
// or a negation about something else leaves the answer and its count as they are.
func TestAnswersBesideOtherWords(t *testing.T) {
	c := testOptions(t).Campaign
	cases := []struct {
		text, intent, meeting string
		people                int
		asks, held, promise   bool
	}{
		// requests beside an answer or a decline
		{"Vi kommer to til Roskilde. Send gerne præsentationen bagefter.", "attend", "roskilde", 2, true, false, false},
		{"Vi melder afbud, men vi vil stadig gerne have materialet tilsendt.", "decline", "", 0, true, false, false},
		{"Jeg kommer til Vejle. Vi ser gerne, at præsentationen bliver sendt ud efterfølgende.", "attend", "vejle", 1, true, false, false},
		{"Vi springer over. Send gerne tilslutningsaftalen, så snart den er klar.", "decline", "", 0, false, false, false},
		{"Vi kommer to til Vejle. Giv lige besked, når programmet ligger klar.", "attend", "vejle", 2, true, false, false},
		{"Jeg kommer til Vejle. Hils gerne Hanne.", "attend", "vejle", 1, false, false, false},
		{"Tilmeld gerne mig til Vejle.", "attend", "vejle", 1, false, false, false},
		// conditions on taking part at all
		{"Bliver svaret ja, vil vi foretrække Roskilde. Jeg vender tilbage efter udvalgsmødet.", "unclear", "", 0, false, false, true},
		{"Hvis vi deltager, bliver det i Vejle, og så skriver jeg igen.", "unclear", "", 0, false, false, true},
		{"Afhængigt af byrådets beslutning kommer vi til Vejle.", "unclear", "", 0, false, false, false},
		{"Hvis der er plads, kommer vi to til Vejle.", "attend", "vejle", 2, false, false, false},
		// numbers, names and negations about something else
		{"Vi har to filialer, men det er kun mig og min souschef, der kommer til Vejle.", "attend", "vejle", 2, false, false, false},
		{"To ud af tre møder passer ikke, men Vejle kan jeg. Kommer alene.", "attend", "vejle", 1, false, false, false},
		{"Vi er to ledere på biblioteket. Til Aalborg kommer Ida Holm, Per Lund og jeg.", "attend", "aalborg", 3, false, true, false},
		{"Jeg deltager i Roskilde den 1. marts. mvh Jonas Lykke", "attend", "roskilde", 1, false, false, false},
		{"Jeg deltager i Aalborg // Morten", "attend", "aalborg", 1, false, false, false},
		{"Jeg deltager i Vejle, men jeg deltager ikke i hele mødet.", "attend", "vejle", 1, false, false, false},
		{"Han kommer til Roskilde, og jeg tager med som skolebibliotekskonsulent.", "attend", "roskilde", 2, false, false, false},
		{"Hun (bibliotekschefen) kommer til Roskilde, og jeg tager med.", "attend", "roskilde", 2, false, false, false},
		{"Vi er fem i ledergruppen, og jeg og vores konsulent tager til Roskilde.", "attend", "roskilde", 2, false, false, false},
		{"Der kommer én fra hver af vores tre afdelinger til Vejle.", "attend", "vejle", 3, false, false, false},
		{"Vi kommer til Aalborg. En fra skoleafdelingen deltager også.", "attend", "aalborg", 2, false, false, false},
		{"Vi tager til Roskilde, og to fra Pædagogisk Center kommer også.", "attend", "roskilde", 3, false, false, false},
		{"Jeg kan ikke undvære min konsulent den dag, så hun kommer med til Roskilde.", "attend", "roskilde", 2, false, false, false},
		{"Vi kommer til Vejle. Det er ikke muligt for os at komme i Aalborg.", "attend", "vejle", 1, false, false, false},
		{"Vi er med i projektet, men ikke på møderne.", "decline", "", 0, false, false, false},
		// conditions after the answer, and on something else
		{"Vi deltager kun, hvis kommunen tilslutter sig – og så bliver det Aalborg.", "unclear", "", 0, false, false, false},
		{"Under forudsætning af at budgettet holder, kommer jeg til Roskilde.", "unclear", "", 0, false, false, false},
		{"Vi kommer to til Vejle, hvis Jens også kan deltage.", "attend", "vejle", 2, false, true, false},
		{"Så vi kommer til Vejle med to.", "attend", "vejle", 2, false, false, false},
		{"Jeg kommer til Roskilde – hilsen Søren", "attend", "roskilde", 1, false, false, false},
		{"Jeg svarer på vegne af Lise Bang, som kommer til Vejle sammen med mig.", "attend", "vejle", 2, false, false, false},
		{"Hvis jeg kan få fri, kommer jeg til Roskilde.", "unclear", "", 0, false, false, false},
		{"Jeg har sat kryds ved Vejle, men det er med forbehold.", "unclear", "", 0, false, false, false},
		{"Hvis vi kan få to pladser, kommer vi to til Vejle.", "attend", "vejle", 2, false, false, false},
		// promises in other words
		{"Jeg ved ikke endnu, om jeg kan komme – jeg skriver, når jeg ved det.", "unclear", "", 0, false, false, true},
		{"Det er endnu uvist, om vi kan. Svar kommer.", "unclear", "", 0, false, false, true},
		{"Jeg kan først svare i næste uge.", "unclear", "", 0, false, false, true},
		// round 5: withdrawals, declines under a condition, numbers and more, choices, order
		{"Vi annullerer hermed vores tilmelding til mødet i Aalborg.", "decline", "", 0, false, false, false},
		{"Det er med beklagelse, men vi trækker os fra mødet i Roskilde.", "decline", "", 0, false, false, false},
		{"Jeg vil ikke melde mig til et møde, før byrådet har besluttet sig. Jeg melder tilbage herefter.", "unclear", "", 0, false, false, true},
		{"Såfremt mødet flyttes, kommer vi; i modsat fald må vi melde fra. Jeg giver besked.", "unclear", "", 0, false, false, true},
		{"Vi kommer 2 + skolebibliotekskonsulenten til Aalborg.", "attend", "aalborg", 3, false, false, false},
		{"Desværre har vi ikke mulighed for at komme til et af møderne.", "decline", "", 0, false, false, false},
		{"Jeg har overvejet Vejle, men er endt med Roskilde.", "attend", "roskilde", 1, false, false, false},
		{"Kan ikke d 1/3 i Roskilde pga byrådsmøde så jeg tager til Vejle i stedet", "attend", "vejle", 1, false, false, false},
		{"Vi er tilmeldt to til Roskilde. I stedet for Lone Vind kommer Hanne Juul.", "attend", "roskilde", 2, false, false, false},
		{"Vi tager den første af de to tirsdage.", "attend", "aalborg", 1, false, false, false},
		{"Med forbehold for budgetforhandlingerne kommer jeg til Vejle.", "attend", "vejle", 1, false, false, false},
	}
	for _, k := range cases {
		tr := readText(c, k.text)
		people := tr.headcount
		if tr.intent == IntentAttend {
			people = max(people, 1)
		}
		if string(tr.intent) != k.intent || tr.meeting != k.meeting || people != k.people || tr.question != k.asks || (len(tr.doubts) > 0) != k.held || tr.promise != k.promise {
			t.Errorf("%q: read %s %q %d asks=%v held=%v promise=%v, want %s %q %d asks=%v held=%v promise=%v", k.text,
				tr.intent, tr.meeting, people, tr.question, len(tr.doubts) > 0, tr.promise, k.intent, k.meeting, k.people, k.asks, k.held, k.promise)
		}
	}
}
