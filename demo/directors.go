package demo

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	netmail "net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/sandbox"
	"github.com/rsvpd/rsvpd/simulate"
	"github.com/rsvpd/rsvpd/store"
)

// directors are the simulated invitees. They run as one participant of the virtual clock:
// woken by each message the daemon delivers to an invitee, they read it from the invitee's
// mailbox and plan the answer the person would give; when its time comes they write it and
// submit it over SMTP to the address the message names (the tokened Reply-To, the calendar
// entry's organizer, or the envelope sender for automatic mail). From submitting an answer
// until the daemon's watcher has read it over IMAP and applied it, the virtual clock is held,
// so the daemon answers at the time the answer arrived, as it would live.
type directors struct {
	c       *campaign.Campaign
	people  map[string]*person
	seed    uint64
	v       *clock.Virtual
	sb      *sandbox.Server
	mail    *simulate.Mail
	signer  *campaign.Signer
	log     *slog.Logger
	handled *inboxWatch
	wake    clock.Signal

	mu      sync.Mutex
	arrived []store.Outgoing // delivered by the daemon, not yet read by the director

	// Only the participant's goroutine touches the rest.
	plan    actions
	written map[string]int    // messages written per invitee, for unique Message-IDs
	quotes  map[string]string // the text of each invitee's invitation, for quoting
	kinds   map[string]string // Message-ID of each answer -> what it is, for the .eml names
	client  *smtp.Client
	errs    []string // problems met, for the report
	// confirmAgreement is the staff confirming a returned agreement (the engine's); nil
	// leaves every agreement unchecked.
	confirmAgreement func(ctx context.Context, code string) error
}

func newDirectors(c *campaign.Campaign, seed uint64, v *clock.Virtual, sb *sandbox.Server, signer *campaign.Signer,
	handled *inboxWatch, log *slog.Logger) *directors {
	d := &directors{c: c, people: cast(c, seed), seed: seed, v: v, sb: sb, signer: signer, log: log,
		handled: handled, wake: v.NewSignal(), written: map[string]int{}, quotes: map[string]string{},
		kinds: map[string]string{}}
	d.mail = simulate.NewMail(c, signer, func(inv campaign.Invitee) string { return d.quotes[inv.Code] })
	return d
}

// delivered is the sender's news that a message reached its recipient's mailbox (called in
// the transaction that marks the row sent, while the message still holds the clock).
func (d *directors) delivered(row store.Outgoing) {
	if _, ok := d.people[row.Invitee]; !ok {
		return // the staff's mail: nobody simulated reads it
	}
	d.mu.Lock()
	d.arrived = append(d.arrived, row)
	d.mu.Unlock()
	d.wake.Notify()
}

// run is the participant: it reads what arrived, answers what is due, and waits for the next
// answer's time or the next delivery.
func (d *directors) run(ctx context.Context) {
	defer func() {
		if d.client != nil {
			d.client.Close()
		}
	}()
	for {
		d.mu.Lock()
		arrived := d.arrived
		d.arrived = nil
		d.mu.Unlock()
		for _, row := range arrived {
			d.read(row)
		}
		now := d.v.Now()
		for len(d.plan) > 0 && !d.plan[0].at.After(now) {
			a := heap.Pop(&d.plan).(*action)
			if err := d.send(ctx, a); err != nil {
				if ctx.Err() != nil {
					return
				}
				d.fail(err)
			}
		}
		var next time.Time
		if len(d.plan) > 0 {
			next = d.plan[0].at
		}
		if err := d.v.Wait(ctx, next, d.wake); err != nil {
			return
		}
	}
}

// action is one message a director will send.
type action struct {
	at    time.Time
	code  string
	cause string // the key of the message it reacts to, and a number: a total order
	kind  string // reply, calendar, out-of-office, bounce
	text  string
	// meeting and partstat for a calendar answer; away for an out-of-office.
	meeting, partstat string
	away              time.Time
	to                string // the address the answer goes to
	// re is the letter a reply answers when it is not the invitation (the agreement letter,
	// a request for the PDF), file what it attaches (the signed agreement).
	re   simulate.Letter
	file simulate.File
}

// actions is a heap ordered by time, then invitee, then cause: the same order on every run.
type actions []*action

func (h actions) Len() int { return len(h) }
func (h actions) Less(i, j int) bool {
	a, b := h[i], h[j]
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	if a.code != b.code {
		return a.code < b.code
	}
	return a.cause < b.cause
}
func (h actions) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *actions) Push(x any)   { *h = append(*h, x.(*action)) }
func (h *actions) Pop() any {
	old := *h
	a := old[len(old)-1]
	*h = old[:len(old)-1]
	return a
}

