package demo

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
)

// answerKind is what a director answers, once they answer.
type answerKind int

const (
	silent      answerKind = iota // never answers
	attendWords                   // registers in their own words
	attendCal                     // accepts one meeting's calendar invitation
	decline                       // says no in their own words
	asks                          // asks a question first, registers after the first nudge
	bounces                       // the address does not exist: the invitation bounces
	awayThenAtt                   // an out-of-office answers first, the person after returning
)

// mind is a change of mind after the confirmation.
type mind int

const (
	steady   mind = iota
	switches      // moves to another meeting
	cancels       // withdraws
	fewer         // comes alone after all
)

// person is how one simulated director behaves: drawn once from the seed, so a seed always
// gives the same campaign.
type person struct {
	inv       campaign.Invitee
	answer    answerKind
	stage     int // 0: after the invitation, 1 or 2: after that nudge
	meeting   string
	headcount int
	mind      mind
	// agreement is when the signed agreement comes back: 0 after the agreement letter, 1 or
	// 2 after that nudge, -1 never.
	agreement int
	awayUntil time.Time // an out-of-office's return date
	// received is the agreement PDF as the director received it; confirmPlanned is set once
	// the staff will check the returned agreement.
	received       []byte
	confirmPlanned bool
}

// cast draws the directors' behaviour: roughly 60% register in their own words (mostly at
// the meeting nearest their region, one or two people, now and then three), some accept a
// calendar invitation, some decline, a few change their minds, two ask a question, two or
// three are away, one address bounces and the rest stay silent. About two in three who come
// return the agreement, some only after a nudge.
func cast(c *campaign.Campaign, seed uint64) map[string]*person {
	r := rand.New(rand.NewPCG(seed, 0x64656d6f)) // "demo"
	n := len(c.Invitees)
	order := r.Perm(n)
	counts := []struct {
		kind answerKind
		n    int
	}{
		{bounces, min(1, n)},
		{awayThenAtt, share(n, 0.03, 1)},
		{asks, share(n, 0.02, 1)},
		{decline, share(n, 0.10, 1)},
		{attendCal, share(n, 0.08, 1)},
		{attendWords, share(n, 0.60, 1)},
	}
	people := make(map[string]*person, n)
	i := 0
	for _, k := range counts {
		for j := 0; j < k.n && i < n; j++ {
			inv := c.Invitees[order[i]]
			people[inv.Code] = draw(c, r, inv, k.kind)
			i++
		}
	}
	for ; i < n; i++ {
		inv := c.Invitees[order[i]]
		people[inv.Code] = &person{inv: inv, answer: silent, agreement: -1}
	}
	return people
}

// share is n·f rounded, at least lo.
func share(n int, f float64, lo int) int {
	return max(lo, int(math.Round(float64(n)*f)))
}

func draw(c *campaign.Campaign, r *rand.Rand, inv campaign.Invitee, k answerKind) *person {
	p := &person{inv: inv, answer: k, agreement: -1, headcount: 1}
	switch x := r.Float64(); {
	case x < 0.65:
		p.stage = 0
	case x < 0.90:
		p.stage = 1
	default:
		p.stage = 2
	}
	p.meeting = nearest(c, r, inv)
	if k == attendWords {
		switch x := r.Float64(); {
		case x < 0.04:
			p.headcount = 3
		case x < 0.55:
			p.headcount = 2
		}
		if p.stage == 0 {
			switch x := r.Float64(); {
			case x < 0.05:
				p.mind = switches
			case x < 0.08:
				p.mind = cancels
			case x < 0.11 && p.headcount == 2:
				p.mind = fewer
			}
		}
	}
	switch k {
	case asks:
		p.stage = 0
	case awayThenAtt:
		p.stage = 0
		days := 9 + r.IntN(8)
		p.awayUntil = startOfDay(c.Schedule.Invitations.In(c.Location)).AddDate(0, 0, days)
	case bounces, decline:
		return p
	}
	if p.mind != cancels {
		switch x := r.Float64(); {
		case x < 0.45:
			p.agreement = 0
		case x < 0.70:
			p.agreement = 1
		case x < 0.80:
			p.agreement = 2
		}
	}
	return p
}

// nearest is the meeting a director from the invitee's region would choose, and now and then
// another one (a date that suits better).
func nearest(c *campaign.Campaign, r *rand.Rand, inv campaign.Invitee) string {
	pick := c.Meetings[r.IntN(len(c.Meetings))].ID
	if r.Float64() < 0.2 {
		return pick
	}
	region := strings.ToLower(inv.Region)
	prefer := map[string]string{"nordjylland": "aalborg", "midtjylland": "vejle", "syddanmark": "vejle",
		"sjælland": "roskilde", "hovedstaden": "roskilde"}
	for k, id := range prefer {
		if strings.Contains(region, k) {
			if _, ok := c.Meeting(id); ok {
				return id
			}
		}
	}
	return pick
}

// rng is the random source of one reaction: seeded by the demo's seed, the invitee and what
// it reacts to, so the order in which mail arrives does not change what anyone does.
func rng(seed uint64, code, cause string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(code))
	h.Write([]byte{0})
	h.Write([]byte(cause))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// readingDelay is when a director gets round to a message delivered at t: after a delay of
// working time (weekdays 08:00 to 16:30) with the given mean, so answers come in office
// hours, most within a day or two, some after a week.
func readingDelay(r *rand.Rand, t time.Time, loc *time.Location, meanHours float64) time.Time {
	work := time.Duration(r.ExpFloat64() * meanHours * float64(time.Hour))
	work = max(work, time.Duration(3+r.IntN(40))*time.Minute)
	t = t.In(loc)
	for {
		t = toWorkingTime(t)
		end := time.Date(t.Year(), t.Month(), t.Day(), 16, 30, 0, 0, loc)
		left := end.Sub(t)
		if work <= left {
			return t.Add(work).Truncate(time.Minute)
		}
		work -= left
		t = end
	}
}

// toWorkingTime moves t forward to the next moment of office hours.
func toWorkingTime(t time.Time) time.Time {
	loc := t.Location()
	for {
		day := startOfDay(t)
		open, closing := day.Add(8*time.Hour), day.Add(16*time.Hour+30*time.Minute)
		weekend := t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
		switch {
		case weekend || !t.Before(closing):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		case t.Before(open):
			return open
		default:
			return t
		}
	}
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}
