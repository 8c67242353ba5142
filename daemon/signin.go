package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/auth"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/store"
)

// eventSignIn is the event of a server's sign-in failing ("failed", with the reason) or
// working again ("restored").
const eventSignIn = "sign_in"

// signInWatch follows the sign-in of the sender ("SMTP") and the watcher ("IMAP") and tells
// the staff of an outage, once. An outage begins with a failure that waiting will not mend
// (no token: revoked, never signed in, a wrong secret; or the server refusing the sign-in
// twice in a row) while no server's sign-in is down; it lasts until every server that failed
// works again. Each server's failure and return are written in the event log, which is what
// the staff's letter is composed from when it is sent, and what keeps a restart during an
// outage from telling the staff again. The loops log the failure and the return themselves.
type signInWatch struct {
	e *Engine

	mu      sync.Mutex
	loaded  bool
	servers map[string]*serverSignIn
}

type serverSignIn struct {
	down     bool // its failure is in the event log, its return not yet
	refusals int  // the server's refusals in a row
}

func newSignInWatch(e *Engine) *signInWatch {
	return &signInWatch{e: e, servers: map[string]*serverSignIn{"SMTP": {}, "IMAP": {}}}
}

// report is the OnSignIn hook of one loop's server ("SMTP" or "IMAP").
func (w *signInWatch) report(server string) func(error) {
	return func(err error) { w.seen(server, err) }
}

// seen takes one attempt to sign in. It writes to the store only when the server's state
// changes; a write that fails is tried again at the next attempt.
func (w *signInWatch) seen(server string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if werr := w.load(ctx); werr != nil {
		w.e.log.Error("read the sign-in outages from the event log", "err", werr)
		return
	}
	st := w.servers[server]
	var refused *auth.RefusedError
	switch {
	case err == nil:
		st.refusals = 0
		if st.down {
			werr := w.e.st.Tx(ctx, func(tx *store.Tx) error {
				return tx.Log(store.Event{At: w.e.clock.Now(), Kind: eventSignIn, Cause: "sign_in:" + server,
					Detail: map[string]any{"server": server, "state": "restored"}})
			})
			if werr != nil {
				w.e.log.Error("record the end of a sign-in outage", "server", server, "err", werr)
				return
			}
			st.down = false
		}
	case errors.As(err, &refused):
		st.refusals++
		if st.refusals >= 2 && !st.down {
			w.failed(ctx, server, err)
		}
	default:
		var te *auth.TokenError
		if errors.As(err, &te) && te.Operator && !st.down {
			w.failed(ctx, server, err)
		}
	}
}

// failed writes the server's failure and, when it begins an outage, queues the staff's
// letter, in one transaction.
func (w *signInWatch) failed(ctx context.Context, server string, err error) {
	e := w.e
	open := false
	for _, st := range w.servers {
		open = open || st.down
	}
	why := signInReason(err, e.mailbox())
	now := e.clock.Now()
	werr := e.st.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.Log(store.Event{At: now, Kind: eventSignIn, Cause: "sign_in:" + server,
			Detail: map[string]any{"server": server, "state": "failed", "reason": why}}); err != nil {
			return err
		}
		if open {
			return nil // the letter about this outage is queued already and will tell of this server too
		}
		_, err := e.queueStaff(tx, letters.KindStaffSignIn, key(letters.KindStaffSignIn, now.UnixMilli()),
			e.c.Organiser.Staff, Params{Since: now}, "sign_in:"+server, now)
		return err
	})
	if werr != nil {
		e.log.Error("record a sign-in outage", "server", server, "err", werr)
		return
	}
	w.servers[server].down = true
	if !open {
		e.log.Info("told the staff that rsvpd cannot sign in", "server", server, "reason", why.Code)
		e.kick()
	}
}

// load reads, once, which servers' outages the event log holds open: a daemon restarted
// during an outage does not tell the staff again.
func (w *signInWatch) load(ctx context.Context) error {
	if w.loaded {
		return nil
	}
	err := w.e.st.Tx(ctx, func(tx *store.Tx) error {
		evs, err := tx.Events(store.EventFilter{Kind: eventSignIn})
		for _, ev := range evs {
			server, _ := ev.Detail["server"].(string)
			if st := w.servers[server]; st != nil {
				st.down = ev.Detail["state"] == "failed"
			}
		}
		return err
	})
	w.loaded = err == nil
	return err
}

// mailbox is the campaign mailbox rsvpd signs in to.
func (e *Engine) mailbox() string {
	imap := e.cfg.Mail.IMAP
	switch {
	case imap.Auth.OAuth2() && imap.Auth.User != "":
		return imap.Auth.User
	case imap.User != "":
		return imap.User
	}
	return e.c.Organiser.Email
}

// signInReason is the reason, as data, the staff are given for a sign-in that fails.
func signInReason(err error, mailbox string) campaign.Reason {
	code := campaign.ReasonSignInSetup
	switch auth.CauseOf(err) {
	case auth.CauseRevoked:
		code = campaign.ReasonSignInRevoked
	case auth.CauseNoSignIn:
		code = campaign.ReasonSignInMissing
	case auth.CauseClient:
		code = campaign.ReasonSignInClient
	case auth.CauseRefused:
		code = campaign.ReasonSignInRefused
	}
	return campaign.Reason{Code: code, Address: mailbox}
}

// signInLetter reads the outage that began at since from the event log: each server's
// failure, and its return when it came before the letter goes out.
func (e *Engine) signInLetter(tx *store.Tx, since time.Time) (*letters.SignInData, error) {
	evs, err := tx.Events(store.EventFilter{Kind: eventSignIn, Since: since})
	if err != nil {
		return nil, err
	}
	d := &letters.SignInData{Mailbox: e.mailbox()}
	open := map[string]int{} // server -> its entry in d.Servers
	for _, ev := range evs {
		server, _ := ev.Detail["server"].(string)
		i, isOpen := open[server]
		switch ev.Detail["state"] {
		case "failed":
			if isOpen {
				continue
			}
			why, err := reasonOf(ev.Detail["reason"])
			if err != nil {
				return nil, fmt.Errorf("sign-in event %d: %w", ev.ID, err)
			}
			open[server] = len(d.Servers)
			d.Servers = append(d.Servers, letters.SignInServer{Server: server, Since: ev.At, Why: why})
		case "restored":
			if isOpen {
				d.Servers[i].Until = ev.At
				delete(open, server)
			}
		}
		if len(open) == 0 && len(d.Servers) > 0 {
			break // the outage is over: later events belong to another
		}
	}
	if len(d.Servers) == 0 {
		return nil, fmt.Errorf("no sign-in failure in the event log since %s", since.Format(time.RFC3339))
	}
	return d, nil
}

// reasonOf reads a reason back from an event's detail.
func reasonOf(v any) (campaign.Reason, error) {
	var r campaign.Reason
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &r)
	}
	return r, err
}