// read opens a delivered message in the invitee's mailbox and plans the answer to it.
func (d *directors) read(row store.Outgoing) {
	p := d.people[row.Invitee]
	env, err := d.open(row)
	if err != nil {
		d.fail(err)
		return
	}
	now := d.v.Now()
	replyTo := addressOf(env.GetHeader("Reply-To"))
	if want := d.signer.ReplyAddress(d.c.Organiser.Email, p.inv.Code); replyTo != want {
		// The answer still goes where the message says, as a mail program would send it; the
		// demo reports that the daemon's letter lacks the invitee's tokened reply address.
		d.fail(fmt.Errorf("%s to %s has Reply-To %q, not the invitee's tokened address %s", row.Key, row.Recipient, replyTo, want))
	}
	if row.Kind == string(letters.KindInvitation) {
		d.quotes[p.inv.Code] = env.Text
	}
	r := rng(d.seed, p.inv.Code, row.Key)
	loc := d.c.Location
	n := 0
	add := func(a *action) {
		if a == nil {
			return
		}
		n++
		a.code, a.cause = p.inv.Code, fmt.Sprintf("%s#%d", row.Key, n)
		if a.to == "" {
			a.to = replyTo
		}
		// People act at any moment of a minute, and so do the directors: an answer at the
		// very instant of one of the daemon's timers (a job on the minute, the review batch
		// a quarter after an earlier answer) would race it, since the virtual clock wakes
		// waits due at one instant in the order they were registered, and a seed would no
		// longer give one campaign.
		a.at = a.at.Add(time.Duration(1+r.IntN(59_999)) * time.Millisecond)
		heap.Push(&d.plan, a)
	}
	switch letters.Kind(row.Kind) {
	case letters.KindInvitation:
		switch p.answer {
		case bounces:
			add(&action{at: now.Add(time.Duration(1+r.IntN(4)) * time.Minute), kind: "bounce", to: d.c.Organiser.Email})
			return
		case awayThenAtt:
			add(&action{at: now.Add(time.Duration(20+r.IntN(90)) * time.Second).Truncate(time.Second), kind: "out-of-office",
				away: p.awayUntil, to: d.c.Organiser.Email})
			add(d.answer(p, r, readingDelay(r, p.awayUntil, loc, 5)))
			return
		case asks:
			// A question is an answer the staff must take up, so no nudge follows it: the
			// person registers on their own a few days later.
			asked := readingDelay(r, now, loc, 8)
			add(&action{at: asked, kind: "reply", text: questionText(r, p.inv)})
			add(d.answer(p, r, readingDelay(r, asked.Add(time.Duration(2+r.IntN(4))*24*time.Hour), loc, 4)))
			return
		}
		if p.stage == 0 {
			add(d.answer(p, r, readingDelay(r, now, loc, 10)))
		}
	case letters.KindNudgeUnanswered:
		if seqOf(row.Key)+1 == p.stage {
			add(d.answer(p, r, readingDelay(r, now, loc, 6)))
		}
	case letters.KindConfirmation:
		if a := d.changeOfMind(p, r, now); a != nil {
			add(a)
		}
	case letters.KindAgreement, letters.KindNudgeAgreement, letters.KindAgreementPDFNeeded, letters.KindAgreementReceipt:
		add(d.agreementAction(p, row, env, r, now))
	}
}

// answer is the person's answer to the invitation.
func (d *directors) answer(p *person, r *rand.Rand, at time.Time) *action {
	m, _ := d.c.Meeting(p.meeting)
	switch p.answer {
	case attendCal:
		return &action{at: at, kind: "calendar", meeting: m.ID, partstat: "ACCEPTED",
			to: d.signer.ReplyAddress(d.c.Organiser.Email, p.inv.Code)}
	case decline:
		return &action{at: at, kind: "reply", text: declineText(r)}
	case silent, bounces:
		return nil
	}
	return &action{at: at, kind: "reply", text: attendText(r, m.City, p.headcount)}
}

