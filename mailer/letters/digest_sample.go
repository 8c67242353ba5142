package letters

import (
	"cmp"
	"slices"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// sampleDigest spreads the invitees over the answers a morning at now shows, in a fixed
// pattern, and counts them as the digest package would: the meetings before now are held.
func sampleDigest(c *campaign.Campaign, invs []campaign.Invitee, meetings []campaign.Meeting, now time.Time) *DigestData {
	d := &DigestData{Date: now, Since: now.AddDate(0, 0, -1), ChartCID: "chart@rsvpd", CSVName: "status.csv"}
	per := make([]DigestMeeting, len(meetings))
	for i, m := range meetings {
		per[i].Meeting, per[i].Held = m, m.End.Before(now)
	}
	p := DigestProgress{Invitees: len(invs), Threshold: c.GoAhead}
	for i, inv := range invs {
		p.Population += int64(inv.Population)
		at := now.Add(-time.Duration(i%48) * time.Hour)
		u := DigestUnsigned{Invitee: inv, Status: campaign.StatusInvited, Agreement: campaign.AgreementSent}
		switch i % 10 {
		case 0, 1, 2, 3, 4, 5:
			m := &per[i%len(per)]
			head := 1 + i%3
			m.Municipalities++
			m.People += head
			u.Status, u.Meeting = campaign.StatusAttending, &m.Meeting
			if i%5 == 0 {
				d.NewAnswers = append(d.NewAnswers, DigestAnswer{Invitee: inv, At: at,
					Status: campaign.StatusAttending, Meeting: &m.Meeting, Headcount: head})
			}
		case 6:
			u.Status = campaign.StatusDeclined
			d.Declines = append(d.Declines, DigestInvitee{Invitee: inv, At: at})
			if i%4 == 0 {
				d.NewAnswers = append(d.NewAnswers, DigestAnswer{Invitee: inv, At: at, Status: campaign.StatusDeclined})
			}
		default:
			d.Unanswered = append(d.Unanswered, DigestInvitee{Invitee: inv})
		}
		switch {
		case i%3 == 0 && i%10 < 6 && i%2 == 0: // agreements come back from those who come
			d.Agreements = append(d.Agreements, DigestAgreement{Invitee: inv, At: at, Confirmed: true})
			p.Confirmed++
			p.ConfirmedPopulation += int64(inv.Population)
			continue
		case i%3 == 0 && i%10 < 6:
			d.Agreements = append(d.Agreements, DigestAgreement{Invitee: inv, At: at})
			d.ToCheck = append(d.ToCheck, ReviewItem{ID: "a" + inv.Code, Invitee: inv, From: inv.Email,
				Received: at, Why: campaign.Reason{Code: campaign.ReasonAgreementReturned, Invitee: inv.Code}})
			p.Unchecked++
			p.UncheckedPopulation += int64(inv.Population)
			u.Agreement = campaign.AgreementReturned
		}
		d.NotSigned = append(d.NotSigned, u)
	}
	slices.SortStableFunc(d.NotSigned, func(a, b DigestUnsigned) int { return cmp.Compare(b.Invitee.Population, a.Invitee.Population) })
	d.Progress = p
	d.SetNotSigned(d.NotSigned, 10)
	slices.SortStableFunc(d.ToCheck, func(a, b ReviewItem) int { return a.Received.Compare(b.Received) })
	d.Meetings = per
	d.Review = sampleReview(c, invs, now)
	if n := len(d.Unanswered); n > 0 {
		u := d.Unanswered[n-1].Invitee
		d.Bounces = []DigestBounce{{Invitee: u, Address: u.Email, At: now.Add(-20 * time.Hour),
			Reason: "550 5.1.1 mailbox unavailable", Permanent: true}}
		a := d.Unanswered[0].Invitee
		d.Away = []DigestAway{{Invitee: a, Until: now.AddDate(0, 0, 6)}}
	}
	return d
}

// sampleAfterDeadline is the morning after the deadline, when the final report goes out.
func sampleAfterDeadline(c *campaign.Campaign, meetings []campaign.Meeting) time.Time {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	end := c.DeadlineEnd()
	if c.Deadline.IsZero() {
		end = sampleNow(c, meetings).AddDate(0, 1, 0)
	}
	end = end.In(loc)
	return time.Date(end.Year(), end.Month(), end.Day(), 7, 0, 0, 0, loc)
}

// sampleParticipants lists every third invitee for the meeting, some with companions.
func sampleParticipants(c *campaign.Campaign, invs []campaign.Invitee, m campaign.Meeting) *ParticipantList {
	p := &ParticipantList{Meeting: m, Date: m.Start.AddDate(0, 0, -2), CSVName: "deltagere.csv"}
	role := "skolebibliotekskonsulent"
	if c.Language == "en" {
		role = "school library adviser"
	}
	for i, inv := range invs {
		if i%3 != 0 {
			continue
		}
		p.Municipalities++
		p.Rows = append(p.Rows, Participant{Invitee: inv, Name: inv.Contact})
		p.People++
		switch {
		case i%2 == 0:
			p.Rows = append(p.Rows, Participant{Invitee: inv, Companion: true, Role: role, Name: "Hanne Holm"})
			p.People++
		case i%5 == 0: // two registered, the second not named
			p.Rows = append(p.Rows, Participant{Invitee: inv, Companion: true})
			p.People++
		}
	}
	return p
}
