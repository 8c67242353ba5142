package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/store"
)

// `rsvpd review` lists the open items a page at a time and says how to ask for the next page
// while more follow, not after a last page that is just full.
func TestReviewPages(t *testing.T) {
	t.Setenv("RSVPD_SECRET", "rsvpd-test-secret")
	cfgPath := exampleConfigWith(t)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2012, 2, 7, 9, 0, 0, 0, time.UTC)
	err = st.Tx(ctx, func(tx *store.Tx) error {
		for i := range 5 {
			if _, err := tx.AddReview(store.Review{Invitee: "615", Text: fmt.Sprint("item ", i+1), CreatedAt: at}); err != nil {
				return err
			}
		}
		return tx.ResolveReview(3, "answered", at)
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args       []string
		ids, notes string
	}{
		{[]string{"--limit", "2"}, "1 2", "more items follow: rsvpd review --after 2"},
		{[]string{"--limit", "2", "--after", "2"}, "4 5", ""},
		{[]string{"--limit", "2", "--after", "5"}, "", "No open review items."},
		{[]string{"--limit", "2", "--all", "--after", "2"}, "3 4", "more items follow: rsvpd review --after 4"},
	} {
		var stdout, stderr bytes.Buffer
		if rc := runReview(ctx, append([]string{"--config", cfgPath}, c.args...), &stdout, &stderr); rc != 0 {
			t.Fatalf("review %v: exit %d: %s", c.args, rc, stderr.String())
		}
		var ids, notes []string
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			switch f := strings.Fields(line); {
			case len(f) == 0 || f[0] == "ID":
			case strings.Contains(line, "2012-02-07"):
				ids = append(ids, f[0])
			default:
				notes = append(notes, line)
			}
		}
		if got := strings.Join(ids, " "); got != c.ids || strings.Join(notes, "\n") != c.notes {
			t.Errorf("review %v: items %q and %q; want %q and %q\n%s", c.args, got, notes, c.ids, c.notes, stdout.String())
		}
	}
}
