package letters

import "testing"

// TestReasonInDanish: the staff's Danish letters show the reasons rsvpd writes in Danish,
// with the words quoted from a reply, addresses and codes as they were.
func TestReasonInDanish(t *testing.T) {
	for _, tc := range []struct{ en, da string }{
		{`asks a question without answering: "Kan vi sende en anden end bibliotekschefen?".`,
			`stiller et spørgsmål uden at svare: »Kan vi sende en anden end bibliotekschefen?«.`},
		{`asks a question: Asks a question without answering: "Kan vi sende en anden end bibliotekschefen?".`,
			`stiller et spørgsmål uden at svare: »Kan vi sende en anden end bibliotekschefen?«.`},
		{"the agreement came back: check it and confirm with `rsvpd agreement confirm 573`",
			"aftalen er kommet retur: tjek den, og bekræft med `rsvpd agreement confirm 573`"},
		{`registered 3 people for Vejle; the invitation welcomes 2`,
			`tilmeldt 3 personer til Vejle; invitationen er til 2`},
		{`mail to the invitee bounced permanently: find another address: A permanent delivery failure for bibliotekschef@soenderborg.kommune.test (5.1.1).`,
			`mail til den inviterede afvises permanent: find en anden adresse: En permanent leveringsfejl for bibliotekschef@soenderborg.kommune.test (5.1.1).`},
		{`the reading needs a person to check it: Attends (Vejle, 1 person): "vi kommer"; the invitee was found only by the municipality or mail domain named in the message.`,
			`læsningen skal tjekkes af en person: Kommer (Vejle, 1 person): »vi kommer«; den inviterede er kun fundet ud fra kommunen eller maildomænet i beskeden.`},
		{`wants to come but names no meeting: Changes to (no meeting named, 2 people): "vi bliver to".`,
			`vil gerne komme, men nævner intet møde: Skifter til (intet møde nævnt, 2 personer): »vi bliver to«.`},
		{`a tentative calendar answer for vejle: ask whether they come`,
			`et foreløbigt kalendersvar for vejle: spørg, om de kommer`},
		{`the reading needs a person to check it: The calendar answer is tentative, for the meeting in Roskilde.`,
			`læsningen skal tjekkes af en person: Kalendersvaret er »måske« for mødet i Roskilde.`},
		{`the reading needs a person to check it: The calendar answer accepts (read from the subject, no calendar data); the meeting is not identified.`,
			`læsningen skal tjekkes af en person: Kalendersvaret siger ja (læst ud fra emnefeltet, uden kalenderdata); mødet kan ikke bestemmes.`},
		{`wants to come to Aalborg, which has already taken place`, `vil gerne komme til Aalborg, som allerede er holdt`},
		{`a calendar answer "DELEGATED" that rsvpd does not act on`, `et kalendersvar »DELEGATED«, som rsvpd ikke handler på`},
		{`the invitation to bibliotekschef@albertslund.kommune.test could not be delivered: 550 5.7.1 Relay access denied`,
			`Invitationen til bibliotekschef@albertslund.kommune.test kunne ikke leveres: 550 5.7.1 Relay access denied`},
		{`no confirmation sent: a@b.test already had 5 automatic answers today`,
			`ingen bekræftelse sendt: a@b.test har allerede fået 5 automatiske svar i dag`},
		{`jens@example.test is not an invitee, and the message carries no token or thread of ours: nothing was changed`,
			`jens@example.test er ikke inviteret, og beskeden har hverken vores token eller tråd: intet er ændret`},
		{`the answer could not be read: No answer found in the text.`, `svaret kunne ikke læses: Intet svar fundet i teksten.`},
		{`something new that no rule knows`, `something new that no rule knows`}, // left as it is
	} {
		if got := ReasonIn("da", tc.en); got != tc.da {
			t.Errorf("ReasonIn(da, %q)\n got %q\nwant %q", tc.en, got, tc.da)
		}
		if got := ReasonIn("en", tc.en); got != tc.en {
			t.Errorf("ReasonIn(en, %q) = %q, want it unchanged", tc.en, got)
		}
	}
}
