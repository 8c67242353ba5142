package replies

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/rsvpd/rsvpd/campaign"
)

// The words a reply is read from: the sender's own text as the trimmer left it, cut where an
// older message or the invitation itself shows through without quote marks (Lotus Notes and
// Outlook on the web quote so), and with the answers a sender wrote between the lines of the
// quoted invitation tied to the meeting each one stands under ("Nej" under Aalborg, "Ja – vi
// kommer 2" under Vejle).

// maxReadText bounds what is read of a reply's text: an answer is in its first lines, and
// every stage after this one is linear in what it is given.
const maxReadText = 24 << 10

// segment is a run of the sender's own text, with the meeting whose quoted lines stand right
// above it when it was written between the lines of the invitation.
type segment struct {
	text    string
	meeting string // "" when the text stands under no meeting
}

// ownSegments returns the text to read, in order.
func ownSegments(c *campaign.Campaign, text string, m *message) []segment {
	text = capText(text, maxReadText)
	if c == nil {
		return []segment{{text: text}}
	}
	anchors := newAnchors(c)
	if m != nil {
		if segs, ok := markedSegments(anchors, text, m); ok {
			return segs
		}
		if segs, ok := interleavedSegments(anchors, text, m); ok {
			return segs
		}
	}
	return []segment{{text: cutUnmarked(anchors, text)}}
}

// capText cuts s to at most n bytes, at a line end when there is one near.
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s[len(s)-1:]) && !utf8.RuneStart(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	if i := strings.LastIndexByte(s, '\n'); i > n/2 {
		s = s[:i]
	}
	return strings.ToValidUTF8(s, "")
}

// anchors recognises the invitation's own lines for a meeting: the line that names its city
// and full date, and the line with its address.
type anchors struct {
	c     *campaign.Campaign
	lines [][]string // per meeting: lower-case pieces any one of which marks its lines
}

func newAnchors(c *campaign.Campaign) *anchors {
	a := &anchors{c: c}
	for _, mt := range c.Meetings {
		var pieces []string
		if mt.Venue != "" {
			pieces = append(pieces, strings.ToLower(mt.Address()))
		}
		if mt.Street != "" && mt.Postcode != "" {
			pieces = append(pieces, strings.ToLower(mt.Street+", "+mt.Postcode))
		}
		a.lines = append(a.lines, pieces)
	}
	return a
}

// timeRangeRe finds the time a meeting line of the invitation gives ("kl. 10.00-12.00").
var timeRangeRe = regexp.MustCompile(`\d{1,2}[.:]\d{2}\s*[-–]\s*\d{1,2}[.:]\d{2}`)

// meeting returns the meeting a line of the invitation is about, "" when the line is none of
// them. A line that names two meetings is no anchor.
func (a *anchors) meeting(line string) string {
	if len(line) > 200 || !strings.ContainsAny(line, "0123456789") {
		return ""
	}
	l := strings.ToLower(line)
	hit := ""
	for i, pieces := range a.lines {
		mt := a.c.Meetings[i]
		found := false
		for _, p := range pieces {
			found = found || strings.Contains(l, p)
		}
		// "Aalborg: tirsdag den 28. februar 2012 kl. 10.00-12.00"
		city := strings.ToLower(mt.City)
		if strings.HasPrefix(strings.TrimLeft(l, "> \t*"), city+":") && timeRangeRe.MatchString(l) {
			found = true
		}
		if !found {
			continue
		}
		if hit != "" && hit != mt.ID {
			return ""
		}
		hit = mt.ID
	}
	return hit
}

var (
	// announceRe finds a sender saying the answers stand in the quoted text below.
	announceRe = regexp.MustCompile(`(?i)(svar|kommentar|bemærkning|noter|answers|comments)\p{L}*[^.\n]{0,40}?(nedenfor|herunder|i teksten|inline|nede i|below)`)
	// markerRe finds the mark such answers carry: "med [MV]", "med MF", "(AGT)".
	markerRe = regexp.MustCompile(`(?:med|with|markeret)\s+(\[\p{Lu}{2,4}\]|\p{Lu}{2,4})\b|\((\p{Lu}{2,4})\)|(\[\p{Lu}{2,4}\])`)
	// dateTimeLineRe matches a line that is only a date and a time (Lotus Notes' header of a
	// quoted message: "Name/Org", "06-02-2012 09:00", "Til").
	dateTimeLineRe = regexp.MustCompile(`^\s*\d{1,2}[-./]\d{1,2}[-./]\d{2,4}\s+\d{1,2}[:.]\d{2}\s*$`)
)

// markedSegments reads the answers a sender marked with initials inside the quoted invitation
// ("Mine svar står nedenfor med [MV]"): the text above, then each marked line with the meeting
// it stands under.
func markedSegments(a *anchors, text string, m *message) ([]segment, bool) {
	head := text
	if len(head) > 600 {
		head = head[:600]
	}
	loc := announceRe.FindStringIndex(head)
	if loc == nil {
		return nil, false
	}
	lineEnd := strings.IndexByte(head[loc[0]:], '\n')
	if lineEnd < 0 {
		lineEnd = len(head) - loc[0]
	}
	mm := markerRe.FindStringSubmatch(head[loc[0] : loc[0]+lineEnd])
	if mm == nil {
		return nil, false
	}
	mark := mm[1] + mm[2] + mm[3]
	lines, _ := m.bodyLines()
	segs := []segment{{text: cutUnmarked(a, text)}}
	last := "" // the meeting of the last non-empty line of the invitation, if it was an anchor
	n := 0
	for i := 0; i < len(lines) && n < maxReadText; i++ {
		l := strings.TrimSpace(strings.TrimLeft(lines[i], "> \t"))
		n += len(l)
		if l == "" {
			continue
		}
		if rest, ok := cutMark(l, mark); ok {
			// A marked answer may run over into the next line when it was wrapped.
			for !endsSentence(rest) && i+1 < len(lines) {
				next := strings.TrimSpace(strings.TrimLeft(lines[i+1], "> \t"))
				if next == "" || a.meeting(next) != "" {
					break
				}
				rest += " " + next
				i++
			}
			segs = append(segs, segment{text: rest, meeting: last})
			continue
		}
		last = a.meeting(l)
	}
	return segs, len(segs) > 1
}

