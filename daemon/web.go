package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

// The parts of the engine the staff desk and the one-click answers use (package desk serves
// the pages): the addresses letters link to, the sign-in letter, the staff's own answers.

// SignInPath and AnswerPath are where the desk serves sign-in links and one-click answers.
const (
	SignInPath = "/signin/link/"
	AnswerPath = "/r/"
)

// SetWebURLs sets the addresses letters link to: desk is the staff desk (sign-in letters,
// review letters), answers the base of one-click answers in invitations ("" for none). By
// default they come from the configuration (web.public_url, else http.address for the desk).
func (e *Engine) SetWebURLs(desk, answers string) {
	e.webMu.Lock()
	defer e.webMu.Unlock()
	e.deskURL, e.answerURL, e.webSet = strings.TrimRight(desk, "/"), strings.TrimRight(answers, "/"), true
}

// web returns the one-click base and the desk's public address (both "" without one).
func (e *Engine) web() (answers, desk string) {
	e.webMu.Lock()
	defer e.webMu.Unlock()
	if e.webSet {
		return e.answerURL, e.deskURL
	}
	w := e.cfg.Web
	if !w.Desk || e.cfg.HTTP.Address == "" {
		return "", ""
	}
	return w.PublicURL, w.PublicURL
}

// DeskURL is the staff desk's address: the public one, or else the listener's own, which
// works on this machine (or through a tunnel); "" when the desk is off. Staff letters link
// to the desk only when it has a public address.
func (e *Engine) DeskURL() string {
	if _, d := e.web(); d != "" {
		return d
	}
	if !e.cfg.Web.Desk || e.cfg.HTTP.Address == "" {
		return ""
	}
	scheme := "http://"
	if e.cfg.Web.TLSCertFile != "" {
		scheme = "https://"
	}
	return scheme + e.cfg.HTTP.Address
}

// AnswerURL is the base of one-click answers ("" when they are off).
func (e *Engine) AnswerURL() string { a, _ := e.web(); return a }

// Signer is the campaign's signer of tokens and links.
func (e *Engine) Signer() *campaign.Signer { return e.signer }

// AnswerLinks are an invitee's one-click answers on base: one per meeting, then the decline,
// each valid until the deadline runs out.
func AnswerLinks(signer *campaign.Signer, c *campaign.Campaign, base, code string) []letters.AnswerLink {
	base = strings.TrimRight(base, "/")
	var out []letters.AnswerLink
	for _, m := range c.Meetings {
		out = append(out, letters.AnswerLink{Meeting: m, URL: base + AnswerPath + signer.AnswerLink(code, m.ID, c.DeadlineEnd())})
	}
	return append(out, letters.AnswerLink{Decline: true,
		URL: base + AnswerPath + signer.AnswerLink(code, campaign.ChoiceDecline, c.DeadlineEnd())})
}

// SendSignIn queues the letter with a sign-in link to the desk for a staff address. The
// caller has recorded the nonce (store.Tx.AddSignIn); next is the desk page to go to.
func (e *Engine) SendSignIn(ctx context.Context, staff, nonce string, until time.Time, next string) error {
	err := e.st.Tx(ctx, func(tx *store.Tx) error {
		q := queued{kind: letters.KindDeskSignIn, code: staffCode, recipient: staff, key: key(letters.KindDeskSignIn, nonce),
			params: Params{Nonce: nonce, Until: until, Next: next}}
		_, err := e.enqueue(tx, q, "desk:signin", e.clock.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("send sign-in link to %s: %w", staff, err)
	}
	e.kick()
	return nil
}

// signInLink is the link of a sign-in letter.
func (e *Engine) signInLink(staff, nonce string, until time.Time, next string) string {
	link := e.DeskURL() + SignInPath + e.signer.SignInLink(staff, nonce, until)
	if next != "" && next != "/" {
		link += "?next=" + url.QueryEscape(next)
	}
	return link
}

// ErrNoThread is returned for an answer to a review item that is about no invitee's message.
var ErrNoThread = errors.New("the item is about no message of an invitee to answer")

// ErrUndeliverable is returned for an answer to an invitee whose mail does not arrive, or to
// a bounce: it would go to the address that bounces. The address is changed first.
var ErrUndeliverable = errors.New("mail to the invitee's address does not arrive: change the address first")

var replyPrefix = regexp.MustCompile(`(?i)^\s*((re|sv|aw|vs|fw|fwd|antw)\s*:\s*)+`)

// AnswerReview sends a staff member's own answer to the invitee of a review item, through the
// outbox, in the thread of the message the item is about (In-Reply-To and References), to the
// invitee's registered address. It logs who wrote it. Nothing is written to an address that
// bounces (ErrUndeliverable).
func (e *Engine) AnswerReview(ctx context.Context, id int64, text, by string) error {
	err := e.st.Tx(ctx, func(tx *store.Tx) error {
		rv, err := tx.Review(id)
		if err != nil {
			return err
		}
		inv, ok := e.c.Invitee(rv.Invitee)
		if !ok || rv.Inbound == 0 {
			return ErrNoThread
		}
		st, err := e.state(tx, inv.Code)
		if err != nil {
			return err
		}
		if BounceItem(rv) || st.Delivery == campaign.DeliveryUndeliverable {
			return ErrUndeliverable
		}
		inv = e.addressed(inv, st)
		in, err := tx.Inbound(rv.Inbound)
		if err != nil {
			return err
		}
		r := replies.Read(in.Raw, replies.Options{}) // the envelope only
		now := e.clock.Now()
		refs := append(append([]string(nil), r.References...), r.MessageID)
		subject := strings.TrimSpace(replyPrefix.ReplaceAllString(r.Subject, ""))
		q := queued{kind: letters.KindStaffAnswer, code: inv.Code, recipient: inv.Email,
			key:    key(letters.KindStaffAnswer, inv.Code, id, now.UnixMilli()),
			params: Params{Text: text, Subject: subject, InReplyTo: strings.Trim(r.MessageID, "<>"), References: trimAll(refs)}}
		cause := fmt.Sprintf("staff:review/%d", id)
		if _, err := e.enqueue(tx, q, cause, now); err != nil {
			return err
		}
		return tx.Log(store.Event{At: now, Invitee: inv.Code, Kind: "staff_answer", Cause: cause,
			Detail: map[string]any{"review": id, "by": by, "key": q.key}})
	})
	if err != nil {
		return fmt.Errorf("answer review %d: %w", id, err)
	}
	e.kick()
	return nil
}

func trimAll(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.Trim(strings.TrimSpace(id), "<>"); id != "" {
			out = append(out, id)
		}
	}
	return out
}
