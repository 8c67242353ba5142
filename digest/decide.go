package digest

import (
	"cmp"
	"slices"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
)

// notSigned lists the invitees without a confirmed agreement, the largest population first
// (then by name), at most limit of them, and counts the rest; Enough says how many of the
// largest would bring the population the go-ahead still needs. It reads the report's rows
// once and sorts only those it lists.
func (b *builder) notSigned(limit int) {
	var rows []letters.DigestUnsigned
	for _, row := range b.report.Rows {
		if campaign.AgreementStatus(row.Agreement) == campaign.AgreementConfirmed {
			continue
		}
		inv, ok := b.c.Invitee(row.Code)
		if !ok {
			continue
		}
		u := letters.DigestUnsigned{Invitee: inv, Status: campaign.Status(row.Status),
			Agreement:     campaign.AgreementStatus(row.Agreement),
			Undeliverable: campaign.Delivery(row.Delivery) == campaign.DeliveryUndeliverable}
		if u.Status == campaign.StatusAttending {
			if m, ok := b.c.Meeting(row.Meeting); ok {
				u.Meeting = &m
			}
		}
		rows = append(rows, u)
	}
	slices.SortFunc(rows, func(x, y letters.DigestUnsigned) int {
		if c := cmp.Compare(y.Invitee.Population, x.Invitee.Population); c != 0 {
			return c
		}
		return cmp.Compare(x.Invitee.Name, y.Invitee.Name)
	})
	b.data.SetNotSigned(rows, limit)
}
