package letters

import (
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// SampleData returns plausible data for a letter of the given kind, built from the campaign's
// own invitees and meetings: New renders every template on it to find broken templates
// at start, and `rsvpd preview` shows it. The same campaign always gives the same sample.
//
// The invitee is the campaign's first; the meeting the last (for a change, moved there from
// the first, with the headcount raised from one to two); the reply address is the campaign
// address without a token (the caller sets a real one). The calendar and agreement flags are
// set as the kind is normally sent.
func SampleData(c *campaign.Campaign, kind Kind) Data {
	invs, meetings := sampleInvitees(c), sampleMeetings(c)
	first, last := meetings[0], meetings[len(meetings)-1]
	d := Data{
		Invitee:      invs[0],
		Meeting:      &last,
		Headcount:    2,
		ReplyAddress: c.Organiser.Email,
	}
	switch kind {
	case KindInvitation, KindNudgeUnanswered, KindConfirmation, KindCancelAck:
		d.CalendarAttached = true
	case KindChange, KindCalendarCancel:
		d.CalendarAttached = true
		d.OldMeeting = &first
		d.OldHeadcount = 1
	case KindAgreement, KindNudgeAgreement, KindAgreementPDFNeeded:
		d.AgreementAttached = true // a request for the PDF: words came without one
	case KindAgreementReceipt:
		d.ReturnedFile = "tilslutningsaftale-" + d.Invitee.Code + "-underskrevet.pdf"
	case KindStaffReview:
		d.Review = sampleReview(c, invs, sampleNow(c, meetings))
	case KindDigest:
		// The sample is a morning of a campaign of at most maxSampleInvitees invitees: New
		// tries the templates on it at every start and reload, and a campaign of 100,000 made
		// it spread (and render) 100,000 names for nothing. More than ListLimit still tries
		// the lists' "and N more".
		d.Digest = sampleDigest(c, invs[:min(len(invs), maxSampleInvitees)], meetings, sampleNow(c, meetings))
	case KindDeskSignIn:
		d.Link = "https://rsvp.example/signin/link/s.c3RhZmY.bm9uY2U.m0n2a.sample"
		d.LinkExpires = sampleNow(c, meetings).Add(15 * time.Minute)
	case KindStaffAnswer:
		d.AnswerText = sampleAnswer
		d.ReplySubject = c.Name
	case KindFinalReport:
		d.Digest = sampleDigest(c, invs[:min(len(invs), maxSampleInvitees)], meetings, sampleAfterDeadline(c, meetings))
	case KindParticipantList:
		d.Participants = sampleParticipants(c, invs, last)
	case KindStaffSignIn:
		d.SignIn = sampleSignIn(c, sampleNow(c, meetings))
	}
	return d
}

// maxSampleInvitees bounds the invitees of the sample digest.
const maxSampleInvitees = 1000

// sampleInvitees is the campaign's invitees, or two made-up ones for a campaign without any
// (a config being written), so the templates can still be tried.
func sampleInvitees(c *campaign.Campaign) []campaign.Invitee {
	if len(c.Invitees) > 0 {
		return c.Invitees
	}
	return []campaign.Invitee{
		{Code: "001", Name: "Eksempelby", FormalName: "Eksempelby Kommune", Email: "chef@eksempelby.test", Population: 50000},
		{Code: "002", Name: "Prøvested", FormalName: "Prøvested Kommune", Email: "chef@proevested.test", Population: 20000},
	}
}

func sampleMeetings(c *campaign.Campaign) []campaign.Meeting {
	if len(c.Meetings) > 0 {
		return c.Meetings
	}
	start := time.Date(2012, 3, 1, 10, 0, 0, 0, time.UTC)
	if c.Location != nil {
		start = time.Date(2012, 3, 1, 10, 0, 0, 0, c.Location)
	}
	return []campaign.Meeting{{ID: "eksempel", City: "Eksempelby", Venue: "Hovedbiblioteket",
		Street: "Torvet 1", Postcode: "1234", Start: start, End: start.Add(2 * time.Hour)}}
}

// sampleNow is the morning before the first meeting, when a digest or review letter would
// plausibly go out.
func sampleNow(c *campaign.Campaign, meetings []campaign.Meeting) time.Time {
	first := meetings[0].Start
	for _, m := range meetings[1:] {
		if m.Start.Before(first) {
			first = m.Start
		}
	}
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	day := first.In(loc).AddDate(0, 0, -1)
	return time.Date(day.Year(), day.Month(), day.Day(), 7, 0, 0, 0, loc)
}

func sampleReview(c *campaign.Campaign, invs []campaign.Invitee, now time.Time) []ReviewItem {
	inv := invs[len(invs)-1]
	items := []ReviewItem{
		{
			ID:        "1",
			From:      "Kulturforvaltningen <kultur@eksempel.test>",
			Subject:   "SV: " + c.Name,
			Received:  now.Add(-15 * time.Hour),
			Reason:    "Afsenderen er ukendt, og mailen har hverken svaradresse eller henvisning til vores invitation.",
			MessageID: "sample-1@eksempel.test",
		},
		{
			ID:        "2",
			Invitee:   inv,
			From:      inv.Email,
			Subject:   "SV: " + c.Name,
			Received:  now.Add(-2 * time.Hour),
			Reason:    "Tilmelding med fire deltagere; der er plads til to pr. kommune uden godkendelse.",
			MessageID: "sample-2@eksempel.test",
		},
	}
	if c.Language == "en" {
		items[0].Reason = "The sender is unknown, and the message has neither a reply token nor a reference to our invitation."
		items[1].Reason = "Registration for four people; two per invitee are accepted without review."
	}
	// A returned agreement, with its reason as data: the letter writes it in its language.
	first := invs[0]
	items = append(items, ReviewItem{
		ID:        "3",
		Invitee:   first,
		From:      first.Email,
		Subject:   "SV: Tilslutningsaftale til underskrift: " + orName(first.FormalName, first.Name),
		Received:  now.Add(-time.Hour),
		Why:       campaign.Reason{Code: campaign.ReasonAgreementReturned, Invitee: first.Code, Quote: "tilslutningsaftale-" + first.Code + "-underskrevet.pdf", Flag: true},
		MessageID: "sample-3@eksempel.test",
	})
	return items
}

func orName(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sampleAnswer is a staff member's answer as one would write it.
const sampleAnswer = "Mødelokalet ligger på 1. sal; følg skiltene fra indgangen.\n\nI er velkomne til at tage jeres skolebibliotekskonsulent med."