// cutMark returns a line without its leading mark ("MF: ...", "[MV] ...", "(AGT) ...").
func cutMark(l, mark string) (string, bool) {
	bare := strings.Trim(mark, "[]()")
	for _, p := range []string{mark, "(" + bare + ")", "[" + bare + "]", bare} {
		if rest, ok := strings.CutPrefix(l, p); ok {
			if rest == "" || strings.ContainsRune(":;-–> ]", []rune(rest)[0]) {
				return strings.TrimSpace(strings.TrimLeft(rest, ":;-–> ")), true
			}
		}
	}
	return "", false
}

func endsSentence(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || strings.ContainsAny(s[len(s)-1:], ".!?:)")
}

// interleavedSegments reads answers written between ">"-quoted lines of the invitation: each
// block of own lines gets the meeting whose quoted lines end right above it. It applies only
// when some own block stands under a meeting.
func interleavedSegments(a *anchors, text string, m *message) ([]segment, bool) {
	lines, kinds := m.bodyLines()
	kept := strings.Split(text, "\n")
	k := 0 // next line of the reply text to find among the body's lines
	var segs []segment
	var cur strings.Builder
	curMeeting, quoted := "", ""
	inside := 0 // the blocks flushed before the last quoted line: they stand inside the quote
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			segs = append(segs, segment{text: s, meeting: curMeeting})
		}
		cur.Reset()
	}
	n := 0
	for i := 0; i < len(lines) && n < maxReadText; i++ {
		n += len(lines[i])
		switch {
		case kinds[i] == kindQuote:
			flush()
			l := strings.TrimSpace(strings.TrimLeft(lines[i], "> \t"))
			if l == "" {
				continue
			}
			inside = len(segs)
			if k >= len(kept) {
				break // every line of the reply is placed, and quoted lines follow the last
			}
			if id := a.meeting(l); id != "" {
				quoted = id
			} else if quoted != "" && !strings.ContainsAny(l, "0123456789") {
				// The wrapped end of an address line ("> Roskilde") keeps the meeting;
				// any other quoted line ends it.
				if utf8.RuneCountInString(l) > 30 {
					quoted = ""
				}
			}
			curMeeting = ""
		case strings.TrimSpace(lines[i]) == "":
			if cur.Len() > 0 {
				cur.WriteByte('\n')
			}
		default:
			for k < len(kept) && strings.TrimSpace(kept[k]) == "" {
				k++
			}
			if k < len(kept) && strings.TrimSpace(kept[k]) == strings.TrimSpace(lines[i]) {
				if cur.Len() == 0 {
					curMeeting, quoted = quoted, ""
				}
				cur.WriteString(lines[i])
				cur.WriteByte('\n')
				k++
			}
		}
	}
	flush()
	// An answer is written between the lines only when quoted lines follow it too: text below
	// the whole quote (bottom posting under the meeting lines) stands under no meeting.
	tied := false
	for j := range segs {
		if j >= inside {
			segs[j].meeting = ""
		}
		tied = tied || segs[j].meeting != ""
	}
	if !tied {
		return nil, false
	}
	return segs, true
}

// cutUnmarked cuts a reply text where something other than the sender's answer shows
// through without quote marks: the invitation's own lines, a quoted message's date line, or
// an older message after the sender's closing and name.
func cutUnmarked(a *anchors, text string) string {
	lines := strings.Split(text, "\n")
	seen := false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if seen && a.meeting(t) != "" {
			return strings.TrimSpace(strings.Join(lines[:a.letterStart(lines, i)], "\n"))
		}
		if seen && dateTimeLineRe.MatchString(t) {
			return strings.TrimSpace(strings.Join(lines[:i], "\n"))
		}
		if seen && (closingRe.MatchString(t) || closingLeadRe.MatchString(t)) && olderMessageFollows(lines[i+1:]) {
			return strings.TrimSpace(strings.Join(lines[:i], "\n"))
		}
		seen = true
	}
	return text
}

// olderMessageFollows says whether, after a closing, the text goes on past the name and
// signature with another message: a blank line after the signature block, then more text.
func olderMessageFollows(rest []string) bool {
	blank := false
	for i, l := range rest {
		if i > 12 {
			return false
		}
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			blank = true
		case blank && i > 0:
			return true
		}
	}
	return false
}

// letterStart goes back from the invitation's first meeting line over the paragraphs of the
// letter above it: a paragraph that opens with the organiser's name ("KOMBIT inviterer dig").
func (a *anchors) letterStart(lines []string, at int) int {
	start := at
	org := strings.ToLower(a.c.Organiser.Name) + " "
	for i := at - 1; i > 0 && i >= at-6; i-- {
		t := strings.ToLower(strings.TrimSpace(lines[i]))
		if t == "" {
			continue
		}
		if len(org) > 1 && strings.HasPrefix(t, org) {
			start = i
		}
	}
	return start
}
