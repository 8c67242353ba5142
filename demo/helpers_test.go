package demo

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"mime"
	netmail "net/mail"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"github.com/rsvpd/rsvpd/campaign"
	"github.com/rsvpd/rsvpd/clock"
	"github.com/rsvpd/rsvpd/store"
)

func readEML(t *testing.T, path string) *enmime.Envelope {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return env
}

// calendarParts returns the iCalendar objects of a message whose Content-Type and METHOD
// both say method, as a calendar program would act on them.
func calendarParts(env *enmime.Envelope, method string) []string {
	var out []string
	var walk func(p *enmime.Part)
	walk = func(p *enmime.Part) {
		for ; p != nil; p = p.NextSibling {
			// enmime leaves ContentTypeParams empty for these parts: read the header itself.
			_, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if p.ContentType == "text/calendar" && strings.EqualFold(params["method"], method) &&
				strings.Contains(string(p.Content), "\nMETHOD:"+method) {
				out = append(out, string(p.Content))
			}
			walk(p.FirstChild)
		}
	}
	walk(env.Root)
	return out
}

func entries(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func mailDate(raw []byte) (time.Time, error) {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return time.Time{}, err
	}
	return m.Header.Date()
}

// inStore runs read in a transaction on the store the demo left.
func inStore(t *testing.T, path string, read func(tx *store.Tx) error) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Tx(context.Background(), read); err != nil {
		t.Fatal(err)
	}
}

func storeStates(t *testing.T, path string) []campaign.State {
	t.Helper()
	var states []campaign.State
	inStore(t, path, func(tx *store.Tx) error {
		var err error
		states, err = tx.States()
		return err
	})
	return states
}

// outOfOffice lists the invitees whose out-of-office the daemon read, from the event log.
func outOfOffice(t *testing.T, path string) map[string]bool {
	t.Helper()
	away := map[string]bool{}
	inStore(t, path, func(tx *store.Tx) error {
		events, err := tx.Events(store.EventFilter{})
		for _, e := range events {
			if e.Detail["class"] == "auto_reply" {
				away[e.Invitee] = true
			}
		}
		return err
	})
	return away
}

// reviewReasons lists the distinct reasons of the review items in the store.
func reviewReasons(t *testing.T, path string) []store.Review {
	t.Helper()
	var items []store.Review
	inStore(t, path, func(tx *store.Tx) (err error) {
		items, err = tx.Reviews(false)
		return err
	})
	return items
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  first:  %q\n  second: %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(la), len(lb))
}

func newVirtualAt(t time.Time) *clock.Virtual { return clock.NewVirtual(t) }

func readFS(src configSource, name string) ([]byte, error) { return fs.ReadFile(src.fsys, name) }
