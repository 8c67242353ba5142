package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/mailer/letters"
	"github.com/rsvpd/rsvpd/replies"
	"github.com/rsvpd/rsvpd/store"
)

func runReview(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "resolve" {
		return runReviewResolve(ctx, args[1:], stdout, stderr)
	}
	fs := newFlags("review", "--config FILE [--all] [--limit N] [--after ID] | resolve ID ...",
		"List the open review items, a page at a time, oldest first; `rsvpd review resolve -h` tells how to close one.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	all := fs.Bool("all", false, "list resolved items too")
	limit := fs.Int("limit", 100, "list at most `N` items (0: all of them)")
	after := fs.Int64("after", 0, "list the items after this `ID` (the next page, as the last page says)")
	if st, ok := parseFlags(fs, args); !ok {
		return st
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 2
	}
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	defer st.Close()
	reasons := letters.MustReasons(cfg.Campaign)
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	var more bool
	var last int64
	err = st.View(ctx, func(tx *store.Tx) error {
		items, follow, err := tx.ReviewsPage(!*all, *after, *limit)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			fmt.Fprintln(stdout, "No open review items.")
			return nil
		}
		more, last = follow, items[len(items)-1].ID
		fmt.Fprintln(tw, "ID\tOPENED\tINVITEE\tFROM\tSUBJECT\tREASON\tRESOLUTION")
		for _, rv := range items {
			from, subject := "-", "-"
			if rv.Inbound != 0 {
				from, subject = senderOf(tx, rv.Inbound)
			}
			name := rv.Invitee
			if inv, ok := cfg.Campaign.Invitee(rv.Invitee); ok {
				name = inv.Code + " " + inv.Name
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", rv.ID, rv.CreatedAt.In(cfg.Campaign.Location).Format("2006-01-02 15:04"),
				dash(name), from, clip(subject, 40), reviewReason(reasons, cfg.Campaign.Language, rv), dash(rv.Resolution))
		}
		return nil
	})
	tw.Flush()
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		return 1
	}
	if more {
		fmt.Fprintf(stdout, "\nmore items follow: rsvpd review --after %d\n", last)
	}
	return 0
}

// senderOf is the sender and subject of a ledger message as it was read when it was applied
// (the stored reading); only a message never read is read again.
func senderOf(tx *store.Tx, id int64) (from, subject string) {
	in, err := tx.InboundMeta(id)
	if err != nil {
		return "-", "-"
	}
	var r replies.Reading
	if in.Reading == "" || json.Unmarshal([]byte(in.Reading), &r) != nil {
		full, err := tx.Inbound(id)
		if err != nil {
			return "-", "-"
		}
		r = replies.Read(full.Raw, replies.Options{})
	}
	return r.From, r.Subject
}

func runReviewResolve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("review resolve", "ID --config FILE (--accept | --attend MEETING [--headcount N] | --decline | --ignore)",
		"Close a review item: accept the answer it suggests, register the invitee, record a decline, or leave things as they are.", stderr)
	cfgPath := fs.String("config", "", "the campaign's configuration `file`")
	var d daemon.Decision
	fs.BoolVar(&d.Accept, "accept", false, "apply the answer the item suggests, as it was read")
	fs.StringVar(&d.Attend, "attend", "", "register the invitee for this `meeting` id")
	fs.IntVar(&d.Headcount, "headcount", 1, "with --attend: the number of people")
	fs.BoolVar(&d.Decline, "decline", false, "record that the invitee does not come")
	fs.BoolVar(&d.Ignore, "ignore", false, "close the item without changing anything")
	fs.StringVar(&d.Invitee, "invitee", "", "the invitee `code`, when the message matched none")
	fs.StringVar(&d.Note, "note", "", "a note kept with the resolution")
	id, rest, ok := leadingID(args)
	if st, ok := parseFlags(fs, rest); !ok {
		return st
	}
	if !ok && fs.NArg() > 0 {
		id, ok = parseID(fs.Arg(0))
	}
	if !ok {
		fmt.Fprintln(stderr, "rsvpd review resolve: give the review item's ID (see `rsvpd review`)")
		return 2
	}
	e, _, exit := openEngine(ctx, *cfgPath, stderr)
	if e == nil {
		return exit
	}
	defer e.Close()
	d.By = "shell"
	st, err := e.Resolve(ctx, id, d)
	if err != nil {
		fmt.Fprintf(stderr, "rsvpd: %v\n", err)
		if errors.Is(err, daemon.ErrBadDecision) {
			return 2
		}
		return 1
	}
	if d.Ignore {
		fmt.Fprintf(stdout, "review %d closed; nothing changed\n", id)
	} else {
		fmt.Fprintf(stdout, "review %d resolved: %s is now %s %s\n", id, st.Code, st.Status, st.Meeting)
	}
	return 0
}

// leadingID takes the ID when it comes before the flags ("resolve 7 --ignore").
func leadingID(args []string) (int64, []string, bool) {
	if len(args) > 0 {
		if id, ok := parseID(args[0]); ok {
			return id, args[1:], true
		}
	}
	return 0, args, false
}

func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// reviewReason is an item's reason in the campaign's language, with the answer it suggests.
func reviewReason(reasons *letters.Reasons, lang string, rv store.Review) string {
	text := strings.Join(strings.Fields(rv.Text), " ")
	if !rv.Why.IsZero() {
		text = reasons.Text(lang, rv.Why)
	}
	if a := rv.Suggestion; a != nil && rv.ResolvedAt.IsZero() {
		text += " [--accept: " + a.Intent
		if a.Meeting != "" {
			text += " " + a.Meeting
		}
		if a.Headcount > 0 {
			text += fmt.Sprintf(", %d", a.Headcount)
		}
		text += "]"
	}
	if daemon.BounceItem(rv) && rv.ResolvedAt.IsZero() {
		text += " [rsvpd address " + rv.Invitee + " NEW-ADDRESS]"
	}
	return text
}
