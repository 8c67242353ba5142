package simulate

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rsvpd/rsvpd/campaign"
)

// Step is one scripted message: who sends what, when.
type Step struct {
	At   time.Time
	Code string // the invitee it comes from (or is about, for a bounce)
	// Sender is the From address when it is not the invitee's own (a colleague, a stranger).
	Sender   string
	Text     string // a reply in the sender's own words
	Calendar string // a calendar answer: ACCEPTED, DECLINED or TENTATIVE ...
	Meeting  string // ... for this meeting's entry
	Away     time.Time
	Bounce   bool
	// SignedAgreement attaches the invitee's agreement, signed digitally, to the reply.
	SignedAgreement bool
}

// Kind names the step for the timeline.
func (s Step) Kind() string {
	switch {
	case s.Bounce:
		return "bounce"
	case !s.Away.IsZero():
		return "out-of-office"
	case s.Calendar != "":
		return "calendar " + strings.ToLower(s.Calendar) + " " + s.Meeting
	}
	return "reply"
}

type rawStep struct {
	At       string `yaml:"at"`
	From     string `yaml:"from"`
	Sender   string `yaml:"sender"`
	Text     string `yaml:"text"`
	Calendar string `yaml:"calendar"`
	Meeting  string `yaml:"meeting"`
	Away     string `yaml:"out_of_office"`
	Bounce   bool   `yaml:"bounce"`
	Signed   bool   `yaml:"signed_agreement"`
}

// LoadScript reads a YAML list of steps:
//
//   - at: 2012-02-07 10:15      # local time
//     from: "615"               # the invitee's code
//     text: Vi kommer to til Vejle.
//   - at: 2012-02-08 08:00
//     from: "101"
//     calendar: ACCEPTED        # or DECLINED, TENTATIVE
//     meeting: roskilde
//   - {at: 2012-02-09 12:00, from: "751", out_of_office: 2012-02-22}
//   - {at: 2012-02-06 09:05, from: "461", bounce: true}
//   - {at: 2012-02-10 09:00, from: "147", sender: kollega@frederiksberg.kommune.test, text: ...}
//   - {at: 2012-03-05 14:00, from: "851", text: Hermed aftalen., signed_agreement: true}
func LoadScript(path string, c *campaign.Campaign) ([]Step, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read replies: %w", err)
	}
	return ParseScript(data, path, c)
}

// ParseScript reads a script; name labels errors.
func ParseScript(data []byte, name string, c *campaign.Campaign) ([]Step, error) {
	var raw []rawStep
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var steps []Step
	var problems []string
	for i, r := range raw {
		bad := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf("%s: step %d: %s", name, i+1, fmt.Sprintf(format, args...)))
		}
		s := Step{Code: r.From, Sender: strings.ToLower(r.Sender), Text: r.Text, Calendar: strings.ToUpper(r.Calendar), Meeting: r.Meeting,
			Bounce: r.Bounce, SignedAgreement: r.Signed}
		if s.SignedAgreement && s.Text == "" {
			bad("signed_agreement goes with a text: the reply it is attached to")
		}
		at, err := time.ParseInLocation("2006-01-02 15:04", r.At, c.Location)
		if err != nil {
			bad("at %q is not a local time like 2012-02-07 10:15", r.At)
		}
		s.At = at
		if _, ok := c.Invitee(r.From); !ok {
			bad("from %q is not an invitee code", r.From)
		}
		if r.Away != "" {
			if s.Away, err = time.ParseInLocation("2006-01-02", r.Away, c.Location); err != nil {
				bad("out_of_office %q is not a date like 2012-02-22", r.Away)
			}
		}
		if s.Calendar != "" {
			if _, ok := c.Meeting(r.Meeting); !ok {
				bad("meeting %q is not a meeting of the campaign", r.Meeting)
			}
		}
		kinds := 0
		for _, set := range []bool{s.Text != "", s.Calendar != "", r.Away != "", s.Bounce} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			bad("give exactly one of text, calendar, out_of_office, bounce")
		}
		steps = append(steps, s)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].At.Before(steps[j].At) })
	return steps, nil
}
