package demo

import (
	"fmt"
	"math/rand/v2"

	"github.com/rsvpd/rsvpd/campaign"
)

// What the simulated directors write, in their own words. Each phrase is read by package
// replies as meant (TestPhrasesReadAsMeant checks every one against the real reader), so the
// demo shows the product understanding Danish mail, not a script that happens to match it.

// attendPhrases register for {city}; the index is the headcount the phrase states.
var attendPhrases = map[int][]string{
	1: {
		"Jeg kommer til mødet i %s.",
		"Jeg deltager gerne i mødet i %s.",
		"Tak for invitationen. Jeg tilmelder mig mødet i %s.",
		"Jeg kommer alene til %s.",
	},
	2: {
		"Vi kommer to til %s – jeg og vores skolebibliotekskonsulent.",
		"Vi kommer til %s, 2 personer.",
		"Tak for invitationen. Vi deltager to personer i %s.",
	},
	3: {
		"Vi kommer tre personer til mødet i %s, hvis der er plads.",
	},
}

// declinePhrases say no to every meeting.
var declinePhrases = []string{
	"Desværre kan jeg ikke deltage i nogen af møderne.",
	"Tak for invitationen, men jeg kan desværre ikke deltage.",
	"Jeg har desværre ikke mulighed for at deltage i nogen af møderne.",
}

// questionPhrases ask something and answer nothing: a person must reply.
var questionPhrases = []string{
	"Hvad kommer det til at koste for %s om året?",
	"Kan vi sende en anden end bibliotekschefen, hvis jeg er forhindret? Hvem skal vi i givet fald tilmelde?",
}

// switchPhrase moves a registration from one city to another.
const switchPhrase = "Vi skifter fra %s til %s, hvis det er muligt."

// cancelPhrase withdraws a registration.
const cancelPhrase = "Jeg må desværre melde afbud til mødet i %s alligevel."

// fewerPhrase lowers a headcount of two to one.
const fewerPhrase = "Vi bliver alligevel kun én til mødet i %s."

// agreementPhrases return the signed agreement, attached.
var agreementPhrases = []string{
	"Hermed vores underskrevne tilslutningsaftale. Vi tilslutter os.",
	"Vi tilslutter os projektet. Den underskrevne tilslutningsaftale er vedhæftet.",
}

// agreementWordsOnly says the municipality joins, and forgets the PDF.
const agreementWordsOnly = "Vi tilslutter os projektet og sender den underskrevne aftale hurtigst muligt."

// agreementAfterRequest sends the PDF once rsvpd has asked for it.
const agreementAfterRequest = "Beklager, her er den underskrevne tilslutningsaftale som PDF."

func attendText(r *rand.Rand, city string, headcount int) string {
	ps := attendPhrases[headcount]
	return fmt.Sprintf(ps[r.IntN(len(ps))], city)
}

func declineText(r *rand.Rand) string { return declinePhrases[r.IntN(len(declinePhrases))] }

func questionText(r *rand.Rand, inv campaign.Invitee) string {
	p := questionPhrases[r.IntN(len(questionPhrases))]
	if p == questionPhrases[0] {
		return fmt.Sprintf(p, inv.Name)
	}
	return p
}

func agreementText(r *rand.Rand) string { return agreementPhrases[r.IntN(len(agreementPhrases))] }
