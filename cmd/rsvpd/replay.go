package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := newFlags("replay", "--config FILE [--since DATE] [--apply]",
		"Read every stored reply again with the current rules and print where the reading differs from the one "+
			"applied, changing nothing. --apply opens a review item for each difference, for the staff to decide.", stderr)
	cfgPath := flags.String("config", "", "the campaign's configuration `file`")
	sinceArg := flags.String("since", "", "only messages received on or after this `date` (2012-02-07, or RFC 3339)")
	apply := flags.Bool("apply", false, "open a review item for each difference (never changes an answer directly)")
	if st, ok := parseFlags(flags, args); !ok {
		return st
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	since, err := parseSince(*sinceArg, cfg.Campaign.Location)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd replay: --since: %v\n", err)
		return 2
	}
	if _, err := os.Stat(cfg.Store.Path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stdout, "No store at %s yet: no replies to read again.\n", cfg.Store.Path)
		return 0
	}
	diffs, read, err := replay(ctx, cfg, since)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	for _, d := range diffs {
		d.print(stdout, cfg.Campaign.Location)
	}
	fmt.Fprintf(stdout, "Read %d stored replies again: %d read differently now.\n", read, len(diffs))
	if !*apply || len(diffs) == 0 {
		if len(diffs) > 0 {
			fmt.Fprintln(stdout, "Nothing was changed; --apply opens a review item for each difference.")
		}
		return 0
	}
	opened, existed, err := openReviews(ctx, cfg, diffs)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Opened %d review items (%d were opened by an earlier replay); `rsvpd review` lists them.\n", opened, existed)
	return 0
}

func parseSince(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 2012-02-07 or a time like 2012-02-07T09:00:00+01:00", s)
}

// gist is what replay compares of a reading: what decides the answer applied, whether it
// was held for a person, and the reason's codes (not its quoted words, which only show it).
type gist struct {
	Class     string          `json:"class"`
	Intent    string          `json:"intent"`
	Meeting   string          `json:"meeting"`
	Headcount int             `json:"headcount"`
	Invitee   string          `json:"invitee"`
	Held      bool            `json:"held"`
	Why       campaign.Reason `json:"why"`
}

// same reports whether two gists read alike. A reading stored before readings carried their
// reason as data is compared without it.
func (g gist) same(o gist) bool {
	if g.Why.IsZero() || o.Why.IsZero() {
		g.Why, o.Why = campaign.Reason{}, campaign.Reason{}
	}
	return g.Class == o.Class && g.Intent == o.Intent && g.Meeting == o.Meeting && g.Headcount == o.Headcount &&
		g.Invitee == o.Invitee && g.Held == o.Held && codes(g.Why) == codes(o.Why)
}

// codes lists a reason's code and its notes' codes: "read_attends+note_also_asks".
func codes(r campaign.Reason) string {
	s := string(r.Code)
	for _, n := range r.Notes {
		s += "+" + string(n.Code)
	}
	return s
}

func (g gist) String() string {
	parts := []string{g.Class}
	if g.Intent != "" {
		parts = append(parts, g.Intent)
	}
	if g.Meeting != "" {
		parts = append(parts, g.Meeting)
	}
	if g.Headcount > 0 && g.Intent == string(replies.IntentAttend) {
		parts = append(parts, fmt.Sprintf("%d %s", g.Headcount, map[bool]string{true: "person", false: "people"}[g.Headcount == 1]))
	}
	if g.Invitee != "" {
		parts = append(parts, "for "+g.Invitee)
	} else {
		parts = append(parts, "for no invitee")
	}
	if g.Held {
		parts = append(parts, "held")
	}
	return strings.Join(parts, " ")
}

// describe writes both readings of a difference; the reasons' codes only when they are all
// that differs.
func (d difference) describe() (was, now string) {
	was, now = d.was.String(), d.now.String()
	if was == now {
		was += " (" + codes(d.was.Why) + ")"
		now += " (" + codes(d.now.Why) + ")"
	}
	return was, now
}

