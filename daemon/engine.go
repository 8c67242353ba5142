// Package daemon is rsvpd's shell around the pure core: it reads stored replies and applies
// them (replies.Read, campaign.Apply), turns the state machine's effects and the scheduled
// jobs into outbox rows in the same transaction as their cause, renders those rows into
// messages, and runs the watcher, the sender and the scheduler together. The same Engine runs
// live, in `simulate` and in `demo`; only the clock and the mail servers differ.
package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// Clock is what the engine needs of time: the current instant (virtual in tests, simulate
// and the demo).
type Clock interface{ Now() time.Time }

// Engine applies answers and jobs to the store. It is safe for concurrent use: all state is in
// the store, changed in transactions.
type Engine struct {
	cfg     *config.Config
	c       *campaign.Campaign
	st      *store.Store
	signer  *campaign.Signer
	letters *letters.Letters
	clock   Clock
	log     *slog.Logger
	// kick is called after a transaction queued messages, to wake the sender; onChange after
	// an invitee's state or the review queue changed, to wake the scheduler and the notifier.
	kick     func()
	onChange func()
	// pdfSums holds the SHA-256 of the agreement PDF rendered for an outbox row (by row id)
	// until the row is sent and the sum logged.
	pdfSums sync.Map
	// composed holds what the letter of an outbox row says (store.SentLetter), by row id,
	// from its rendering until the row is sent and it is kept (sent.go).
	composed sync.Map
	// live holds what Reload replaces while the daemon runs; onRead is told what each
	// message read was (for metrics). Both in reload.go.
	live   liveSettings
	onRead func(class, intent string)
	// beforeApply, when set (by tests), is called in the transaction that applies a message,
	// before it is applied.
	beforeApply func(store.Inbound)
	// The addresses letters link to (web.go).
	webMu              sync.Mutex
	deskURL, answerURL string
	webSet             bool
	// The changed addresses were last read from the store at addrVersion (address.go).
	addrMu      sync.Mutex
	addrVersion int64
	addrRead    bool
}

// Options are the parts an Engine is built from.
type Options struct {
	Config  *config.Config
	Store   *store.Store
	Signer  *campaign.Signer
	Letters *letters.Letters
	Clock   Clock
	Log     *slog.Logger
}

// New builds an Engine. An invitee the store has no row for yet is in state new (Engine.state).
// It reads the addresses the staff changed into the campaign.
func New(o Options) (*Engine, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: o.Config, c: o.Config.Campaign, st: o.Store, signer: o.Signer, letters: o.Letters,
		clock: o.Clock, log: o.Log, kick: func() {}, onChange: func() {}}
	if err := e.syncAddresses(context.Background()); err != nil {
		return nil, err
	}
	return e, nil
}

// OnQueued sets the function called after messages were queued (the sender's Kick).
func (e *Engine) OnQueued(kick func()) { e.kick = kick }

// Campaign is the campaign the engine runs.
func (e *Engine) Campaign() *campaign.Campaign { return e.c }

// Store is the engine's store.
func (e *Engine) Store() *store.Store { return e.st }

// staffCode stands for the staff where an invitee code is expected (Message-IDs, keys, the
// outbox rows of the staff's letters).
const staffCode = "staff"

// StaffCode is the code the staff's letters are queued under in the outbox.
const StaffCode = staffCode

// organiserDomain is the domain of the campaign address.
func (e *Engine) organiserDomain() string {
	a := e.c.Organiser.Email
	return a[strings.LastIndexByte(a, '@')+1:]
}

// key builds an outbox key from its parts: kind/invitee/... .
func key(parts ...any) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, "/")
}
