package letters

import (
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// ParticipantList is who comes to one meeting, as the staff and the meeting's hosts get it a
// few days before: every registered invitee with the people it brings.
type ParticipantList struct {
	Meeting campaign.Meeting
	Date    time.Time // when the list was made
	// Rows are the people, by municipality in the campaign's alphabetical order, each
	// municipality's invited contact first.
	Rows           []Participant
	Municipalities int
	People         int
	// CSVName is the file name of the attached list; "" when none is attached.
	CSVName string
}

// Participant is one person on a participant list.
type Participant struct {
	Invitee campaign.Invitee
	// Companion is false for the invited contact, true for someone the invitee brings.
	Companion bool
	// Name is the person's name and Role what they do, as far as the answer said
	// ("skolebibliotekskonsulent", "Hanne Holm"); either may be "".
	Name string
	Role string
}

// RoleText is the person's role as a participant list writes it in lang, the letter and its
// CSV alike: the role the answer gave; for the invited contact the campaign's invitee role
// ("bibliotekschef"); for a companion the answer named nothing of, UnnamedCompanion.
func (p Participant) RoleText(lang string, c *campaign.Campaign) string {
	en := lang == "en"
	switch {
	case p.Role != "":
		return p.Role
	case !p.Companion && c.InviteeRole != "":
		return c.InviteeRole
	case !p.Companion && en:
		return "invitee"
	case !p.Companion:
		return "inviteret"
	case p.Name != "" && en:
		return "companion"
	case p.Name != "":
		return "ledsager"
	}
	return UnnamedCompanion(lang, c.Companions.Role)
}

// UnnamedCompanion is how a companion the answer named nothing of is written in lang, with
// the role the invitation welcomes ("ledsager ikke navngivet (skolebibliotekskonsulent)"; no
// brackets when the campaign names none): in the participant list, its CSV and the desk's
// list alike.
func UnnamedCompanion(lang, role string) string {
	s := "ledsager ikke navngivet"
	if lang == "en" {
		s = "companion not named"
	}
	if role != "" {
		s += " (" + role + ")"
	}
	return s
}

// Free is the number of places left at the meeting (negative when overbooked; 0 without a
// capacity).
func (p *ParticipantList) Free() int {
	if p.Meeting.Capacity == 0 {
		return 0
	}
	return p.Meeting.Capacity - p.People
}