func gistOf(r replies.Reading) gist {
	g := gist{Class: string(r.Class)}
	if r.Answer != nil {
		g.Intent, g.Meeting, g.Headcount, g.Invitee = string(r.Answer.Intent), r.Answer.Meeting, r.Answer.Headcount, r.Answer.Invitee
		g.Held, g.Why = r.Answer.Held, r.Answer.Why
	}
	return g
}

// difference is one stored reply whose reading changed.
type difference struct {
	in       store.Inbound
	from     string
	subject  string
	was, now gist
}

func (d difference) reason() campaign.Reason {
	was, now := d.describe()
	return campaign.Reason{Code: campaign.ReasonReplayDiffers, Detail: was, Quote: now}
}

func (d difference) print(w io.Writer, loc *time.Location) {
	was, now := d.describe()
	fmt.Fprintf(w, "inbound %d  %s  from %s  %q\n  was: %s\n  now: %s\n", d.in.ID,
		d.in.ReceivedAt.In(loc).Format("2006-01-02 15:04"), d.from, d.subject, was, now)
}

// invitee is who a review item about the difference concerns: the invitee the reply was
// applied to, else the one it would be now.
func (d difference) invitee() string {
	if d.was.Invitee != "" {
		return d.was.Invitee
	}
	return d.now.Invitee
}

// replay reads every applied or failed ledger row received since `since` with the current
// rules (as daemon.HandleInbound reads it) and returns those whose reading differs from the
// stored one, and how many rows it read. It changes nothing.
func replay(ctx context.Context, cfg *config.Config, since time.Time) ([]difference, int, error) {
	signer, err := cfg.ReadSigner()
	if err != nil {
		return nil, 0, err
	}
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return nil, 0, err
	}
	defer st.Close()
	rows, err := st.InboundSince(ctx, since)
	if err != nil {
		return nil, 0, err
	}
	var diffs []difference
	read := 0
	for _, in := range rows {
		if err := ctx.Err(); err != nil {
			return nil, read, err
		}
		if in.Status != store.InboundApplied && in.Status != store.InboundHeld && in.Status != store.InboundFailed {
			continue // not read yet, a second copy, or our own mail: nothing was applied
		}
		var was gist
		if err := json.Unmarshal([]byte(in.Reading), &was); err != nil {
			return nil, read, fmt.Errorf("replay inbound %d: stored reading: %w", in.ID, err)
		}
		r := replies.Read(in.Raw, replies.Options{Campaign: cfg.Campaign, Signer: signer, AuthServID: cfg.Mail.IMAP.AuthServID})
		read++
		if now := gistOf(r); !now.same(was) {
			diffs = append(diffs, difference{in: in, from: r.From, subject: r.Subject, was: was, now: now})
		}
	}
	return diffs, read, nil
}

// openReviews opens a review item for each difference, unless a replay opened the same one
// before, open or resolved since; the daemon notifies the staff of them as of any other item.
func openReviews(ctx context.Context, cfg *config.Config, diffs []difference) (opened, existed int, err error) {
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	now := time.Now()
	err = st.Tx(ctx, func(tx *store.Tx) error {
		for _, d := range diffs {
			// The items about the message, resolved ones too: an item the staff has decided is
			// not opened again. Those of other messages are not read.
			items, err := tx.ReviewsOfInbound(d.in.ID)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(items, func(it store.Review) bool { return fmt.Sprint(it.Why) == fmt.Sprint(d.reason()) }) {
				existed++
				continue
			}
			code := d.invitee()
			if _, ok := cfg.Campaign.Invitee(code); !ok {
				code = ""
			}
			id, err := tx.AddReview(store.Review{Inbound: d.in.ID, Invitee: code, Why: d.reason(), CreatedAt: now})
			if err != nil {
				return err
			}
			if err := tx.Log(store.Event{At: now, Invitee: code, Kind: "review", Cause: fmt.Sprintf("replay:inbound/%d", d.in.ID),
				Detail: map[string]any{"review": id, "reason": d.reason()}}); err != nil {
				return err
			}
			opened++
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("replay: open review items: %w", err)
	}
	return opened, existed, nil
}
