package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/config"
	"github.com/rsvpd/rsvpd/daemon"
	"github.com/rsvpd/rsvpd/store"
)

type fixedNow struct{ t time.Time }

func (c fixedNow) Now() time.Time { return c.t }

// exampleIn copies the example campaign into dir (its store goes to dir/data) and returns
// the config's path.
func exampleIn(t *testing.T, dir string) string {
	t.Helper()
	for _, name := range []string{"config.example.yaml", "municipalities-2012.csv"} {
		data, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "config.example.yaml")
}

func rawReply(from, to, msgID, body string) []byte {
	return []byte(strings.ReplaceAll(fmt.Sprintf("From: %s\nTo: %s\nSubject: SV: Dialogmøde\nMessage-ID: <%s>\n"+
		"Date: Tue, 7 Feb 2012 10:00:00 +0100\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"+
		"Content-Transfer-Encoding: 8bit\n\n%s\n", from, to, msgID, body), "\n", "\r\n"))
}

// seedReplies applies three replies through the daemon as the watcher would, and returns
// their ledger ids.
func seedReplies(t *testing.T, cfg *config.Config) []int64 {
	t.Helper()
	ctx := context.Background()
	e, err := daemon.Open(ctx, cfg, fixedNow{time.Date(2012, 2, 7, 10, 0, 0, 0, cfg.Campaign.Location)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	signer, err := cfg.Signer()
	if err != nil {
		t.Fatal(err)
	}
	msgs := [][]byte{
		rawReply("bibliotekschef@horsens.kommune.test", signer.ReplyAddress("dialogmoeder@kombit.test", "615"),
			"r1@horsens.test", "Vi kommer til Vejle, 2 personer."),
		rawReply("bibliotekschef@aarhus.kommune.test", signer.ReplyAddress("dialogmoeder@kombit.test", "751"),
			"r2@aarhus.test", "Vi kan desværre ikke komme."),
		rawReply("someone@elsewhere.test", "dialogmoeder@kombit.test", "r3@elsewhere.test", "Hvad koster det?"),
	}
	var ids []int64
	for i, raw := range msgs {
		id, _, err := e.Store().AddInbound(ctx, store.Inbound{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), Raw: raw,
			ReceivedAt: time.Date(2012, 2, 7, 9, i, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.HandleInbound(ctx, id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// setReading stands in for an older rule set: it rewrites part of a stored reading.
func setReading(t *testing.T, path string, id int64, from, to string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var reading string
	if err := db.QueryRow(`SELECT reading FROM inbound WHERE id = ?`, id).Scan(&reading); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reading, from) {
		t.Fatalf("the reading of inbound %d lacks %s: %s", id, from, reading)
	}
	if _, err := db.Exec(`UPDATE inbound SET reading = ? WHERE id = ?`, strings.Replace(reading, from, to, 1), id); err != nil {
		t.Fatal(err)
	}
}

// snapshot is what replay must not change without --apply, and may change only by review
// items with it: the states, the outbox and the reviews.
func snapshot(t *testing.T, path string) (states []campaign.State, outbox []store.Outgoing, reviews []store.Review) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		if states, err = tx.States(); err != nil {
			return err
		}
		if outbox, err = tx.OutboxRows(store.OutboxFilter{}); err != nil {
			return err
		}
		reviews, err = tx.Reviews(false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return states, outbox, reviews
}

func TestReplayShowsWhatReadsDifferentlyAndChangesNothing(t *testing.T) {
	t.Setenv("RSVPD_SECRET", "replay test secret")
	dir := t.TempDir()
	cfgPath := exampleIn(t, dir)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ids := seedReplies(t, cfg)
	db := cfg.Store.Path
	// Rules that read the first reply as Aalborg for one, and the second as a yes.
	setReading(t, db, ids[0], `"meeting":"vejle","headcount":2`, `"meeting":"aalborg","headcount":1`)
	setReading(t, db, ids[1], `"intent":"decline"`, `"intent":"attend"`)
	states, outbox, reviews := snapshot(t, db)

	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := dispatch(context.Background(), append([]string{"replay", "--config", cfgPath}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := run()
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		fmt.Sprintf("inbound %d  2012-02-07 10:00  from bibliotekschef@horsens.kommune.test", ids[0]),
		"  was: human attend aalborg 1 person for 615\n  now: human attend vejle 2 people for 615\n",
		fmt.Sprintf("inbound %d  2012-02-07 10:01  from bibliotekschef@aarhus.kommune.test", ids[1]),
		"  was: human attend for 751\n  now: human decline for 751\n",
		"Read 3 stored replies again: 2 read differently now.",
		"Nothing was changed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, fmt.Sprintf("inbound %d ", ids[2])) {
		t.Errorf("the unchanged reply is listed:\n%s", out)
	}
	s2, o2, r2 := snapshot(t, db)
	if fmt.Sprint(s2) != fmt.Sprint(states) || len(o2) != len(outbox) || len(r2) != len(reviews) {
		t.Errorf("replay without --apply changed the store: %d->%d outbox rows, %d->%d reviews", len(outbox), len(o2), len(reviews), len(r2))
	}

	code, out, errOut = run("--apply")
	if code != 0 || !strings.Contains(out, "Opened 2 review items (0 were opened by an earlier replay)") {
		t.Fatalf("--apply: exit %d\n%s%s", code, out, errOut)
	}
	s3, o3, r3 := snapshot(t, db)
	if fmt.Sprint(s3) != fmt.Sprint(states) || len(o3) != len(outbox) {
		t.Errorf("--apply changed an invitee's state or queued mail")
	}
	added := r3[len(reviews):]
	if len(added) != 2 || added[0].Invitee != "615" || added[0].Inbound != ids[0] ||
		added[0].Why.Code != campaign.ReasonReplayDiffers || added[0].Why.Detail != "human attend aalborg 1 person for 615" ||
		added[0].Why.Quote != "human attend vejle 2 people for 615" ||
		added[1].Invitee != "751" || added[1].Why.Detail != "human attend for 751" || added[1].Why.Quote != "human decline for 751" {
		t.Errorf("review items opened: %+v", added)
	}
	// A second --apply opens nothing new, not even again for the item the staff has settled.
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Tx(context.Background(), func(tx *store.Tx) error { return tx.ResolveReview(added[0].ID, "ignored", time.Now()) })
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, out, _ = run("--apply"); !strings.Contains(out, "Opened 0 review items (2 were opened by an earlier replay)") {
		t.Errorf("second --apply:\n%s", out)
	}
	// --since after the replies: nothing to read.
	if _, out, _ = run("--since", "2012-02-08"); !strings.Contains(out, "Read 0 stored replies again: 0 read differently now.") {
		t.Errorf("--since 2012-02-08:\n%s", out)
	}
	if _, out, _ = run("--since", "2012-02-07T09:01:00Z"); !strings.Contains(out, "Read 2 stored replies again: 1 read differently now.") {
		t.Errorf("--since 09:01 UTC:\n%s", out)
	}
	if code, _, errOut = run("--since", "yesterday"); code != 2 || !strings.Contains(errOut, `"yesterday" is not a date`) {
		t.Errorf("--since yesterday: exit %d %s", code, errOut)
	}
}
