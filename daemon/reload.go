package daemon

// Reloading on SIGHUP. A running daemon can take new letters (templates), a new review batch
// interval and a new daily cap of automatic answers without a restart; everything else (the
// campaign, the mail servers, the store, the secret, the HTTP address) is built into loops
// that are already running, so a change there is reported as needing a restart and ignored.

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/letters"
)

// liveSettings are the settings Reload replaces while the loops read them.
type liveSettings struct {
	mu            sync.RWMutex
	reloaded      bool // until the first Reload the engine's own fields hold
	letters       *letters.Letters
	reviewBatch   time.Duration
	maxAutoPerDay int
}

// currentLetters are the letters to render with: those of the last Reload, else the engine's.
func (e *Engine) currentLetters() *letters.Letters {
	e.live.mu.RLock()
	defer e.live.mu.RUnlock()
	if e.live.reloaded {
		return e.live.letters
	}
	return e.letters
}

// reviewInterval is the shortest time between two review notifications.
func (e *Engine) reviewInterval() time.Duration {
	e.live.mu.RLock()
	defer e.live.mu.RUnlock()
	if e.live.reloaded {
		return e.live.reviewBatch
	}
	return e.c.Schedule.ReviewBatch
}

// autoAnswerCap is the most automatic answers one address gets a day.
func (e *Engine) autoAnswerCap() int {
	e.live.mu.RLock()
	defer e.live.mu.RUnlock()
	if e.live.reloaded {
		return e.live.maxAutoPerDay
	}
	return e.cfg.Mail.MaxAutoPerDay
}

// OnRead sets the function told the class and intent ("" when the reading has no answer) of
// every message HandleInbound reads and records, after its transaction committed.
func (e *Engine) OnRead(fn func(class, intent string)) { e.onRead = fn }

// Reload takes what can change while the daemon runs from a newly loaded configuration: the
// letters (parsed again from cfg's template folder, for the running campaign), the review
// batch interval and the daily cap of automatic answers. reloaded says what was taken (the
// letters always, since their files may have changed), needsRestart names the parts of cfg
// that differ from the running configuration but cannot change without a restart. When the
// letters cannot be parsed, nothing changes and the error says why.
func (e *Engine) Reload(cfg *config.Config) (reloaded, needsRestart []string, err error) {
	l, err := letters.New(e.c, cfg.Path(cfg.Templates))
	if err != nil {
		return nil, nil, fmt.Errorf("reload: letters: %w", err)
	}
	batch, maxAuto := e.reviewInterval(), e.autoAnswerCap()
	templates := "templates (embedded)"
	if cfg.Templates != "" {
		templates = "templates from " + cfg.Path(cfg.Templates)
	}
	reloaded = append(reloaded, templates)
	if nb := cfg.Campaign.Schedule.ReviewBatch; nb != batch {
		reloaded = append(reloaded, fmt.Sprintf("schedule.review_batch %s -> %s", batch, nb))
	}
	if nm := cfg.Mail.MaxAutoPerDay; nm != maxAuto {
		reloaded = append(reloaded, fmt.Sprintf("mail.max_auto_per_day %d -> %d", maxAuto, nm))
	}
	old, now := restartSections(e.cfg), restartSections(cfg)
	for i := range old {
		if !sameJSON(old[i].v, now[i].v) {
			needsRestart = append(needsRestart, old[i].name)
		}
	}
	e.live.mu.Lock()
	e.live.reloaded = true
	e.live.letters = l
	e.live.reviewBatch = cfg.Campaign.Schedule.ReviewBatch
	e.live.maxAutoPerDay = cfg.Mail.MaxAutoPerDay
	e.live.mu.Unlock()
	e.onChange() // the review loop waits by the old interval
	return reloaded, needsRestart, nil
}

type section struct {
	name string
	v    any
}

// restartSections are the parts of a configuration a running daemon cannot take, named as
// in the file. The settings Reload takes are left out; the log settings belong to the command.
func restartSections(cfg *config.Config) []section {
	c := cfg.Campaign
	sched := c.Schedule
	sched.ReviewBatch = 0
	m := cfg.Mail
	return []section{
		{"campaign", []any{c.Name, c.Language, c.Location.String(), c.Deadline, c.GoAhead}},
		{"organiser", c.Organiser},
		{"meetings", c.Meetings},
		{"agenda", c.Agenda},
		{"companions", c.Companions},
		{"invitees", c.Invitees},
		{"price", c.Price},
		{"agreement", c.Agreement},
		{"schedule", sched},
		{"mail.smtp", m.SMTP},
		{"mail.imap", m.IMAP},
		{"mail.inbox", []string{m.Inbox, m.Processed}},
		{"mail.concurrency", m.Concurrency},
		{"mail.rate", m.Rate},
		{"mail.retry_for", m.RetryFor},
		{"mail.poll", m.Poll},
		{"store", cfg.Store},
		{"secret", cfg.Secret},
		{"http", cfg.HTTP},
	}
}

// sameJSON compares two values by their JSON form, which writes times with their offset
// rather than comparing *time.Location pointers.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
