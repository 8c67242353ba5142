package status

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// fourMunicipalities: 1000, 2000, 3000 and 4000 inhabitants, half needed.
func fourMunicipalities(lang string) *campaign.Campaign {
	c := &campaign.Campaign{Location: time.UTC, GoAhead: 0.5, Language: lang,
		Meetings: []campaign.Meeting{{ID: "vejle", City: "Vejle", Capacity: 10,
			Start: time.Date(2012, 3, 6, 10, 0, 0, 0, time.UTC)}}}
	for i, code := range []string{"101", "147", "155", "751"} {
		c.Invitees = append(c.Invitees, campaign.Invitee{Code: code, Name: "K" + code, Population: 1000 * (i + 1)})
	}
	c.Index()
	return c
}

func withAgreement(code string, a campaign.AgreementStatus) campaign.State {
	st := campaign.NewState(code)
	st.Status, st.Agreement = campaign.StatusInvited, a
	return st
}

// Returned agreements nobody has checked never reach the threshold: two of four returned,
// with 7,000 of 10,000 inhabitants, is not the go-ahead until the staff confirm them.
func TestThresholdCountsConfirmedAgreementsOnly(t *testing.T) {
	c := fourMunicipalities("da")
	unchecked := Build(c, []campaign.State{withAgreement("155", campaign.AgreementReturned), withAgreement("751", campaign.AgreementReturned)})
	tot := unchecked.Totals
	if tot.GoAhead || tot.Confirmed != 0 || tot.AgreementShare != 0 {
		t.Errorf("two unchecked agreements: go-ahead %v, %d confirmed, share %v; want no go-ahead on nothing confirmed", tot.GoAhead, tot.Confirmed, tot.AgreementShare)
	}
	if tot.Unchecked != 2 || tot.UncheckedPopulation != 7000 || !tot.GoAheadIfChecked {
		t.Errorf("unchecked %d (%d inhabitants), reached if checked %v; want 2, 7000, true", tot.Unchecked, tot.UncheckedPopulation, tot.GoAheadIfChecked)
	}
	if tot.NeededInvitees != 2 || tot.NeededPopulation != 5000 {
		t.Errorf("still needs %d municipalities or %d inhabitants, want 2 or 5000", tot.NeededInvitees, tot.NeededPopulation)
	}
	confirmed := Build(c, []campaign.State{withAgreement("155", campaign.AgreementReturned), withAgreement("751", campaign.AgreementConfirmed)})
	if tot := confirmed.Totals; tot.GoAhead || tot.NeededPopulation != 1000 || tot.NeededInvitees != 1 {
		t.Errorf("one confirmed of 4,000: go-ahead %v, needs %d or %d; want no, 1 or 1000", tot.GoAhead, tot.NeededInvitees, tot.NeededPopulation)
	}
	both := Build(c, []campaign.State{withAgreement("155", campaign.AgreementConfirmed), withAgreement("751", campaign.AgreementConfirmed)})
	if tot := both.Totals; !tot.GoAhead || tot.NeededInvitees != 0 || tot.NeededPopulation != 0 {
		t.Errorf("two confirmed of four: go-ahead %v, needs %d or %d", tot.GoAhead, tot.NeededInvitees, tot.NeededPopulation)
	}
}

// The table speaks the campaign's language: column names, states, agreements, the meeting by
// its city, and the threshold on confirmed agreements with the unchecked ones apart.
func TestTableInTheCampaignsLanguage(t *testing.T) {
	attending := withAgreement("101", campaign.AgreementReturned)
	attending.Status, attending.Meeting, attending.Headcount = campaign.StatusAttending, "vejle", 2
	attending.UpdatedAt = time.Date(2012, 2, 20, 14, 3, 0, 0, time.UTC)
	states := []campaign.State{attending, withAgreement("751", campaign.AgreementConfirmed)}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"da", []string{"KODE  KOMMUNE  STATUS", "SENEST ÆNDRET", "Tilmeldt", "Vejle", "Returneret, ikke kontrolleret",
			"Bekræftet", "Ikke svaret", "20.02.2012 14.03", "MØDE   TIDSPUNKT", "06.03.2012 10.00",
			"Bekræftede tilslutningsaftaler: 1 (25,0 % af kommunerne, 40,0 % af indbyggerne); returneret, men ikke kontrolleret: 1 (tæller ikke med)",
			"Grænsen for at gå videre er ikke nået: der mangler 1 kommune eller 1.000 indbyggere."}},
		{"en", []string{"CODE  NAME  STATE", "Registered", "Returned, not checked", "Confirmed", "Not answered",
			"Agreements confirmed: 1 (25.0% of the invitees, 40.0% of the population); returned but not checked: 1 (not counted)",
			"Go-ahead threshold not reached: 1 invitee or 1,000 inhabitants more needed."}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			var b bytes.Buffer
			if err := Build(fourMunicipalities(tc.lang), states).WriteText(&b, time.UTC); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("the table lacks %q:\n%s", w, b.String())
				}
			}
			rows, _, _ := strings.Cut(b.String(), "\n\n")
			for _, cell := range regexp.MustCompile(`\S+(?: \S+)*`).FindAllString(rows, -1) {
				switch cell {
				case "attending", "invited", "new", "returned", "confirmed", "sent", "none", "vejle":
					t.Errorf("the table shows the code %q:\n%s", cell, b.String())
				}
			}
		})
	}
}
