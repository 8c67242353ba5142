package digest

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// Participants reads who is registered for the meeting at now: each municipality's invited
// contact, then the companions its answer named (role and name as far as it said), then as
// many unnamed companions as its headcount holds beyond them; and the same as a CSV in the
// campaign's language. One read of every state, in the transaction given.
func Participants(tx *store.Tx, c *campaign.Campaign, meetingID string, now time.Time) (letters.ParticipantList, []byte, error) {
	m, ok := c.Meeting(meetingID)
	if !ok {
		return letters.ParticipantList{}, nil, fmt.Errorf("participant list: no meeting %q in the campaign", meetingID)
	}
	states, err := tx.States()
	if err != nil {
		return letters.ParticipantList{}, nil, fmt.Errorf("participant list %s: %w", meetingID, err)
	}
	var who []campaign.State
	for _, st := range states {
		if st.Status == campaign.StatusAttending && st.Meeting == meetingID {
			if _, ok := c.Invitee(st.Code); ok {
				who = append(who, st)
			}
		}
	}
	campaign.SortByName(c.Language, who, func(st campaign.State) string { inv, _ := c.Invitee(st.Code); return inv.Name })
	pl := letters.ParticipantList{Meeting: m, Date: now.In(location(c)), CSVName: participantsName(c, m)}
	for _, st := range who {
		inv, _ := c.Invitee(st.Code)
		pl.Municipalities++
		pl.People += max(st.Headcount, 1)
		pl.Rows = append(pl.Rows, participantsOf(inv, st)...)
	}
	b, err := participantsCSV(c, pl)
	if err != nil {
		return letters.ParticipantList{}, nil, fmt.Errorf("participant list %s: %w", meetingID, err)
	}
	return pl, b, nil
}

// participantsOf is one registered invitee's people.
func participantsOf(inv campaign.Invitee, st campaign.State) []letters.Participant {
	rows := []letters.Participant{{Invitee: inv, Name: inv.Contact}}
	for _, comp := range st.Companions {
		role, name := splitCompanion(comp)
		rows = append(rows, letters.Participant{Invitee: inv, Companion: true, Role: role, Name: name})
	}
	for n := len(rows); n < st.Headcount; n++ {
		rows = append(rows, letters.Participant{Invitee: inv, Companion: true})
	}
	return rows
}

// splitCompanion parts a companion as an answer named it ("skolebibliotekskonsulent Hanne
// Holm") into role and name: the capitalised words at the end are the name, what comes before
// them the role; a single word is a role ("Bibliotekschefen").
func splitCompanion(s string) (role, name string) {
	words := strings.Fields(s)
	if len(words) < 2 {
		return s, ""
	}
	i := len(words)
	for i > 0 && upper(words[i-1]) {
		i--
	}
	return strings.Join(words[:i], " "), strings.Join(words[i:], " ")
}

func upper(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// participantsName is the CSV's name: the meeting and its day, so several lists do not
// overwrite each other in a download folder.
func participantsName(c *campaign.Campaign, m campaign.Meeting) string {
	prefix := "deltagere-"
	if c.Language == "en" {
		prefix = "participants-"
	}
	return prefix + m.ID + "-" + m.Start.In(location(c)).Format("2006-01-02") + ".csv"
}

// participantsCSV writes the list as the status CSV is written (sheet), one row per person
// with the role in the letter's words (Participant.RoleText): the list mailed to the staff
// and the one the desk downloads are this file.
func participantsCSV(c *campaign.Campaign, pl letters.ParticipantList) ([]byte, error) {
	w := newSheet(c)
	header := []string{"Kommune", "Navn", "Rolle"}
	if c.Language == "en" {
		header = []string{"Municipality", "Name", "Role"}
	}
	if err := w.row(header...); err != nil {
		return nil, err
	}
	for _, p := range pl.Rows {
		if err := w.row(p.Invitee.Name, p.Name, p.RoleText(c.Language, c)); err != nil {
			return nil, err
		}
	}
	return w.bytes()
}
