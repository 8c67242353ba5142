package status

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

func fiveInvitees() *campaign.Campaign {
	c := &campaign.Campaign{Location: time.UTC, GoAhead: 0.5,
		Meetings: []campaign.Meeting{{ID: "vejle", City: "Vejle", Capacity: 3}}}
	for _, code := range []string{"101", "98", "147", "751", "155"} {
		c.Invitees = append(c.Invitees, campaign.Invitee{Code: code, Name: "K" + code, Population: 1000})
	}
	c.Index()
	return c
}

// A page shows its rows in code order with the totals of the whole campaign, and says where
// the next page starts; the pages together are the whole report.
func TestPages(t *testing.T) {
	c := fiveInvitees()
	attending := campaign.NewState("751")
	attending.Status, attending.Meeting, attending.Headcount = campaign.StatusAttending, "vejle", 2
	full := Build(c, []campaign.State{attending})
	var seen []string
	after := ""
	for range 4 {
		p := full.Paged(after, 2)
		if p.Totals.Invitees != 5 || p.Totals.Attending != 1 || p.Meetings[0].People != 2 {
			t.Fatalf("a page's totals: %+v %+v", p.Totals, p.Meetings)
		}
		for _, r := range p.Rows {
			seen = append(seen, r.Code)
		}
		if p.Page.Next == "" {
			break
		}
		after = p.Page.Next
	}
	if got := strings.Join(seen, " "); got != "98 101 147 155 751" {
		t.Errorf("pages showed %s, want every code once in order", got)
	}
	var b bytes.Buffer
	if err := full.Paged("98", 2).WriteText(&b, time.UTC); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "inviterede 2-3 af 5; de næste 2: --after 147") {
		t.Errorf("the table does not say where the next page starts:\n%s", b.String())
	}
	b.Reset()
	if err := full.Paged("", 0).WriteText(&b, time.UTC); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "inviterede 1-") || strings.Contains(b.String(), "--after") {
		t.Errorf("a report with every row speaks of pages:\n%s", b.String())
	}
}
