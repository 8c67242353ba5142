package desk

import (
	"net/http/httptest"

	"github.com/rsvpd/rsvpd/campaign"
)

const campaignDecline = campaign.ChoiceDecline

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