// changeOfMind plans the one change a person makes after the first confirmation, a few days
// later and at least a day before the meeting; a change that would come too late is dropped.
func (d *directors) changeOfMind(p *person, r *rand.Rand, now time.Time) *action {
	if p.mind == steady {
		return nil
	}
	kind := p.mind
	p.mind = steady // once: the confirmation of the change must not trigger another
	m, _ := d.c.Meeting(p.meeting)
	at := readingDelay(r, now.Add(time.Duration(2+r.IntN(6))*24*time.Hour), d.c.Location, 6)
	if !at.Before(m.Start.Add(-24 * time.Hour)) {
		return nil
	}
	switch kind {
	case cancels:
		p.agreement = -1
		return &action{at: at, kind: "reply", text: fmt.Sprintf(cancelPhrase, m.City)}
	case fewer:
		return &action{at: at, kind: "reply", text: fmt.Sprintf(fewerPhrase, m.City)}
	}
	for _, k := range r.Perm(len(d.c.Meetings)) {
		to := d.c.Meetings[k]
		if to.ID != m.ID && to.Start.After(at.Add(24*time.Hour)) {
			p.meeting = to.ID
			return &action{at: at, kind: "reply", text: fmt.Sprintf(switchPhrase, m.City, to.City)}
		}
	}
	return nil
}

// fail records a problem of the simulation: the demo goes on and reports it at the end.
func (d *directors) fail(err error) {
	d.errs = append(d.errs, err.Error())
	d.log.Error("demo: simulated directors", "err", err)
}

// seqOf is the trailing number of a job key ("nudge_unanswered/101/1" -> 1).
func seqOf(key string) int {
	n := 0
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		fmt.Sscan(key[i+1:], &n)
	}
	return n
}

// open finds a delivered message in the recipient's mailbox by its Message-ID.
func (d *directors) open(row store.Outgoing) (*enmime.Envelope, error) {
	want := strings.Trim(row.MessageID, "<>")
	for _, raw := range d.sb.Messages(row.Recipient) {
		if !bytes.Contains(raw, []byte(want)) {
			continue
		}
		env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("read %s in the mailbox of %s: %w", row.Key, row.Recipient, err)
		}
		if strings.Trim(env.GetHeader("Message-Id"), "<> ") == want {
			return env, nil
		}
	}
	return nil, fmt.Errorf("%s (%s) is not in the mailbox of %s", row.Key, want, row.Recipient)
}

func addressOf(h string) string {
	a, err := netmail.ParseAddress(h)
	if err != nil {
		return ""
	}
	return strings.ToLower(a.Address)
}

// send writes the answer and submits it over SMTP. The clock stays held until the daemon has
// read and applied it.
func (d *directors) send(ctx context.Context, a *action) error {
	if a == nil {
		return nil
	}
	if a.kind == "confirm" {
		return d.confirm(ctx, a.code)
	}
	p := d.people[a.code]
	d.written[a.code]++
	n := d.written[a.code]
	var raw []byte
	from := p.inv.Email
	switch a.kind {
	case "bounce":
		raw, from = d.mail.Bounce(p.inv, a.at, n), ""
	case "out-of-office":
		raw = d.mail.OutOfOffice(p.inv, a.away, a.at, n)
	case "calendar":
		raw = d.mail.CalendarReply(p.inv, a.meeting, a.partstat, a.at, n)
	case "reply":
		if a.re.MessageID != "" {
			raw = d.mail.Answer(p.inv, a.re, a.text, a.at, n, a.file)
			break
		}
		fallthrough
	default:
		raw = d.mail.Reply(p.inv, "", a.text, a.at, n)
	}
	if a.to == "" {
		return fmt.Errorf("answer of %s (%s): the message it answers names no reply address", a.code, a.kind)
	}
	if id := messageID(raw); id != "" {
		d.kinds[id] = a.kind
		if a.file.Data != nil {
			d.kinds[id] = "signed-agreement"
		}
	}
	release := d.v.Hold()
	if err := d.submit(from, a.to, raw); err != nil {
		release()
		return fmt.Errorf("submit the %s of %s to %s: %w", a.kind, a.code, a.to, err)
	}
	d.handled.await(d.sb.Accepted(d.c.Organiser.Email), release)
	return nil
}

// submit hands one message to the sandbox's SMTP server, over one connection kept open.
func (d *directors) submit(from, to string, raw []byte) error {
	for attempt := 0; ; attempt++ {
		if d.client == nil {
			c, err := smtp.Dial(d.sb.SMTPAddr())
			if err != nil {
				return err
			}
			d.client = c
		}
		err := d.client.SendMail(from, []string{to}, bytes.NewReader(raw))
		if err == nil {
			return nil
		}
		d.client.Close()
		d.client = nil
		if attempt > 0 {
			return err
		}
	}
}

func messageID(raw []byte) string {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	return strings.Trim(m.Header.Get("Message-Id"), "<> ")
}
