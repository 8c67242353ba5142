package desk

import (
	"testing"

	"github.com/rsvpd/rsvpd/campaign"
)

// The overview says what the digest and status say: 0.6 of five invitees is three (not four,
// which a bare math.Ceil of 3.0000000000000004 gives), and a campaign without a threshold
// shows none (the page said "reached" at 0%).
func TestGoAheadAgreesWithTheCampaignRule(t *testing.T) {
	c := &campaign.Campaign{GoAhead: 0.6}
	for i := range 5 {
		c.Invitees = append(c.Invitees, campaign.Invitee{Code: string(rune('a' + i)), Population: 1000})
	}
	g := goAheadOf(c, 3, 3000)
	if g.TargetCount != 3 || g.NeedCount != 0 || !g.Reached {
		t.Errorf("0.6 of 5 with 3 confirmed: target %d, need %d, reached %v; want 3, 0, true", g.TargetCount, g.NeedCount, g.Reached)
	}
	g = goAheadOf(c, 2, 2000)
	if g.NeedCount != 1 || g.NeedPopulation != 1000 || g.Reached {
		t.Errorf("0.6 of 5 with 2 confirmed: need %d and %d inhabitants, reached %v; want 1, 1000, false", g.NeedCount, g.NeedPopulation, g.Reached)
	}
	if reached := c.GoAheadReached(2, 2000, 5, 5000); reached != g.Reached {
		t.Errorf("the overview says reached=%v, the campaign rule %v", g.Reached, reached)
	}
	c.GoAhead = 0
	if g := goAheadOf(c, 0, 0); g != nil {
		t.Errorf("a campaign without a threshold shows one: %+v", *g)
	}
}
