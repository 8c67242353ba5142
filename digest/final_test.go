package digest

import (
	"context"
	"strings"
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// The demo's last digest declared the threshold reached on 56 returned agreements nobody had
// checked. Here 60 of 98 have come back and one is confirmed: the final report's threshold
// line says the threshold is not reached, counts the 60 apart, and says that confirming them
// would reach it; once the staff confirm 49, it is reached.
func TestFinalReportCountsConfirmedOnly(t *testing.T) {
	c := exampleCampaign(t)
	st := midCampaign(t, c)
	l, err := letters.New(c, "")
	if err != nil {
		t.Fatal(err)
	}
	final := func(agreement campaign.AgreementStatus, n int) made {
		t.Helper()
		var m made
		err := st.Tx(context.Background(), func(tx *store.Tx) error {
			for _, inv := range c.Invitees[:n] {
				s, err := tx.State(inv.Code)
				if err != nil {
					return err
				}
				if s.Agreement != campaign.AgreementConfirmed {
					s.Agreement = agreement
				}
				if err := tx.PutState(s); err != nil {
					return err
				}
			}
			m, err = makeLetter(tx, c, l, Options{Now: at(t, c, "2012-03-19 07:00"), Final: true}, "")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := final(campaign.AgreementReturned, 60)
	if !strings.HasPrefix(m.Letter.Subject, "Slutrapport: grænsen er ikke nået med 1 af 98 kommuner") {
		t.Errorf("subject %q", m.Letter.Subject)
	}
	for _, want := range []string{
		"RESULTAT\nGrænsen er ikke nået: 1 af 98 kommuner (1,0 %) har tilsluttet sig med en bekræftet aftale",
		"Kun aftaler, som er kontrolleret og bekræftet, tæller med. 59 kommuner med ",
		"har returneret aftalen, men den er ikke kontrolleret; bekræftes de alle, er grænsen nået.",
		"Aalborg, tirsdag den 28. februar 2012 (afholdt): 3 kommuner, 5 personer\n",
		// Herlev's mail bounced and no one changed the address: the report says where to.
		"Herlev (26.608 indb.): ikke svaret (mail når ikke frem: ret adressen på skrivebordet);",
	} {
		if !strings.Contains(m.Letter.Text, want) {
			t.Errorf("the final report lacks %q:\n%s", want, m.Letter.Text)
		}
	}
	if strings.Contains(m.Letter.Text, "ledige") || strings.Contains(m.Letter.HTML, "Grænsen er nået") {
		t.Errorf("the final report shows free places or a reached threshold:\n%s", m.Letter.Text)
	}
	m = final(campaign.AgreementConfirmed, 49)
	if !strings.Contains(m.Letter.Text, "RESULTAT\nGrænsen er nået: 49 af 98 kommuner (50 %)") {
		t.Errorf("49 confirmed of 98 is the go-ahead:\n%s", m.Letter.Text)
	}
}
